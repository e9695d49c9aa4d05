"""Who may see, book and manage resources.

Everyone sees the resources and their free and taken times (no names). Booking depends on the
resource's audience: members' employees and staff; students too where allowed, with a supervisor;
or staff only. A booking is seen by its person, their supervisor, the admins of the organisation
whose hours it uses, and staff; its person (or staff) changes and cancels it.
"""

import rules

from klynge.accounts.predicates import is_cluster_staff, is_member_admin
from klynge.accounts.roles import Role, roles_for
from klynge.bookings import services


@rules.predicate
def is_signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


@rules.predicate
def may_book(user, resource) -> bool:
    if not is_signed_in(user):
        return False
    if resource is None:
        roles = roles_for(user)
        return bool(roles.roles & {Role.STAFF, Role.MEMBER_EMPLOYEE, Role.STUDENT})
    return services.may_book(user, resource)


@rules.predicate
def owns_booking(user, booking) -> bool:
    return booking is not None and is_signed_in(user) and booking.user_id == user.pk


@rules.predicate
def sees_booking(user, booking) -> bool:
    if booking is None or not is_signed_in(user):
        return False
    return (
        booking.user_id == user.pk
        or booking.supervisor_id == user.pk
        or booking.organisation_id in roles_for(user).administered_ids
    )


@rules.predicate
def owns_offer(user, entry) -> bool:
    return entry is not None and is_signed_in(user) and entry.user_id == user.pk


rules.add_perm("bookings.view_resource", rules.always_allow)
rules.add_perm("bookings.book_resource", may_book)
rules.add_perm("bookings.manage_resources", is_cluster_staff)
rules.add_perm("bookings.view_own_bookings", is_signed_in)
rules.add_perm("bookings.view_organisation_bookings", is_member_admin | is_cluster_staff)
rules.add_perm("bookings.view_booking", is_cluster_staff | sees_booking)
rules.add_perm("bookings.change_booking", is_cluster_staff | owns_booking)
rules.add_perm("bookings.accept_offer", owns_offer)
rules.add_perm("bookings.approve_booking", is_cluster_staff)
rules.add_perm("bookings.mark_attendance", is_cluster_staff)
rules.add_perm("bookings.view_reports", is_cluster_staff)
rules.add_perm("bookings.bill_overage", is_cluster_staff)
