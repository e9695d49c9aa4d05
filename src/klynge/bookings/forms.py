"""Forms for booking and for managing resources; they parse input, the services decide."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from klynge.bookings import availability, services
from klynge.bookings.models import AddOn, Resource
from klynge.bookings.validators import PHOTO_MAX_BYTES

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
WEEKDAYS = [
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
]


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def duration_label(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": rest}
    if hours:
        return _("%(hours)s h") % {"hours": hours}
    return _("%(minutes)s min") % {"minutes": rest}


def duration_choices(resource: Resource) -> list[tuple[int, str]]:
    step = resource.granularity_minutes
    first = max(resource.min_minutes, step)
    first += (-first) % step
    last = min(resource.max_minutes, 12 * 60)
    return [(m, duration_label(m)) for m in range(first, last + 1, step)][:48]


class BookerFields(forms.Form):
    """Who a booking is for: a member with several member organisations chooses whose hours
    it uses; a student names a supervisor. Used by the booking, waiting-list and offer forms."""

    organisation = forms.TypedChoiceField(label=_("Use the hours of"), coerce=int, required=False)
    supervisor = forms.EmailField(
        label=_("Your supervisor's e-mail"),
        required=False,
        help_text=_("Students book with a supervisor from a member organisation or the cluster."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = services.member_organisations(user)
        self._organisations = {o.pk: o for o in organisations}
        if len(organisations) > 1:
            self.fields["organisation"].choices = [(o.pk, o.name) for o in organisations]
        else:
            del self.fields["organisation"]
        if not services.books_as_student(user):
            del self.fields["supervisor"]

    def clean_supervisor(self):
        email = self.cleaned_data.get("supervisor")
        if not email:
            return None
        try:
            return services.supervisor_with_email(email)
        except ValidationError as error:
            raise forms.ValidationError(error.message_dict["supervisor"]) from None

    def clean_organisation(self):
        pk = self.cleaned_data.get("organisation")
        return self._organisations.get(pk) if pk else None


class BookingForm(BookerFields):
    start = forms.DateTimeField(
        label=_("Start"), input_formats=DATETIME_FORMATS, widget=LocalDateTimeInput()
    )
    minutes = forms.TypedChoiceField(label=_("Length"), coerce=int)
    add_ons = forms.ModelMultipleChoiceField(
        label=_("Add-ons"),
        queryset=AddOn.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    weeks = forms.IntegerField(
        label=_("Repeat weekly for (weeks)"),
        min_value=1,
        max_value=services.MAX_SERIES_WEEKS,
        initial=1,
        help_text=_("1 books this time only."),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    field_order = ["start", "minutes", "add_ons", "organisation", "supervisor", "weeks", "note"]

    def __init__(self, *args, resource: Resource, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.resource = resource
        self.fields["minutes"].choices = duration_choices(resource)
        add_ons = [a for a in resource.add_ons.all() if a.is_active]
        if add_ons:
            self.fields["add_ons"].queryset = resource.add_ons.filter(is_active=True)
            self.fields["add_ons"].label_from_instance = add_on_label
        else:
            del self.fields["add_ons"]

    @property
    def end(self) -> datetime.datetime:
        return availability.after(self.cleaned_data["start"], self.cleaned_data["minutes"])


def add_on_label(add_on: AddOn) -> str:
    from klynge.core.templatetags.klynge import money

    if add_on.price:
        return f"{add_on.name} ({money(add_on.price)})"
    return add_on.name


class ChangeForm(forms.Form):
    start = forms.DateTimeField(
        label=_("New start"), input_formats=DATETIME_FORMATS, widget=LocalDateTimeInput()
    )
    minutes = forms.TypedChoiceField(label=_("Length"), coerce=int)

    def __init__(self, *args, resource: Resource, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["minutes"].choices = duration_choices(resource)


class WaitlistForm(BookerFields):
    start = forms.DateTimeField(
        label=_("Start"), input_formats=DATETIME_FORMATS, widget=LocalDateTimeInput()
    )
    end = forms.DateTimeField(
        label=_("End"), input_formats=DATETIME_FORMATS, widget=LocalDateTimeInput()
    )
    field_order = ["start", "end", "organisation", "supervisor"]


class OfferForm(BookerFields):
    """Accepting an offer: the supervisor and organisation given when joining are the
    initial values; a student may name another supervisor."""


class ResourceForm(forms.ModelForm):
    class Meta:
        model = Resource
        fields = [
            "name",
            "kind",
            "location",
            "capacity",
            "description",
            "included",
            *[
                f
                for f in services.RESOURCE_FIELDS
                if f not in {"name", "kind", "location", "capacity", "description", "included"}
            ],
        ]


class OpeningHoursForm(forms.Form):
    """One line per weekday: 'HH:MM-HH:MM', several periods separated by commas, empty =
    closed. All lines empty: open around the clock."""

    def __init__(self, *args, resource: Resource, **kwargs):
        super().__init__(*args, **kwargs)
        current: dict[int, list[str]] = {}
        for period in resource.opening_hours.all():
            current.setdefault(period.weekday, []).append(
                f"{period.opens_label}-{period.closes_label}"
            )
        for day, label in enumerate(WEEKDAYS):
            self.fields[f"day{day}"] = forms.CharField(
                label=label,
                required=False,
                initial=", ".join(current.get(day, [])),
                help_text=_("For example 08:00-16:00, or 08:00-12:00, 13:00-22:00; empty: closed."),
            )

    @staticmethod
    def _minute(text: str) -> int:
        hours, minutes = text.strip().split(":")
        value = int(hours) * 60 + int(minutes)
        if not 0 <= value <= 1440:
            raise ValueError
        return value

    def clean(self):
        data = super().clean()
        periods = []
        for day in range(7):
            text = (data.get(f"day{day}") or "").strip()
            for part in filter(None, (p.strip() for p in text.split(","))):
                try:
                    opens, closes = (self._minute(x) for x in part.split("-"))
                except ValueError:
                    self.add_error(f"day{day}", _("Write periods as 08:00-16:00."))
                    break
                if opens >= closes:
                    self.add_error(f"day{day}", _("Each period must open before it closes."))
                    break
                periods.append((day, opens, closes))
        data["periods"] = periods
        return data


class ClosureForm(forms.Form):
    start = forms.DateTimeField(
        label=_("From"), input_formats=DATETIME_FORMATS, widget=LocalDateTimeInput()
    )
    end = forms.DateTimeField(
        label=_("Until"), input_formats=DATETIME_FORMATS, widget=LocalDateTimeInput()
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class AddOnForm(forms.Form):
    name = forms.CharField(label=_("Add-on"), max_length=120)
    price = forms.DecimalField(
        label=_("Price per booking"), max_digits=10, decimal_places=2, min_value=0
    )
    exclusive = forms.BooleanField(
        label=_("One booking at a time"),
        required=False,
        help_text=_("A person or a single kit: it cannot serve two bookings that overlap."),
    )
    resources = forms.ModelMultipleChoiceField(
        label=_("Offered with"),
        queryset=Resource.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class PhotoForm(forms.Form):
    image = forms.FileField(
        label=_("Photo"),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    alt_text = forms.CharField(
        label=_("What the photo shows"),
        max_length=200,
        help_text=_("Read aloud to people who cannot see it, e.g. “Four microphones on a desk”."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["image"].help_text = _("PNG, JPEG or WebP, at most %(size)s.") % {
            "size": filesizeformat(PHOTO_MAX_BYTES)
        }


class PhotoTextForm(forms.Form):
    alt_text = forms.CharField(label=_("What the photo shows"), max_length=200)


class ReportForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end"):
            if data["end"] < data["start"]:
                self.add_error("end", _("The end must be after the start."))
            elif (data["end"] - data["start"]).days > 400:
                self.add_error("end", _("Choose at most 400 days."))
        return data


class BillForm(forms.Form):
    month = forms.CharField(
        label=_("Month"), widget=forms.DateInput(attrs={"type": "month"}), max_length=7
    )

    def clean_month(self):
        try:
            year, month = (int(x) for x in self.cleaned_data["month"].split("-"))
            datetime.date(year, month, 1)
        except (ValueError, TypeError):
            raise forms.ValidationError(_("Choose a month.")) from None
        return year, month
