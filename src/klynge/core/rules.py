import rules

from klynge.accounts.predicates import is_cluster_staff, is_staff_admin

rules.add_perm("core.view_dashboard", rules.is_authenticated)
rules.add_perm("core.view_auditentry", is_cluster_staff)
rules.add_perm("core.use_admin_site", is_staff_admin)
