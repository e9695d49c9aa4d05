from django import forms
from django.utils.translation import gettext_lazy as _

from klynge.core.selectors import AuditFilter, audited_actions, audited_types


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False)
    actor = forms.CharField(label=_("Who"), required=False, max_length=100)
    target_type = forms.TypedChoiceField(
        label=_("Object type"), required=False, coerce=int, empty_value=None
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("All actions"))] + [
            (a, a) for a in audited_actions()
        ]
        self.fields["target_type"].choices = [("", _("All types"))] + [
            (
                str(ct.pk),
                ct.model_class()._meta.verbose_name.capitalize() if ct.model_class() else ct.model,
            )
            for ct in audited_types()
        ]

    def clean(self):
        cleaned = super().clean()
        for name in ("since", "until"):
            value = cleaned.get(name)
            if value is not None and not 2000 <= value.year <= 9998:
                self.add_error(name, _("Enter a date between the years 2000 and 9998."))
                cleaned[name] = None
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date must not be before the start date."))
        return cleaned

    def to_filter(self) -> AuditFilter:
        data = self.cleaned_data if self.is_valid() else {}
        return AuditFilter(
            action=data.get("action") or "",
            actor=data.get("actor") or "",
            target_type=data.get("target_type"),
            since=data.get("since"),
            until=data.get("until"),
        )
