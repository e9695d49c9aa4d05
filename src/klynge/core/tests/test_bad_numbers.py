import pytest

pytestmark = pytest.mark.django_db


def test_extreme_numbers_are_4xx_not_500(client, api_client, staff):
    api = api_client(staff)
    for url in [
        "/api/v1/invoices?year=10000",
        "/api/v1/invoices?year=-1",
        f"/api/v1/invoices?organisation={10**30}",
        f"/api/v1/memberships?organisation={10**30}",
        f"/api/v1/crm/pipeline?owner={10**30}",
    ]:
        assert api.get(url).status_code == 422, url
    client.force_login(staff)
    response = client.get("/staff/audit/", {"until": "9999-12-31"})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "until": ["Enter a date between the years 2000 and 9998."]
    }
