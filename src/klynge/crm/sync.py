"""The pipeline follows what organisations do: applying for membership moves the account to
"applied", approval to "member", a rejection, a lapse or an ending to "lost" with the reason, and
checking in at an event logs an "event" interaction. Each stage change is noted in the
organisation's interaction log (see `services.change_stage`).

The receivers run inside the membership or events service's transaction: the CRM and the
membership never disagree.
"""

from __future__ import annotations

from django.conf import settings
from django.dispatch import receiver
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import override

from klynge.crm import services
from klynge.crm.models import InteractionKind, Stage
from klynge.events.signals import registration_checked_in
from klynge.membership.models import MembershipStatus
from klynge.membership.signals import (
    application_approved,
    application_rejected,
    application_submitted,
    membership_status_changed,
)


def _date(value) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


@receiver(application_submitted, dispatch_uid="crm.sync.applied")
def _applied(sender, actor, application, **kwargs):
    services.change_stage(actor=actor, organisation=application.organisation, stage=Stage.APPLIED)


@receiver(application_approved, dispatch_uid="crm.sync.approved")
def _approved(sender, actor, application, membership, **kwargs):
    services.change_stage(actor=actor, organisation=application.organisation, stage=Stage.MEMBER)


@receiver(application_rejected, dispatch_uid="crm.sync.rejected")
def _rejected(sender, actor, application, **kwargs):
    # The log is shared by the staff: written in the cluster's language.
    with override(settings.LANGUAGE_CODE):
        reason = _("The membership application was rejected: %(reason)s") % {
            "reason": application.reason
        }
    services.change_stage(
        actor=actor, organisation=application.organisation, stage=Stage.LOST, lost_reason=reason
    )


@receiver(membership_status_changed, dispatch_uid="crm.sync.membership")
def _membership_changed(sender, actor, membership, previous, on, **kwargs):
    organisation = membership.organisation
    if membership.status == MembershipStatus.ACTIVE:  # renewed after a grace period
        services.change_stage(actor=actor, organisation=organisation, stage=Stage.MEMBER)
        return
    with override(settings.LANGUAGE_CODE):
        if membership.status == MembershipStatus.GRACE:
            note = _(
                "The membership is in its grace period from %(date)s: the renewal is not paid."
            ) % {"date": _date(on)}
        elif membership.status == MembershipStatus.LAPSED:
            reason = _("The membership lapsed on %(date)s: the renewal was not paid.") % {
                "date": _date(on)
            }
        else:
            reason = _("The membership ended on %(date)s.") % {"date": _date(on)}
    if membership.status == MembershipStatus.GRACE:
        services.log_interaction(
            actor=actor,
            organisation=organisation,
            kind=InteractionKind.NOTE,
            occurred_at=membership.updated_at,
            summary=note,
            reference=f"membership.grace:{membership.pk}:{on.isoformat()}",
        )
        return
    services.change_stage(
        actor=actor, organisation=organisation, stage=Stage.LOST, lost_reason=reason
    )


@receiver(registration_checked_in, dispatch_uid="crm.sync.checked_in")
def _checked_in(sender, actor, registration, **kwargs):
    event = registration.event
    with override(settings.LANGUAGE_CODE):
        summary = _("Attended %(event)s.") % {"event": event.display_title}
    services.log_interaction(
        actor=None,  # written by Klynge, not by whoever scanned the ticket
        organisation=registration.organisation,
        person=registration.person,
        kind=InteractionKind.EVENT,
        occurred_at=registration.checked_in_at,
        summary=summary,
        reference=f"events.registration:{registration.pk}",
    )
