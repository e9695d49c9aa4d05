"""The staff CRM is for cluster staff only: members never see what the cluster notes about them."""

import rules

from klynge.accounts.predicates import is_cluster_staff

rules.add_perm("crm.view_crm", is_cluster_staff)
rules.add_perm("crm.add_interaction", is_cluster_staff)
rules.add_perm("crm.change_account", is_cluster_staff)
rules.add_perm("crm.view_tasks", is_cluster_staff)
rules.add_perm("crm.add_task", is_cluster_staff)
rules.add_perm("crm.change_task", is_cluster_staff)
