"""Shared studios, rooms and equipment, and their bookings.

The no-overlap guarantee lives in the database: on PostgreSQL an exclusion constraint over the
*blocked* period (start minus the buffer before, end plus the buffer after) of every booking that
holds its slot (pending, confirmed, or offered to someone on the waiting list); it is created by
migration 0002 on PostgreSQL only. On SQLite, `services.create_booking` checks and inserts inside
one write transaction (the connection begins IMMEDIATE, so the write lock is taken first).
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klynge.bookings.validators import validate_photo
from klynge.core.models import TimeStampedModel

OVERLAP_CONSTRAINT = "bookings_booking_no_overlap"
ADD_ON_OVERLAP_CONSTRAINT = "bookings_addon_no_overlap"


class ResourceKind(models.TextChoices):
    STUDIO = "studio", _("Studio")
    ROOM = "room", _("Room")
    VIDEO_WALL = "video_wall", _("Video wall")
    EQUIPMENT = "equipment", _("Equipment kit")


class Audience(models.TextChoices):
    MEMBERS = "members", _("Members and staff")
    STUDENTS = "students", _("Members, staff, and students with a supervisor")
    STAFF = "staff", _("Staff only")


class OverQuota(models.TextChoices):
    BLOCK = "block", _("Refuse bookings past the included hours")
    BILL = "bill", _("Bill the hours past the included hours")


class Resource(TimeStampedModel):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ResourceKind.choices)
    location = models.CharField(_("location"), max_length=200, blank=True)
    capacity = models.PositiveSmallIntegerField(_("capacity (people)"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    included = models.TextField(_("what is included"), blank=True)
    granularity_minutes = models.PositiveSmallIntegerField(
        _("booking granularity (minutes)"), default=30
    )
    min_minutes = models.PositiveIntegerField(_("shortest booking (minutes)"), default=30)
    max_minutes = models.PositiveIntegerField(_("longest booking (minutes)"), default=24 * 60)
    horizon_days = models.PositiveSmallIntegerField(_("bookable up to (days ahead)"), default=180)
    notice_minutes = models.PositiveIntegerField(
        _("latest booking (minutes before start)"), default=0
    )
    buffer_before_minutes = models.PositiveSmallIntegerField(
        _("buffer before (minutes)"), default=0
    )
    buffer_after_minutes = models.PositiveSmallIntegerField(_("buffer after (minutes)"), default=0)
    requires_approval = models.BooleanField(_("staff must approve"), default=False)
    audience = models.CharField(
        _("who may book"), max_length=20, choices=Audience.choices, default=Audience.MEMBERS
    )
    counts_towards_quota = models.BooleanField(_("counts towards included hours"), default=True)
    over_quota = models.CharField(
        _("past the included hours"),
        max_length=10,
        choices=OverQuota.choices,
        default=OverQuota.BLOCK,
    )
    hourly_rate = models.DecimalField(
        _("price per hour past the included hours"), max_digits=10, decimal_places=2, default=0
    )
    free_cancellation_hours = models.PositiveSmallIntegerField(
        _("free cancellation until (hours before)"), default=24
    )
    is_active = models.BooleanField(_("bookable"), default=True)
    # The longest blocked period (buffers included) any booking of the resource ever had, in
    # minutes: a lower bound for the start of every booking that overlaps a period, so the
    # overlap look-ups read a narrow range of the (resource, blocked_start) index instead of
    # every earlier booking. Only ever raised (by the booking services).
    longest_blocked_minutes = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("bookings:resource", args=[self.slug])

    @property
    def buffer_before(self) -> datetime.timedelta:
        return datetime.timedelta(minutes=self.buffer_before_minutes)

    @property
    def buffer_after(self) -> datetime.timedelta:
        return datetime.timedelta(minutes=self.buffer_after_minutes)

    @property
    def longest_blocked(self) -> datetime.timedelta:
        """No booking of this resource blocks longer than this (see `longest_blocked_minutes`;
        a booking within today's limits counts too, for rows written without the services)."""
        today = self.max_minutes + self.buffer_before_minutes + self.buffer_after_minutes
        return datetime.timedelta(minutes=max(self.longest_blocked_minutes, today))


class OpeningHours(models.Model):
    """One open period on a weekday, in local time. A resource without any is open 00:00–24:00
    every day; once it has some, a weekday without a period is closed."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(
        _("weekday"),
        choices=[
            (0, _("Monday")),
            (1, _("Tuesday")),
            (2, _("Wednesday")),
            (3, _("Thursday")),
            (4, _("Friday")),
            (5, _("Saturday")),
            (6, _("Sunday")),
        ],
    )
    opens_minute = models.PositiveSmallIntegerField(_("opens (minutes after midnight)"))
    closes_minute = models.PositiveSmallIntegerField(_("closes (minutes after midnight)"))

    class Meta:
        ordering = ["weekday", "opens_minute"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    opens_minute__lt=models.F("closes_minute"), closes_minute__lte=1440
                ),
                name="bookings_opening_hours_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens_label}–{self.closes_label}"

    @property
    def opens_label(self) -> str:
        return f"{self.opens_minute // 60:02d}:{self.opens_minute % 60:02d}"

    @property
    def closes_label(self) -> str:
        return f"{self.closes_minute // 60:02d}:{self.closes_minute % 60:02d}"


class Closure(models.Model):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="closures")
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["start"]
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        indexes = [models.Index(fields=["resource", "start"])]

    def __str__(self) -> str:
        return self.reason or str(_("Closed"))


class ResourcePhoto(models.Model):
    """A photo on the resource's page; staff upload several, put them in order and describe
    each for people who cannot see it."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to="bookings/%Y/", validators=[validate_photo])
    alt_text = models.CharField(
        _("description for screen readers"),
        max_length=200,
        help_text=_("What the photo shows, e.g. “Two microphones and a mixer on a desk”."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return self.alt_text


class AddOn(models.Model):
    """Something booked together with a resource: a technician, a kit, make-up. Offered with
    one or more resources; an *exclusive* add-on (one person, one kit) serves one booking at a
    time, which the database guarantees like the resources' own no-overlap rule."""

    resources = models.ManyToManyField(
        Resource, verbose_name=_("offered with"), related_name="add_ons", blank=True
    )
    name = models.CharField(_("name"), max_length=120)
    price = models.DecimalField(_("price per booking"), max_digits=10, decimal_places=2, default=0)
    exclusive = models.BooleanField(
        _("one booking at a time"),
        default=False,
        help_text=_("A person or a single kit: it cannot serve two bookings that overlap."),
    )
    is_active = models.BooleanField(_("offered"), default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("add-on")
        verbose_name_plural = _("add-ons")

    def __str__(self) -> str:
        return self.name


class BookingStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    CONFIRMED = "confirmed", _("Confirmed")
    OFFERED = "offered", _("Offered from the waiting list")
    CANCELLED = "cancelled", _("Cancelled")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Offer expired")


# Statuses that hold the slot: the exclusion constraint and the SQLite check cover exactly these.
HOLDING_STATUSES = (BookingStatus.PENDING, BookingStatus.CONFIRMED, BookingStatus.OFFERED)


class BookingSeries(models.Model):
    """A weekly recurring booking; its occurrences are ordinary bookings."""

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    weeks = models.PositiveSmallIntegerField(_("weeks"))

    class Meta:
        verbose_name = _("recurring booking")

    def __str__(self) -> str:
        return str(_("Weekly for %(weeks)s weeks") % {"weeks": self.weeks})


class Booking(TimeStampedModel):
    resource = models.ForeignKey(
        Resource, verbose_name=_("resource"), on_delete=models.PROTECT, related_name="bookings"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("booked for"),
        on_delete=models.PROTECT,
        related_name="bookings",
    )
    organisation = models.ForeignKey(
        "ecosystem.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bookings",
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supervisor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervised_bookings",
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    # The period nobody else may hold: the buffers of the resource at booking time included.
    blocked_start = models.DateTimeField(editable=False)
    blocked_end = models.DateTimeField(editable=False)
    status = models.CharField(
        _("status"), max_length=12, choices=BookingStatus.choices, default=BookingStatus.CONFIRMED
    )
    series = models.ForeignKey(
        BookingSeries, null=True, blank=True, on_delete=models.SET_NULL, related_name="bookings"
    )
    add_ons = models.ManyToManyField(
        AddOn, verbose_name=_("add-ons"), blank=True, through="BookingAddOn", related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    # The membership tier whose included hours the booking used, as it was when booked (reports
    # per tier stay right after the organisation changes tier).
    tier = models.ForeignKey(
        "membership.Tier",
        verbose_name=_("tier"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    billable_minutes = models.PositiveIntegerField(_("minutes past the included hours"), default=0)
    invoice = models.ForeignKey(
        "membership.Invoice", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    late_cancellation = models.BooleanField(_("cancelled late"), default=False)
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    no_show = models.BooleanField(_("no-show"), default=False)
    offer_expires_at = models.DateTimeField(_("offer expires"), null=True, blank=True)

    class Meta:
        ordering = ["start", "id"]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        indexes = [
            models.Index(fields=["resource", "blocked_start"]),
            models.Index(fields=["user", "start"]),
            models.Index(fields=["organisation", "start"]),
            models.Index(fields=["status", "offer_expires_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start__lt=models.F("end")), name="bookings_booking_ordered"
            )
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.start)
        return f"{self.resource} · {local:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("bookings:booking", args=[self.pk])

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    @property
    def hours(self) -> float:
        return self.minutes / 60

    @property
    def is_active(self) -> bool:
        return self.status in HOLDING_STATUSES


class BookingAddOn(models.Model):
    """An add-on on a booking, at the price of the day. While the booking holds its slot, the
    row holds the add-on for the booking's period (`holding`); for an exclusive add-on the
    database refuses two holding rows that overlap: an exclusion constraint on PostgreSQL
    (migration 0004), the booking's write transaction on SQLite."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="booked_add_ons")
    add_on = models.ForeignKey(
        AddOn, verbose_name=_("add-on"), on_delete=models.PROTECT, related_name="bookings"
    )
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2)
    exclusive = models.BooleanField(default=False, editable=False)
    start = models.DateTimeField(editable=False)
    end = models.DateTimeField(editable=False)
    holding = models.BooleanField(default=True, editable=False)
    invoice = models.ForeignKey(
        "membership.Invoice", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("booked add-on")
        verbose_name_plural = _("booked add-ons")
        constraints = [
            models.UniqueConstraint(fields=["booking", "add_on"], name="bookings_addon_once"),
            models.CheckConstraint(
                condition=models.Q(start__lt=models.F("end")), name="bookings_addon_ordered"
            ),
        ]
        indexes = [models.Index(fields=["add_on", "start"])]

    def __str__(self) -> str:
        return f"{self.add_on} · {self.booking}"


class WaitStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    OFFERED = "offered", _("Offered")
    BOOKED = "booked", _("Booked")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")


def _new_token() -> str:
    return secrets.token_urlsafe(24)


class WaitlistEntry(models.Model):
    """Someone waiting for a taken slot; offered it (as a held booking) when it frees up."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="waitlist")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="booking_waitlist"
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    status = models.CharField(
        _("status"), max_length=10, choices=WaitStatus.choices, default=WaitStatus.WAITING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    booking = models.ForeignKey(
        Booking, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the booking will use when the offer is accepted: a student's supervisor, the member
    # organisation whose hours it uses (chosen when joining; can be changed when accepting).
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supervisor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    organisation = models.ForeignKey(
        "ecosystem.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    token = models.CharField(max_length=64, unique=True, default=_new_token, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("waiting list entry")
        verbose_name_plural = _("waiting list")
        indexes = [models.Index(fields=["resource", "status", "start"])]

    def __str__(self) -> str:
        return f"{self.resource} · {timezone.localtime(self.start):%Y-%m-%d %H:%M}"


class CalendarToken(models.Model):
    """The secret in a person's calendar feed address (calendar apps have no session)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="booking_calendar"
    )
    token = models.CharField(max_length=64, unique=True, default=_new_token)

    def __str__(self) -> str:
        return str(self.user)
