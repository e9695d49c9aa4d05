import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from klynge.accounts.models import User
from klynge.accounts.roles import Role, roles_for
from klynge.ecosystem.models import Organisation
from klynge.membership import invoicing, services
from klynge.membership.models import Invoice, InvoiceReminder, Membership
from klynge.membership.renewals import run_renewals
from klynge.membership.tests.factories import MembershipFactory, TierFactory

pytestmark = pytest.mark.django_db

D = datetime.date
NOTHING = {
    "invoices_created": 0,
    "marked_overdue": 0,
    "reminders_sent": 0,
    "renewed": 0,
    "to_grace": 0,
    "lapsed": 0,
    "without_fee": [],
}


@pytest.fixture
def membership(member_org):
    return MembershipFactory(
        organisation=member_org,
        tier=TierFactory(name="Small company", fee=Decimal("10000")),
        start_date=D(2026, 1, 1),
        end_date=D(2026, 12, 31),
    )


def run(on, capture=None):
    if capture is None:
        return run_renewals(actor=None, on=on).as_dict()
    with capture(execute=True):
        return run_renewals(actor=None, on=on).as_dict()


def test_the_renewal_invoice_is_created_once_within_the_notice_period(membership):
    assert run(D(2026, 11, 30)) == NOTHING  # 31 days before the end
    assert run(D(2026, 12, 1)) == {**NOTHING, "invoices_created": 1}
    # Running it again, the same day or later, bills nobody twice.
    assert run(D(2026, 12, 1)) == NOTHING
    assert run(D(2026, 12, 2)) == NOTHING
    invoice = Invoice.objects.get()
    assert (
        invoice.number,
        invoice.membership,
        invoice.period_start,
        invoice.period_end,
        invoice.issue_date,
        invoice.due_date,
        invoice.total,
    ) == (
        1,
        membership,
        D(2027, 1, 1),
        D(2027, 12, 31),
        D(2026, 12, 1),
        D(2026, 12, 31),
        Decimal("12500.00"),
    )
    assert invoice.lines.get().description == "Membership Small company, 2027-01-01 to 2027-12-31"


def test_unpaid_goes_overdue_with_reminders_then_grace_then_lapse(
    membership, member_admin, django_capture_on_commit_callbacks
):
    member_org = membership.organisation
    run(D(2026, 12, 1))
    assert run(D(2026, 12, 31)) == NOTHING  # due today: not late yet
    assert run(D(2027, 1, 1), django_capture_on_commit_callbacks) == {
        **NOTHING,
        "marked_overdue": 1,
        "reminders_sent": 1,
        "to_grace": 1,
    }
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["boss@fynsklyd.example"], "Reminder: invoice 1 from Media City Odense is overdue")
    ]
    membership.refresh_from_db()
    member_org.refresh_from_db()
    assert (membership.status, member_org.membership_status) == ("grace", "member")
    assert Invoice.objects.get().status == "overdue"
    assert run(D(2027, 1, 1)) == NOTHING
    assert run(D(2027, 1, 14)) == {**NOTHING, "reminders_sent": 1}
    assert run(D(2027, 1, 20)) == NOTHING
    assert run(D(2027, 1, 28)) == {**NOTHING, "reminders_sent": 1}
    assert run(D(2027, 1, 30)) == NOTHING  # 30 days of grace are not over yet
    assert list(InvoiceReminder.objects.values_list("step", "sent_on")) == [
        (1, D(2027, 1, 1)),
        (2, D(2027, 1, 14)),
        (3, D(2027, 1, 28)),
    ]
    assert run(D(2027, 1, 31)) == {**NOTHING, "lapsed": 1}
    membership.refresh_from_db()
    member_org.refresh_from_db()
    assert (membership.status, membership.status_changed_on) == ("lapsed", D(2027, 1, 31))
    assert member_org.membership_status == "former"
    # The former member's admin loses the member role but still sees the unpaid invoice.
    admin = User.objects.get(pk=member_admin.pk)
    assert not roles_for(admin).has(Role.MEMBER_ADMIN)
    assert admin.has_perm("membership.view_invoice", Invoice.objects.get())
    assert run(D(2027, 2, 1)) == NOTHING
    assert Invoice.objects.count() == 1


def test_a_late_run_sends_only_the_latest_reminder_step(membership):
    run(D(2026, 12, 1))
    assert run(D(2027, 1, 20)) == {
        **NOTHING,
        "marked_overdue": 1,
        "reminders_sent": 1,
        "to_grace": 1,
    }
    assert list(InvoiceReminder.objects.values_list("step", flat=True)) == [2]
    assert run(D(2027, 1, 21)) == NOTHING


def test_paid_in_time_the_membership_moves_on_to_the_next_year(membership, staff):
    run(D(2026, 12, 1))
    services.mark_invoice_paid(actor=staff, invoice=Invoice.objects.get(), paid_on=D(2026, 12, 20))
    assert run(D(2027, 1, 1)) == {**NOTHING, "renewed": 1}
    membership.refresh_from_db()
    assert (membership.status, membership.start_date, membership.end_date) == (
        "active",
        D(2027, 1, 1),
        D(2027, 12, 31),
    )
    assert run(D(2027, 1, 1)) == NOTHING
    # Next year's invoice comes a year later, numbered on.
    assert run(D(2027, 12, 1)) == {**NOTHING, "invoices_created": 1}
    assert list(Invoice.objects.order_by("number").values_list("number", "period_start")) == [
        (1, D(2027, 1, 1)),
        (2, D(2028, 1, 1)),
    ]


def test_paying_in_grace_renews_at_once(membership, staff):
    run(D(2026, 12, 1))
    run(D(2027, 1, 5))
    membership.refresh_from_db()
    assert membership.status == "grace"
    services.mark_invoice_paid(actor=staff, invoice=Invoice.objects.get(), paid_on=D(2027, 1, 10))
    membership.refresh_from_db()
    assert (membership.status, membership.start_date, membership.end_date) == (
        "active",
        D(2027, 1, 1),
        D(2027, 12, 31),
    )
    assert run(D(2027, 2, 15)) == NOTHING


def test_a_free_membership_renews_without_an_invoice(member_org):
    membership = MembershipFactory(
        organisation=member_org,
        tier=TierFactory(fee=Decimal("0")),
        start_date=D(2026, 1, 1),
        end_date=D(2026, 12, 31),
    )
    assert run(D(2026, 12, 1)) == NOTHING
    assert run(D(2027, 1, 1)) == {**NOTHING, "renewed": 1}
    membership.refresh_from_db()
    assert (membership.start_date, membership.end_date) == (D(2027, 1, 1), D(2027, 12, 31))
    assert Invoice.objects.count() == 0


def test_a_credited_renewal_invoice_is_not_billed_again(membership, staff):
    run(D(2026, 12, 1))
    invoicing.credit_invoice(
        actor=staff, invoice=Invoice.objects.get(), reason="They resign", on=D(2026, 12, 5)
    )
    assert run(D(2026, 12, 6)) == NOTHING
    assert run(D(2027, 1, 1)) == {**NOTHING, "to_grace": 1}
    assert Invoice.objects.filter(kind="invoice").count() == 1


def test_a_tier_without_a_fee_for_the_organisation_is_reported(membership):
    membership.tier.fees.update(kind="university")
    assert run(D(2026, 12, 1)) == {**NOTHING, "without_fee": ["Fynsk Lyd ApS"]}


def test_the_command(membership):
    out = io.StringIO()
    call_command("run_renewals", "--date", "2026-12-01", stdout=out)
    assert json.loads(out.getvalue()) == {**NOTHING, "invoices_created": 1}
    out = io.StringIO()
    call_command("run_renewals", "--date", "2026-12-01", stdout=out)
    assert json.loads(out.getvalue()) == NOTHING
    with pytest.raises(CommandError) as error:
        call_command("run_renewals", "--date", "1 December")
    assert str(error.value) == "--date must be YYYY-MM-DD, not '1 December'."


def test_staff_end_a_membership_and_the_organisation_becomes_former(client, staff, membership):
    client.force_login(staff)
    response = client.post(reverse("membership:membership_end", args=[membership.pk]))
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.status == "ended"
    assert Organisation.objects.get(pk=membership.organisation_id).membership_status == "former"
    again = client.post(reverse("membership:membership_end", args=[membership.pk]), follow=True)
    assert [str(m) for m in again.context["messages"]][-1] == (
        "A membership that is ended cannot be moved to that status."
    )
    assert run(D(2026, 12, 1)) == NOTHING


def test_one_current_membership_per_organisation_is_enforced_by_the_database(membership):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(
            organisation=membership.organisation, tier=membership.tier, status="grace"
        )
    MembershipFactory(organisation=membership.organisation, tier=membership.tier, status="lapsed")
    assert Membership.objects.filter(organisation=membership.organisation).count() == 2
