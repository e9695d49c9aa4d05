"""Background work of the ecosystem app (run by `klynge db_worker`, or immediately in tests)."""

from django.tasks import task


@task()
def scan_duplicates_task() -> int:
    """Looks for duplicate organisations and people and stores the pairs for the duplicates
    page; returns how many pairs are open."""
    from klynge.ecosystem.merging import scan_duplicates

    return scan_duplicates().pairs
