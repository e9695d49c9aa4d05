"""Forms: they parse what a person typed; the services decide (and say per field what is wrong)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klynge.insights.models import FundingKind, Highlight, Metric
from klynge.insights.validation import allowed_currencies

FUNDING_ROWS = 6


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=1990, max_value=9999, required=False)


class FiguresForm(forms.Form):
    """One year's figures; amounts as typed (1 234 567,50 or 1234567.50), checked by the service."""

    year = forms.IntegerField(label=_("Year"))
    currency = forms.ChoiceField(label=_("Currency"))
    nace_division = forms.CharField(
        label=_("NACE division"),
        required=False,
        max_length=8,
        help_text=_("Leave empty to use the organisation's NACE code in the directory."),
    )
    revenue = forms.CharField(label=Metric.REVENUE.label, required=False, max_length=30)
    personnel_costs = forms.CharField(
        label=Metric.PERSONNEL_COSTS.label, required=False, max_length=30
    )
    operating_profit = forms.CharField(
        label=Metric.OPERATING_PROFIT.label,
        required=False,
        max_length=30,
        help_text=_("Before financial items and tax; a loss is negative."),
    )
    employees_fte = forms.CharField(label=Metric.EMPLOYEES_FTE.label, required=False, max_length=12)
    innovation_funding = forms.CharField(
        label=Metric.INNOVATION_FUNDING.label,
        required=False,
        max_length=30,
        help_text=_(
            "Grants, innovation loans and R&D tax credits received in the year; 0 if none."
        ),
    )
    innovations_launched = forms.CharField(
        label=Metric.INNOVATIONS_LAUNCHED.label,
        required=False,
        max_length=10,
        help_text=_("New or clearly improved products, services or processes; 0 if none."),
    )
    source_note = forms.CharField(
        label=_("Source details"),
        required=False,
        max_length=300,
        help_text=_("E.g. “Annual report 2025, audited”."),
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [(c, c) for c in allowed_currencies(organisation)]
        self.fields["year"].initial = timezone.localdate().year - 1
        self.fields["year"].widget.attrs.update({"min": 1990})

    def values(self) -> dict:
        """The figures given (empty fields leave the stored figure as it is)."""
        return {
            metric: self.cleaned_data[metric]
            for metric in Metric.values
            if self.cleaned_data.get(metric, "") not in ("", None)
        }


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"))


class BenchmarkImportForm(ImportForm):
    source = forms.CharField(
        label=_("Source"),
        required=False,
        max_length=300,
        help_text=_("Used for rows without a source column, e.g. “Statistics Denmark, table GF2”."),
    )


class HighlightForm(forms.ModelForm):
    class Meta:
        model = Highlight
        fields = ["year", "kind", "title_en", "title_da", "text_en", "text_da"]
        widgets = {
            "text_en": forms.Textarea(attrs={"rows": 3}),
            "text_da": forms.Textarea(attrs={"rows": 3}),
        }


class ClusterYearForm(forms.Form):
    currency = forms.ChoiceField(label=_("Currency"))
    budget = forms.DecimalField(label=_("Budget"), max_digits=14, decimal_places=2, min_value=0)
    staff_fte = forms.DecimalField(
        label=_("Staff (full-time equivalents)"), max_digits=6, decimal_places=1, min_value=0
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [(c, c) for c in settings.KLYNGE_CURRENCIES]
        self.fields["currency"].initial = settings.KLYNGE_CURRENCY
        for index in range(FUNDING_ROWS):
            self.fields[f"funding_{index}_kind"] = forms.ChoiceField(
                label=_("Funding source %(number)s") % {"number": index + 1},
                choices=[("", "–"), *FundingKind.choices],
                required=False,
            )
            self.fields[f"funding_{index}_name"] = forms.CharField(
                label=_("Name"), required=False, max_length=200
            )
            self.fields[f"funding_{index}_amount"] = forms.DecimalField(
                label=_("Amount"), required=False, max_digits=14, decimal_places=2, min_value=0
            )

    def clean(self):
        data = super().clean()
        for index in range(FUNDING_ROWS):
            kind = data.get(f"funding_{index}_kind")
            amount = data.get(f"funding_{index}_amount")
            if kind and amount is None:
                self.add_error(f"funding_{index}_amount", _("Give the amount."))
            if amount is not None and not kind:
                self.add_error(f"funding_{index}_kind", _("Choose the kind of funding."))
        return data

    def funding(self) -> list[dict]:
        return [
            {
                "kind": self.cleaned_data[f"funding_{index}_kind"],
                "name": self.cleaned_data[f"funding_{index}_name"],
                "amount": self.cleaned_data[f"funding_{index}_amount"],
            }
            for index in range(FUNDING_ROWS)
            if self.cleaned_data.get(f"funding_{index}_kind")
        ]


class BoardLinkForm(forms.Form):
    label = forms.CharField(
        label=_("Who is it for"), max_length=200, help_text=_("E.g. “Board meeting, March”.")
    )
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=366, initial=30)
