"""An event's programme: rooms, tracks, sessions, speakers and personal agendas.

Identifiers from the frab/c3voc schedule format (session and speaker guids, frab ids, pretalx
codes, slugs) are kept so that an imported programme exports again without loss, and re-importing
the same file updates the rows it created instead of duplicating them (matched on guid).
"""

import datetime
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from klynge.core.models import TimeStampedModel
from klynge.ecosystem.models import Person
from klynge.events.models import Event


class Room(TimeStampedModel):
    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="programme_rooms"
    )
    name = models.CharField(_("name"), max_length=200)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    guid = models.UUIDField(_("GUID"), null=True, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        constraints = [
            models.UniqueConstraint(fields=["event", "name"], name="schedule_room_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Track(TimeStampedModel):
    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="programme_tracks"
    )
    name = models.CharField(_("name"), max_length=200)
    colour = models.CharField(
        _("colour"), max_length=7, blank=True, help_text=_("A hex colour such as #0347b4.")
    )
    slug = models.SlugField(_("short name"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("track")
        verbose_name_plural = _("tracks")
        constraints = [
            models.UniqueConstraint(fields=["event", "name"], name="schedule_track_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Speaker(TimeStampedModel):
    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="speakers"
    )
    name = models.CharField(_("name"), max_length=200)
    bio = models.TextField(_("biography"), blank=True)
    person = models.ForeignKey(
        Person,
        verbose_name=_("person in the ecosystem"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="speaker_roles",
    )
    guid = models.UUIDField(_("GUID"), default=uuid.uuid4)
    code = models.CharField(_("frab or pretalx code"), max_length=64, blank=True)
    frab_id = models.PositiveIntegerField(_("frab id"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("speaker")
        verbose_name_plural = _("speakers")
        constraints = [
            models.UniqueConstraint(fields=["event", "guid"], name="schedule_speaker_unique_guid")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("schedule:speaker", kwargs={"slug": self.event.slug, "pk": self.pk})


class Session(TimeStampedModel):
    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="sessions"
    )
    guid = models.UUIDField(_("GUID"), default=uuid.uuid4)
    frab_id = models.PositiveIntegerField(_("frab id"), null=True, blank=True)
    code = models.CharField(_("pretalx code"), max_length=32, blank=True)
    slug = models.CharField(_("slug"), max_length=300, blank=True)
    title = models.CharField(_("title"), max_length=300)
    subtitle = models.CharField(_("subtitle"), max_length=300, blank=True)
    abstract = models.TextField(_("abstract"), blank=True)
    description = models.TextField(_("description"), blank=True)
    language = models.CharField(_("language"), max_length=20, blank=True)
    kind = models.CharField(
        _("type"), max_length=200, default="talk", help_text=_("For example talk, workshop, panel.")
    )
    starts_at = models.DateTimeField(_("starts"), db_index=True)
    duration = models.DurationField(_("duration"))
    room = models.ForeignKey(
        Room,
        verbose_name=_("room"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sessions",
    )
    track = models.ForeignKey(
        Track,
        verbose_name=_("track"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sessions",
    )
    speakers = models.ManyToManyField(
        Speaker, verbose_name=_("speakers"), through="SessionSpeaker", related_name="sessions"
    )
    recording_allowed = models.BooleanField(_("recording allowed"), default=True)
    recording_license = models.CharField(_("recording licence"), max_length=200, blank=True)
    recording_consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recording consent recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recording_consent_at = models.DateTimeField(
        _("recording consent recorded at"), null=True, blank=True
    )
    links = models.JSONField(_("links"), default=list, blank=True)
    url = models.URLField(_("web page"), max_length=500, blank=True)
    origin_url = models.URLField(_("page at the origin system"), max_length=500, blank=True)
    feedback_url = models.URLField(_("feedback page"), max_length=500, blank=True)
    logo = models.CharField(_("logo"), max_length=500, blank=True)

    class Meta:
        ordering = ["starts_at", "room__position", "room__name", "title"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.UniqueConstraint(fields=["event", "guid"], name="schedule_session_unique_guid"),
            models.CheckConstraint(
                condition=Q(duration__gte=datetime.timedelta(0)),
                name="schedule_session_duration_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def ends_at(self) -> datetime.datetime:
        return self.starts_at + self.duration

    @property
    def duration_minutes(self) -> int:
        return int(self.duration.total_seconds() // 60)

    def get_absolute_url(self) -> str:
        return reverse("schedule:session", kwargs={"slug": self.event.slug, "guid": self.guid})


class SessionSpeaker(models.Model):
    """A speaker on a session, in the order the programme lists them."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="speaker_links")
    speaker = models.ForeignKey(Speaker, on_delete=models.CASCADE, related_name="session_links")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "speaker"], name="schedule_sessionspeaker_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.speaker_id} @ {self.session_id}"


class AgendaEntry(models.Model):
    """A session a signed-in person starred for their personal agenda."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agenda_entries"
    )
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="agenda_entries")
    created_at = models.DateTimeField(_("starred"), auto_now_add=True)

    class Meta:
        verbose_name = _("agenda entry")
        verbose_name_plural = _("agenda entries")
        constraints = [
            models.UniqueConstraint(fields=["user", "session"], name="schedule_agenda_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.session_id}"


def _new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class AgendaFeed(models.Model):
    """The secret token of a person's private iCalendar feed of their agenda for one event."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agenda_feeds"
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="agenda_feeds")
    token = models.CharField(max_length=64, unique=True, default=_new_feed_token)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "event"], name="schedule_agenda_feed_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.event_id}"


class ImportFormat(models.TextChoices):
    FRAB_XML = "frab-xml", _("frab/c3voc schedule XML")
    FRAB_JSON = "frab-json", _("frab/c3voc schedule JSON")
    PRETALX = "pretalx", _("pretalx schedule export (JSON)")


class ScheduleImport(models.Model):
    """An uploaded programme file, checked (dry run) and kept until staff confirm the import."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="schedule_imports")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(_("file"), max_length=255, blank=True)
    format = models.CharField(_("format"), max_length=10, choices=ImportFormat.choices)
    content = models.BinaryField()
    summary = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename or str(self.pk)
