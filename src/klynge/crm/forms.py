"""Forms of the staff CRM: they parse input; the services decide what is acceptable."""

from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klynge.crm.models import InteractionKind, Stage
from klynge.crm.selectors import PipelineFilter, TaskFilter, staff_users
from klynge.ecosystem.models import Country


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name()


class InteractionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=InteractionKind.choices)
    occurred_at = forms.DateTimeField(
        label=_("When"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    # The service says what is missing, in the same words for the page and the API.
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    related = forms.ModelChoiceField(label="", queryset=None, required=False, empty_label="–")

    def __init__(self, *args, related_queryset=None, related_label="", **kwargs):
        kwargs.setdefault("initial", {}).setdefault(
            "occurred_at", timezone.localtime().replace(second=0, microsecond=0)
        )
        kwargs["initial"].setdefault("kind", InteractionKind.MEETING)
        super().__init__(*args, **kwargs)
        if related_queryset is None:
            del self.fields["related"]
        else:
            self.fields["related"].queryset = related_queryset
            self.fields["related"].label = related_label


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Title"), required=False, max_length=200)
    due_date = forms.DateField(label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}))
    assignee = StaffChoiceField(label=_("Assigned to"), queryset=staff_users())
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user=None, **kwargs):
        initial = kwargs.setdefault("initial", {})
        if user is not None:
            initial.setdefault("assignee", user.pk)
        initial.setdefault("due_date", timezone.localdate() + datetime.timedelta(days=7))
        super().__init__(*args, **kwargs)


class AccountForm(forms.Form):
    owner = StaffChoiceField(
        label=_("Owner"), queryset=staff_users(), required=False, empty_label=_("Nobody yet")
    )
    expected_annual_fee = forms.DecimalField(
        label=_("Expected annual fee"), required=False, max_digits=12, decimal_places=2
    )
    currency = forms.ChoiceField(
        label=_("Currency"), choices=[(c, c) for c in settings.KLYNGE_CURRENCIES]
    )


class StageForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=Stage.choices)
    lost_reason = forms.CharField(label=_("Why lost"), required=False, max_length=1000)


class PipelineFilterForm(forms.Form):
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    country = forms.ChoiceField(
        label=_("Country"), required=False, choices=[("", _("All countries")), *Country.choices]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [
            ("", _("Everyone")),
            ("none", _("Nobody")),
            *((str(user.pk), user.get_full_name()) for user in staff_users()),
        ]

    def to_filter(self) -> PipelineFilter:
        data = self.cleaned_data if self.is_valid() else {}
        return PipelineFilter(owner=data.get("owner") or "", country=data.get("country") or "")


class TaskFilterForm(forms.Form):
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("open", _("Open")), ("done", _("Done")), ("all", _("All"))],
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [
            ("", _("Everyone")),
            *((str(user.pk), user.get_full_name()) for user in staff_users()),
        ]

    def to_filter(self) -> TaskFilter:
        data = self.cleaned_data if self.is_valid() else {}
        assignee = data.get("assignee")
        return TaskFilter(
            assignee_id=int(assignee) if assignee else None,
            status=data.get("status") or "open",
            overdue_only=bool(data.get("overdue")),
        )
