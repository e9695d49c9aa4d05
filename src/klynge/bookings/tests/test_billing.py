"""The monthly invoice of what bookings cost past the included hours (and their priced add-ons):
the right month at the local month boundary, once only, recounted after hours come back."""

import collections
import datetime
import io
import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection

from klynge.bookings import services
from klynge.bookings.models import Booking, BookingAddOn
from klynge.bookings.tests.conftest import local
from klynge.bookings.tests.factories import ResourceFactory
from klynge.core.periodic import registered
from klynge.membership.models import Invoice

NOW = local(2026, 10, 1, 9, 0)


@pytest.fixture
def wall(db):
    """Bills the hours past the included ones at 400 an hour."""
    return ResourceFactory(
        name="Video wall", slug="video-wall", over_quota="bill", hourly_rate=Decimal("400.00")
    )


@pytest.fixture
def technician(wall):
    return services.add_add_on(
        actor=None, resource=wall, name="Sound technician", price=Decimal("450.00")
    )


def book(user, resource, start, end, **kwargs):
    kwargs.setdefault("now", NOW)
    return services.create_booking(
        actor=user, resource=resource, user=user, start=start, end=end, **kwargs
    )


def lines(invoice) -> list[tuple[str, Decimal, Decimal]]:
    return [(line.description, line.quantity, line.unit_price) for line in invoice.lines.all()]


@pytest.mark.django_db
def test_each_month_is_invoiced_once_when_it_has_ended(employee, membership, wall, technician):
    # October, 10 included hours: 8 h, then 3 h (1 h past them), then 1.5 h past them.
    book(employee, wall, local(2026, 10, 5, 8), local(2026, 10, 5, 16))
    extra = book(
        employee, wall, local(2026, 10, 6, 8), local(2026, 10, 6, 11), add_ons=[technician]
    )
    # 22:00–23:30 on 31 October, Copenhagen time (21:00–22:30 UTC): October.
    last = book(employee, wall, local(2026, 10, 31, 22), local(2026, 10, 31, 23, 30))
    # 00:30 on 1 November, Copenhagen time, is still 31 October in UTC: November.
    first = book(
        employee, wall, local(2026, 11, 1, 0, 30), local(2026, 11, 1, 2), add_ons=[technician]
    )
    book(employee, wall, local(2026, 11, 2, 8), local(2026, 11, 2, 16))
    november = book(employee, wall, local(2026, 11, 3, 8), local(2026, 11, 3, 10))
    assert [b.billable_minutes for b in (extra, last, first, november)] == [60, 90, 0, 90]

    # Ten minutes into November: October is billed, nothing of November.
    report = services.bill_completed_months(now=local(2026, 11, 1, 0, 10))
    (october,) = report.invoices
    assert (october.organisation, october.status, october.number) == (
        membership.organisation,
        "sent",
        1,
    )
    assert (october.period_start, october.period_end, october.issue_date) == (
        datetime.date(2026, 10, 1),
        datetime.date(2026, 10, 31),
        datetime.date(2026, 11, 1),
    )
    assert lines(october) == [
        (
            "Video wall: hours past the included hours, October 2026",
            Decimal("2.50"),
            Decimal("400.00"),
        ),
        ("Sound technician with bookings, October 2026", Decimal("1.00"), Decimal("450.00")),
    ]
    assert october.subtotal == Decimal("1450.00")
    assert set(Booking.objects.filter(invoice=october)) == {extra, last}
    assert BookingAddOn.objects.get(booking=extra).invoice == october
    assert BookingAddOn.objects.get(booking=first).invoice is None

    # Running again, that day or later in the month, bills nobody twice.
    assert services.bill_completed_months(now=local(2026, 11, 1, 0, 10)).invoices == []
    assert services.bill_completed_months(now=local(2026, 11, 30, 23, 59)).invoices == []
    assert Invoice.objects.count() == 1

    (november_invoice,) = services.bill_completed_months(now=local(2026, 12, 1, 6)).invoices
    assert lines(november_invoice) == [
        (
            "Video wall: hours past the included hours, November 2026",
            Decimal("1.50"),
            Decimal("400.00"),
        ),
        ("Sound technician with bookings, November 2026", Decimal("1.00"), Decimal("450.00")),
    ]
    assert services.bill_completed_months(now=local(2026, 12, 2, 6)).invoices == []
    assert Invoice.objects.count() == 2


@pytest.mark.django_db
def test_hours_given_back_are_not_billed(employee, membership, wall):
    first = book(employee, wall, local(2026, 10, 5, 8), local(2026, 10, 5, 16))  # 8 h
    second = book(employee, wall, local(2026, 10, 6, 8), local(2026, 10, 6, 12))  # 2 h past
    assert second.billable_minutes == 120
    # The first is cancelled in time: the second is within the included hours after all.
    services.cancel_booking(actor=employee, booking=first, now=NOW)
    second.refresh_from_db()
    assert second.billable_minutes == 0
    assert services.bill_completed_months(now=local(2026, 11, 2)).invoices == []
    assert Invoice.objects.count() == 0


@pytest.mark.django_db
def test_a_late_cancellation_is_billed_unless_staff_waive_it(
    employee, membership, wall, technician, staff
):
    booking = book(
        employee, wall, local(2026, 10, 5, 10), local(2026, 10, 5, 12), add_ons=[technician]
    )
    services.cancel_booking(actor=employee, booking=booking, now=local(2026, 10, 5, 9))
    (invoice,) = services.bill_completed_months(now=local(2026, 11, 2)).invoices
    assert lines(invoice) == [
        ("Sound technician with bookings, October 2026", Decimal("1.00"), Decimal("450.00"))
    ]
    other = book(
        employee, wall, local(2026, 10, 7, 10), local(2026, 10, 7, 12), add_ons=[technician]
    )
    services.cancel_booking(actor=employee, booking=other, now=local(2026, 10, 7, 9))
    services.waive_late_cancellation(actor=staff, booking=other)
    assert services.bill_completed_months(now=local(2026, 11, 3)).invoices == []
    with pytest.raises(Exception, match="already invoiced"):
        services.waive_late_cancellation(actor=staff, booking=booking)


@pytest.mark.django_db
def test_staff_bill_a_month_early_as_a_draft(employee, membership, wall, technician, staff):
    book(employee, wall, local(2026, 10, 5, 8), local(2026, 10, 5, 16))
    book(employee, wall, local(2026, 10, 6, 8), local(2026, 10, 6, 11))  # 1 h past, begun
    book(employee, wall, local(2026, 10, 20, 8), local(2026, 10, 20, 9))  # 1 h past, ahead
    draft = services.bill_overage(
        actor=staff,
        organisation=membership.organisation,
        year=2026,
        month=10,
        now=local(2026, 10, 10),
    )
    assert (draft.status, draft.number) == ("draft", None)
    assert lines(draft) == [
        (
            "Video wall: hours past the included hours, October 2026",
            Decimal("1.00"),
            Decimal("400.00"),
        )
    ]
    # The month's run bills the rest.
    (rest,) = services.bill_completed_months(now=local(2026, 11, 1, 6)).invoices
    assert lines(rest)[0][1] == Decimal("1.00")


@pytest.mark.django_db
def test_the_command_is_a_daily_periodic_job(employee, membership, wall):
    assert "bill_booking_charges" in [job.command for job in registered()]
    book(employee, wall, local(2026, 10, 5, 8), local(2026, 10, 5, 16))
    book(employee, wall, local(2026, 10, 6, 8), local(2026, 10, 6, 11))  # 1 h past
    out = io.StringIO()
    call_command("bill_booking_charges", "--date", "2026-11-01", stdout=out)
    invoice = Invoice.objects.get()
    assert out.getvalue().splitlines() == [
        f"1\tFynsk Lyd ApS\t{invoice.total}",
        f"1 invoice(s), total {invoice.total}",
    ]
    out = io.StringIO()
    call_command("bill_booking_charges", "--date", "2026-11-01", stdout=out)
    assert out.getvalue().splitlines() == ["0 invoice(s), total 0.00"]


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_bill_once(employee, membership, wall, technician):
    """Two servers run the monthly job at the same moment: one invoice, every charge on it."""
    wall.max_minutes = 12 * 60
    wall.save()
    book(employee, wall, local(2026, 10, 5, 8), local(2026, 10, 5, 20), add_ons=[technician])
    barrier = threading.Barrier(2)
    results: list = []
    errors: list = []

    def run():
        barrier.wait()
        try:
            results.append(len(services.bill_completed_months(now=local(2026, 11, 1, 6)).invoices))
        except Exception as error:
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert collections.Counter(results) == {1: 1, 0: 1}
    invoice = Invoice.objects.get()
    assert lines(invoice) == [
        (
            "Video wall: hours past the included hours, October 2026",
            Decimal("2.00"),
            Decimal("400.00"),
        ),
        ("Sound technician with bookings, October 2026", Decimal("1.00"), Decimal("450.00")),
    ]
