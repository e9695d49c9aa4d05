"""The invoice as a PDF (reportlab) and the invoices as CSV for the bookkeeping system."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal
from xml.sax.saxutils import escape

from django.conf import settings
from django.http import HttpResponse
from django.utils import formats
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from klynge.core.spreadsheets import cell
from klynge.core.templatetags.klynge import money
from klynge.membership import conf
from klynge.membership.models import Invoice, InvoiceKind

CSV_HEADER = [
    "number",
    "type",
    "issue_date",
    "due_date",
    "status",
    "buyer",
    "buyer_registry_number",
    "buyer_country",
    "currency",
    "subtotal",
    "vat_rate",
    "vat",
    "total",
    "credits_number",
    "paid_on",
]


def invoices_csv(invoices: Iterable[Invoice]) -> str:
    """One row per issued document; amounts with a dot and two decimals, dates in ISO 8601, so
    any bookkeeping system reads them whatever the language."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for invoice in invoices:
        writer.writerow(
            [
                invoice.number,
                invoice.kind,
                invoice.issue_date.isoformat() if invoice.issue_date else "",
                invoice.due_date.isoformat() if invoice.due_date else "",
                invoice.status,
                cell(invoice.buyer_name),  # free text from forms: never a formula
                cell(invoice.buyer_registry_number),
                invoice.buyer_country,
                invoice.currency,
                f"{invoice.subtotal:.2f}",
                f"{invoice.vat_rate:.2f}",
                f"{invoice.vat_amount:.2f}",
                f"{invoice.total:.2f}",
                invoice.credits.number if invoice.credits_id else "",
                invoice.paid_on.isoformat() if invoice.paid_on else "",
            ]
        )
    return buffer.getvalue()


def _p(text: str, style) -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def _date(value) -> str:
    return formats.date_format(value, "DATE_FORMAT") if value else ""


def _quantity(value: Decimal) -> str:
    return formats.number_format(value.normalize() if value == value.to_integral() else value)


def invoice_pdf(invoice: Invoice) -> bytes:
    """An A4 invoice or credit note with what Nordic bookkeeping rules ask for: seller and
    buyer (name, address, registry number), number, issue and due dates, lines, VAT rate and
    amount, totals and payment terms. Rendered in the current language."""
    buffer = io.BytesIO()
    is_credit = invoice.kind == InvoiceKind.CREDIT_NOTE
    title = _("Credit note") if is_credit else _("Invoice")
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"{title} {invoice.display_number}",
        author=settings.KLYNGE_CLUSTER_NAME,
        invariant=1,
    )
    styles = getSampleStyleSheet()
    normal = styles["Normal"]
    small = ParagraphStyle("small", parent=normal, fontSize=8, leading=10)
    right = ParagraphStyle("right", parent=normal, alignment=TA_RIGHT)
    bold_right = ParagraphStyle("bold_right", parent=right, fontName="Helvetica-Bold")
    cur = invoice.currency

    seller = [f"<b>{escape(settings.KLYNGE_CLUSTER_NAME)}</b>"]
    if conf.seller_address():
        seller.append(escape(conf.seller_address()).replace("\n", "<br/>"))
    if conf.seller_registry_number():
        seller.append(
            escape(_("Registry number: %(number)s") % {"number": conf.seller_registry_number()})
        )
    buyer = [f"<b>{escape(invoice.buyer_name or invoice.organisation.name)}</b>"]
    if invoice.buyer_address:
        buyer.append(escape(invoice.buyer_address).replace("\n", "<br/>"))
    if invoice.buyer_registry_number:
        buyer.append(
            escape(_("Registry number: %(number)s") % {"number": invoice.buyer_registry_number})
        )
    facts = [
        [_p(_("Number"), normal), _p(invoice.display_number, normal)],
        [_p(_("Issue date"), normal), _p(_date(invoice.issue_date), normal)],
    ]
    if not is_credit:
        facts.append([_p(_("Due date"), normal), _p(_date(invoice.due_date), normal)])
    if invoice.credits_id:
        facts.append([_p(_("Credits invoice"), normal), _p(invoice.credits.display_number, normal)])

    story = [
        Paragraph(escape(f"{title} {invoice.display_number}"), styles["Title"]),
        Table(
            [
                [
                    Paragraph(_("Seller").upper(), small),
                    Paragraph(_("Buyer").upper(), small),
                ],
                [
                    Paragraph("<br/>".join(seller), normal),
                    Paragraph("<br/>".join(buyer), normal),
                ],
            ],
            colWidths=[85 * mm, 85 * mm],
            style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]),
        ),
        Spacer(1, 6 * mm),
        Table(facts, colWidths=[40 * mm, 60 * mm], hAlign="LEFT"),
        Spacer(1, 6 * mm),
    ]
    rows = [
        [
            _p(_("Description"), normal),
            _p(_("Quantity"), right),
            _p(_("Unit price"), right),
            _p(_("Amount"), right),
        ]
    ]
    for line in invoice.lines.all():
        rows.append(
            [
                _p(line.description, normal),
                _p(_quantity(line.quantity), right),
                _p(money(line.unit_price, cur), right),
                _p(money(line.amount, cur), right),
            ]
        )
    vat_label = _("VAT %(rate)s %%") % {"rate": formats.number_format(invoice.vat_rate.normalize())}
    rows += [
        ["", "", _p(_("Amount before VAT"), right), _p(money(invoice.subtotal, cur), right)],
        ["", "", _p(vat_label, right), _p(money(invoice.vat_amount, cur), right)],
        ["", "", _p(_("Total"), bold_right), _p(money(invoice.total, cur), bold_right)],
    ]
    lines_table = Table(rows, colWidths=[85 * mm, 20 * mm, 32 * mm, 33 * mm], repeatRows=1)
    lines_table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEABOVE", (2, -3), (-1, -3), 0.5, colors.grey),
                ("LINEABOVE", (2, -1), (-1, -1), 0.8, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story += [lines_table, Spacer(1, 8 * mm)]
    vat_note = conf.vat_note(
        invoice.buyer_country or invoice.organisation.country, invoice.vat_rate
    )
    if vat_note:
        story.append(_p(vat_note, normal))
    if invoice.note:
        story.append(_p(invoice.note, normal))
    if not is_credit:
        terms = _(
            "Payment terms: net %(days)s days. Please pay %(total)s by %(due)s and quote "
            "invoice number %(number)s."
        ) % {
            "days": conf.payment_days(),
            "total": money(invoice.total, cur),
            "due": _date(invoice.due_date),
            "number": invoice.display_number,
        }
        story += [Spacer(1, 3 * mm), _p(terms, normal)]
        if conf.payment_details():
            story.append(_p(conf.payment_details(), normal))
    document.build(story)
    return buffer.getvalue()


def pdf_response(invoice: Invoice) -> HttpResponse:
    """The invoice's PDF as an inline download named after its number (page and API)."""
    response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
    name = f"invoice-{invoice.number}.pdf" if invoice.number else f"invoice-draft-{invoice.pk}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response
