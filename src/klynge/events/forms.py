import zoneinfo

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klynge.ecosystem.models import Organisation, Person, Sdg
from klynge.events.models import Event, EventFormat, EventKind, Pillar, time_zone_choices

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

    class Meta:
        model = Event
        fields = [
            "title_da", "title_en", "kind", "format", "visibility", "time_zone", "starts_at",
            "ends_at", "venue", "address", "online_url", "summary", "description_da",
            "description_en", "organiser", "co_organisers", "pillars", "sdgs", "capacity",
            "waitlist", "requires_approval", "registration_opens_at", "registration_closes_at",
            "offer_hours", "recording_url",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organiser"].queryset = Organisation.objects.order_by("name")
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
            self.fields[f"q_{question.pk}"] = forms.CharField(
                label=question.label, required=question.required, max_length=1000
            )

    def answers(self) -> dict:
        return {
            name[2:]: value
            for name, value in self.cleaned_data.items()
            if name.startswith("q_") and value
        }


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
