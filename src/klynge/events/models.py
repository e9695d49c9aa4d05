"""Events, their ticket categories, questions and registrations.

Times are stored in UTC; every event also names the time zone it happens in (`time_zone`), in
which its page, e-mails and calendar entries show it. Titles and descriptions are content in
Danish and English (`title_da`, `title_en`, ...) shown in the visitor's language with a fallback
to the other language and finally to `title`, which always holds a title (older callers and the
programme app use it).
"""

import secrets
import zoneinfo

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from klynge.core.models import TimeStampedModel
from klynge.ecosystem.models import Organisation, Person, Sdg


class EventKind(models.TextChoices):
    BREAKFAST_SEMINAR = "breakfast_seminar", _("Breakfast seminar")
    WORKSHOP = "workshop", _("Workshop")
    COURSE = "course", _("Course")
    MEMBER_MEETING = "member_meeting", _("Member meeting")
    CONFERENCE = "conference", _("Conference or festival")
    HACKATHON = "hackathon", _("Hackathon")
    STUDY_TRIP = "study_trip", _("Study trip")
    WEBINAR = "webinar", _("Webinar")
    NETWORKING = "networking", _("Networking event")


class EventFormat(models.TextChoices):
    ONSITE = "onsite", _("On site")
    ONLINE = "online", _("Online")
    HYBRID = "hybrid", _("Hybrid")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    MEMBERS = "members", _("Members only")
    INVITED = "invited", _("Invited only")


class EventStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", _("Cancelled")


class Pillar(models.TextChoices):
    """The cluster's strategic pillars (DESIGN.md: activity is reported per pillar and SDG)."""

    INNOVATION = "innovation", _("Innovation and technology")
    TALENT = "talent", _("Talent and competences")
    BUSINESS = "business", _("Business development")
    INTERNATIONAL = "international", _("Internationalisation")
    SUSTAINABILITY = "sustainability", _("Sustainability")


class SeatCounted(models.Model):
    """A model with a `seats_taken` counter that only the events services change, with single
    UPDATE statements: saving an instance (a form, the admin) never writes it back, so a copy
    read before a registration cannot undo that registration's count."""

    class Meta:
        abstract = True

    def save(self, **kwargs):
        if not self._state.adding and kwargs.get("update_fields") is None:
            if not kwargs.get("force_insert"):
                kwargs["update_fields"] = [
                    f.name
                    for f in self._meta.concrete_fields
                    if not f.primary_key and f.name != "seats_taken"
                ]
        super().save(**kwargs)


def default_time_zone() -> str:
    return settings.TIME_ZONE


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones()) if "/" in name]


class Event(SeatCounted, TimeStampedModel):
    title = models.CharField(_("title"), max_length=200)
    title_da = models.CharField(_("title in Danish"), max_length=200, blank=True)
    title_en = models.CharField(_("title in English"), max_length=200, blank=True)
    slug = models.SlugField(_("short name"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    format = models.CharField(_("format"), max_length=10, choices=EventFormat.choices)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    status = models.CharField(
        _("status"), max_length=10, choices=EventStatus.choices, default=EventStatus.DRAFT
    )
    starts_at = models.DateTimeField(_("starts"), db_index=True)
    ends_at = models.DateTimeField(_("ends"))
    time_zone = models.CharField(
        _("time zone"), max_length=64, default=default_time_zone, choices=time_zone_choices
    )
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    online_url = models.URLField(_("stream or meeting link"), blank=True)
    summary = models.TextField(_("summary"), blank=True)
    description_da = models.TextField(_("description in Danish"), blank=True)
    description_en = models.TextField(_("description in English"), blank=True)
    organiser = models.ForeignKey(
        Organisation,
        verbose_name=_("organiser"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="organised_events",
    )
    co_organisers = models.ManyToManyField(
        Organisation,
        verbose_name=_("co-organisers"),
        blank=True,
        related_name="co_organised_events",
        help_text=_("Member organisations and partner clusters organising it with us."),
    )
    pillars = models.JSONField(_("pillars"), default=list, blank=True)
    sdgs = models.ManyToManyField(
        Sdg, verbose_name=_("sustainable development goals"), blank=True, related_name="events"
    )
    # Registration
    capacity = models.PositiveIntegerField(
        _("seats"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    waitlist = models.BooleanField(_("waiting list when full"), default=True)
    requires_approval = models.BooleanField(_("registrations need approval"), default=False)
    registration_opens_at = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(_("registration closes"), null=True, blank=True)
    offer_hours = models.PositiveSmallIntegerField(
        _("hours to accept a freed seat"),
        default=48,
        help_text=_("0: people on the waiting list get a freed seat at once."),
    )
    # Registrations holding a seat (confirmed, or offered from the waiting list). Kept exact by
    # every service that takes or frees a seat, so one conditional UPDATE decides a seat
    # (services._take_seat) instead of counting rows under a lock.
    seats_taken = models.PositiveIntegerField(_("seats taken"), default=0, editable=False)
    cancellation_note = models.TextField(_("cancellation notice"), blank=True)
    free_cancellation_days = models.PositiveSmallIntegerField(
        _("free cancellation until (days before)"),
        default=7,
        help_text=_(
            "Paid registrations cancelled at least this many days before the start are credited; "
            "later ones are not refunded."
        ),
    )
    stream_opens_minutes = models.PositiveSmallIntegerField(
        _("stream link shown (minutes before the start)"), default=15
    )
    send_follow_up = models.BooleanField(
        _("follow-up e-mail after the event"),
        default=True,
        help_text=_("With the recording, if any, and a short feedback form."),
    )
    # A partner's event imported from its public calendar feed (calendar_import.py): shown in
    # our calendar, marked as external; people register at `external_url`, not here.
    source = models.ForeignKey(
        "events.CalendarSource",
        verbose_name=_("imported from"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
    )
    external_uid = models.CharField(
        _("identifier in the partner's calendar"), max_length=400, blank=True
    )
    external_url = models.URLField(_("page at the organiser"), max_length=500, blank=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=F("starts_at")), name="event_ends_after_start"
            ),
            # The seat counter never passes the seats: lowering the seats below the seats
            # taken is refused by the database too, whatever registers at the same moment.
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(seats_taken__lte=F("capacity")),
                name="event_seats_taken_within_capacity",
            ),
            models.UniqueConstraint(
                fields=["source", "external_uid"],
                condition=Q(source__isnull=False),
                name="event_one_per_external_occurrence",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("events:detail", args=[self.slug])

    def _localised(self, field: str, fallback: str = "") -> str:
        language = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
        first, second = ("da", "en") if language in ("da", "nb", "sv") else ("en", "da")
        return getattr(self, f"{field}_{first}") or getattr(self, f"{field}_{second}") or fallback

    @property
    def display_title(self) -> str:
        """The title in the active language, else in the other one, else `title`."""
        return self._localised("title", self.title)

    @property
    def description(self) -> str:
        return self._localised("description", self.summary)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def local_start(self):
        return self.starts_at.astimezone(self.zone)

    @property
    def local_end(self):
        return self.ends_at.astimezone(self.zone)

    @property
    def is_external(self) -> bool:
        return self.source_id is not None

    @property
    def pillar_labels(self) -> list[str]:
        labels = dict(Pillar.choices)
        return [labels[p] for p in self.pillars if p in labels]


class CategoryKind(models.TextChoices):
    MEMBER = "member", _("Member")
    NON_MEMBER = "non_member", _("Non-member")
    STUDENT = "student", _("Student")
    SPEAKER = "speaker", _("Speaker")
    OTHER = "other", _("Other")


class TicketCategory(SeatCounted):
    """A kind of ticket with its own price and, optionally, its own share of the seats."""

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="categories"
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(
        _("kind"), max_length=12, choices=CategoryKind.choices, default=CategoryKind.OTHER
    )
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2, default=0)
    capacity = models.PositiveIntegerField(
        _("seats"), null=True, blank=True, help_text=_("Empty: only the event's seats limit it.")
    )
    # Registrations of this type holding a seat (see Event.seats_taken).
    seats_taken = models.PositiveIntegerField(_("seats taken"), default=0, editable=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("ticket category")
        verbose_name_plural = _("ticket categories")
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(seats_taken__lte=F("capacity")),
                name="ticketcategory_seats_taken_within_capacity",
            )
        ]

    def __str__(self) -> str:
        return self.name


class QuestionKind(models.TextChoices):
    TEXT = "text", _("Text")
    CHOICE = "choice", _("Choice")
    YES_NO = "yes_no", _("Yes or no")


class Question(models.Model):
    """A question registrants answer (dietary needs, T-shirt size, ...)."""

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="questions"
    )
    label = models.CharField(_("question"), max_length=200)
    kind = models.CharField(
        _("type"), max_length=10, choices=QuestionKind.choices, default=QuestionKind.TEXT
    )
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.label


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("On the waiting list")
    OFFERED = "offered", _("Seat offered")
    CANCELLED = "cancelled", _("Cancelled")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Offer expired")


# Registrations that hold a seat, and those that are still alive (one per person and event).
SEAT_STATUSES = (RegistrationStatus.CONFIRMED, RegistrationStatus.OFFERED)
ACTIVE_STATUSES = (
    RegistrationStatus.PENDING,
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.WAITLISTED,
    RegistrationStatus.OFFERED,
)


def _ticket_code() -> str:
    return secrets.token_hex(5).upper()


class Registration(TimeStampedModel):
    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="registrations"
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="event_registrations",
    )
    category = models.ForeignKey(
        TicketCategory,
        verbose_name=_("ticket category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("on behalf of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="event_registrations",
    )
    status = models.CharField(_("status"), max_length=12, choices=RegistrationStatus.choices)
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2, default=0)
    free_seat = models.BooleanField(_("membership's free seat"), default=False)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    code = models.CharField(_("ticket code"), max_length=12, unique=True, default=_ticket_code)
    offered_until = models.DateTimeField(_("offer expires"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    invoice = models.ForeignKey(
        "membership.Invoice",
        verbose_name=_("invoice"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "person"],
                condition=Q(status__in=["pending", "confirmed", "waitlisted", "offered"]),
                name="registration_one_active_per_person",
            )
        ]
        indexes = [models.Index(fields=["event", "status"], name="registration_event_status")]

    def __str__(self) -> str:
        return f"{self.person} – {self.event}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class Reminder(models.Model):
    """An e-mail to the confirmed registrants a set time before the start."""

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="reminders"
    )
    minutes_before = models.PositiveIntegerField(_("minutes before the start"))

    class Meta:
        ordering = ["-minutes_before"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "minutes_before"], name="events_reminder_unique_offset"
            ),
            models.CheckConstraint(
                condition=Q(minutes_before__gt=0), name="events_reminder_before_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.minutes_before}"


class NotificationKind(models.TextChoices):
    REMINDER = "reminder", _("Reminder")
    FOLLOW_UP = "follow_up", _("Follow-up")


class Notification(models.Model):
    """An e-mail sent to a registrant by a periodic job. The unique constraint makes every
    reminder and follow-up go out once, even with the job running on two servers at once: the
    row is created in the transaction that queues the e-mail (sent after commit)."""

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=10, choices=NotificationKind.choices)
    minutes_before = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "kind", "minutes_before"],
                name="events_notification_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.registration_id}: {self.kind} {self.minutes_before}"


class Feedback(models.Model):
    """A registrant's rating (1 to 5) and comment after the event; one per registration."""

    registration = models.OneToOneField(
        Registration,
        verbose_name=_("registration"),
        on_delete=models.CASCADE,
        related_name="feedback",
    )
    rating = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("given"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="events_feedback_rating_1_to_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.registration_id}: {self.rating}"


class RecordingAccess(models.TextChoices):
    PUBLIC = "public", _("Everyone")
    MEMBERS = "members", _("Members")
    REGISTRANTS = "registrants", _("Registrants of the event")


class Recording(TimeStampedModel):
    """A recording of an event or of one session of its programme."""

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="recordings"
    )
    session = models.ForeignKey(
        "schedule.Session",
        verbose_name=_("session"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="recordings",
    )
    title = models.CharField(_("title"), max_length=300, blank=True)
    url = models.URLField(_("link"), max_length=500)
    access = models.CharField(
        _("who may watch"),
        max_length=12,
        choices=RecordingAccess.choices,
        default=RecordingAccess.PUBLIC,
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("recording")
        verbose_name_plural = _("recordings")

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        if self.title:
            return self.title
        if self.session_id:
            return self.session.title
        return self.event.display_title


class CalendarSource(TimeStampedModel):
    """A partner cluster's public iCalendar feed whose events are imported into our calendar."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    url = models.URLField(
        _("feed address"),
        max_length=500,
        blank=True,
        help_text=_("The partner's public .ics address; empty if you upload the file."),
    )
    organiser = models.ForeignKey(
        Organisation,
        verbose_name=_("partner organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calendar_sources",
    )
    kind = models.CharField(
        _("kind of its events"),
        max_length=20,
        choices=EventKind.choices,
        default=EventKind.NETWORKING,
    )
    last_imported_at = models.DateTimeField(_("last imported"), null=True, blank=True)
    last_result = models.JSONField(_("last result"), default=dict, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner calendar")
        verbose_name_plural = _("partner calendars")

    def __str__(self) -> str:
        return self.name


def _calendar_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarToken(models.Model):
    """The secret in the address of a person's own calendar feed (all their registrations and
    their programme agenda across events): calendar apps subscribe without signing in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="events_calendar_token"
    )
    token = models.CharField(max_length=64, unique=True, default=_calendar_token)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user_id}"


class Invitation(TimeStampedModel):
    """A person invited to an event (its visibility "invited"): they see it and may register."""

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="invitations"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="event_invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("e-mail sent"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(fields=["event", "person"], name="events_invitation_once")
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.event}"
