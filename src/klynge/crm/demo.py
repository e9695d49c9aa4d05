"""Demo CRM data: the demo cluster's prospects in the pipeline, with owners, notes and tasks.

Call `load_crm_demo()` after the ecosystem demo (`klynge.ecosystem.demo.load_demo`) has created
the organisations and the staff logins. It only adds what is missing, so it can run again.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from klynge.crm import services
from klynge.crm.models import Account, InteractionKind, Stage
from klynge.ecosystem.models import MembershipStatus, Organisation

# Where each prospect stands, in turn; members are in the "member" column.
_PROSPECT_STAGES = [
    Stage.IDENTIFIED,
    Stage.CONTACTED,
    Stage.MEETING,
    Stage.PROPOSAL,
    Stage.APPLIED,
    Stage.CONTACTED,
    Stage.LOST,
]
_FEES = [Decimal("5000"), Decimal("12500"), Decimal("25000"), Decimal("2500"), Decimal("50000")]
_NOTES = [
    (InteractionKind.CALL, "Introductory call: interested in the studio and the network."),
    (InteractionKind.MEETING, "Met at their office; they want a proposal for the Gold tier."),
    (InteractionKind.EMAIL, "Sent the membership brochure and the event calendar."),
]


@transaction.atomic
def load_crm_demo(*, members_in_pipeline: int = 4) -> int:
    """Puts the demo prospects (and a few members) into the pipeline; returns how many."""
    staff = list(get_user_model().objects.filter(is_staff=True, is_active=True).order_by("email"))
    if not staff:
        return 0
    done = set(Account.objects.values_list("organisation_id", flat=True))
    prospects = list(
        Organisation.objects.filter(membership_status=MembershipStatus.PROSPECT).order_by("name")
    )
    members = list(
        Organisation.objects.filter(membership_status=MembershipStatus.MEMBER).order_by("name")[
            :members_in_pipeline
        ]
    )
    now = timezone.now()
    today = timezone.localdate()
    added = 0
    plan = [(o, _PROSPECT_STAGES[i % len(_PROSPECT_STAGES)]) for i, o in enumerate(prospects)]
    plan += [(o, Stage.MEMBER) for o in members]
    for n, (organisation, stage) in enumerate(plan):
        if organisation.pk in done:
            continue
        owner = staff[n % len(staff)]
        services.update_account(
            actor=owner,
            organisation=organisation,
            owner=owner,
            expected_annual_fee=_FEES[n % len(_FEES)],
        )
        kind, summary = _NOTES[n % len(_NOTES)]
        services.log_interaction(
            actor=owner,
            organisation=organisation,
            kind=kind,
            occurred_at=now - datetime.timedelta(days=20 - n % 15, hours=n % 7),
            summary=summary,
        )
        if stage != Stage.IDENTIFIED:
            services.change_stage(
                actor=owner,
                organisation=organisation,
                stage=stage,
                lost_reason="No budget for memberships this year." if stage == Stage.LOST else "",
            )
        if stage not in (Stage.MEMBER, Stage.LOST):
            services.create_task(
                actor=owner,
                title=f"Follow up with {organisation.name}",
                due_date=today + datetime.timedelta(days=(n % 9) - 3),
                assignee=owner,
                organisation=organisation,
            )
        added += 1
    return added
