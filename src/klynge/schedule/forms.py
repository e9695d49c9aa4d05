import datetime

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klynge.ecosystem.models import Person
from klynge.schedule.frab import FORMATS, MAX_IMPORT_BYTES
from klynge.schedule.models import ImportFormat, Room, Speaker, Track

ALL_DAYS = "all"


class ProgrammeFilterForm(forms.Form):
    """The programme's filters; rendered for the page, read without queries via `filters()`.

    `default_day` is the day shown when none is chosen (large programmes open on one day);
    "all" asks for every day.
    """

    day = forms.ChoiceField(label=_("Day"), required=False)
    track = forms.ChoiceField(label=_("Track"), required=False)
    room = forms.ChoiceField(label=_("Room"), required=False)

    def __init__(self, data=None, *, days, rooms, tracks, default_day=None, **kwargs):
        chosen = (data or {}).get("day") or ""
        known = {day.isoformat() for day in days} | {ALL_DAYS}
        if default_day is not None and chosen not in known:
            data = data.copy() if data is not None else QueryDict(mutable=True)
            data["day"] = default_day.isoformat()
        super().__init__(data, **kwargs)
        self.fields["day"].choices = [(ALL_DAYS if default_day else "", _("All days"))] + [
            (day.isoformat(), _date_label(day)) for day in days
        ]
        self.fields["track"].choices = [("", _("All tracks"))] + [(t.pk, t.name) for t in tracks]
        self.fields["room"].choices = [("", _("All rooms"))] + [(r.pk, r.name) for r in rooms]
        self._days = {day.isoformat(): day for day in days}
        self._tracks = {str(t.pk): t for t in tracks}
        self._rooms = {str(r.pk): r for r in rooms}

    def filters(self) -> dict:
        """The chosen filters, resolved without extra queries (invalid values are ignored)."""
        data = self.data
        return {
            "day": self._days.get(data.get("day") or ""),
            "track": self._tracks.get(data.get("track") or ""),
            "room": self._rooms.get(data.get("room") or ""),
        }


def _date_label(day: datetime.date) -> str:
    from django.utils.formats import date_format

    return date_format(day, "l j. F")


class RoomForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    capacity = forms.IntegerField(label=_("Capacity"), min_value=0, required=False)


class TrackForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    colour = forms.CharField(
        label=_("Colour"),
        max_length=7,
        required=False,
        widget=forms.TextInput(attrs={"type": "color"}),
    )


class SpeakerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    bio = forms.CharField(label=_("Biography"), required=False, widget=forms.Textarea)


class PersonSearchForm(forms.Form):
    q = forms.CharField(label=_("Name or e-mail"), max_length=200, required=False)


class SpeakerPersonForm(forms.Form):
    """The person in the directory a speaker is (empty: no longer linked)."""

    person = forms.ModelChoiceField(
        label=_("Person"), queryset=Person.objects.filter(erased_at__isnull=True), required=False
    )


class SessionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    subtitle = forms.CharField(label=_("Subtitle"), max_length=300, required=False)
    kind = forms.CharField(
        label=_("Type"), max_length=200, initial="talk", help_text=_("talk, workshop, panel, …")
    )
    starts_at = forms.DateTimeField(
        label=_("Starts"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=1, max_value=99 * 60
    )
    room = forms.ModelChoiceField(label=_("Room"), queryset=Room.objects.none(), required=False)
    track = forms.ModelChoiceField(label=_("Track"), queryset=Track.objects.none(), required=False)
    speakers = forms.ModelMultipleChoiceField(
        label=_("Speakers"), queryset=Speaker.objects.none(), required=False
    )
    language = forms.CharField(label=_("Language"), max_length=20, required=False)
    abstract = forms.CharField(label=_("Abstract"), required=False, widget=forms.Textarea)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)

    def __init__(self, *args, event, zone, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.fields["room"].queryset = Room.objects.filter(event=event)
        self.fields["track"].queryset = Track.objects.filter(event=event)
        self.fields["speakers"].queryset = Speaker.objects.filter(event=event)

    def clean_starts_at(self):
        value = self.cleaned_data["starts_at"]
        if timezone.is_naive(value):
            value = timezone.make_aware(value, self.zone)
        return value


class RecordingConsentForm(forms.Form):
    allowed = forms.TypedChoiceField(
        label=_("The speakers agree to recording"),
        choices=[("yes", _("Yes, it may be recorded")), ("no", _("No recording"))],
        coerce=lambda value: value == "yes",
    )
    license = forms.CharField(label=_("Licence"), max_length=200, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Schedule file"),
        help_text=_("frab/c3voc schedule XML or JSON, or a pretalx export; at most %(mb)s MB.")
        % {"mb": MAX_IMPORT_BYTES // 2**20},
    )
    format = forms.ChoiceField(
        label=_("Format"),
        required=False,
        choices=[("", _("Detect from the file")), *list(ImportFormat.choices)],
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                _("The file is too large: at most %(mb)s MB.") % {"mb": MAX_IMPORT_BYTES // 2**20}
            )
        return upload

    def clean_format(self):
        value = self.cleaned_data["format"]
        return value if value in FORMATS else None
