import rules

rules.add_perm("events.view_event", rules.always_allow)
