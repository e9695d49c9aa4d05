import zoneinfo

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klynge.ecosystem.models import Organisation, Person, Sdg
from klynge.events.models import (
    CategoryKind,
    Event,
    EventFormat,
    EventKind,
    Pillar,
    QuestionKind,
    RecordingAccess,
    time_zone_choices,
)

WHEN_CHOICES = [("upcoming", _("Upcoming")), ("past", _("Past"))]


class EventFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *EventKind.choices]
    )
    format = forms.ChoiceField(
        label=_("Format"), required=False, choices=[("", _("All formats")), *EventFormat.choices]
    )
    when = forms.ChoiceField(label=_("When"), required=False, choices=WHEN_CHOICES)

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "q": (data.get("q") or "").strip(),
            "kind": data.get("kind") or "",
            "format": data.get("format") or "",
            "when": data.get("when") or "upcoming",
        }


class LocalDateTimeField(forms.DateTimeField):
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class EventForm(forms.ModelForm):
    """Times are typed as wall-clock times in the event's time zone and stored in UTC."""

    starts_at = LocalDateTimeField(label=_("Starts"))
    ends_at = LocalDateTimeField(label=_("Ends"))
    registration_opens_at = LocalDateTimeField(label=_("Registration opens"), required=False)
    registration_closes_at = LocalDateTimeField(label=_("Registration closes"), required=False)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)
    pillars = forms.MultipleChoiceField(
        label=_("Pillars"), required=False, choices=Pillar.choices, widget=forms.SelectMultiple
    )
    co_organisers = forms.ModelMultipleChoiceField(
        label=_("Co-organisers"), required=False, queryset=Organisation.objects.order_by("name")
    )
    sdgs = forms.ModelMultipleChoiceField(
        label=_("Sustainable development goals"), required=False, queryset=Sdg.objects.all()
    )

    DATETIMES = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")
    # Left empty, these take the model's default.
    DEFAULTED = ("free_cancellation_days", "stream_opens_minutes", "offer_hours")

    class Meta:
        model = Event
        fields = [
            "title_da", "title_en", "kind", "format", "visibility", "time_zone", "starts_at",
            "ends_at", "venue", "address", "online_url", "summary", "description_da",
            "description_en", "organiser", "co_organisers", "pillars", "sdgs", "capacity",
            "waitlist", "requires_approval", "registration_opens_at", "registration_closes_at",
            "offer_hours", "free_cancellation_days", "stream_opens_minutes", "send_follow_up",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organiser"].queryset = Organisation.objects.order_by("name")
        for name in self.DEFAULTED:
            self.fields[name].required = False
        instance = self.instance
        zone = zoneinfo.ZoneInfo(instance.time_zone if instance.pk else settings.TIME_ZONE)
        if not instance.pk:
            self.initial.setdefault("time_zone", settings.TIME_ZONE)
        for name in self.DATETIMES:
            value = getattr(instance, name, None)
            if value is not None and not self.is_bound:
                self.initial[name] = timezone.localtime(value, zone).replace(tzinfo=None)

    def clean(self):
        data = super().clean()
        if not (data.get("title_da") or data.get("title_en")):
            self.add_error("title_da", _("Give the event a title in Danish or English."))
        for name in self.DEFAULTED:
            if data.get(name) is None:
                data[name] = Event._meta.get_field(name).default
        zone_name = data.get("time_zone") or settings.TIME_ZONE
        zone = zoneinfo.ZoneInfo(zone_name)
        for name in self.DATETIMES:
            value = data.get(name)
            if value is not None:
                data[name] = timezone.make_aware(value.replace(tzinfo=None), zone)
        return data

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["co_organisers"] = list(data.get("co_organisers") or [])
        data["sdgs"] = list(data.get("sdgs") or [])
        data["pillars"] = list(data.get("pillars") or [])
        return data


class CancelEventForm(forms.Form):
    note = forms.CharField(
        label=_("Message to the registrants"), required=False, widget=forms.Textarea
    )


class RegistrationForm(forms.Form):
    """A ticket type (when the event has several) and the event's questions."""

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        categories = list(event.categories.all())
        if len(categories) > 1:
            self.fields["category"] = forms.ModelChoiceField(
                label=_("Ticket"), queryset=event.categories.all(), empty_label=None
            )
        for question in event.questions.all():
            self.fields[f"q_{question.pk}"] = _question_field(question)

    def answers(self) -> dict:
        return {
            name[2:]: value
            for name, value in self.cleaned_data.items()
            if name.startswith("q_") and value
        }


YES_NO_CHOICES = [("yes", _("Yes")), ("no", _("No"))]


def _question_field(question) -> forms.Field:
    """The form field for a question: text, one of its choices, or yes/no."""
    if question.kind == QuestionKind.CHOICE:
        empty = [] if question.required else [("", "–")]
        return forms.ChoiceField(
            label=question.label,
            required=question.required,
            choices=[*empty, *((c, c) for c in question.choices)],
        )
    if question.kind == QuestionKind.YES_NO:
        return forms.ChoiceField(
            label=question.label,
            required=question.required,
            choices=YES_NO_CHOICES if question.required else [("", "–"), *YES_NO_CHOICES],
        )
    return forms.CharField(label=question.label, required=question.required, max_length=1000)


class StaffRegistrationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail of the person to register"))

    def clean_email(self):
        email = self.cleaned_data["email"]
        self.person = Person.objects.filter(email__iexact=email, erased_at__isnull=True).first()
        if self.person is None:
            raise forms.ValidationError(_("No person in the directory has this e-mail."))
        return email


class GroupRegistrationForm(forms.Form):
    people = forms.ModelMultipleChoiceField(
        label=_("Colleagues"), queryset=Person.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        from klynge.ecosystem.models import Affiliation

        ids = Affiliation.objects.current().filter(organisation=organisation).values("person_id")
        self.fields["people"].queryset = Person.objects.filter(pk__in=ids).order_by(
            "last_name", "first_name"
        )


class CheckInForm(forms.Form):
    code = forms.CharField(label=_("Ticket code or name"), max_length=100)


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(
        label=_("For whom"),
        choices=CategoryKind.choices,
        initial=CategoryKind.OTHER,
        help_text=_(
            "Member: people of member organisations. Student: students. Speaker: given by "
            "staff only. Non-member and other: everyone."
        ),
    )
    price = forms.DecimalField(
        label=_("Price"), min_value=0, max_digits=10, decimal_places=2, initial=0
    )
    capacity = forms.IntegerField(
        label=_("Seats"), min_value=0, required=False, help_text=_("Empty: the event's seats.")
    )


class QuestionForm(forms.Form):
    label = forms.CharField(label=_("Question"), max_length=200)
    kind = forms.ChoiceField(label=_("Type"), choices=QuestionKind.choices)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For a choice question: one answer per line."),
    )
    required = forms.BooleanField(label=_("Required"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = self.initial.get("choices")
        if isinstance(choices, list):
            self.initial["choices"] = "\n".join(choices)


REMINDER_UNITS = [("minutes", _("minutes")), ("hours", _("hours")), ("days", _("days"))]
UNIT_MINUTES = {"minutes": 1, "hours": 60, "days": 60 * 24}


class ReminderForm(forms.Form):
    amount = forms.IntegerField(label=_("Send a reminder"), min_value=1, max_value=60 * 24 * 60)
    unit = forms.ChoiceField(label=_("Unit (before the start)"), choices=REMINDER_UNITS)

    @property
    def minutes(self) -> int:
        return self.cleaned_data["amount"] * UNIT_MINUTES[self.cleaned_data["unit"]]


class RecordingForm(forms.Form):
    url = forms.URLField(label=_("Link"), max_length=500, assume_scheme="https")
    title = forms.CharField(label=_("Title"), max_length=300, required=False)
    access = forms.ChoiceField(label=_("Who may watch"), choices=RecordingAccess.choices)
    session = forms.ModelChoiceField(
        label=_("Programme session"),
        required=False,
        queryset=None,
        empty_label=_("The whole event"),
        help_text=_("Only sessions whose speakers consented to recording."),
    )

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = event.sessions.filter(recording_allowed=True)


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How was it? (5 is best)"),
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class InvitationForm(forms.Form):
    """E-mail addresses of people in the directory, one per line (or separated by commas)."""

    emails = forms.CharField(
        label=_("E-mail addresses"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line. Each must belong to a person in the directory."),
    )

    def clean_emails(self):
        text = self.cleaned_data["emails"]
        emails = list(dict.fromkeys(e.strip().lower() for e in text.replace(",", "\n").split()))
        emails = [e for e in emails if e]
        if len(emails) > 500:
            raise forms.ValidationError(_("At most 500 addresses at once."))
        matching = Q()
        for email in emails:
            matching |= Q(email__iexact=email)
        people = {}
        for person in Person.objects.filter(matching, erased_at__isnull=True).order_by("id"):
            people.setdefault(person.email.lower(), person)
        missing = [e for e in emails if e not in people]
        if missing:
            raise forms.ValidationError(
                _("No person in the directory has these addresses: %(emails)s")
                % {"emails": ", ".join(missing)}
            )
        self.people = [people[e] for e in emails]
        return emails


class CalendarSourceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    url = forms.URLField(
        label=_("Feed address (.ics)"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("The partner's public calendar address; leave empty to upload files."),
    )
    organiser = forms.ModelChoiceField(
        label=_("Partner organisation"),
        required=False,
        queryset=Organisation.objects.order_by("name"),
    )
    kind = forms.ChoiceField(
        label=_("Kind of its events"), choices=EventKind.choices, initial=EventKind.NETWORKING
    )


class CalendarImportForm(forms.Form):
    file = forms.FileField(
        label=_("Calendar file (.ics)"),
        required=False,
        help_text=_("Empty: fetched from the feed address."),
    )
    dry_run = forms.BooleanField(label=_("Only check, change nothing"), required=False)
