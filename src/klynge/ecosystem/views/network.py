"""The ecosystem map, the members-and-prospects breakdown, and an organisation's relations."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from klynge.core.forms_util import apply_service_errors
from klynge.core.permissions import permission_required
from klynge.ecosystem import network
from klynge.ecosystem.models import (
    Country,
    MembershipStatus,
    OrganisationKind,
    RelationKind,
    TripleHelix,
)
from klynge.ecosystem.services_relations import EARLIEST_YEAR, add_relation, remove_relation

# ---------------------------------------------------------------------------------------------
# Forms


class NetworkFilterForm(forms.Form):
    sector = forms.ChoiceField(label=gettext_lazy("Sector"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False)
    region = forms.ChoiceField(label=gettext_lazy("Region"), required=False)
    country = forms.ChoiceField(label=gettext_lazy("Country"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("Membership"), required=False)
    tie = forms.ChoiceField(label=gettext_lazy("Tie"), required=False)

    def __init__(self, *args, scope: str, regions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        every = [("", gettext_lazy("All"))]
        statuses = dict(MembershipStatus.choices)
        self.fields["sector"].choices = every + network.TOP_SECTORS
        self.fields["kind"].choices = every + OrganisationKind.choices
        self.fields["region"].choices = every + [(region, region) for region in regions]
        self.fields["country"].choices = every + Country.choices
        self.fields["status"].choices = every + [
            (status, statuses[status]) for status in network.visible_statuses(scope)
        ]
        self.fields["tie"].choices = every + network.tie_choices()

    def filters(self) -> network.NetworkFilters:
        """The valid filters; an invalid value counts as no filter (and shows its error)."""
        if not self.is_bound:
            return network.NetworkFilters()
        self.is_valid()
        data = self.cleaned_data
        return network.NetworkFilters(**{name: data.get(name) or "" for name in self.fields})


class RelationForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Relation"), choices=RelationKind.choices)
    target = forms.CharField(
        label=gettext_lazy("Other organisation"),
        max_length=200,
        help_text=gettext_lazy("Its name or short name."),
        widget=forms.TextInput(attrs={"list": "relation-targets", "autocomplete": "off"}),
    )
    start_year = forms.IntegerField(
        label=gettext_lazy("Since (year)"), required=False, min_value=EARLIEST_YEAR
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start_year"].max_value = timezone.localdate().year
        self.fields["start_year"].widget.attrs["max"] = timezone.localdate().year


# ---------------------------------------------------------------------------------------------
# Views


@permission_required("ecosystem.view_network")
def network_map(request):
    scope = network.scope_for(request.user)
    form = NetworkFilterForm(
        request.GET or None, scope=scope, regions=network.region_choices(scope)
    )
    filters = form.filters()
    graph = network.ecosystem_map(scope, filters)
    context = {
        "form": form,
        "graph": graph,
        "ties": network.map_ties(graph),
        "scope": scope,
        "helix_legend": TripleHelix.choices,
        "tie_legend": network.tie_choices(),
    }
    template = "ecosystem/network/_map.html" if request.htmx else "ecosystem/network/map.html"
    return render(request, template, context, status=400 if form.errors else 200)


@permission_required("ecosystem.view_network_breakdown")
def network_breakdown(request):
    scope = network.scope_for(request.user)
    country = request.GET.get("country", "")
    if country not in Country.values:
        country = ""
    return render(
        request,
        "ecosystem/network/breakdown.html",
        {
            "breakdown": network.membership_breakdown(scope, country=country),
            "countries": Country.choices,
            "country": country,
        },
    )


def _organisation(request, slug):
    return network.get_network_organisation_for_user(request.user, slug)


def _relations_page(request, organisation, form=None, status=200):
    can_add = request.user.has_perm("ecosystem.add_relation", organisation)
    relations = network.relations_of(request.user, organisation)
    rows = [
        (relation, request.user.has_perm("ecosystem.remove_relation", relation))
        for relation in relations
    ]
    return render(
        request,
        "ecosystem/network/relations.html",
        {
            "organisation": organisation,
            "rows": rows,
            "can_add": can_add,
            "form": (form or RelationForm()) if can_add else None,
            "targets": network.relation_target_choices(request.user, organisation)
            if can_add
            else [],
        },
        status=status,
    )


@permission_required("ecosystem.view_relations", obj=_organisation)
def organisation_relations(request, slug, obj):
    return _relations_page(request, obj)


@require_POST
@permission_required("ecosystem.add_relation", obj=_organisation)
def relation_add(request, slug, obj):
    form = RelationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            target = network.find_relation_target(request.user, data["target"])
            relation = add_relation(
                actor=request.user,
                source=obj,
                target=target,
                kind=data["kind"],
                start_year=data["start_year"],
                note=data["note"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Recorded: %(relation)s.") % {"relation": relation})
            return redirect("ecosystem:relations", slug=obj.slug)
    return _relations_page(request, obj, form=form, status=400)


def _relation(request, pk):
    return network.get_relation_for_user(request.user, pk)


@require_POST
@permission_required("ecosystem.remove_relation", obj=_relation)
def relation_remove(request, pk, obj):
    description = str(obj)
    # Back to the page it was removed from: the source's or the target's relations.
    back = obj.target.slug if request.POST.get("back") == obj.target.slug else obj.source.slug
    remove_relation(actor=request.user, relation=obj)
    messages.success(request, _("Removed: %(relation)s.") % {"relation": description})
    return redirect("ecosystem:relations", slug=back)
