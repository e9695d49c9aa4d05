"""Invitations: personal links sent to an audience, and reminders to those who have not answered.

The link's token is the invitation's random public id signed with the secret key: it cannot be
guessed or forged, it is not stored (a copy of the database holds no working link), and it can
be made again for a reminder. E-mails are rendered and sent by the task worker, queued in the
same transaction as the invitation (see `klynge.core.emails`), so a rollback sends nothing.

Reminders claim their invitations with one conditional UPDATE that stamps a batch id: two runs
at once (the periodic job on two servers, or the job and the button) never remind anyone twice.
"""

from __future__ import annotations

import datetime
import uuid

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from klynge.core import audit
from klynge.core.emails import enqueue_on_commit, send_email_now
from klynge.surveys.audiences import (
    Audience,
    AudienceKind,
    Recipient,
    Who,
    describe,
    recipients,
)
from klynge.surveys.models import Invitation, Mailing, Survey, SurveyStatus
from klynge.surveys.texts import COUNTRY_LANGUAGE, pick_language

TOKEN_SALT = "klynge.surveys.invitation"  # noqa: S105 - a salt, not a secret
# The reminder button never reminds someone reminded (or invited) less than this long ago.
MANUAL_REMINDER_GAP = datetime.timedelta(hours=20)


# --- Links ------------------------------------------------------------------------------------


def token_for(invitation: Invitation) -> str:
    return signing.Signer(salt=TOKEN_SALT).sign(invitation.public_id.hex)


def link_for(invitation: Invitation, base_url: str = "") -> str:
    return base_url + reverse("surveys:answer", args=[token_for(invitation)])


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation of a link, or None for a forged, mangled or withdrawn one."""
    try:
        public_id = uuid.UUID(hex=signing.Signer(salt=TOKEN_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None
    return (
        Invitation.objects.select_related("survey", "person", "organisation")
        .filter(public_id=public_id)
        .first()
    )


# --- Inviting ---------------------------------------------------------------------------------


def _language_of(survey: Survey, recipient: Recipient) -> str:
    person = recipient.person
    user = person.user if person.user_id else None
    organisation = recipient.organisation
    wanted = [
        user.language if user is not None else "",
        *(person.languages or []),
        COUNTRY_LANGUAGE.get(organisation.country, "") if organisation is not None else "",
    ]
    return pick_language(wanted, survey.languages, survey.default_language)


def _check_audience(audience: Audience) -> None:
    errors: dict[str, list[str]] = {}
    if audience.kind not in AudienceKind.values:
        errors["audience"] = [_("Choose who the survey goes to.")]
    elif audience.kind == AudienceKind.EVENT:
        from klynge.events.models import Event

        found = Event.objects.filter(pk__in=audience.event_ids).count()
        if not audience.event_ids or found != len(set(audience.event_ids)):
            errors["events"] = [_("Choose at least one event.")]
    elif audience.who not in Who.values:
        errors["who"] = [_("Choose whom to invite at each organisation.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def invite(*, actor, survey: Survey, audience: Audience, base_url: str = "") -> Mailing:
    """Invites everyone in `audience` not invited to the survey yet, each with a personal
    link, by e-mail (queued, sent by the worker after commit). People without an e-mail
    address are skipped and counted. The survey must be open."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if not survey.is_open:
        raise ValidationError(_("Open the survey before inviting people."))
    _check_audience(audience)
    already = set(survey.invitations.values_list("person_id", flat=True))
    now = timezone.now()
    mailing = Mailing.objects.create(
        survey=survey,
        audience=audience.kind,
        parameters=audience.parameters(),
        description=describe(audience)[:300],
        sent_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    new: list[Invitation] = []
    skipped = 0
    for recipient in recipients(audience, actor=actor):
        person = recipient.person
        if person.pk in already:
            continue
        if not person.email:
            skipped += 1
            continue
        already.add(person.pk)
        new.append(
            Invitation(
                survey=survey,
                person=person,
                organisation=recipient.organisation,
                mailing=mailing,
                email=person.email,
                language=_language_of(survey, recipient),
                last_sent_at=now,
            )
        )
    created = Invitation.objects.bulk_create(new)
    mailing.invited, mailing.skipped = len(created), skipped
    mailing.save(update_fields=["invited", "skipped"])
    for invitation in created:
        _queue_email(invitation.pk, "invitation", base_url)
    audit.record(
        actor=actor,
        action="surveys.invitations.send",
        target=survey,
        data={"audience": audience.kind, "invited": len(created), "skipped": skipped},
    )
    return mailing


def _queue_email(invitation_id: int, kind: str, base_url: str) -> None:
    from klynge.surveys.tasks import send_survey_email_task

    enqueue_on_commit(
        send_survey_email_task, invitation_id=invitation_id, kind=kind, base_url=base_url
    )


# --- Reminders --------------------------------------------------------------------------------


def _claim_and_queue(invitations, *, now, base_url: str) -> int:
    """Stamps the invitations with a new batch id (one conditional UPDATE), then queues an
    e-mail for each row this run stamped."""
    batch = uuid.uuid4()
    count = invitations.update(
        send_batch=batch, last_sent_at=now, reminders_sent=F("reminders_sent") + 1
    )
    if count:
        for pk in Invitation.objects.filter(send_batch=batch).values_list("pk", flat=True):
            _queue_email(pk, "reminder", base_url)
    return count


@transaction.atomic
def send_reminders(*, actor, survey: Survey, base_url: str = "", now=None) -> int:
    """The reminder button: reminds everyone invited who has not answered, except those
    e-mailed in the last 20 hours (so a second click sends nothing). Returns how many."""
    now = now or timezone.now()
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if not survey.is_open_at(now):
        raise ValidationError(_("Reminders go out only while the survey is open."))
    pending = Invitation.objects.filter(
        survey=survey, responded=False, last_sent_at__lte=now - MANUAL_REMINDER_GAP
    )
    count = _claim_and_queue(pending, now=now, base_url=base_url)
    audit.record(
        actor=actor,
        action="surveys.reminders.send",
        target=survey,
        data={"reminded": count, "automatic": False},
    )
    return count


def send_due_reminders(*, now=None, base_url: str = "") -> int:
    """The periodic job: for every open survey with automatic reminders, reminds those who
    have not answered once `reminder_days` have passed since their last e-mail, at most
    `max_reminders` times. Idempotent. Returns the number of reminders queued."""
    now = now or timezone.now()
    total = 0
    surveys = Survey.objects.filter(
        status=SurveyStatus.OPEN, closes_at__gt=now, reminder_days__gt=0, max_reminders__gt=0
    )
    for survey in surveys:
        with transaction.atomic():
            due = Invitation.objects.filter(
                survey=survey,
                responded=False,
                reminders_sent__lt=survey.max_reminders,
                last_sent_at__lte=now - datetime.timedelta(days=survey.reminder_days),
            )
            count = _claim_and_queue(due, now=now, base_url=base_url)
            if count:
                audit.record(
                    actor=None,
                    action="surveys.reminders.send",
                    target=survey,
                    data={"reminded": count, "automatic": True},
                )
        total += count
    return total


# --- The e-mail (run by the task worker) --------------------------------------------------------


def send_invitation_email(invitation_id: int, kind: str, base_url: str = "") -> int:
    """Renders and sends an invitation or reminder now, in the invitation's language; nothing
    when the survey is no longer open, or (a reminder) the person has answered meanwhile."""
    invitation = (
        Invitation.objects.select_related("survey", "person").filter(pk=invitation_id).first()
    )
    if invitation is None or invitation.person.erased_at is not None:
        return 0
    survey = invitation.survey
    if not survey.is_open or (kind == "reminder" and invitation.responded):
        return 0
    language = invitation.language
    return send_email_now(
        to=invitation.email,
        template=f"surveys/emails/{'reminder' if kind == 'reminder' else 'invitation'}",
        context={
            "survey": survey,
            "title": survey.text("title", language),
            "intro": survey.text("intro", language),
            "person": invitation.person,
            "link": link_for(invitation, base_url),
            "closes_at": timezone.localtime(survey.closes_at),
            "anonymous": survey.anonymous,
        },
        language=language,
    )
