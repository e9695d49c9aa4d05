import datetime
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from klynge.ecosystem.models import Organisation
from klynge.meetings.models import MatchmakingSession, Priority, Table, TimeSlot


class SlotChoiceField(forms.ModelMultipleChoiceField):
    def __init__(self, *args, zone=None, **kwargs):
        self.zone = zone
        super().__init__(*args, **kwargs)

    def label_from_instance(self, slot):
        start, end = slot.starts_at.astimezone(self.zone), slot.ends_at.astimezone(self.zone)
        return f"{start:%H:%M}–{end:%H:%M}"


class SlotSingleChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, zone=None, **kwargs):
        self.zone = zone
        super().__init__(*args, **kwargs)

    def label_from_instance(self, slot):
        start, end = slot.starts_at.astimezone(self.zone), slot.ends_at.astimezone(self.zone)
        return f"{start:%H:%M}–{end:%H:%M}"


class OptInForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("I take part for"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("Myself"),
    )
    offers = forms.CharField(
        label=_("I offer"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )
    looking_for = forms.CharField(
        label=_("I am looking for"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )

    def __init__(self, *args, session: MatchmakingSession, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["slots"] = SlotChoiceField(
            label=_("I am free in these slots"),
            queryset=TimeSlot.objects.filter(session=session).order_by("starts_at"),
            widget=forms.CheckboxSelectMultiple,
            zone=session.event.zone,
        )


class RequestForm(forms.Form):
    priority = forms.TypedChoiceField(
        label=_("How much do you want this meeting?"),
        choices=Priority.choices,
        coerce=int,
        initial=Priority.NORMAL,
    )
    note = forms.CharField(
        label=_("A short note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        required=False,
        help_text=_("What would you like to talk about?"),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why (optional, both of you see it)"), required=False, max_length=300
    )


class MoveForm(forms.Form):
    """The organiser moves a draft meeting to another slot and table."""

    slot = forms.ModelChoiceField(queryset=TimeSlot.objects.none())
    table = forms.ModelChoiceField(label=_("Table"), queryset=Table.objects.none())

    def __init__(self, *args, session: MatchmakingSession, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"] = SlotSingleChoiceField(
            label=_("Slot"),
            queryset=TimeSlot.objects.filter(session=session).order_by("starts_at"),
            zone=session.event.zone,
        )
        self.fields["table"].queryset = Table.objects.filter(session=session).order_by("number")
        self.fields["table"].label = session.table_word


_BREAK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class SessionForm(forms.ModelForm):
    starts_at = forms.DateTimeField(
        label=_("First slot starts"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        required=False,
    )
    ends_at = forms.DateTimeField(
        label=_("Last slot ends"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        required=False,
    )
    breaks = forms.CharField(
        label=_("Breaks"),
        required=False,
        help_text=_("Comma separated, e.g. 12:00-13:00, 15:00-15:15 (the event's time zone)."),
    )
    tables = forms.IntegerField(
        label=_("Tables, rooms or parallel online rooms"), min_value=1, max_value=1000
    )

    class Meta:
        model = MatchmakingSession
        fields = [
            "title",
            "description",
            "mode",
            "venue",
            "online_url",
            "slot_minutes",
            "max_meetings",
            "request_expiry_hours",
            "open",
            "requires_registration",
        ]

    def __init__(self, *args, event, creating: bool, **kwargs):
        self.event = event
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].required = creating
        self.fields["ends_at"].required = creating
        if creating:
            self.fields["starts_at"].help_text = _("In the event's time zone.")

    def _aware(self, value):
        if value is None:
            return None
        return value.replace(tzinfo=None).replace(tzinfo=self.event.zone)

    def clean(self):
        data = super().clean()
        data["starts_at"] = self._aware(data.get("starts_at"))
        data["ends_at"] = self._aware(data.get("ends_at"))
        if bool(data["starts_at"]) != bool(data["ends_at"]):
            self.add_error("ends_at", _("Give both the start and the end, or neither."))
        breaks = []
        day = (data["starts_at"] or self.event.local_start).date()
        for part in filter(None, (p.strip() for p in (data.get("breaks") or "").split(","))):
            match = _BREAK.match(part)
            if not match:
                self.add_error("breaks", _("Write breaks as HH:MM-HH:MM."))
                break
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            try:
                start = datetime.datetime.combine(day, datetime.time(h1, m1), self.event.zone)
                end = datetime.datetime.combine(day, datetime.time(h2, m2), self.event.zone)
            except ValueError:
                self.add_error("breaks", _("Write breaks as HH:MM-HH:MM."))
                break
            breaks.append((start, end))
        data["break_list"] = breaks
        return data
