"""The public application form's flood guard: a few accepted applications per client address and
hour, a generous allowance for refused ones, counted for the real client behind the proxies."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from klynge.ecosystem.models import Organisation
from klynge.membership.models import MembershipApplication
from klynge.membership.tests.factories import TierFactory
from klynge.membership.views.applications import ACCEPTED, REFUSED

pytestmark = pytest.mark.django_db
TOO_MANY = ["Too many applications from your address. Try again in an hour."]


@pytest.fixture
def tier():
    return TierFactory(name="Small company", fee=Decimal("12000.00"))


def _form(tier, n):
    # German organisations need no registry number, so each form is a new organisation.
    return {
        "name": f"Studio {n} GmbH",
        "kind": "company",
        "country": "DE",
        "contact_name": "Karen Kontakt",
        "contact_email": f"karen{n}@studio.example",
        "tier": tier.pk,
    }


def _post(client, data, address="198.51.100.7", forwarded_for=None):
    headers = {"REMOTE_ADDR": address}
    if forwarded_for:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client.post(reverse("membership:apply"), data, **headers)


def test_refused_forms_do_not_use_up_the_accepted_applications(client, tier):
    for _ in range(REFUSED.limit - 1):
        assert _post(client, {**_form(tier, 0), "contact_email": "typo"}).status_code == 400
    for n in range(ACCEPTED.limit):
        response = _post(client, _form(tier, n))
        assert (response.status_code, response.url) == (302, reverse("membership:applied"))
    assert MembershipApplication.objects.count() == ACCEPTED.limit


def test_after_the_accepted_ones_the_address_waits_and_nothing_is_created(client, tier):
    for n in range(ACCEPTED.limit):
        assert _post(client, _form(tier, n)).status_code == 302
    response = _post(client, _form(tier, 99))
    assert response.status_code == 429
    assert response.context["form"].non_field_errors() == TOO_MANY
    assert not Organisation.objects.filter(name="Studio 99 GmbH").exists()
    other = _post(client, _form(tier, 99), address="203.0.113.5")
    assert other.status_code == 302


def test_a_flood_of_refused_forms_is_capped_too(client, tier):
    for _ in range(REFUSED.limit):
        assert _post(client, {"name": ""}).status_code == 400
    response = _post(client, _form(tier, 1))
    assert (response.status_code, response.context["form"].non_field_errors()) == (429, TOO_MANY)
    assert not MembershipApplication.objects.exists()


def test_behind_the_proxy_each_visitor_has_their_own_allowance(settings, tier):
    """All requests come from nginx (10.0.0.1); X-Forwarded-For names the visitor, and what a
    visitor writes into that header themselves does not give them a new allowance."""
    settings.KLYNGE_PROXY_COUNT = 1
    client = Client()
    for n in range(ACCEPTED.limit):
        forged = f"192.0.2.{n}, 198.51.100.7"
        assert _post(client, _form(tier, n), "10.0.0.1", forged).status_code == 302
    blocked = _post(client, _form(tier, 50), "10.0.0.1", "192.0.2.200, 198.51.100.7")
    assert blocked.status_code == 429
    someone_else = _post(client, _form(tier, 51), "10.0.0.1", "203.0.113.5")
    assert someone_else.status_code == 302
