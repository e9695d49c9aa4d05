"""Staff pages to find and settle duplicates: the pairs the scan stored (organisations or
people, paginated), a side-by-side comparison with a confirmation before merging, "not a
duplicate" (remembered), pairs staff choose themselves, and a new scan on request."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from klynge.core.permissions import permission_required
from klynge.ecosystem import merging, selectors_duplicates
from klynge.ecosystem.models import Country, DuplicateStatus, Organisation, Person

WHAT = {"organisations": Organisation, "people": Person}
PAGE_SIZE = 25


def _what(value) -> str:
    return value if value in WHAT else "organisations"


class PairForm(forms.Form):
    """Two records staff want to compare (and perhaps merge), as they would name them."""

    first = forms.CharField(label=gettext_lazy("First"), max_length=300)
    second = forms.CharField(label=gettext_lazy("Second"), max_length=300)

    def __init__(self, *args, what: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.what = what
        help_text = (
            gettext_lazy("Short name, registry number, exact name or the address of its page.")
            if what == "organisations"
            else gettext_lazy("E-mail address, number or the address of the person's page.")
        )
        for name in ("first", "second"):
            self.fields[name].help_text = help_text

    def _find(self, name):
        text = self.cleaned_data.get(name, "")
        try:
            return selectors_duplicates.find_record(self.what, text)
        except ValidationError as error:
            self.add_error(name, error)
            return None

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        first, second = self._find("first"), self._find("second")
        if first is not None and second is not None and first.pk == second.pk:
            self.add_error("second", _("Choose two different ones."))
        cleaned["records"] = (first, second)
        return cleaned


@permission_required("ecosystem.merge_organisations")
def duplicates(request):
    """The stored pairs to review (or the dismissed ones), newest scan first."""
    what = _what(request.GET.get("what"))
    status = DuplicateStatus.DISMISSED if request.GET.get("status") == "dismissed" else "open"
    country = request.GET.get("country", "")
    if country not in Country.values:
        country = ""
    pairs = selectors_duplicates.stored_pairs(what, status=status, country=country)
    page = Paginator(pairs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "ecosystem/duplicates/list.html",
        {
            "what": what,
            "status": status,
            "country": country,
            "countries": [
                (code, Country(code).label)
                for code in selectors_duplicates.pair_countries(status=status)
                if code in Country.values
            ]
            if what == "organisations"
            else [],
            "page": page,
            "pairs": page.object_list,
            "scan": selectors_duplicates.last_scan(),
            "pair_form": PairForm(what=what, prefix="pair"),
        },
    )


def _record(what: str, pk) -> Organisation | Person:
    model = WHAT[what]
    try:
        return get_object_or_404(model, pk=int(pk))
    except (TypeError, ValueError):
        raise Http404 from None


@permission_required("ecosystem.merge_organisations")
def compare(request):
    """Two records side by side, what a merge would move, and the confirmation to merge."""
    what = _what(request.GET.get("what"))
    if "pair-first" in request.GET:
        # The manual pairing form: records as staff named them.
        form = PairForm(request.GET, what=what, prefix="pair")
        if not form.is_valid():
            context = {
                "what": what,
                "status": "open",
                "country": "",
                "countries": [],
                "page": None,
                "pairs": [],
                "scan": selectors_duplicates.last_scan(),
                "pair_form": form,
            }
            return render(request, "ecosystem/duplicates/list.html", context, status=400)
        first, second = form.cleaned_data["records"]
        query = urlencode({"what": what, "first": first.pk, "second": second.pk})
        return redirect(f"{reverse('ecosystem:duplicates_compare')}?{query}")
    first, second = (
        _record(what, request.GET.get("first")),
        _record(what, request.GET.get("second")),
    )
    if first.pk == second.pk:
        raise Http404
    if first.pk > second.pk:
        first, second = second, first
    comparison = selectors_duplicates.compare(what, first, second)
    return render(
        request,
        "ecosystem/duplicates/compare.html",
        {"what": what, "first": first, "second": second, **comparison},
    )


def _back(request, what: str):
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(f"{reverse('ecosystem:duplicates')}?{urlencode({'what': what})}")


@require_POST
@permission_required("ecosystem.merge_organisations")
def merge(request):
    """Merges after the comparison page's confirmation: `keep` and `duplicate` (or `first`
    and `second`, the one not kept being the duplicate), and `confirm`."""
    what = _what(request.POST.get("what"))
    try:
        keep_id = int(request.POST["keep"])
        if "duplicate" in request.POST:
            duplicate_id = int(request.POST["duplicate"])
        else:
            pair = {int(request.POST["first"]), int(request.POST["second"])}
            if keep_id not in pair or len(pair) != 2:
                raise ValueError
            (duplicate_id,) = pair - {keep_id}
    except (KeyError, ValueError):
        messages.error(request, _("Choose which one to keep."))
        return _back(request, what)
    model = WHAT[what]
    live = model.objects.filter(merged_into__isnull=True)
    keep = get_object_or_404(live, pk=keep_id)
    duplicate = get_object_or_404(live, pk=duplicate_id)
    if request.POST.get("confirm") != "on":
        messages.error(request, _("Tick the box to confirm the merge; it cannot be undone."))
        query = urlencode({"what": what, "first": keep.pk, "second": duplicate.pk})
        return redirect(f"{reverse('ecosystem:duplicates_compare')}?{query}")
    service = merging.merge_organisations if what == "organisations" else merging.merge_people
    try:
        service(actor=request.user, keep=keep, duplicate=duplicate)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        query = urlencode({"what": what, "first": keep.pk, "second": duplicate.pk})
        return redirect(f"{reverse('ecosystem:duplicates_compare')}?{query}")
    messages.success(
        request,
        _("%(duplicate)s is merged into %(keep)s.")
        % {"duplicate": str(duplicate), "keep": str(keep)},
    )
    return redirect(f"{reverse('ecosystem:duplicates')}?{urlencode({'what': what})}")


@require_POST
@permission_required("ecosystem.merge_organisations")
def dismiss(request):
    """ "Not a duplicate": the pair is remembered and never proposed again."""
    what = _what(request.POST.get("what"))
    first, second = (
        _record(what, request.POST.get("first")),
        _record(what, request.POST.get("second")),
    )
    if first.pk == second.pk:
        raise Http404
    merging.dismiss_duplicate(actor=request.user, first=first, second=second)
    messages.success(
        request,
        _("%(first)s and %(second)s are marked as not the same; they will not be proposed again.")
        % {"first": str(first), "second": str(second)},
    )
    return _back(request, what)


@require_POST
@permission_required("ecosystem.merge_organisations")
def restore(request):
    """Undoes "not a duplicate": the pair is to review again."""
    what = _what(request.POST.get("what"))
    pair = selectors_duplicates.get_pair(what, request.POST.get("pair"))
    merging.restore_duplicate(actor=request.user, pair=pair)
    messages.success(request, _("The pair is back among those to review."))
    return _back(request, what)


@require_POST
@permission_required("ecosystem.merge_organisations")
def scan(request):
    """Queues a new scan of every organisation and person (a few seconds; in the background)."""
    from klynge.ecosystem.tasks import scan_duplicates_task

    transaction.on_commit(scan_duplicates_task.enqueue)
    messages.success(
        request,
        _("The search for duplicates has started; reload this page in a minute to see new pairs."),
    )
    return _back(request, _what(request.POST.get("what")))
