from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from klynge.core.permissions import permission_required
from klynge.membership import selectors, services
from klynge.membership.forms import FeeFormSet, TierForm, fees_from

_TIER_FIELDS = (
    "name",
    "description",
    "is_active",
    "position",
    "studio_hours_per_month",
    "free_event_seats",
    "event_discount_percent",
)


@permission_required("membership.manage_tiers")
def tier_list(request):
    return render(request, "membership/tiers.html", {"tiers": selectors.tiers_with_fees()})


def _edit(request, tier=None):
    initial = {field: getattr(tier, field) for field in _TIER_FIELDS} if tier else None
    fees = (
        [
            {"kind": fee.kind, "size_band": fee.size_band, "annual_fee": fee.annual_fee}
            for fee in tier.fees.all()
        ]
        if tier
        else None
    )
    form = TierForm(request.POST or None, initial=initial)
    formset = FeeFormSet(request.POST or None, initial=fees, prefix="fees")
    fee_errors: list[str] = []
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            saved = services.save_tier(
                actor=request.user,
                tier=tier,
                fees=fees_from(formset),
                **{field: form.cleaned_data[field] for field in _TIER_FIELDS},
            )
        except ValidationError as error:
            errors = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
            fee_errors = errors.pop("fees", [])
            for field, field_errors in errors.items():
                form.add_error(field if field in form.fields else None, field_errors)
        else:
            messages.success(request, _("The tier %(name)s is saved.") % {"name": saved.name})
            return redirect("membership:tiers")
    return render(
        request,
        "membership/tier_form.html",
        {"form": form, "formset": formset, "fee_errors": fee_errors, "tier": tier},
        status=400 if request.method == "POST" else 200,
    )


@permission_required("membership.manage_tiers")
def tier_create(request):
    return _edit(request)


@permission_required(
    "membership.manage_tiers",
    obj=lambda request, pk: selectors.get_tier_for_user(request.user, pk),
)
def tier_edit(request, pk, obj):
    return _edit(request, obj)
