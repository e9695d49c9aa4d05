"""Who a survey goes to: members, prospects, a filter of the directory, or event participants.

Each audience becomes a list of (person, organisation) pairs: the people to invite and the
organisation they answer for (its segment is what breakdowns use). Reads only; the directory
filter is the directory's own (`ecosystem.search.filter_directory`), never a second one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from klynge.ecosystem.models import (
    Affiliation,
    AffiliationRole,
    MembershipStatus,
    Organisation,
    Person,
)


class AudienceKind:
    MEMBERS = "members"
    PROSPECTS = "prospects"
    DIRECTORY = "directory"
    EVENT = "event"

    choices = [
        (MEMBERS, gettext_lazy("Members (organisations with a current membership)")),
        (PROSPECTS, gettext_lazy("Prospects")),
        (DIRECTORY, gettext_lazy("A filter of the directory")),
        (EVENT, gettext_lazy("Participants of events")),
    ]
    values = [value for value, _label in choices]


class Who:
    CONTACTS = "contacts"
    EVERYONE = "everyone"

    choices = [
        (CONTACTS, gettext_lazy("The contact people and administrators of each organisation")),
        (EVERYONE, gettext_lazy("Everyone working at each organisation")),
    ]
    values = [value for value, _label in choices]


# An organisation's contact people; where it has none, its CEO or founders answer for it.
CONTACT_ROLES = (AffiliationRole.CONTACT, AffiliationRole.MEMBER_ADMIN)
FALLBACK_ROLES = (AffiliationRole.CEO, AffiliationRole.FOUNDER)
# Students, mentors and board members do not speak for an organisation in a survey.
NOT_STAFF_ROLES = (AffiliationRole.STUDENT, AffiliationRole.MENTOR, AffiliationRole.BOARD_MEMBER)
# The pipeline stages of a prospect (crm.models.Stage, before "member" and "lost").
OPEN_STAGES = ("identified", "contacted", "meeting", "proposal", "applied")
# A registration that came (or was meant to come) to the event.
PARTICIPANT_STATUSES = ("confirmed",)


@dataclass(frozen=True)
class Recipient:
    person: Person
    organisation: Organisation | None


@dataclass
class Audience:
    kind: str
    who: str = Who.CONTACTS
    # The directory's filter, as its query string parameters (lists of values).
    directory: dict[str, list[str]] = field(default_factory=dict)
    event_ids: list[int] = field(default_factory=list)
    checked_in_only: bool = False

    def parameters(self) -> dict:
        if self.kind == AudienceKind.DIRECTORY:
            return {"who": self.who, "directory": self.directory}
        if self.kind == AudienceKind.EVENT:
            return {"events": self.event_ids, "checked_in_only": self.checked_in_only}
        return {"who": self.who}


def _current_member_ids() -> QuerySet:
    from klynge.membership.models import CURRENT_STATUSES, Membership

    return Membership.objects.filter(status__in=CURRENT_STATUSES).values("organisation_id")


def member_organisations() -> QuerySet[Organisation]:
    """Organisations with a current (active, or unpaid within the grace period) membership."""
    return Organisation.objects.filter(pk__in=_current_member_ids(), merged_into__isnull=True)


def prospect_organisations() -> QuerySet[Organisation]:
    """Prospects: the directory's status, and organisations in an open stage of the pipeline."""
    from klynge.crm.models import Account

    in_pipeline = Account.objects.filter(stage__in=OPEN_STAGES).values("organisation_id")
    return Organisation.objects.filter(
        Q(membership_status=MembershipStatus.PROSPECT) | Q(pk__in=in_pipeline),
        merged_into__isnull=True,
    ).exclude(pk__in=_current_member_ids())


def directory_organisations(actor, parameters: dict[str, list[str]]) -> QuerySet[Organisation]:
    """The organisations the directory shows `actor` for these filter parameters."""
    from klynge.ecosystem.forms import DirectoryFilterForm
    from klynge.ecosystem.search import filter_directory
    from klynge.ecosystem.selectors import directory_queryset

    data = QueryDict(mutable=True)
    for name, values in (parameters or {}).items():
        data.setlist(name, [str(v) for v in values])
    filters = DirectoryFilterForm(data, tiers=True).filters()
    return filter_directory(directory_queryset(actor), filters)


def _people_of(organisations: QuerySet[Organisation], who: str) -> list[Recipient]:
    """The people to invite at each organisation, one query."""
    affiliations = (
        Affiliation.objects.current()
        .filter(organisation__in=organisations, person__erased_at__isnull=True)
        .exclude(role__in=NOT_STAFF_ROLES)
        .select_related("person", "person__user", "organisation", "organisation__membership_tier")
        .order_by("organisation__name", "organisation_id", "person__last_name", "person_id")
    )
    by_organisation: dict[int, list[Affiliation]] = {}
    for affiliation in affiliations:
        by_organisation.setdefault(affiliation.organisation_id, []).append(affiliation)
    recipients: list[Recipient] = []
    for ties in by_organisation.values():
        if who == Who.CONTACTS:
            chosen = [a for a in ties if a.role in CONTACT_ROLES] or [
                a for a in ties if a.role in FALLBACK_ROLES
            ]
        else:
            chosen = ties
        seen: set[int] = set()
        for affiliation in chosen:
            if affiliation.person_id not in seen:
                seen.add(affiliation.person_id)
                recipients.append(Recipient(affiliation.person, affiliation.organisation))
    return recipients


def _participants(event_ids: list[int], checked_in_only: bool) -> list[Recipient]:
    from klynge.events.models import Registration

    registrations = Registration.objects.filter(
        event_id__in=event_ids, status__in=PARTICIPANT_STATUSES, person__erased_at__isnull=True
    )
    if checked_in_only:
        registrations = registrations.filter(checked_in_at__isnull=False)
    registrations = registrations.select_related(
        "person", "person__user", "organisation", "organisation__membership_tier"
    ).order_by("person__last_name", "person_id", "id")
    return [Recipient(r.person, r.organisation) for r in registrations]


def recipients(audience: Audience, *, actor) -> list[Recipient]:
    """The people of the audience, each once (the first organisation they were found for)."""
    if audience.kind == AudienceKind.MEMBERS:
        found = _people_of(member_organisations(), audience.who)
    elif audience.kind == AudienceKind.PROSPECTS:
        found = _people_of(prospect_organisations(), audience.who)
    elif audience.kind == AudienceKind.DIRECTORY:
        found = _people_of(directory_organisations(actor, audience.directory), audience.who)
    elif audience.kind == AudienceKind.EVENT:
        found = _participants(audience.event_ids, audience.checked_in_only)
    else:
        raise ValueError(f"unknown audience {audience.kind!r}")
    unique: dict[int, Recipient] = {}
    for recipient in found:
        unique.setdefault(recipient.person.pk, recipient)
    return list(unique.values())


def describe(audience: Audience) -> str:
    """A line for the list of mailings, in the staff member's language."""
    who = dict(Who.choices).get(audience.who, "")
    if audience.kind == AudienceKind.MEMBERS:
        return _("Members: %(who)s") % {"who": who}
    if audience.kind == AudienceKind.PROSPECTS:
        return _("Prospects: %(who)s") % {"who": who}
    if audience.kind == AudienceKind.DIRECTORY:
        parts = [
            f"{name}={','.join(values)}" for name, values in sorted(audience.directory.items())
        ]
        return _("Directory (%(filter)s): %(who)s") % {
            "filter": "; ".join(parts) or _("everyone"),
            "who": who,
        }
    from klynge.events.models import Event

    titles = [e.display_title for e in Event.objects.filter(pk__in=audience.event_ids)]
    text = _("Participants of %(events)s") % {"events": ", ".join(titles)}
    if audience.checked_in_only:
        text += " " + _("(checked in)")
    return text
