"""What happened to an application or a membership, for other apps to follow (the CRM moves
the organisation through its pipeline). Sent inside the service's transaction, after the change:
a receiver that fails undoes the change with it.

Every signal is sent with `actor` (a user, or None for the renewal run) and the object.
"""

from django.dispatch import Signal

# application=MembershipApplication
application_submitted = Signal()
# application=MembershipApplication, membership=Membership
application_approved = Signal()
# application=MembershipApplication (its `reason` says why)
application_rejected = Signal()
# membership=Membership, previous=str (the status before), on=date; status is membership.status
# (active again after a renewal from grace, grace, lapsed or ended)
membership_status_changed = Signal()
