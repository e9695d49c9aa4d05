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
from klynge.bookings.models import Booking, BookingStatus
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
