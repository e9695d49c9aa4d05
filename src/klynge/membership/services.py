"""Writes to tiers, applications and memberships, and paying invoices (which renews).

Every service is atomic, records itself in the audit log, and queues its e-mails to be sent
after commit. Bad input raises ValidationError with a localised message per field. Submitting,
approving and rejecting applications and every change of a membership's status send the signals
in `membership.signals` inside the transaction (the CRM pipeline follows them).
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from klynge.accounts import services as account_services
from klynge.accounts.models import User
from klynge.core import audit
from klynge.core.emails import queue_email
from klynge.ecosystem import services as ecosystem_services
from klynge.ecosystem.models import (
    Affiliation,
    AffiliationRole,
    Country,
    Organisation,
    OrganisationKind,
    SizeBand,
    size_band_for,
)
from klynge.ecosystem.models import (
    MembershipStatus as OrganisationStatus,
)
from klynge.ecosystem.registry import clean_registry_number
from klynge.membership import invoicing, signals
from klynge.membership.models import (
    CURRENT_STATUSES,
    ApplicationStatus,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    Membership,
    MembershipApplication,
    MembershipStatus,
    Tier,
    TierFee,
)
from klynge.membership.selectors import fee_for, fee_for_organisation

# Countries whose registry numbers Klynge checks: an applicant from there must give one.
_REGISTRY_REQUIRED = {"DK", "NO", "SE"}


def one_year_from(start: datetime.date) -> datetime.date:
    """The last day of a year-long period starting on `start` (1 March → 28 February)."""
    try:
        next_start = start.replace(year=start.year + 1)
    except ValueError:  # 29 February
        next_start = datetime.date(start.year + 1, 3, 1)
    return next_start - datetime.timedelta(days=1)


def membership_line(membership: Membership, start: datetime.date, end: datetime.date) -> str:
    return _("Membership %(tier)s, %(start)s to %(end)s") % {
        "tier": membership.tier.name,
        "start": start.isoformat(),
        "end": end.isoformat(),
    }


def _set_organisation_status(*, actor, organisation: Organisation, status: str) -> None:
    """Keeps Organisation.membership_status (which the roles read) in step with memberships."""
    if organisation.membership_status != status:
        ecosystem_services.update_organisation(
            actor=actor, organisation=organisation, membership_status=status
        )


# --- Tiers ----------------------------------------------------------------------------------


def _clean_fees(fees: list[dict]) -> list[TierFee]:
    rows, seen, errors = [], set(), []
    for fee in fees:
        kind, size_band = fee.get("kind") or "", fee.get("size_band") or ""
        if kind and kind not in OrganisationKind.values:
            errors.append(_("Choose a kind of organisation from the list."))
            continue
        if size_band and size_band not in SizeBand.values:
            errors.append(_("Choose a size from the list."))
            continue
        try:
            amount = Decimal(str(fee.get("annual_fee")))
        except (InvalidOperation, ValueError):
            errors.append(_("Enter the annual fee as a number."))
            continue
        if not amount.is_finite() or amount < 0:
            errors.append(_("A fee cannot be negative."))
            continue
        if (kind, size_band) in seen:
            errors.append(_("Each combination of kind and size may have only one fee."))
            continue
        seen.add((kind, size_band))
        rows.append(
            TierFee(kind=kind, size_band=size_band, annual_fee=amount.quantize(Decimal("0.01")))
        )
    if errors:
        raise ValidationError({"fees": errors})
    if not rows:
        raise ValidationError({"fees": [_("Give the tier at least one fee (it may be 0).")]})
    return rows


@transaction.atomic
def save_tier(*, actor, tier: Tier | None = None, fees: list[dict], **fields) -> Tier:
    """Creates a tier (or changes `tier`) and replaces its fee schedule with `fees`
    (dicts of kind, size_band and annual_fee; a blank kind or size band means any)."""
    rows = _clean_fees(fees)
    creating = tier is None
    tier = tier or Tier()
    for field, value in fields.items():
        setattr(tier, field, value.strip() if isinstance(value, str) else value)
    tier.full_clean()
    tier.save()
    tier.fees.all().delete()
    for row in rows:
        row.tier = tier
    TierFee.objects.bulk_create(rows)
    audit.record(
        actor=actor,
        action="membership.tier.create" if creating else "membership.tier.update",
        target=tier,
        data={
            "fees": [[row.kind, row.size_band, str(row.annual_fee)] for row in rows],
        },
    )
    return tier


# --- Applications ---------------------------------------------------------------------------

_NOT_ONLINE = gettext_lazy(
    "We cannot take an application for this organisation online. Write to us and we will help."
)


def _find_organisation(*, name: str, country: str, registry_number: str) -> Organisation | None:
    live = Organisation.objects.filter(country=country, merged_into__isnull=True)
    if registry_number:
        found = live.filter(registry_number=registry_number).first()
        if found is not None:
            return found
    found = live.filter(name__iexact=name).first()
    if found is None:
        return None
    if found.registry_number and found.registry_number != registry_number:
        raise ValidationError({"name": [_NOT_ONLINE]})
    return found


@transaction.atomic
def submit_application(
    *,
    actor,
    name: str,
    kind: str,
    country: str,
    contact_name: str,
    contact_email: str,
    tier: Tier | None,
    registry_number: str = "",
    employees: int | None = None,
    street: str = "",
    postal_code: str = "",
    city: str = "",
    message: str = "",
    language: str = "",
    base_url: str = "",
) -> MembershipApplication:
    """Records an application for membership from the public form.

    Finds the organisation by registry number (or by name when it has none), or creates it as
    a prospect; e-mails the contact person a receipt and every staff user a notice.
    """
    name, contact_name = name.strip(), contact_name.strip()
    contact_email = contact_email.strip().lower()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Enter the organisation's name.")]
    if kind not in OrganisationKind.values:
        errors["kind"] = [_("Choose a kind of organisation from the list.")]
    if country not in Country.values:
        errors["country"] = [_("Choose a country from the list.")]
    else:
        try:
            registry_number = clean_registry_number(country, registry_number)
        except ValidationError as error:
            errors["registry_number"] = list(error.messages)
        else:
            if not registry_number and country in _REGISTRY_REQUIRED:
                errors["registry_number"] = [_("Enter the organisation's registry number.")]
    if employees is not None and employees < 0:
        errors["employees"] = [_("The number of employees cannot be negative.")]
    if not contact_name:
        errors["contact_name"] = [_("Enter the contact person's name.")]
    try:
        validate_email(contact_email)
    except ValidationError:
        errors["contact_email"] = [_("Enter a valid e-mail address.")]
    if tier is None or not tier.is_active:
        errors["tier"] = [_("Choose one of the offered membership tiers.")]
    elif (
        "kind" not in errors
        and fee_for(tier, kind=kind, size_band=size_band_for(employees)) is None
    ):
        errors["tier"] = [_("This tier is not offered to this kind or size of organisation.")]
    if errors:
        raise ValidationError(errors)

    organisation = _find_organisation(name=name, country=country, registry_number=registry_number)
    if organisation is None:
        organisation = ecosystem_services.create_organisation(
            actor=actor,
            name=name,
            kind=kind,
            country=country,
            registry_number=registry_number,
            employees=employees,
            street=street.strip(),
            postal_code=postal_code.strip(),
            city=city.strip(),
            membership_status=OrganisationStatus.PROSPECT,
        )
    else:
        # The form is public: it neither says what Klynge knows about an organisation (member,
        # applied, prospect) nor changes an existing organisation. Staff see the application
        # and decide; approval makes the organisation a member.
        if (
            Membership.objects.filter(
                organisation=organisation, status__in=CURRENT_STATUSES
            ).exists()
            or organisation.membership_applications.filter(
                status=ApplicationStatus.PENDING
            ).exists()
        ):
            raise ValidationError({"name": [_NOT_ONLINE]})
    try:
        with transaction.atomic():
            application = MembershipApplication.objects.create(
                organisation=organisation,
                tier=tier,
                contact_name=contact_name,
                contact_email=contact_email,
                message=message.strip(),
                language=language,
            )
    except IntegrityError:
        # A second application for the organisation raced this one past the check above.
        raise ValidationError({"name": [_NOT_ONLINE]}) from None
    audit.record(
        actor=actor,
        action="membership.application.submit",
        target=application,
        data={"organisation": organisation.pk, "tier": tier.pk},
    )
    signals.application_submitted.send(
        sender=MembershipApplication, actor=actor, application=application
    )
    queue_email(
        to=contact_email,
        template="membership/emails/application_receipt",
        context={"application": application},
        language=language or None,
    )
    for email, user_language in User.objects.filter(is_staff=True, is_active=True).values_list(
        "email", "language"
    ):
        queue_email(
            to=email,
            template="membership/emails/application_notice",
            context={
                "application": application,
                "link": base_url + reverse("membership:application", args=[application.pk]),
            },
            language=user_language or None,
        )
    return application


def _locked_pending(application: MembershipApplication) -> MembershipApplication:
    application = (
        MembershipApplication.objects.select_for_update()
        .select_related("organisation", "tier")
        .get(pk=application.pk)
    )
    if application.status != ApplicationStatus.PENDING:
        raise ValidationError(_("This application has already been decided."))
    return application


def _invite_contact(*, actor, application: MembershipApplication, base_url: str) -> None:
    already_admin = (
        Affiliation.objects.current()
        .filter(
            organisation=application.organisation,
            role=AffiliationRole.MEMBER_ADMIN,
            person__email__iexact=application.contact_email,
        )
        .exists()
    )
    if already_admin:
        return
    try:
        with transaction.atomic():
            account_services.invite(
                actor=actor,
                email=application.contact_email,
                role="member_admin",
                organisation=application.organisation,
                base_url=base_url,
                language=application.language or None,
            )
    except ValidationError:
        pass  # a pending invitation for this person and role exists already: it still works


@transaction.atomic
def approve_application(
    *,
    actor,
    application: MembershipApplication,
    on: datetime.date | None = None,
    base_url: str = "",
) -> Membership:
    """Approves a pending application: creates the membership, active from `on` (today) for
    a year, issues its first invoice (unless the fee is 0), marks the organisation a member and
    invites the contact person to become its member admin.

    The application row is locked, so approving twice at once creates one membership; the
    database refuses a second current membership of the organisation anyway.
    """
    on = on or timezone.localdate()
    application = _locked_pending(application)
    organisation = application.organisation
    if Membership.objects.filter(organisation=organisation, status__in=CURRENT_STATUSES).exists():
        raise ValidationError(
            _("%(name)s already has a current membership.") % {"name": organisation.name}
        )
    fee = fee_for_organisation(application.tier, organisation)
    if fee is None:
        raise ValidationError(
            {"tier": [_("This tier is not offered to this kind or size of organisation.")]}
        )
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                organisation=organisation,
                tier=application.tier,
                start_date=on,
                end_date=one_year_from(on),
                status=MembershipStatus.ACTIVE,
                status_changed_on=on,
                application=application,
            )
    except IntegrityError:
        raise ValidationError(
            _("%(name)s already has a current membership.") % {"name": organisation.name}
        ) from None
    application.status = ApplicationStatus.APPROVED
    application.decided_at = timezone.now()
    application.decided_by = actor
    application.save(update_fields=["status", "decided_at", "decided_by", "updated_at"])
    audit.record(
        actor=actor,
        action="membership.application.approve",
        target=application,
        data={"membership": membership.pk},
    )
    audit.record(actor=actor, action="membership.membership.create", target=membership)
    _set_organisation_status(
        actor=actor, organisation=organisation, status=OrganisationStatus.MEMBER
    )
    signals.application_approved.send(
        sender=MembershipApplication, actor=actor, application=application, membership=membership
    )
    if fee > 0:
        invoice = invoicing.create_invoice(
            actor=actor,
            organisation=organisation,
            membership=membership,
            period_start=membership.start_date,
            period_end=membership.end_date,
            lines=[
                (membership_line(membership, membership.start_date, membership.end_date), 1, fee)
            ],
            vat_country=organisation.country,
        )
        invoicing.issue_invoice(
            actor=actor,
            invoice=invoice,
            on=on,
            extra_recipients=[application.contact_email],
            base_url=base_url,
        )
    _invite_contact(actor=actor, application=application, base_url=base_url)
    return membership


@transaction.atomic
def reject_application(
    *, actor, application: MembershipApplication, reason: str
) -> MembershipApplication:
    """Rejects a pending application with a reason, which is e-mailed to the contact person."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [_("Give the applicant a reason.")]})
    application = _locked_pending(application)
    application.status = ApplicationStatus.REJECTED
    application.reason = reason
    application.decided_at = timezone.now()
    application.decided_by = actor
    application.save(update_fields=["status", "reason", "decided_at", "decided_by", "updated_at"])
    audit.record(
        actor=actor,
        action="membership.application.reject",
        target=application,
        data={"reason": reason},
    )
    signals.application_rejected.send(
        sender=MembershipApplication, actor=actor, application=application
    )
    queue_email(
        to=application.contact_email,
        template="membership/emails/application_rejected",
        context={"application": application},
        language=application.language or None,
    )
    return application


# --- Memberships ----------------------------------------------------------------------------


def renewal_invoice(membership: Membership) -> Invoice | None:
    """The live invoice for the period after the membership's current one, if any."""
    return (
        Invoice.objects.filter(
            membership=membership,
            kind=InvoiceKind.INVOICE,
            period_start=membership.end_date + datetime.timedelta(days=1),
        )
        .exclude(status=InvoiceStatus.CREDITED)
        .first()
    )


def renewal_is_settled(membership: Membership) -> bool:
    """The next period is paid for, or costs nothing."""
    invoice = renewal_invoice(membership)
    if invoice is not None:
        return invoice.status == InvoiceStatus.PAID
    return fee_for_organisation(membership.tier, membership.organisation) == 0


@transaction.atomic
def renew_membership(*, actor, membership: Membership, on: datetime.date) -> Membership:
    """Moves a membership whose next period is settled on to that period, active again."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.status not in CURRENT_STATUSES:
        # Staff ended it (or it lapsed) while the caller read an older copy: never revive it.
        raise ValidationError(_("Only an active membership or one in grace can be renewed."))
    previous_end, previous_status = membership.end_date, membership.status
    membership.start_date = previous_end + datetime.timedelta(days=1)
    membership.end_date = one_year_from(membership.start_date)
    if membership.status != MembershipStatus.ACTIVE:
        membership.status = MembershipStatus.ACTIVE
        membership.status_changed_on = on
    membership.save()
    audit.record(
        actor=actor,
        action="membership.membership.renew",
        target=membership,
        data={"start": membership.start_date.isoformat(), "end": membership.end_date.isoformat()},
    )
    _set_organisation_status(
        actor=actor, organisation=membership.organisation, status=OrganisationStatus.MEMBER
    )
    if previous_status != MembershipStatus.ACTIVE:
        signals.membership_status_changed.send(
            sender=Membership, actor=actor, membership=membership, previous=previous_status, on=on
        )
    return membership


@transaction.atomic
def change_membership_status(
    *, actor, membership: Membership, status: str, on: datetime.date | None = None
) -> Membership:
    """Moves a membership to grace, lapsed or ended; lapsed and ended make the organisation a
    former member (its people lose the member roles)."""
    on = on or timezone.localdate()
    allowed = {
        MembershipStatus.GRACE: {MembershipStatus.ACTIVE},
        MembershipStatus.LAPSED: {MembershipStatus.GRACE},
        MembershipStatus.ENDED: {MembershipStatus.ACTIVE, MembershipStatus.GRACE},
    }
    membership = (
        Membership.objects.select_for_update().select_related("organisation").get(pk=membership.pk)
    )
    if membership.status not in allowed.get(status, set()):
        raise ValidationError(
            _("A membership that is %(status)s cannot be moved to that status.")
            % {"status": membership.get_status_display().lower()}
        )
    before = membership.status
    membership.status = status
    membership.status_changed_on = on
    if status == MembershipStatus.ENDED and membership.end_date > on:
        membership.end_date = max(on, membership.start_date)
    membership.save()
    audit.record(
        actor=actor,
        action=f"membership.membership.{status}",
        target=membership,
        data={"from": before, "to": status},
    )
    if status in (MembershipStatus.LAPSED, MembershipStatus.ENDED):
        _set_organisation_status(
            actor=actor, organisation=membership.organisation, status=OrganisationStatus.FORMER
        )
    signals.membership_status_changed.send(
        sender=Membership, actor=actor, membership=membership, previous=before, on=on
    )
    return membership


def end_membership(*, actor, membership: Membership, on: datetime.date | None = None):
    """Ends a current membership today (the organisation resigned or was excluded)."""
    return change_membership_status(
        actor=actor, membership=membership, status=MembershipStatus.ENDED, on=on
    )


# --- Paying and crediting -------------------------------------------------------------------


@transaction.atomic
def mark_invoice_paid(*, actor, invoice: Invoice, paid_on: datetime.date | None = None) -> Invoice:
    """Records that an open invoice was paid; a paid renewal of a membership in grace renews
    it at once."""
    paid_on = paid_on or timezone.localdate()
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if not invoice.is_open:
        raise ValidationError(_("Only a sent or overdue invoice can be marked paid."))
    invoice.status = InvoiceStatus.PAID
    invoice.paid_on = paid_on
    invoice.save(update_fields=["status", "paid_on", "updated_at"])
    audit.record(
        actor=actor,
        action="membership.invoice.paid",
        target=invoice,
        data={"paid_on": paid_on.isoformat()},
    )
    membership = invoice.membership
    if (
        membership is not None
        and membership.status == MembershipStatus.GRACE
        and invoice.period_start == membership.end_date + datetime.timedelta(days=1)
    ):
        try:
            with transaction.atomic():
                renew_membership(actor=actor, membership=membership, on=paid_on)
        except ValidationError:
            pass  # ended meanwhile: the payment stands, the membership stays ended
    return invoice


@transaction.atomic
def credit_and_reissue(
    *,
    actor,
    invoice: Invoice,
    reason: str,
    reissue: bool = False,
    on: datetime.date | None = None,
    base_url: str = "",
) -> tuple[Invoice, Invoice | None]:
    """Credits an invoice (see `invoicing.credit_invoice`); with `reissue`, issues a corrected
    invoice for the same lines and period to the organisation as it is now (new name, address,
    tier fee for membership periods)."""
    note = invoicing.credit_invoice(
        actor=actor, invoice=invoice, reason=reason, on=on, base_url=base_url
    )
    if not reissue:
        return note, None
    invoice.refresh_from_db()
    lines = [(line.description, line.quantity, line.unit_price) for line in invoice.lines.all()]
    membership = invoice.membership
    if membership is not None and invoice.period_start is not None:
        fee = fee_for_organisation(membership.tier, invoice.organisation)
        if fee is None:
            raise ValidationError(
                _("The membership's tier has no fee for this organisation any more.")
            )
        lines = [(membership_line(membership, invoice.period_start, invoice.period_end), 1, fee)]
    replacement = invoicing.create_invoice(
        actor=actor,
        organisation=invoice.organisation,
        membership=membership,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        lines=lines,
        # A membership fee is taxed where the member is; anything else as it was.
        vat_country=invoice.organisation.country if membership is not None else None,
    )
    invoicing.issue_invoice(actor=actor, invoice=replacement, on=on, base_url=base_url)
    replacement.refresh_from_db()
    return note, replacement
