"""Every write of the matchmaking app: feedback, introductions, outcomes of matches."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from klynge.core import audit
from klynge.core.emails import queue_email
from klynge.ecosystem.models import Affiliation, AffiliationRole, Organisation
from klynge.matchmaking.models import (
    STAGE_ORDER,
    Feedback,
    Introduction,
    IntroductionStatus,
    Match,
    MatchOrigin,
    MatchStage,
    MatchStep,
)

_CONTACT_ROLES = (AffiliationRole.CONTACT, AffiliationRole.MEMBER_ADMIN, AffiliationRole.CEO)


def _not_self(organisation: Organisation, partner: Organisation) -> None:
    if organisation.pk == partner.pk:
        raise ValidationError({"partner": _("Choose another organisation than your own.")})


@transaction.atomic
def give_feedback(
    *, actor, organisation: Organisation, partner: Organisation, useful: bool
) -> Feedback:
    """Keeps the actor's verdict (one per partner, the latest wins)."""
    _not_self(organisation, partner)
    feedback, _created = Feedback.objects.update_or_create(
        user=actor, organisation=organisation, partner=partner, defaults={"useful": useful}
    )
    audit.record(
        actor=actor,
        action="matchmaking.feedback.give",
        target=organisation,
        data={"partner": partner.pk, "useful": useful},
    )
    return feedback


@transaction.atomic
def request_introduction(
    *, actor, organisation: Organisation, partner: Organisation, message: str = ""
) -> Introduction:
    _not_self(organisation, partner)
    if len(message) > 2000:
        raise ValidationError({"message": _("Keep the message under 2,000 characters.")})
    if Introduction.objects.filter(
        organisation=organisation, partner=partner, status=IntroductionStatus.PENDING
    ).exists():
        raise ValidationError(
            {"partner": _("You have already asked to be introduced to this organisation.")}
        )
    try:
        with transaction.atomic():
            introduction = Introduction.objects.create(
                organisation=organisation, partner=partner, requested_by=actor, message=message
            )
    except IntegrityError as error:  # a parallel identical request won
        raise ValidationError(
            {"partner": _("You have already asked to be introduced to this organisation.")}
        ) from error
    audit.record(
        actor=actor,
        action="matchmaking.introduction.request",
        target=introduction,
        data={"organisation": organisation.pk, "partner": partner.pk},
    )
    return introduction


def contact_emails(organisation: Organisation) -> list[str]:
    """Where an introduction goes: the organisation's contact people (contact, admin, CEO),
    else its own address."""
    emails = sorted(
        {
            email.lower()
            for email in Affiliation.objects.current()
            .filter(
                organisation=organisation, role__in=_CONTACT_ROLES, person__erased_at__isnull=True
            )
            .exclude(person__email="")
            .values_list("person__email", flat=True)
        }
    )
    if not emails and organisation.email:
        emails = [organisation.email.lower()]
    return emails


def _locked_pending(introduction: Introduction) -> Introduction:
    locked = Introduction.objects.select_for_update().get(pk=introduction.pk)
    if locked.status != IntroductionStatus.PENDING:
        raise ValidationError(_("This request has already been decided."))
    return locked


@transaction.atomic
def accept_introduction(*, actor, introduction: Introduction, note: str = "") -> Introduction:
    """Staff introduce the two: both sides' contacts get an e-mail with the note, and the pair
    enters the outcome funnel as a match at the stage "put in touch" (origin introduction)."""
    introduction = _locked_pending(introduction)
    introduction.status = IntroductionStatus.ACCEPTED
    introduction.note = note.strip()
    introduction.decided_by = actor
    introduction.decided_at = timezone.now()
    introduction.save(update_fields=["status", "note", "decided_by", "decided_at", "updated_at"])
    contacts_a = sorted(
        {introduction.requested_by.email.lower(), *contact_emails(introduction.organisation)}
    )
    contacts_b = contact_emails(introduction.partner)
    sides = [
        (introduction.organisation, introduction.partner, contacts_a, contacts_b),
        (introduction.partner, introduction.organisation, contacts_b, contacts_a),
    ]
    for own, other, recipients, other_contacts in sides:
        for email in recipients:
            queue_email(
                to=email,
                template="matchmaking/emails/introduction",
                context={
                    "organisation": own,
                    "partner": other,
                    "partner_contacts": other_contacts,
                    "note": introduction.note,
                    "message": introduction.message,
                },
            )
    audit.record(
        actor=actor,
        action="matchmaking.introduction.accept",
        target=introduction,
        data={"note": introduction.note},
    )
    # The introduction is the first step of a match: the funnel follows it from here.
    record_outcome(
        actor=actor,
        organisation_a=introduction.organisation,
        organisation_b=introduction.partner,
        stage=MatchStage.INTRODUCED,
        origin=MatchOrigin.INTRODUCTION,
        reached_on=timezone.localdate(introduction.decided_at),
    )
    return introduction


@transaction.atomic
def decline_introduction(*, actor, introduction: Introduction, reason: str) -> Introduction:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Tell the requester why.")})
    introduction = _locked_pending(introduction)
    introduction.status = IntroductionStatus.DECLINED
    introduction.reason = reason
    introduction.decided_by = actor
    introduction.decided_at = timezone.now()
    introduction.save(update_fields=["status", "reason", "decided_by", "decided_at", "updated_at"])
    queue_email(
        to=introduction.requested_by.email,
        template="matchmaking/emails/introduction_declined",
        context={"introduction": introduction, "reason": reason},
    )
    audit.record(
        actor=actor,
        action="matchmaking.introduction.decline",
        target=introduction,
        data={"reason": reason},
    )
    return introduction


@transaction.atomic
def record_outcome(
    *,
    actor,
    organisation_a: Organisation,
    organisation_b: Organisation,
    stage: str,
    origin: str = MatchOrigin.OTHER,
    event=None,
    reached_on: datetime.date | None = None,
    note: str = "",
) -> Match:
    """Records that two organisations reached `stage` (introduced, met, follow_up,
    joint_project, application, funded), through `origin` (recommendation, introduction, meeting, other),
    possibly at `event`. One match per pair and event (or per pair without an event); a stage
    is recorded once (recording it again changes nothing) and the match's stage only moves
    forward. `actor` may be None for the system. Returns the match."""
    if organisation_a.pk == organisation_b.pk:
        raise ValidationError({"organisation_b": _("A match needs two different organisations.")})
    if stage not in STAGE_ORDER:
        raise ValidationError({"stage": _("Choose a valid stage.")})
    if origin not in MatchOrigin.values:
        raise ValidationError({"origin": _("Choose a valid origin.")})
    reached_on = reached_on or timezone.localdate()
    if reached_on > timezone.localdate():
        raise ValidationError({"reached_on": _("The date cannot be in the future.")})
    first, second = sorted((organisation_a, organisation_b), key=lambda o: o.pk)
    # Lock the pair (in primary-key order) so two recordings of the same pair serialise.
    list(
        Organisation.objects.select_for_update().filter(pk__in=[first.pk, second.pk]).order_by("pk")
    )
    match = Match.objects.filter(organisation_a=first, organisation_b=second, event=event).first()
    if match is None:
        match = Match.objects.create(
            organisation_a=first,
            organisation_b=second,
            event=event,
            origin=origin,
            stage=stage,
            stage_on=reached_on,
        )
    elif STAGE_ORDER[stage] > STAGE_ORDER[match.stage]:
        match.stage, match.stage_on = stage, reached_on
        match.save(update_fields=["stage", "stage_on", "updated_at"])
    _step, created = MatchStep.objects.get_or_create(
        match=match,
        stage=stage,
        defaults={
            "reached_on": reached_on,
            "recorded_by": actor if getattr(actor, "is_authenticated", False) else None,
            "note": note[:300],
        },
    )
    if created:
        audit.record(
            actor=actor,
            action="matchmaking.match.record",
            target=match,
            data={"stage": stage, "origin": origin, "reached_on": reached_on.isoformat()},
        )
    return match


__all__ = [
    "MatchStage",
    "accept_introduction",
    "decline_introduction",
    "give_feedback",
    "record_outcome",
    "request_introduction",
]
