from django import forms
from django.utils.translation import gettext_lazy as _

from klynge.ecosystem.models import Country, OrganisationKind
from klynge.matchmaking.models import MatchOrigin, MatchStage


class FilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any kind")), *OrganisationKind.choices]
    )
    country = forms.ChoiceField(
        label=_("Country"), required=False, choices=[("", _("Any country")), *Country.choices]
    )
    members = forms.BooleanField(label=_("Members only"), required=False)


class FeedbackForm(forms.Form):
    partner = forms.IntegerField(widget=forms.HiddenInput)
    useful = forms.TypedChoiceField(
        choices=[("1", _("Useful")), ("0", _("Not useful"))], coerce=lambda v: v == "1"
    )


class IntroductionForm(forms.Form):
    partner = forms.IntegerField(widget=forms.HiddenInput)
    message = forms.CharField(
        label=_("Why would you like to meet?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AcceptForm(forms.Form):
    note = forms.CharField(
        label=_("Note to both"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class OutcomeForm(forms.Form):
    organisation_a = forms.IntegerField(label=_("Organisation (id)"))
    organisation_b = forms.IntegerField(label=_("Partner (id)"))
    stage = forms.ChoiceField(label=_("Stage"), choices=MatchStage.choices)
    origin = forms.ChoiceField(label=_("Origin"), choices=MatchOrigin.choices)
    reached_on = forms.DateField(label=_("Reached on"), required=False)


class FunnelFilterForm(forms.Form):
    """The staff funnel's filters (also used by the CSV export)."""

    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    event = forms.TypedChoiceField(label=_("Event"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, years: list[int], events: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("All years")), *[(y, str(y)) for y in years]]
        self.fields["event"].choices = [("", _("All events")), *events]
