from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klynge.core.forms_util import apply_service_errors
from klynge.core.permissions import permission_required
from klynge.membership import conf, selectors, services
from klynge.membership.documents import invoices_csv, pdf_response
from klynge.membership.forms import CreditForm, InvoiceFilterForm, MarkPaidForm


def _invoice(request, pk):
    return selectors.get_invoice_for_user(request.user, pk)


@permission_required("membership.view_invoice_list")
def invoice_list(request):
    form = InvoiceFilterForm(request.GET or None, years=selectors.invoice_years())
    queryset = selectors.filter_invoices(
        selectors.invoices_visible_to(request.user), **form.to_filter()
    )
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    template = "membership/partials/invoice_table.html" if request.htmx else None
    return render(request, template or "membership/invoices.html", {"form": form, "page": page})


@permission_required("membership.export_invoices")
def invoice_export(request):
    form = InvoiceFilterForm(request.GET or None, years=selectors.invoice_years())
    content = invoices_csv(selectors.invoices_for_export(**form.to_filter()))
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="invoices-{stamp}.csv"'
    return response


def _detail(request, invoice, *, paid_form=None, credit_form=None, status=200):
    return render(
        request,
        "membership/invoice.html",
        {
            "invoice": invoice,
            "vat_note": conf.vat_note(
                invoice.buyer_country or invoice.organisation.country, invoice.vat_rate
            ),
            "paid_form": paid_form or MarkPaidForm(),
            "credit_form": credit_form or CreditForm(),
        },
        status=status,
    )


@permission_required("membership.view_invoice", obj=_invoice)
def invoice_detail(request, pk, obj):
    return _detail(request, obj)


@permission_required("membership.view_invoice", obj=_invoice)
def invoice_pdf_view(request, pk, obj):
    return pdf_response(obj)


@require_POST
@permission_required("membership.mark_invoice_paid", obj=_invoice)
def invoice_mark_paid(request, pk, obj):
    form = MarkPaidForm(request.POST)
    if form.is_valid():
        try:
            services.mark_invoice_paid(
                actor=request.user, invoice=obj, paid_on=form.cleaned_data["paid_on"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request, _("Invoice %(number)s is marked paid.") % {"number": obj.number}
            )
            return redirect(_next(request, obj))
    return _detail(request, obj, paid_form=form, status=400)


@require_POST
@permission_required("membership.credit_invoice", obj=_invoice)
def invoice_credit(request, pk, obj):
    form = CreditForm(request.POST)
    if form.is_valid():
        try:
            note, replacement = services.credit_and_reissue(
                actor=request.user,
                invoice=obj,
                reason=form.cleaned_data["reason"],
                reissue=form.cleaned_data["reissue"],
                base_url=request.build_absolute_uri("/")[:-1],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            text = _("Credit note %(note)s issued for invoice %(number)s.") % {
                "note": note.number,
                "number": obj.number,
            }
            if replacement is not None:
                text += " " + _("New invoice: %(number)s.") % {"number": replacement.number}
            messages.success(request, text)
            return redirect("membership:invoice", pk=note.pk)
    return _detail(request, obj, credit_form=form, status=400)


def _next(request, invoice) -> str:
    """Back to the list the action came from (only our own invoice list), else the invoice."""
    target = request.POST.get("next", "")
    if target.startswith("/membership/invoices/") and "//" not in target:
        return target
    return invoice.get_absolute_url()
