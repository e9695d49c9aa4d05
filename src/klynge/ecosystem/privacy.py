"""Privacy: what Klynge holds about a person, their download of it, erasure requests and erasure.

- `personal_data(user)` gathers everything Klynge holds about a signed-in user. Each part comes
  from a contributor registered with `register_personal_data(name, callable)`; the accounts and
  ecosystem parts are registered below, other apps (events, bookings, ...) register theirs from
  their `AppConfig.ready()` so the download is complete.
- `request_erasure` records a person's request (an audit entry) and tells the staff; open requests
  are the people with such an entry who are not erased yet (`erasure_requests()`).
- `erase_person` anonymises a person, their login, invitations and the audit labels that name
  them, keeping their affiliations so aggregates per organisation stay correct. Apps holding
  more personal data register an erasure step with `register_erasure_step(name, callable)`.
- `record_personal_data_view` is what staff views call when they show a person's data.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import rules
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, FileField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Cast
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from klynge.accounts import services as account_services
from klynge.accounts.models import ApiToken, Invitation, User
from klynge.accounts.predicates import is_cluster_staff
from klynge.accounts.roles import forget_roles
from klynge.core import audit
from klynge.core.emails import queue_email
from klynge.core.models import AuditEntry
from klynge.ecosystem import services
from klynge.ecosystem.models import (
    CONSENT_FIELD,
    Affiliation,
    ConsentKind,
    ConsentRecord,
    ErasedAddress,
    Person,
)

REQUEST_ACTION = "ecosystem.person.erasure_request"
ERASE_ACTION = "ecosystem.person.erase"
VIEW_ACTION = "ecosystem.person.view"
EXPORT_ACTION = "ecosystem.person.export"

# Stored data, not interface text: it is the same in every language.
ERASED_NAME = "Erased person"
ERASURE_SOURCE = "erasure"


def _add_perm(name: str, predicate) -> None:
    # Guarded so these can move to ecosystem/rules.py without a duplicate registration error.
    if not rules.perm_exists(name):
        rules.add_perm(name, predicate)


_add_perm("ecosystem.manage_own_data", rules.is_authenticated)
_add_perm("ecosystem.view_erasure_requests", is_cluster_staff)
_add_perm("ecosystem.erase_person", is_cluster_staff)


# --- The registry of personal data ------------------------------------------------------------


@dataclass(frozen=True)
class Contributor:
    name: str
    collect: Callable[[Any], Any]
    label: Any = ""


_CONTRIBUTORS: dict[str, Contributor] = {}
_ERASURE_STEPS: dict[str, Callable[..., None]] = {}


def register_personal_data(name: str, collect: Callable[[Any], Any], *, label: Any = "") -> None:
    """Adds the part `name` to every download: `collect(user)` returns it.

    The value must be JSON-serialisable by `DjangoJSONEncoder` (dates, datetimes and Decimals
    are fine). `label` (lazily translated) is how the "Your data" page names the part.
    Registering a name again replaces it.
    """
    _CONTRIBUTORS[name] = Contributor(name=name, collect=collect, label=label or name)


def personal_data_parts() -> list[Contributor]:
    return list(_CONTRIBUTORS.values())


def register_erasure_step(name: str, step: Callable[..., None]) -> None:
    """Runs `step(actor=..., person=..., user=..., old_emails=...)` inside every erasure, after
    the person and the login are anonymised, so an app can anonymise the personal data it keeps
    itself; `old_emails` are the addresses the person had (they are gone from the rows)."""
    _ERASURE_STEPS[name] = step


def person_of(user) -> Person | None:
    """The person linked to the login, or None (cached on the user object by Django)."""
    try:
        return user.person
    except Person.DoesNotExist:
        return None


def personal_data(user) -> dict[str, Any]:
    """Everything Klynge holds about `user`: one key per registered part, plus `generated_at`."""
    data: dict[str, Any] = {"generated_at": timezone.now()}
    for contributor in _CONTRIBUTORS.values():
        data[contributor.name] = contributor.collect(user)
    return data


def _field_value(field, instance) -> Any:
    value = field.value_from_object(instance)
    if isinstance(field, FileField):
        return value.name if value else ""
    return value


def _account(user) -> dict[str, Any]:
    return {
        "email": user.email,
        "name": user.name,
        "language": user.language,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
    }


def _person(user) -> dict[str, Any] | None:
    """Every field of the person, so a field added to the model is downloaded too."""
    person = person_of(user)
    if person is None:
        return None
    result: dict[str, Any] = {}
    for field in Person._meta.concrete_fields:
        if field.is_relation:  # the login: the "account" part
            continue
        result[field.name] = _field_value(field, person)
    for field in Person._meta.many_to_many:
        result[field.name] = sorted(str(item) for item in getattr(person, field.name).all())
    return result


def _affiliations(user) -> list[dict[str, Any]]:
    person = person_of(user)
    if person is None:
        return []
    return [
        {
            "organisation": affiliation.organisation.name,
            "role": affiliation.role,
            "start_date": affiliation.start_date,
            "end_date": affiliation.end_date,
        }
        for affiliation in Affiliation.objects.filter(person=person)
        .select_related("organisation")
        .order_by("organisation__name", "role", "start_date", "id")
    ]


def _consent_history(user) -> list[dict[str, Any]]:
    person = person_of(user)
    if person is None:
        return []
    return [
        {
            "consent": record.kind,
            "granted": record.granted,
            "recorded_at": record.recorded_at,
            "source": record.source,
        }
        for record in ConsentRecord.objects.filter(person=person).order_by("recorded_at", "id")
    ]


def _emails_of(user) -> set[str]:
    person = person_of(user)
    emails = {user.email.lower()}
    if person is not None:
        emails |= {email.lower() for email in [person.email, *person.other_emails] if email}
    return emails


def _invitations(user) -> list[dict[str, Any]]:
    return [
        {
            "email": invitation.email,
            "role": invitation.role,
            "organisation": invitation.organisation.name if invitation.organisation else None,
            "message": invitation.message,
            "sent_at": invitation.created_at,
            "expires_at": invitation.expires_at,
            "accepted_at": invitation.accepted_at,
            "revoked_at": invitation.revoked_at,
        }
        for invitation in Invitation.objects.filter(email__in=_emails_of(user))
        .select_related("organisation")
        .order_by("created_at", "id")
    ]


def _api_tokens(user) -> list[dict[str, Any]]:
    # Never the digest: it is a credential, not information about the person.
    return [
        {
            "name": token.name,
            "prefix": token.prefix,
            "created_at": token.created_at,
            "last_used_at": token.last_used_at,
            "revoked_at": token.revoked_at,
        }
        for token in ApiToken.objects.filter(user=user).order_by("created_at", "id")
    ]


def _audit_log(user) -> list[dict[str, Any]]:
    types = ContentType.objects.get_for_models(User, Person)
    about = Q(actor=user) | Q(target_type=types[User], target_id=str(user.pk))
    person = person_of(user)
    if person is not None:
        about |= Q(target_type=types[Person], target_id=str(person.pk))
    return [
        {"action": action, "time": created_at}
        for action, created_at in AuditEntry.objects.filter(about)
        .order_by("created_at", "id")
        .values_list("action", "created_at")
    ]


register_personal_data("account", _account, label=gettext_lazy("Your login"))
register_personal_data("person", _person, label=gettext_lazy("Your entry in the directory"))
register_personal_data(
    "affiliations", _affiliations, label=gettext_lazy("The organisations you are tied to")
)
register_personal_data(
    "consent_history", _consent_history, label=gettext_lazy("Your consents and their history")
)
register_personal_data(
    "invitations", _invitations, label=gettext_lazy("Invitations sent to your e-mail")
)
register_personal_data("api_tokens", _api_tokens, label=gettext_lazy("Your API tokens"))
register_personal_data(
    "audit_log", _audit_log, label=gettext_lazy("What was done by you or to your data, and when")
)


@transaction.atomic
def export_personal_data(*, actor, user) -> dict[str, Any]:
    """Returns `personal_data(user)` and records the download in the audit log."""
    person = person_of(user)
    audit.record(
        actor=actor,
        action=EXPORT_ACTION,
        target=person if person is not None else user,
    )
    return personal_data(user)


def record_personal_data_view(*, actor, person: Person, page: str = "") -> None:
    """Records that `actor` looked at `person`'s personal data (call it from staff views);
    `page` names where, e.g. ``"crm"``."""
    audit.record(
        actor=actor, action=VIEW_ACTION, target=person, data={"page": page} if page else None
    )


def record_personal_data_list_view(
    *, actor, page: str, people=(), target=None, details: dict[str, Any] | None = None
) -> None:
    """Records that `actor` saw several people's personal data on one page (one entry).

    `page` names the page or API answer, e.g. ``"erasure requests"``; `people` are the persons
    shown, or their ids (the entry keeps the ids only); `target` is what the page is about, if anything (an
    organisation); `details` names other rows with personal data that belong to no person yet,
    by kind and id (``{"applications": [3, 4]}``). Nothing is recorded when nothing was shown.
    """
    ids = sorted({getattr(person, "pk", person) for person in people})
    details = {key: value for key, value in (details or {}).items() if value}
    if not ids and not details:
        return
    data: dict[str, Any] = {"page": page}
    if ids:
        data["people"] = ids
    data.update(details)
    audit.record(actor=actor, action=VIEW_ACTION, target=target, data=data)


# --- Consents -----------------------------------------------------------------------------------


@transaction.atomic
def update_consents(*, actor, person: Person, consents: dict[str, bool], source: str) -> Person:
    """Sets each given consent (kind -> granted); each change goes into the consent history."""
    for kind, granted in consents.items():
        services.set_consent(actor=actor, person=person, kind=kind, granted=granted, source=source)
    return person


# --- Erasure requests ---------------------------------------------------------------------------


def _person_for_request(user) -> Person:
    """The user's person; a login without one gets one, so staff have someone to erase."""
    person = person_of(user)
    if person is not None:
        return person
    person = Person.objects.filter(email__iexact=user.email, user__isnull=True).first()
    if person is None:
        first, _sep, last = (user.name or user.email.split("@")[0]).partition(" ")
        person = services.create_person(
            actor=user, first_name=first, last_name=last, email=user.email
        )
    person.user = user
    person.save(update_fields=["user", "updated_at"])
    user.person = person
    return person


def _requests_for(outer_ref: str = "pk") -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(
        action=REQUEST_ACTION,
        target_type=ContentType.objects.get_for_model(Person),
        target_id=Cast(OuterRef(outer_ref), CharField()),
    ).order_by("-created_at", "-id")


def erasure_requests() -> QuerySet[Person]:
    """People who asked for erasure and are not erased yet, oldest request first.

    Each carries `requested_at` (the latest request) and `current_affiliations`.
    """
    return (
        Person.objects.filter(erased_at__isnull=True)
        .annotate(requested_at=Subquery(_requests_for().values("created_at")[:1]))
        .filter(requested_at__isnull=False)
        .select_related("user")
        .prefetch_related(
            Prefetch(
                "affiliations",
                queryset=Affiliation.objects.current().select_related("organisation"),
                to_attr="current_affiliations",
            )
        )
        .order_by("requested_at", "id")
    )


def open_erasure_request(user) -> AuditEntry | None:
    """The user's pending erasure request (the latest), or None."""
    person = person_of(user)
    if person is None or person.erased_at is not None:
        return None
    return (
        AuditEntry.objects.filter(
            action=REQUEST_ACTION,
            target_type=ContentType.objects.get_for_model(Person),
            target_id=str(person.pk),
        )
        .order_by("-created_at", "-id")
        .first()
    )


@transaction.atomic
def request_erasure(*, actor: User, confirm_email: str, base_url: str = "") -> AuditEntry:
    """Records that the signed-in `actor` asks to have their data erased.

    `confirm_email` must be the e-mail they sign in with. E-mails every active staff member
    (with a link to the open requests) and confirms to the person, after commit. The login stays
    active until staff erase it.
    """
    if confirm_email.strip().lower() != actor.email.lower():
        raise ValidationError(
            {
                "confirm_email": [
                    _("Type the e-mail address you sign in with: %(email)s.")
                    % {"email": actor.email}
                ]
            }
        )
    if open_erasure_request(actor) is not None:
        raise ValidationError(_("You have already asked for erasure; the staff will handle it."))
    person = _person_for_request(actor)
    entry = audit.record(actor=actor, action=REQUEST_ACTION, target=person)
    link = base_url + reverse("ecosystem:privacy_requests")
    for staff in User.objects.filter(is_staff=True, is_active=True).order_by("email"):
        queue_email(
            to=staff.email,
            template="ecosystem/privacy/emails/erasure_request_staff",
            context={"person": person, "email": actor.email, "link": link},
            language=staff.language or None,
        )
    queue_email(
        to=actor.email,
        template="ecosystem/privacy/emails/erasure_request_received",
        context={"name": actor.name or person.full_name},
        language=actor.language or None,
    )
    return entry


# --- Erasure ------------------------------------------------------------------------------------


def get_person_for_user(user, person_id: int) -> Person:
    """The person with `person_id` for the staff privacy pages (permissions decide the rest)."""
    return get_object_or_404(Person.objects.select_related("user"), pk=person_id)


def erased_label(person: Person) -> str:
    return f"{ERASED_NAME} {person.pk}"


@dataclass
class _Traces:
    """What identified the person before erasure, to find and rewrite it in the audit log."""

    label: str
    names: set[str]
    emails: set[str]
    values: set[str]

    def scrub(self, text: str) -> str:
        for email in self.emails:
            text = re.sub(re.escape(email), self.label, text, flags=re.IGNORECASE)
        for name in self.names:
            text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", self.label, text, flags=re.IGNORECASE)
        return text

    def scrub_data(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {key: self.scrub_data(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.scrub_data(item) for item in value]
        if isinstance(value, str):
            return "" if value in self.values else self.scrub(value)
        return value


@transaction.atomic
def erase_person(*, actor, person: Person) -> Person:
    """Anonymises a person; does nothing to a person already erased.

    Changes: name to "Erased person <id>"; e-mails, phone, title, bio, languages and interests
    cleared; every consent withdrawn (history source "erasure"); `erased_at` set. The linked login
    is deactivated, its e-mail replaced by ``erased-<user id>@invalid``, its name cleared, its
    password made unusable and its API tokens revoked; invitations to the old e-mail addresses are
    revoked if open and their address and message replaced. Audit entries by or about the person
    keep their place but their labels (and details) no longer name them. Affiliations stay, so
    counts per organisation are unchanged. Records ``ecosystem.person.erase`` with the id only.
    Sends a last e-mail to the old address saying the erasure is done.
    """
    person = Person.objects.select_for_update(of=("self",)).select_related("user").get(pk=person.pk)
    if person.erased_at is not None:
        return person
    user = person.user
    traces = _Traces(
        label=erased_label(person),
        names={n for n in (person.full_name, user.name if user else "") if len(n.strip()) > 1},
        emails={
            e.lower() for e in (person.email, *person.other_emails, user.email if user else "") if e
        },
        values={v for v in (person.phone, person.title, person.bio) if v},
    )
    ErasedAddress.objects.bulk_create(
        [ErasedAddress(digest=ErasedAddress.digest_of(email)) for email in traces.emails],
        ignore_conflicts=True,
    )
    old_login_email = user.email if user else ""
    language = (user.language if user else "") or None

    person.first_name, person.last_name = ERASED_NAME, str(person.pk)
    person.email, person.other_emails, person.languages = "", [], []
    person.phone = person.title = person.bio = ""
    person.erased_at = timezone.now()
    person.save()
    person.interests.clear()
    for kind in ConsentKind:
        if getattr(person, CONSENT_FIELD[kind]):
            services.set_consent(
                actor=actor, person=person, kind=kind, granted=False, source=ERASURE_SOURCE
            )

    token_ids: list[int] = []
    if user is not None:
        user.is_active = False
        user.email = f"erased-{user.pk}@invalid"
        user.name = ""
        user.set_unusable_password()
        user.save(update_fields=["is_active", "email", "name", "password"])
        for token in ApiToken.objects.filter(user=user):
            token_ids.append(token.pk)
            account_services.revoke_api_token(actor=actor, token=token)
        forget_roles(user)

    invitations = list(Invitation.objects.filter(email__in=traces.emails))
    for invitation in invitations:
        if invitation.status == "pending":
            account_services.revoke_invitation(actor=actor, invitation=invitation)
    erased_email = user.email if user is not None else f"erased-person-{person.pk}@invalid"
    Invitation.objects.filter(pk__in=[i.pk for i in invitations]).update(
        email=erased_email, message=""
    )

    for step in _ERASURE_STEPS.values():
        step(actor=actor, person=person, user=user, old_emails=frozenset(traces.emails))

    _rewrite_audit_log(
        person=person,
        user=user,
        traces=traces,
        invitation_ids=[i.pk for i in invitations],
        token_ids=token_ids,
    )
    audit.record(actor=actor, action=ERASE_ACTION, target=person, data={"person": person.pk})
    if old_login_email:
        queue_email(
            to=old_login_email,
            template="ecosystem/privacy/emails/erased",
            context={},
            language=language,
        )
    return person


def _rewrite_audit_log(
    *, person: Person, user, traces: _Traces, invitation_ids: list[int], token_ids: list[int]
) -> None:
    """Rewrites the labels of the entries by, about or naming the erased person."""
    types = ContentType.objects.get_for_models(Person, User, Affiliation, Invitation, ApiToken)
    affiliations = {
        str(a.pk): str(a)
        for a in Affiliation.objects.filter(person=person).select_related("person", "organisation")
    }
    # (content type id, object id) -> the label the entry gets.
    labels: dict[tuple[int, str], str | None] = {(types[Person].pk, str(person.pk)): traces.label}
    labels |= {(types[Affiliation].pk, pk): label for pk, label in affiliations.items()}
    labels |= {(types[Invitation].pk, str(pk)): traces.label for pk in invitation_ids}
    labels |= {(types[ApiToken].pk, str(pk)): None for pk in token_ids}  # no personal data
    if user is not None:
        labels[(types[User].pk, str(user.pk))] = traces.label

    about = Q()
    for type_id, object_id in labels:
        about |= Q(target_type_id=type_id, target_id=object_id)
    if user is not None:
        about |= Q(actor=user)
    for email in traces.emails:
        about |= Q(actor_label__icontains=email) | Q(target_label__icontains=email)

    changed = []
    for entry in AuditEntry.objects.filter(about):
        key = (entry.target_type_id, entry.target_id)
        by_them = user is not None and entry.actor_id == user.pk
        related = by_them or key in labels
        actor_label = traces.label if by_them else traces.scrub(entry.actor_label)
        if key in labels and labels[key] is not None:
            target_label = labels[key]
        else:
            target_label = traces.scrub(entry.target_label)
        data = traces.scrub_data(entry.data) if related else entry.data
        if (actor_label, target_label, data) != (entry.actor_label, entry.target_label, entry.data):
            entry.actor_label, entry.target_label, entry.data = actor_label, target_label, data
            changed.append(entry)
    AuditEntry.objects.bulk_update(changed, ["actor_label", "target_label", "data"], batch_size=500)
