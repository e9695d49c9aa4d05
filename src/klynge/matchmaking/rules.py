"""Who may see recommendations, give feedback, ask for and broker introductions, see outcomes."""

import rules

from klynge.accounts.predicates import acts_for, is_cluster_staff, is_member_person

# Member admins and employees for their own organisation; staff for any.
may_act_for = is_cluster_staff | (is_member_person & acts_for)

rules.add_perm("matchmaking.view_recommendations", may_act_for)
rules.add_perm("matchmaking.give_feedback", may_act_for)
rules.add_perm("matchmaking.request_introduction", may_act_for)
rules.add_perm("matchmaking.view_my_recommendations", rules.is_authenticated)
rules.add_perm("matchmaking.broker_introduction", is_cluster_staff)
rules.add_perm("matchmaking.view_outcomes", is_cluster_staff)
rules.add_perm("matchmaking.record_outcome", is_cluster_staff)
