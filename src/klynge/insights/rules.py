"""Who may see and give economic figures and the impact reports.

An organisation's own figures are seen and given by staff and by that organisation's admins
only. KPIs, the dashboards, the annual report and the evidence pack are for staff; board
members see the board view through an expiring link staff create (no login needed, see
`views.board`), which shows only aggregates with small groups suppressed.
"""

import rules

from klynge.accounts.predicates import is_cluster_staff, is_member_admin, is_member_admin_of

rules.add_perm("insights.view_dashboard", is_cluster_staff)
rules.add_perm("insights.manage", is_cluster_staff)
rules.add_perm("insights.view_figures", is_cluster_staff | is_member_admin_of)
rules.add_perm("insights.record_figures", is_cluster_staff | is_member_admin_of)
rules.add_perm("insights.view_own_figures", is_cluster_staff | is_member_admin)
