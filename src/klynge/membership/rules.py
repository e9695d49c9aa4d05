"""Who may do what with tiers, applications, memberships and invoices.

Cluster staff manage everything. A member admin sees the memberships and invoices of the
organisations they administer, also after the membership lapsed (to pay what is still open).
"""

import rules

from klynge.accounts.predicates import is_cluster_staff
from klynge.membership.selectors import billing_organisation_ids


@rules.predicate
def is_billing_admin(user) -> bool:
    """Member admin of at least one organisation (member or not any more)."""
    return bool(billing_organisation_ids(user))


@rules.predicate
def administers_buyer(user, obj) -> bool:
    """`obj` (a membership or an invoice) belongs to an organisation the user administers."""
    return obj is not None and obj.organisation_id in billing_organisation_ids(user)


rules.add_perm("membership.apply", rules.always_allow)
rules.add_perm("membership.manage_tiers", is_cluster_staff)
rules.add_perm("membership.view_application_list", is_cluster_staff)
rules.add_perm("membership.decide_application", is_cluster_staff)
rules.add_perm("membership.view_membership_list", is_cluster_staff)
rules.add_perm("membership.end_membership", is_cluster_staff)
rules.add_perm("membership.list_memberships", is_cluster_staff | is_billing_admin)
rules.add_perm("membership.view_membership", is_cluster_staff | administers_buyer)
rules.add_perm("membership.view_own_membership", is_billing_admin)
rules.add_perm("membership.view_invoice_list", is_cluster_staff)
rules.add_perm("membership.list_invoices", is_cluster_staff | is_billing_admin)
rules.add_perm("membership.view_invoice", is_cluster_staff | administers_buyer)
rules.add_perm("membership.export_invoices", is_cluster_staff)
rules.add_perm("membership.mark_invoice_paid", is_cluster_staff)
rules.add_perm("membership.credit_invoice", is_cluster_staff)
