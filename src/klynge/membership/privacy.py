"""Membership's part of a person's data download and of an erasure (see ecosystem/privacy.py).

Applications keep the contact person's name and e-mail as typed on the public form.
"""

from django.utils.translation import gettext_lazy as _

from klynge.ecosystem.privacy import register_erasure_step, register_personal_data
from klynge.membership.models import MembershipApplication


def _collect(user):
    return [
        {"organisation": name, "submitted": created, "status": status, "contact_name": contact}
        for name, created, status, contact in MembershipApplication.objects.filter(
            contact_email__iexact=user.email
        )
        .order_by("created_at")
        .values_list("organisation__name", "created_at", "status", "contact_name")
    ]


def _erase(*, actor, person, user=None, old_emails=frozenset()):
    # The application itself stays (the organisation applied); who wrote it does not.
    for email in old_emails:
        MembershipApplication.objects.filter(contact_email__iexact=email).update(
            contact_name="", contact_email=f"erased-person-{person.pk}@invalid"
        )


register_personal_data(
    "membership_applications", _collect, label=_("Membership applications you sent")
)
register_erasure_step("membership", _erase)
