import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from klynge.core.models import AuditEntry
from klynge.ecosystem.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def _csv(response) -> list[str]:
    return b"".join(response.streaming_content).decode("utf-8-sig").splitlines()


def test_staff_export_the_current_filter_as_csv(client, staff):
    OrganisationFactory(
        name="Aarhus Lyd", slug="aarhus-lyd", country="DK", city="Aarhus", employees=4
    )
    OrganisationFactory(name="Bergen Bilde", slug="bergen-bilde", country="NO", city="Bergen")
    client.force_login(staff)
    response = client.get(reverse("ecosystem:directory_export", args=["csv"]), {"country": "DK"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="klynge-organisations-')
    lines = _csv(response)
    assert lines[0].startswith("id,name,kind,membership_status,registry_number,country,region")
    assert len(lines) == 2
    assert ",Aarhus Lyd,company,member,,DK,,,Aarhus,,,,,,4,micro," in lines[1]
    assert AuditEntry.objects.get(action="ecosystem.directory.export").data == {
        "format": "csv",
        "query": "country=DK",
    }


def test_staff_export_as_xlsx(client, staff):
    OrganisationFactory(name="Aarhus Lyd", slug="aarhus-lyd")
    client.force_login(staff)
    response = client.get(reverse("ecosystem:directory_export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("id", "name", "kind")
    assert rows[1][1:3] == ("Aarhus Lyd", "company")


def test_export_is_for_staff_only(client, member_admin):
    assert client.get(reverse("ecosystem:directory_export", args=["csv"])).status_code == 302
    client.force_login(member_admin)
    assert client.get(reverse("ecosystem:directory_export", args=["csv"])).status_code == 403


def test_a_name_that_looks_like_a_formula_stays_text(client, staff):
    OrganisationFactory(name='=HYPERLINK("http://evil.example","click")', slug="evil")
    client.force_login(staff)
    lines = _csv(client.get(reverse("ecosystem:directory_export", args=["csv"])))
    assert ',"\'=HYPERLINK(""http://evil.example"",""click"")",' in lines[1]
    response = client.get(reverse("ecosystem:directory_export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    name_cell = list(sheet.iter_rows())[1][1]
    assert (name_cell.value, name_cell.data_type) == (
        '\'=HYPERLINK("http://evil.example","click")',
        "s",
    )
