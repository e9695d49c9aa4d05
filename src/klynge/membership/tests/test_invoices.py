import base64
import csv
import datetime
import io
import re
import threading
import zlib
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from klynge.core.models import AuditEntry
from klynge.ecosystem.tests.factories import OrganisationFactory
from klynge.membership import invoicing, services
from klynge.membership.documents import CSV_HEADER
from klynge.membership.models import Invoice, InvoiceCounter
from klynge.membership.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 2)


def issued(organisation, lines=(("Consulting", 2, "1250.50"),), on=DAY, **kwargs):
    invoice = invoicing.create_invoice(actor=None, organisation=organisation, lines=lines, **kwargs)
    return invoicing.issue_invoice(actor=None, invoice=invoice, on=on, notify=False)


def test_totals_are_rounded_to_cents_per_line_and_for_vat(member_org):
    invoice = invoicing.create_invoice(
        actor=None,
        organisation=member_org,
        lines=[("Studio hours", "3", "333.333"), ("Coffee", "1.5", "19.99")],
    )
    assert [line.amount for line in invoice.lines.all()] == [Decimal("999.99"), Decimal("29.99")]
    assert (invoice.subtotal, invoice.vat_amount, invoice.total) == (
        Decimal("1029.98"),
        Decimal("257.50"),  # 257.495 rounds half up
        Decimal("1287.48"),
    )
    assert (invoice.status, invoice.number) == ("draft", None)


def test_numbers_are_given_at_issue_in_one_sequence(member_org, other_org):
    draft = invoicing.create_invoice(actor=None, organisation=member_org, lines=[("A", 1, 10)])
    first = issued(member_org)
    second = issued(other_org)
    note = invoicing.credit_invoice(actor=None, invoice=first, reason="Wrong amount", on=DAY)
    third = invoicing.issue_invoice(actor=None, invoice=draft, on=DAY, notify=False)
    assert [first.number, second.number, note.number, third.number] == [1, 2, 3, 4]
    assert InvoiceCounter.objects.get().last_number == 4
    with pytest.raises(ValidationError):
        invoicing.issue_invoice(actor=None, invoice=third)


def test_the_first_number_is_configurable(member_org, settings):
    settings.KLYNGE_INVOICE_FIRST_NUMBER = 1001
    assert [issued(member_org).number, issued(member_org).number] == [1001, 1002]


def test_a_rolled_back_issue_leaves_no_gap(member_org):
    draft = invoicing.create_invoice(actor=None, organisation=member_org, lines=[("A", 1, 10)])
    with pytest.raises(RuntimeError):
        from django.db import transaction

        with transaction.atomic():
            invoicing.issue_invoice(actor=None, invoice=draft, notify=False)
            raise RuntimeError("the surrounding work failed")
    draft.refresh_from_db()
    assert (draft.number, draft.status) == (None, "draft")
    assert issued(member_org).number == 1


@pytest.mark.django_db(transaction=True)
def test_issuing_at_once_gives_consecutive_numbers():
    organisation = OrganisationFactory()
    drafts = [
        invoicing.create_invoice(actor=None, organisation=organisation, lines=[("A", 1, 100)])
        for _ in range(4)
    ]
    barrier = threading.Barrier(len(drafts))
    errors: list[Exception] = []

    def issue(draft):
        barrier.wait()
        try:
            invoicing.issue_invoice(actor=None, invoice=draft, notify=False)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(draft,)) for draft in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [1, 2, 3, 4]


def test_a_credit_note_mirrors_the_invoice_with_negative_amounts(member_org, staff):
    invoice = issued(member_org)
    note = invoicing.credit_invoice(actor=staff, invoice=invoice, reason="Duplicate", on=DAY)
    invoice.refresh_from_db()
    assert invoice.status == "credited"
    assert (
        note.kind,
        note.status,
        note.number,
        note.credits,
        note.subtotal,
        note.vat_amount,
        note.total,
        note.note,
    ) == (
        "credit_note",
        "sent",
        2,
        invoice,
        Decimal("-2501.00"),
        Decimal("-625.25"),
        Decimal("-3126.25"),
        "Duplicate",
    )
    assert [(line.description, line.quantity) for line in note.lines.all()] == [
        ("Consulting", Decimal("-2.00"))
    ]
    with pytest.raises(ValidationError) as error:
        invoicing.credit_invoice(actor=staff, invoice=invoice, reason="Again")
    assert error.value.messages == ["Only an issued invoice that is not credited can be credited."]
    with pytest.raises(ValidationError) as error:
        invoicing.credit_invoice(actor=staff, invoice=issued(member_org), reason="  ")
    assert error.value.message_dict == {"reason": ["Say why the invoice is credited."]}
    assert AuditEntry.objects.filter(action="membership.invoice.credit").count() == 1


def test_credit_and_reissue_bills_the_same_period_again(member_org, staff):
    membership = MembershipFactory(organisation=member_org)
    invoice = issued(
        member_org,
        lines=[("Old", 1, "10000")],
        membership=membership,
        period_start=membership.start_date,
        period_end=membership.end_date,
    )
    member_org.name = "Fynsk Lyd A/S"
    member_org.save()
    note, replacement = services.credit_and_reissue(
        actor=staff, invoice=invoice, reason="New company name", reissue=True, on=DAY
    )
    assert (note.number, replacement.number) == (2, 3)
    assert (replacement.buyer_name, replacement.total, replacement.period_start) == (
        "Fynsk Lyd A/S",
        Decimal("12500.00"),
        datetime.date(2026, 1, 1),
    )


def test_staff_mark_paid(client, staff, member_org):
    invoice = issued(member_org)
    client.force_login(staff)
    response = client.post(
        reverse("membership:invoice_mark_paid", args=[invoice.pk]),
        {"paid_on": "2026-03-20", "next": "/membership/invoices/?status=sent"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/membership/invoices/?status=sent"
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_on) == ("paid", datetime.date(2026, 3, 20))
    again = client.post(reverse("membership:invoice_mark_paid", args=[invoice.pk]), {})
    assert again.status_code == 400
    assert again.context["paid_form"].non_field_errors() == [
        "Only a sent or overdue invoice can be marked paid."
    ]


def test_staff_credit_through_the_page(client, staff, member_org):
    invoice = issued(member_org)
    client.force_login(staff)
    refused = client.post(reverse("membership:invoice_credit", args=[invoice.pk]), {"reason": ""})
    assert refused.status_code == 400
    assert refused.context["credit_form"].errors["reason"] == ["This field is required."]
    response = client.post(
        reverse("membership:invoice_credit", args=[invoice.pk]), {"reason": "Wrong tier"}
    )
    note = Invoice.objects.get(kind="credit_note")
    assert response.status_code == 302
    assert response["Location"] == reverse("membership:invoice", args=[note.pk])
    assert Invoice.objects.get(pk=invoice.pk).status == "credited"


def pdf_text(pdf: bytes) -> str:
    """The text drawn on the pages (reportlab writes content streams ASCII85 and zlib encoded)."""
    texts = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            content = zlib.decompress(base64.a85decode(stream.strip(), adobe=True))
        except (ValueError, zlib.error):
            continue
        texts += [t.decode("latin-1") for t in re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", content)]
    return re.sub(r"\\(.)", r"\1", " ".join(texts))  # PDF strings escape ( ) and \\


def test_the_pdf_is_a_real_document(client, staff, member_org, settings):
    settings.KLYNGE_PAYMENT_DETAILS = "IBAN DK50 0040 0440 1162 43"
    member_org.registry_number = "10000009"
    member_org.save()
    invoice = issued(member_org)
    client.force_login(staff)
    response = client.get(reverse("membership:invoice_pdf", args=[invoice.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="invoice-1.pdf"'
    body = response.content
    assert body.startswith(b"%PDF")
    assert len(body) > 1024
    text = pdf_text(body)
    for expected in (
        "Invoice 1",
        "Media City Odense",
        "Fynsk Lyd ApS",
        "Registry number: 10000009",
        "Issue date 2 March 2026",
        "Due date 1 April 2026",
        "Consulting 2 DKK1,250.50 DKK2,501.00",
        "VAT 25 % DKK625.25",
        "Total DKK3,126.25",
        "Please pay DKK3,126.25 by 1 April 2026 and quote invoice number 1.",
        "IBAN DK50 0040 0440 1162 43",
    ):
        assert expected in text
    # Invariant mode: the same invoice renders to the same bytes.
    assert client.get(reverse("membership:invoice_pdf", args=[invoice.pk])).content == body
    note = invoicing.credit_invoice(actor=staff, invoice=invoice, reason="Oops", on=DAY)
    credit_pdf = client.get(reverse("membership:invoice_pdf", args=[note.pk])).content
    assert credit_pdf.startswith(b"%PDF")
    assert "Credit note 2" in pdf_text(credit_pdf)
    assert "Credits invoice 1" in pdf_text(credit_pdf)


def test_the_csv_export_for_bookkeeping(client, staff, member_org, other_org):
    member_org.registry_number = "10000009"
    member_org.save()
    first = issued(member_org)
    issued(other_org, lines=[("Event stand", 1, "4000")], on=datetime.date(2026, 3, 5))
    services.mark_invoice_paid(actor=staff, invoice=first, paid_on=datetime.date(2026, 3, 9))
    invoicing.credit_invoice(
        actor=staff, invoice=first, reason="Refund", on=datetime.date(2026, 3, 10)
    )
    invoicing.create_invoice(actor=None, organisation=member_org, lines=[("Draft", 1, 1)])
    client.force_login(staff)
    response = client.get(reverse("membership:invoice_export"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == CSV_HEADER == [
        "number", "type", "issue_date", "due_date", "status", "buyer", "buyer_registry_number",
        "buyer_country", "currency", "subtotal", "vat_rate", "vat", "total", "credits_number",
        "paid_on",
    ]  # fmt: skip
    assert rows[1:] == [
        ["1", "invoice", "2026-03-02", "2026-04-01", "credited", "Fynsk Lyd ApS", "10000009",
         "DK", "DKK", "2501.00", "25.00", "625.25", "3126.25", "", "2026-03-09"],
        ["2", "invoice", "2026-03-05", "2026-04-04", "sent", "Bergen Pixel AS", "", "NO", "DKK",
         "4000.00", "25.00", "1000.00", "5000.00", "", ""],
        ["3", "credit_note", "2026-03-10", "2026-04-09", "sent", "Fynsk Lyd ApS", "10000009",
         "DK", "DKK", "-2501.00", "25.00", "-625.25", "-3126.25", "1", ""],
    ]  # fmt: skip
    filtered = client.get(reverse("membership:invoice_export"), {"status": "sent", "year": 2026})
    assert [row[0] for row in csv.reader(io.StringIO(filtered.content.decode()))] == [
        "number",
        "2",
        "3",
    ]


def test_invoice_list_filters_and_keeps_a_constant_query_count(
    client, staff, member_org, django_assert_num_queries
):
    client.force_login(staff)
    issued(member_org)
    url = reverse("membership:invoices")
    client.get(url)
    with django_assert_num_queries(6) as one:
        response = client.get(url)
    assert [i.number for i in response.context["page"]] == [1]
    issued(member_org)
    issued(member_org, on=datetime.date(2025, 12, 1))
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert [i.number for i in response.context["page"]] == [3, 2, 1]
    response = client.get(url, {"year": "2025"})
    assert [i.number for i in response.context["page"]] == [3]
    services.mark_invoice_paid(actor=staff, invoice=Invoice.objects.get(number=2))
    response = client.get(url, {"status": "paid"}, headers={"HX-Request": "true"})
    assert next(t.name for t in response.templates) == "membership/partials/invoice_table.html"
    assert [i.number for i in response.context["page"]] == [2]


def test_event_and_studio_invoices_carry_the_sellers_vat_whoever_buys(db):
    """Admission to events and studio time are taxed where they happen; only membership fees
    follow the buyer's country."""
    from klynge.ecosystem.tests.factories import OrganisationFactory

    swedish = OrganisationFactory(country="SE", registry_number="5560000001")
    ticket = invoicing.create_invoice(actor=None, organisation=swedish, lines=[("Seat", 1, 400)])
    fee = invoicing.create_invoice(
        actor=None, organisation=swedish, lines=[("Membership", 1, 400)], vat_country="SE"
    )
    assert (ticket.vat_rate, ticket.total) == (Decimal("25.00"), Decimal("500.00"))
    assert (fee.vat_rate, fee.total) == (Decimal("0.00"), Decimal("400.00"))
