from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klynge.ecosystem.models import Country, OrganisationKind, SizeBand
from klynge.membership.models import InvoiceStatus, MembershipStatus, Tier
from klynge.membership.selectors import open_tiers


class ApplicationForm(forms.Form):
    name = forms.CharField(label=_("Organisation name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of organisation"), choices=OrganisationKind.choices)
    country = forms.ChoiceField(label=_("Country"), choices=Country.choices, initial="DK")
    registry_number = forms.CharField(
        label=_("Registry number"),
        max_length=30,
        required=False,
        help_text=_(
            "CVR in Denmark, organisasjonsnummer in Norway, organisationsnummer in Sweden."
        ),
    )
    employees = forms.IntegerField(label=_("Employees"), min_value=0, required=False)
    street = forms.CharField(label=_("Street address"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    contact_name = forms.CharField(label=_("Your name"), max_length=200)
    contact_email = forms.EmailField(label=_("Your e-mail"))
    tier = forms.ModelChoiceField(
        label=_("Membership tier"), queryset=Tier.objects.none(), empty_label=None
    )
    message = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What you hope to get from the cluster, and what you can bring."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].queryset = open_tiers()


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (sent to the applicant)"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TierForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    is_active = forms.BooleanField(label=_("Open for applications"), required=False, initial=True)
    position = forms.IntegerField(label=_("Order"), min_value=0, initial=0)
    studio_hours_per_month = forms.IntegerField(
        label=_("Studio hours per month"), min_value=0, initial=0
    )
    free_event_seats = forms.IntegerField(
        label=_("Free event seats per year"), min_value=0, initial=0
    )
    event_discount_percent = forms.IntegerField(
        label=_("Event discount (%)"), min_value=0, max_value=100, initial=0
    )


class FeeForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of organisation"),
        choices=[("", _("Any kind")), *OrganisationKind.choices],
        required=False,
    )
    size_band = forms.ChoiceField(
        label=_("Size"), choices=[("", _("Any size")), *SizeBand.choices], required=False
    )
    annual_fee = forms.DecimalField(
        label=_("Annual fee"), min_value=0, max_digits=12, decimal_places=2, required=False
    )


FeeFormSet = forms.formset_factory(FeeForm, extra=3, can_delete=True)


def fees_from(formset) -> list[dict]:
    """The fee lines filled in (a line without a fee is ignored), for `services.save_tier`."""
    return [
        form.cleaned_data
        for form in formset.forms
        if form.cleaned_data
        and not form.cleaned_data.get("DELETE")
        and form.cleaned_data.get("annual_fee") is not None
    ]


class MembershipFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *MembershipStatus.choices],
        required=False,
    )
    tier = forms.ModelChoiceField(
        label=_("Tier"), queryset=Tier.objects.all(), required=False, empty_label=_("Any tier")
    )
    q = forms.CharField(label=_("Organisation"), required=False, max_length=100)

    def to_filter(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {"status": data["status"], "tier": data["tier"], "q": data["q"].strip()}


class InvoiceFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *InvoiceStatus.choices], required=False
    )
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        years = sorted({*years, timezone.localdate().year}, reverse=True)
        self.fields["year"].choices = [("", _("Any year"))] + [(y, str(y)) for y in years]

    def to_filter(self) -> dict:
        if not self.is_valid():
            return {}
        return {"status": self.cleaned_data["status"], "year": self.cleaned_data["year"]}


class MarkPaidForm(forms.Form):
    paid_on = forms.DateField(
        label=_("Paid on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class CreditForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the credit note"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    reissue = forms.BooleanField(
        label=_("Issue a corrected invoice for the same period"), required=False
    )
