"""Background work for events (run by `klynge db_worker`, or immediately in tests)."""

from django.tasks import task


@task()
def expire_offers_task(base_url: str = "") -> int:
    """Ends seat offers not accepted in time and offers the seats to the next people."""
    from klynge.events.services import expire_offers

    return expire_offers(base_url=base_url)
