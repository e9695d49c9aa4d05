from decimal import Decimal

import pytest
from django.urls import reverse

from klynge.core.models import AuditEntry
from klynge.membership.models import Tier
from klynge.membership.tests.factories import MembershipFactory, TierFactory

pytestmark = pytest.mark.django_db


def _post(name="Startup", rows=(("startup", "", "0"), ("", "", "2500")), **fields):
    data = {
        "name": name,
        "description": "For young companies.",
        "is_active": "on",
        "position": "1",
        "studio_hours_per_month": "2",
        "free_event_seats": "1",
        "event_discount_percent": "50",
        "fees-TOTAL_FORMS": str(len(rows)),
        "fees-INITIAL_FORMS": "0",
        "fees-MIN_NUM_FORMS": "0",
        "fees-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for index, (kind, size_band, fee) in enumerate(rows):
        data.update(
            {
                f"fees-{index}-kind": kind,
                f"fees-{index}-size_band": size_band,
                f"fees-{index}-annual_fee": fee,
            }
        )
    return data


def test_staff_create_a_tier_with_its_fee_schedule(client, staff):
    client.force_login(staff)
    response = client.post(reverse("membership:tier_create"), _post(rows=[
        ("startup", "", "0"), ("", "", "2500"), ("", "", ""),
    ]))  # fmt: skip
    assert response.status_code == 302
    tier = Tier.objects.get()
    assert (
        tier.name,
        tier.description,
        tier.is_active,
        tier.studio_hours_per_month,
        tier.free_event_seats,
        tier.event_discount_percent,
    ) == ("Startup", "For young companies.", True, 2, 1, 50)
    assert list(tier.fees.values_list("kind", "size_band", "annual_fee")) == [
        ("", "", Decimal("2500.00")),
        ("startup", "", Decimal("0.00")),
    ]
    assert AuditEntry.objects.filter(action="membership.tier.create").count() == 1


def test_staff_edit_a_tier_and_replace_its_fees(client, staff):
    tier = TierFactory(name="Small", fee=Decimal("9000"))
    client.force_login(staff)
    page = client.get(reverse("membership:tier_edit", args=[tier.pk]))
    assert page.context["form"].initial["name"] == "Small"
    assert page.context["formset"].initial == [
        {"kind": "", "size_band": "", "annual_fee": Decimal("9000.00")}
    ]
    response = client.post(
        reverse("membership:tier_edit", args=[tier.pk]),
        _post(name="Small company", rows=[("", "small", "12000"), ("", "", "10000")]),
    )
    assert response.status_code == 302
    tier.refresh_from_db()
    assert tier.name == "Small company"
    assert sorted(tier.fees.values_list("size_band", "annual_fee")) == [
        ("", Decimal("10000.00")),
        ("small", Decimal("12000.00")),
    ]


def test_bad_fee_schedules_are_refused_with_nothing_changed(client, staff):
    client.force_login(staff)
    duplicate = client.post(
        reverse("membership:tier_create"), _post(rows=[("", "", "10"), ("", "", "20")])
    )
    assert duplicate.status_code == 400
    assert duplicate.context["fee_errors"] == [
        "Each combination of kind and size may have only one fee."
    ]
    empty = client.post(reverse("membership:tier_create"), _post(rows=[("", "", "")]))
    assert empty.context["fee_errors"] == ["Give the tier at least one fee (it may be 0)."]
    negative = client.post(reverse("membership:tier_create"), _post(rows=[("", "", "-5")]))
    assert negative.status_code == 400
    assert negative.context["formset"].forms[0].errors["annual_fee"] == [
        "Ensure this value is greater than or equal to 0."
    ]
    TierFactory(name="Startup")
    taken = client.post(reverse("membership:tier_create"), _post())
    assert taken.context["form"].errors["name"] == [
        "Membership tier with this Name already exists."
    ]
    assert Tier.objects.count() == 1


def test_tier_list_with_constant_queries(client, staff, django_assert_num_queries):
    client.force_login(staff)
    MembershipFactory(tier=TierFactory(name="A"))
    url = reverse("membership:tiers")
    client.get(url)
    with django_assert_num_queries(5) as one:
        response = client.get(url)
    assert [(t.name, t.members) for t in response.context["tiers"]] == [("A", 1)]
    TierFactory(name="B")
    TierFactory(name="C")
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert [t.name for t in response.context["tiers"]] == ["A", "B", "C"]
