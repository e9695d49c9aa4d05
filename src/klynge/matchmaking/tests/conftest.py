import pytest

from klynge.matchmaking.index import forget_index


@pytest.fixture(autouse=True)
def _no_index_file():
    """Each test builds its index from its own database (no file left by another test)."""
    forget_index()
    yield
    forget_index()
