"""Two (or thirty) submissions with the same link at once give one response: for an
anonymous survey the invitation is claimed by one conditional UPDATE, for an identified one
its row is locked and the response's unique invitation refuses a second."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from klynge.ecosystem.tests.factories import PersonFactory
from klynge.surveys import services
from klynge.surveys.models import Answer, Invitation, Response
from klynge.surveys.tests.builders import build_survey, full_answers, invite_people, open_now

REQUESTS = 30


def _post_all(url: str, data: dict) -> list[int]:
    barrier = threading.Barrier(REQUESTS)

    def post(_n):
        try:
            client = Client()
            barrier.wait(timeout=60)
            return client.post(url, data).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
        return list(pool.map(post, range(REQUESTS)))


@pytest.mark.django_db(transaction=True)
def test_the_same_anonymous_link_submitted_at_once_gives_one_response():
    survey = open_now(build_survey(anonymous=True))
    (invitation,) = invite_people(survey, [PersonFactory()])
    url = reverse("surveys:answer", args=[services.token_for(invitation)]) + "?lang=en"
    codes = _post_all(url, full_answers(survey))
    assert sorted(set(codes)) == [302, 400]
    assert codes.count(302) == 1
    assert Response.objects.count() == 1
    assert Answer.objects.count() == 10
    assert Invitation.objects.get().responded is True


@pytest.mark.django_db(transaction=True)
def test_the_same_identified_link_submitted_at_once_gives_one_response():
    survey = open_now(build_survey())
    (invitation,) = invite_people(survey, [PersonFactory()])
    url = reverse("surveys:answer", args=[services.token_for(invitation)]) + "?lang=en"
    codes = _post_all(url, full_answers(survey))
    # Each later one changes the first one's answers (identified answers may change).
    assert codes == [302] * REQUESTS
    assert Response.objects.count() == 1
    assert Answer.objects.count() == 10
