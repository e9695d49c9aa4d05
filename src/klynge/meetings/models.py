"""B2B matchmaking sessions at events: participants, requests, slots, tables and meetings.

The database guarantees what matters on both engines: a table is used once per slot
(`Meeting` unique (slot, table)) and a person sits at one table per slot (`MeetingSeat`, one row
per participant of a meeting, unique (slot, participant)). Services lock the two participants'
rows before an acceptance, so per-person caps also hold under concurrent acceptances.
"""

import secrets

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from klynge.core.models import TimeStampedModel
from klynge.ecosystem.models import Organisation, Person
from klynge.events.models import Event


class SchedulingMode(models.TextChoices):
    ON_ACCEPT = "on_accept", _("The time is picked when a request is accepted")
    ORGANISER = "organiser", _("The organiser schedules all accepted requests")


class Venue(models.TextChoices):
    TABLES = "tables", _("Tables")
    ROOMS = "rooms", _("Rooms")
    ONLINE = "online", _("Online")


def _token() -> str:
    return secrets.token_urlsafe(24)


class MatchmakingSession(TimeStampedModel):
    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="matchmaking"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    mode = models.CharField(
        _("scheduling"),
        max_length=10,
        choices=SchedulingMode.choices,
        default=SchedulingMode.ON_ACCEPT,
    )
    venue = models.CharField(_("meets at"), max_length=10, choices=Venue.choices, default="tables")
    online_url = models.URLField(_("meeting link"), blank=True)
    slot_minutes = models.PositiveSmallIntegerField(_("slot length (minutes)"), default=20)
    max_meetings = models.PositiveSmallIntegerField(_("meetings per person at most"), default=8)
    request_expiry_hours = models.PositiveSmallIntegerField(
        _("requests expire after (hours)"), default=48
    )
    open = models.BooleanField(_("open for opt-in and requests"), default=True)
    requires_registration = models.BooleanField(
        _("only people registered for the event take part"),
        default=True,
        help_text=_("Untick it for an event that does not use Klynge's registration."),
    )
    published_at = models.DateTimeField(_("schedule published"), null=True, blank=True)

    class Meta:
        ordering = ["event__starts_at", "id"]
        verbose_name = _("matchmaking session")
        verbose_name_plural = _("matchmaking sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(slot_minutes__gte=5), name="meetings_session_slot_min_5"
            ),
            models.CheckConstraint(
                condition=Q(max_meetings__gte=1), name="meetings_session_cap_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def table_word(self) -> str:
        return str(_("Room")) if self.venue == Venue.ROOMS else str(_("Table"))


class TimeSlot(models.Model):
    session = models.ForeignKey(
        MatchmakingSession,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="slots",
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("time slot")
        verbose_name_plural = _("time slots")
        constraints = [
            models.UniqueConstraint(fields=["session", "starts_at"], name="meetings_slot_unique"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="meetings_slot_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class Table(models.Model):
    session = models.ForeignKey(
        MatchmakingSession,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="tables",
    )
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("table")
        verbose_name_plural = _("tables")
        constraints = [
            models.UniqueConstraint(fields=["session", "number"], name="meetings_table_unique")
        ]

    def __str__(self) -> str:
        return self.name or str(self.number)


class Participant(TimeStampedModel):
    session = models.ForeignKey(
        MatchmakingSession,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="participants",
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("for organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    offers = models.TextField(_("offers"), blank=True)
    looking_for = models.TextField(_("looking for"), blank=True)
    available_slots = models.ManyToManyField(
        TimeSlot, verbose_name=_("available in"), blank=True, related_name="available"
    )
    agenda_token = models.CharField(max_length=64, unique=True, default=_token)

    class Meta:
        ordering = ["person__last_name", "person__first_name", "id"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="meetings_participant_once")
        ]

    def __str__(self) -> str:
        if self.organisation_id:
            return f"{self.person.full_name} ({self.organisation.name})"
        return self.person.full_name


class Priority(models.IntegerChoices):
    LOW = 1, _("Nice to meet")
    NORMAL = 2, _("Want to meet")
    HIGH = 3, _("Must meet")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CANCELLED = "cancelled", _("Cancelled after acceptance")


LIVE_REQUEST_STATUSES = (RequestStatus.PENDING, RequestStatus.ACCEPTED)


class MeetingRequest(TimeStampedModel):
    session = models.ForeignKey(
        MatchmakingSession,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="requests",
    )
    sender = models.ForeignKey(
        Participant, verbose_name=_("from"), on_delete=models.CASCADE, related_name="sent"
    )
    recipient = models.ForeignKey(
        Participant, verbose_name=_("to"), on_delete=models.CASCADE, related_name="received"
    )
    note = models.TextField(_("note"), blank=True, max_length=1000)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    cancelled_reason = models.CharField(_("why it was cancelled"), max_length=300, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("meeting request")
        verbose_name_plural = _("meeting requests")
        constraints = [
            models.CheckConstraint(
                condition=~Q(sender=F("recipient")), name="meetings_request_not_to_oneself"
            ),
            models.UniqueConstraint(
                fields=["sender", "recipient"],
                condition=Q(status__in=["pending", "accepted"]),
                name="meetings_request_one_live_per_pair",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="meetings_request_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.sender} → {self.recipient}"


class MeetingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft (not published)")
    CONFIRMED = "confirmed", _("Confirmed")


class Meeting(TimeStampedModel):
    """An accepted request placed at a slot and table. At most one per (slot, table)."""

    session = models.ForeignKey(
        MatchmakingSession,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="meetings",
    )
    request = models.OneToOneField(
        MeetingRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="meeting"
    )
    slot = models.ForeignKey(
        TimeSlot, verbose_name=_("time slot"), on_delete=models.CASCADE, related_name="meetings"
    )
    table = models.ForeignKey(
        Table, verbose_name=_("table"), on_delete=models.CASCADE, related_name="meetings"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.CONFIRMED
    )
    # Set by the periodic job in the same statement that claims the e-mail, so each goes once.
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    follow_up_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["slot__starts_at", "table__number"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.UniqueConstraint(fields=["slot", "table"], name="meetings_table_once_per_slot")
        ]

    def __str__(self) -> str:
        return f"{self.request} @ {self.slot} / {self.table}"


class MeetingSeat(models.Model):
    """One row per participant of a meeting: nobody can be in two meetings in one slot."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="seats")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="seats")
    slot = models.ForeignKey(TimeSlot, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "participant"], name="meetings_person_once_per_slot"
            ),
            models.UniqueConstraint(
                fields=["meeting", "participant"], name="meetings_seat_once_per_meeting"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} @ {self.slot_id}"


class FollowUp(models.Model):
    """A participant's answer after a meeting: did it happen, and is a follow-up agreed?"""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="follow_ups")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    happened = models.BooleanField(_("the meeting happened"))
    follow_up = models.BooleanField(_("we agreed to follow up"), default=False)
    answered_at = models.DateTimeField(_("answered"), auto_now=True)

    class Meta:
        verbose_name = _("meeting follow-up")
        verbose_name_plural = _("meeting follow-ups")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "participant"], name="meetings_follow_up_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}: {self.happened}/{self.follow_up}"
