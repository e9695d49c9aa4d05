import pytest

from klynge.ecosystem.tests.factories import PersonFactory


@pytest.fixture
def people(db):
    """A factory of n people with e-mail addresses."""

    def make(n):
        return [PersonFactory(email=f"guest{i}@example.org") for i in range(n)]

    return make
