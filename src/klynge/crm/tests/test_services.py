import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from klynge.core.models import AuditEntry
from klynge.crm import services
from klynge.crm.models import Account, Interaction, Task
from klynge.crm.tests.factories import StaffFactory, TaskFactory
from klynge.ecosystem.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

WHEN = datetime.datetime(2026, 11, 20, 10, 30, tzinfo=datetime.UTC)


def test_log_interaction_records_author_subject_and_audit(staff, member_org):
    person = PersonFactory(first_name="Ida", last_name="Holm")
    interaction = services.log_interaction(
        actor=staff,
        organisation=member_org,
        person=person,
        kind="meeting",
        occurred_at=WHEN,
        summary="  Coffee at the studio; interested in the Gold tier.  ",
    )
    interaction.refresh_from_db()
    assert (
        interaction.kind,
        interaction.occurred_at,
        interaction.summary,
        interaction.author,
        interaction.organisation,
        interaction.person,
    ) == (
        "meeting",
        WHEN,
        "Coffee at the studio; interested in the Gold tier.",
        staff,
        member_org,
        person,
    )
    entry = AuditEntry.objects.get(action="crm.interaction.create")
    assert (entry.actor, entry.target_label, entry.data) == (
        staff,
        "Fynsk Lyd ApS",
        {"interaction": interaction.pk, "kind": "meeting"},
    )


def test_log_interaction_by_the_system_with_a_reference_is_idempotent(member_org):
    person = PersonFactory()
    first = services.log_interaction(
        actor=None,
        person=person,
        kind="event",
        occurred_at=WHEN,
        summary="Attended Media Days 2026",
        reference="events.registration:7",
    )
    again = services.log_interaction(
        actor=None,
        person=person,
        kind="event",
        occurred_at=WHEN,
        summary="Attended Media Days 2026",
        reference="events.registration:7",
    )
    assert again.pk == first.pk
    assert Interaction.objects.count() == 1
    assert first.author is None
    assert AuditEntry.objects.get(action="crm.interaction.create").actor_label == "system"


def test_log_interaction_refuses_bad_input_and_saves_nothing(staff, member_org):
    with pytest.raises(ValidationError) as error:
        services.log_interaction(
            actor=staff, kind="fax", occurred_at=datetime.datetime(2026, 1, 1), summary="  "
        )
    assert error.value.message_dict == {
        "summary": ["Write what happened."],
        "kind": ["Choose a valid kind of interaction."],
        "occurred_at": ["Enter a valid date and time."],
        "__all__": ["Choose the organisation or the person the interaction is with."],
    }
    assert Interaction.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_update_account_creates_the_record_and_audits_changes(staff, staff_admin, member_org):
    account = services.update_account(
        actor=staff,
        organisation=member_org,
        owner=staff_admin,
        expected_annual_fee="12500.50",
        currency="NOK",
    )
    account.refresh_from_db()
    assert (account.owner, account.expected_annual_fee, account.currency, account.stage) == (
        staff_admin,
        Decimal("12500.50"),
        "NOK",
        "identified",
    )
    entry = AuditEntry.objects.get(action="crm.account.update")
    assert entry.data == {
        "changed": {
            "owner": ["", "Anders Admin"],
            "expected_annual_fee": ["", "12500.50"],
            "currency": ["DKK", "NOK"],
        }
    }
    # The same values again change nothing and write no audit entry.
    services.update_account(
        actor=staff, organisation=member_org, owner=staff_admin, expected_annual_fee="12500.5"
    )
    assert AuditEntry.objects.filter(action="crm.account.update").count() == 1


def test_update_account_refuses_a_non_staff_owner_and_a_negative_fee(staff, employee, member_org):
    with pytest.raises(ValidationError) as error:
        services.update_account(
            actor=staff,
            organisation=member_org,
            owner=employee,
            expected_annual_fee="-1",
            currency="USD",
        )
    assert error.value.message_dict == {
        "owner": ["The owner must be a member of the cluster staff."],
        "currency": ["Choose one of: DKK, NOK, SEK, EUR."],
        "expected_annual_fee": ["Enter an amount of zero or more."],
    }
    assert Account.objects.count() == 0


def test_change_stage_logs_a_note_and_the_audit_entry(staff, member_org):
    services.change_stage(actor=staff, organisation=member_org, stage="contacted")
    account = services.change_stage(actor=staff, organisation=member_org, stage="meeting")
    assert account.stage == "meeting"
    notes = list(
        Interaction.objects.filter(organisation=member_org)
        .order_by("id")
        .values_list("kind", "summary", "author")
    )
    assert notes == [
        ("note", "Stage changed from Identified to Contacted.", staff.pk),
        ("note", "Stage changed from Contacted to Meeting.", staff.pk),
    ]
    assert list(
        AuditEntry.objects.filter(action="crm.account.stage")
        .order_by("id")
        .values_list("data", flat=True)
    ) == [
        {"from": "identified", "to": "contacted", "lost_reason": ""},
        {"from": "contacted", "to": "meeting", "lost_reason": ""},
    ]
    # Moving to the stage it is already in changes nothing.
    services.change_stage(actor=staff, organisation=member_org, stage="meeting")
    assert Interaction.objects.count() == 2


def test_lost_needs_a_reason_and_leaving_lost_clears_it(staff, member_org):
    services.change_stage(actor=staff, organisation=member_org, stage="proposal")
    with pytest.raises(ValidationError) as error:
        services.change_stage(actor=staff, organisation=member_org, stage="lost", lost_reason=" ")
    assert error.value.message_dict == {"lost_reason": ["Say why the prospect was lost."]}
    assert Account.objects.get().stage == "proposal"
    assert Interaction.objects.count() == 1

    account = services.change_stage(
        actor=staff, organisation=member_org, stage="lost", lost_reason="No budget this year"
    )
    assert (account.stage, account.lost_reason) == ("lost", "No budget this year")
    assert Interaction.objects.order_by("-id").first().summary == (
        "Stage changed from Proposal to Lost. Reason: No budget this year"
    )
    account = services.change_stage(actor=staff, organisation=member_org, stage="contacted")
    assert (account.stage, account.lost_reason) == ("contacted", "")


def test_the_stage_note_is_written_in_the_cluster_language(staff, member_org, settings):
    settings.LANGUAGE_CODE = "en"
    from django.utils import translation

    with translation.override("da"):
        services.change_stage(actor=staff, organisation=member_org, stage="contacted")
    assert Interaction.objects.get().summary == "Stage changed from Identified to Contacted."


def test_create_task_and_complete_and_reopen(staff, staff_admin, member_org):
    due = datetime.date(2026, 12, 1)
    task = services.create_task(
        actor=staff,
        title=" Send the membership offer ",
        due_date=due,
        assignee=staff_admin,
        organisation=member_org,
    )
    assert (task.title, task.due_date, task.assignee, task.created_by, task.done) == (
        "Send the membership offer",
        due,
        staff_admin,
        staff,
        False,
    )
    done = services.complete_task(actor=staff_admin, task=task)
    assert done.done is True
    assert done.completed_at is not None
    completed_at = done.completed_at
    # Completing twice keeps the first completion time and audits once.
    assert services.complete_task(actor=staff_admin, task=task).completed_at == completed_at
    reopened = services.reopen_task(actor=staff_admin, task=task)
    assert (reopened.done, reopened.completed_at) == (False, None)
    assert list(
        AuditEntry.objects.filter(action__startswith="crm.task")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["crm.task.create", "crm.task.complete", "crm.task.reopen"]


def test_create_task_refuses_bad_input(staff, employee):
    with pytest.raises(ValidationError) as error:
        services.create_task(actor=staff, title="", due_date="next week", assignee=employee)
    assert error.value.message_dict == {
        "title": ["Give the task a title."],
        "due_date": ["Enter a valid date."],
        "assignee": ["Assign the task to a member of the cluster staff."],
    }
    with pytest.raises(ValidationError):
        services.create_task(
            actor=staff, title="x", due_date=timezone.now(), assignee=StaffFactory()
        )
    assert Task.objects.count() == 0


def test_an_inactive_staff_member_cannot_be_assigned(staff):
    former = StaffFactory(is_active=False)
    with pytest.raises(ValidationError):
        services.create_task(
            actor=staff, title="x", due_date=datetime.date(2026, 1, 1), assignee=former
        )
    assert TaskFactory(assignee=staff).assignee == staff


def test_the_demo_fills_the_pipeline_once(staff):
    from klynge.crm.demo import load_crm_demo
    from klynge.ecosystem.tests.factories import OrganisationFactory

    for n in range(8):
        OrganisationFactory(name=f"Prospect {n}", membership_status="prospect")
    OrganisationFactory(name="Member A", membership_status="member")
    assert load_crm_demo() == 9
    assert sorted(Account.objects.values_list("stage", flat=True)) == sorted(
        [
            "identified",
            "contacted",
            "meeting",
            "proposal",
            "applied",
            "contacted",
            "lost",
            "identified",
            "member",
        ]
    )
    assert Account.objects.get(stage="lost").lost_reason == "No budget for memberships this year."
    assert Task.objects.count() == 7
    assert load_crm_demo() == 0
