"""Who may see and edit programmes.

Seeing a programme follows the event: the views fetch the event through
`selectors.get_programme_event`, which answers 404 to whoever may not see it.
"""

import rules

from klynge.accounts.predicates import is_cluster_staff

rules.add_perm("schedule.view_programme", rules.always_allow)
rules.add_perm("schedule.change_programme", is_cluster_staff)
rules.add_perm("schedule.import_programme", is_cluster_staff)
rules.add_perm("schedule.use_agenda", rules.is_authenticated)
