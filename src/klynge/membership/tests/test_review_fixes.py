"""Regression tests for the authorization review."""

import pytest
from django.urls import reverse

from klynge.membership import invoicing

pytestmark = pytest.mark.django_db


def test_member_admin_cannot_open_a_draft_invoice_by_id(
    client, api_client, staff, member_admin, member_org
):
    draft = invoicing.create_invoice(
        actor=staff, organisation=member_org, lines=[("Kontingent", 1, 1000)]
    )
    assert draft.status == "draft"
    client.force_login(member_admin)
    assert client.get(reverse("membership:invoice", args=[draft.pk])).status_code == 404
    assert client.get(reverse("membership:invoice_pdf", args=[draft.pk])).status_code == 404
    assert api_client(member_admin).get(f"/api/v1/invoices/{draft.pk}").status_code == 404
    client.force_login(staff)
    assert client.get(reverse("membership:invoice", args=[draft.pk])).status_code == 200


def test_pages_vary_on_the_htmx_header(client):
    assert "HX-Request" in client.get("/")["Vary"]
