"""Who may do what with surveys. Staff build, send and read them; members see only the
aggregated results staff chose to publish; answering needs no login (the personal link is the
authorisation, checked in the view)."""

import rules

from klynge.accounts.predicates import is_cluster_staff, is_member_person


@rules.predicate
def results_published(user, survey) -> bool:
    return survey is not None and survey.publish_results and not survey.is_draft


rules.add_perm("surveys.manage_survey", is_cluster_staff)
rules.add_perm("surveys.view_results", is_cluster_staff)
rules.add_perm("surveys.export_responses", is_cluster_staff)
rules.add_perm("surveys.record_need", is_cluster_staff)
rules.add_perm("surveys.view_needs", is_cluster_staff)
rules.add_perm(
    "surveys.view_published_results", is_cluster_staff | (is_member_person & results_published)
)
rules.add_perm("surveys.view_own_surveys", rules.is_authenticated)
