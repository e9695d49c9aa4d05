import rules

from klynge.accounts.predicates import is_cluster_staff


@rules.predicate
def is_signed_in(user) -> bool:
    return user.is_authenticated


@rules.predicate
def is_open(user, session) -> bool:
    return session is not None and session.open


@rules.predicate
def is_participant(user, session) -> bool:
    return (
        session is not None
        and user.is_authenticated
        and session.participants.filter(person__user=user).exists()
    )


@rules.predicate
def is_recipient(user, request) -> bool:
    return request is not None and request.recipient.person.user_id == user.pk


@rules.predicate
def is_sender(user, request) -> bool:
    return request is not None and request.sender.person.user_id == user.pk


# The session object comes from `get_session_for_user`, which only finds sessions of events
# the user may see.
rules.add_perm("meetings.view_session", is_signed_in)
rules.add_perm("meetings.opt_in", is_signed_in & (is_open | is_cluster_staff))
rules.add_perm("meetings.participate", is_signed_in & is_participant)
rules.add_perm("meetings.answer_request", is_signed_in & is_recipient)
rules.add_perm("meetings.withdraw_request", is_signed_in & is_sender)
rules.add_perm(
    "meetings.cancel_request", is_signed_in & (is_sender | is_recipient | is_cluster_staff)
)
rules.add_perm("meetings.view_agenda", is_signed_in)
rules.add_perm("meetings.manage_session", is_cluster_staff)
