"""Background work of the matchmaking app (run by the task worker)."""

from django.tasks import task


@task()
def rebuild_index_task() -> int:
    """Rebuilds the recommendation index file (queued by `index.request_rebuild` when the data
    changed); returns how many organisations it holds."""
    from klynge.matchmaking.index import rebuild_index

    return rebuild_index().n
