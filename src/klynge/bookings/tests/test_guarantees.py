"""The no-overlap guarantee under concurrency, and the database constraint itself."""

import collections
import datetime
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.utils import timezone

from klynge.accounts import services as account_services
from klynge.accounts.tests.factories import user_with_role
from klynge.bookings import services
from klynge.bookings.models import Booking, BookingAddOn, BookingStatus
from klynge.bookings.tests.conftest import CPH
from klynge.bookings.tests.factories import BookingFactory, ResourceFactory
from klynge.ecosystem.models import AffiliationRole

REQUESTS = 200
PEOPLE = 20


def _slot(days=10, hour=10):
    day = timezone.localdate() + datetime.timedelta(days=days)
    start = datetime.datetime.combine(day, datetime.time(hour), tzinfo=CPH)
    return start, start + datetime.timedelta(hours=2)


@pytest.mark.django_db(transaction=True)
def test_200_simultaneous_requests_for_one_slot_give_one_booking(member_org, membership):
    studio = ResourceFactory(name="Podcast studio", buffer_after_minutes=15)
    secrets = []
    for n in range(PEOPLE):
        user = user_with_role(AffiliationRole.EMPLOYEE, member_org, email=f"p{n}@fynsklyd.example")
        secrets.append(account_services.create_api_token(actor=user, user=user, name="t")[1])
    start, end = _slot()
    body = {"resource": studio.pk, "start": start.isoformat(), "end": end.isoformat()}
    barrier = threading.Barrier(REQUESTS)
    # PostgreSQL here allows 100 connections for everyone: at most 50 requests hold one at a
    # time. SQLite takes all 200 at once.
    gate = threading.BoundedSemaphore(50 if connection.vendor == "postgresql" else REQUESTS)
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def request(n):
        client = Client(headers={"Authorization": f"Bearer {secrets[n % PEOPLE]}"})
        barrier.wait()
        with gate:
            try:
                response = client.post("/api/v1/bookings", body, content_type="application/json")
                reason = response.json().get("reason", "") if response.status_code == 409 else ""
                with lock:
                    results.append((response.status_code, reason))
            finally:
                connection.close()

    threads = [threading.Thread(target=request, args=(n,)) for n in range(REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert collections.Counter(results) == {(201, ""): 1, (409, "taken"): REQUESTS - 1}
    assert Booking.objects.filter(resource=studio).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_database_refuses_an_overlap_the_service_never_saw():
    """Bypasses the service: only the exclusion constraint stands between the rows."""
    studio = ResourceFactory(buffer_before_minutes=30)
    start, end = _slot()
    BookingFactory(resource=studio, start=start, end=end)
    # Touching the first booking's end, but the buffer before reaches into it.
    with pytest.raises(IntegrityError, match="bookings_booking_no_overlap"), transaction.atomic():
        BookingFactory(resource=studio, start=end, end=end + datetime.timedelta(hours=1))
    for status in (BookingStatus.PENDING, BookingStatus.OFFERED):
        with pytest.raises(IntegrityError), transaction.atomic():
            BookingFactory(resource=studio, start=start, end=end, status=status)
    # Bookings that hold no slot, other resources and adjacent periods are fine.
    BookingFactory(resource=studio, start=start, end=end, status=BookingStatus.CANCELLED)
    BookingFactory(resource=ResourceFactory(), start=start, end=end)
    BookingFactory(
        resource=studio,
        start=end + datetime.timedelta(minutes=30),
        end=end + datetime.timedelta(hours=1),
    )
    assert Booking.objects.count() == 4
    # A cancelled booking cannot come back to life over a newer one.
    cancelled = Booking.objects.get(status=BookingStatus.CANCELLED)
    cancelled.status = BookingStatus.CONFIRMED
    with pytest.raises(IntegrityError), transaction.atomic():
        cancelled.save()


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_constraint_exists_with_the_extension():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = %s",
            ["bookings_booking_no_overlap"],
        )
        (definition,) = cursor.fetchone()
    assert "EXCLUDE USING gist" in definition
    assert "tstzrange(blocked_start, blocked_end, '[)'::text) WITH &&" in definition


STUDIOS = 40


@pytest.mark.django_db(transaction=True)
def test_simultaneous_requests_for_one_technician_give_one_booking(member_org, membership):
    """40 people book 40 different studios for the same two hours, all with the one sound
    technician: one gets the technician, 39 get a clear 409, nobody a 5xx. The studios use no
    included hours, so no organisation lock orders the requests: on PostgreSQL only the
    exclusion constraint stands between them."""
    studios = [
        ResourceFactory(name=f"Studio {n}", counts_towards_quota=False) for n in range(STUDIOS)
    ]
    technician = services.add_add_on(
        actor=None, name="Sound technician", price=450, exclusive=True, resources=studios
    )
    secrets = []
    for n in range(PEOPLE):
        user = user_with_role(AffiliationRole.EMPLOYEE, member_org, email=f"t{n}@fynsklyd.example")
        secrets.append(account_services.create_api_token(actor=user, user=user, name="t")[1])
    start, end = _slot()
    barrier = threading.Barrier(STUDIOS)
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def request(n):
        client = Client(headers={"Authorization": f"Bearer {secrets[n % PEOPLE]}"})
        body = {
            "resource": studios[n].pk,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "add_ons": [technician.pk],
        }
        barrier.wait()
        try:
            response = client.post("/api/v1/bookings", body, content_type="application/json")
            reason = response.json().get("reason", "") if response.status_code == 409 else ""
            with lock:
                results.append((response.status_code, reason))
        finally:
            connection.close()

    threads = [threading.Thread(target=request, args=(n,)) for n in range(STUDIOS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert collections.Counter(results) == {(201, ""): 1, (409, "add_on_taken"): STUDIOS - 1}
    assert Booking.objects.count() == 1
    assert BookingAddOn.objects.filter(add_on=technician, holding=True).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_database_refuses_an_exclusive_add_on_twice_at_once():
    """Bypasses the service: only the exclusion constraint stands between the rows."""
    first, second = ResourceFactory(), ResourceFactory()
    technician = services.add_add_on(
        actor=None, name="Technician", price=0, exclusive=True, resources=[first, second]
    )
    kit = services.add_add_on(actor=None, name="Tripods", price=0, resources=[first, second])
    start, end = _slot()
    a = BookingFactory(resource=first, start=start, end=end)
    b = BookingFactory(resource=second, start=start + datetime.timedelta(hours=1), end=end)

    def row(booking, add_on, **kwargs):
        return BookingAddOn.objects.create(
            booking=booking,
            add_on=add_on,
            price=0,
            exclusive=add_on.exclusive,
            start=booking.start,
            end=booking.end,
            **kwargs,
        )

    row(a, technician)
    with pytest.raises(IntegrityError, match="bookings_addon_no_overlap"), transaction.atomic():
        row(b, technician)
    # Not exclusive, or not holding (a cancelled booking's add-on), or not overlapping: fine.
    row(a, kit)
    row(b, kit)
    row(b, technician, holding=False)
    later = BookingFactory(resource=second, start=end, end=end + datetime.timedelta(hours=1))
    row(later, technician)
    assert BookingAddOn.objects.count() == 5
