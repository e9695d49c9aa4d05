"""Finding duplicate organisations and merging one into another.

`possible_duplicates` (a selector) proposes pairs of live organisations that are probably the
same: the same registry number in the same country (the database refuses that for live ones, so
it only finds data from before the constraint), or names that are the same or nearly so once
legal forms and punctuation are dropped ("Fynsk Lyd ApS" and "Fynsk lyd"). It compares each name
only with its neighbours in two sorted orders (sorted-neighbourhood blocking), so it stays fast
with 100,000 organisations.

`merge_organisations` (a service) moves everything that points at the duplicate to the
organisation kept, generically over `Organisation._meta` so every app's foreign keys are
covered, fills the kept organisation's empty fields from the duplicate, and marks the duplicate
`merged_into` the kept one. The duplicate's row stays, with its audit history, for the record.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Q
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from klynge.core import audit
from klynge.ecosystem.models import (
    CONSENT_FIELD,
    Affiliation,
    ConsentRecord,
    DuplicateReason,
    DuplicateScan,
    DuplicateStatus,
    MembershipStatus,
    Organisation,
    OrganisationDuplicate,
    Person,
    PersonDuplicate,
)

# Sent inside the merge's transaction, after `duplicate` was merged into `keep` (their related
# rows moved with queryset updates, which send no signals of their own).
organisations_merged = Signal()

FUZZY_RATIO = 0.9
WINDOW = 8  # neighbours compared in each sorted order

_LEGAL_FORMS = {
    "a/s", "as", "asa", "aps", "ab", "ivs", "i/s", "k/s", "p/s", "smba", "amba", "fmba",
    "ltd", "limited", "plc", "gmbh", "ag", "kg", "ohg", "inc", "llc", "oy", "oyj",
    "hb", "kb", "ek", "ans", "sa", "bv", "nv", "corp", "publ",
}  # fmt: skip
_PUNCTUATION = re.compile(r"[^\w\s/]")
_SPACES = re.compile(r"\s+")

REASON_REGISTRY = "registry_number"
REASON_NAME = "same_name"
REASON_FUZZY = "similar_name"
REASON_MANUAL = "manual"
REASON_LABELS = {
    REASON_REGISTRY: gettext_lazy("Same registry number"),
    REASON_NAME: gettext_lazy("Same name apart from legal form and punctuation"),
    REASON_FUZZY: gettext_lazy("Similar name"),
    REASON_MANUAL: gettext_lazy("Paired by staff"),
}

# Fields a merge never copies: identity, bookkeeping and the merge link itself.
_NOT_COPIED = {"id", "name", "slug", "created_at", "updated_at", "merged_into", "size_band"}


def normalise_name(name: str) -> str:
    """Casefolded (after NFKC), without legal forms (ApS, A/S, AS, AB, Ltd, ...) or punctuation.

    "Fynsk Lyd ApS" → "fynsk lyd"; "Bergen Pixel A/S." → "bergen pixel".
    """
    text = unicodedata.normalize("NFKC", name).casefold()
    text = _PUNCTUATION.sub(" ", text)
    tokens = [token.strip("/") for token in _SPACES.split(text)]
    kept = [token for token in tokens if token and token not in _LEGAL_FORMS]
    if not kept:  # a name that is only a legal form stays itself
        kept = [token for token in tokens if token]
    return " ".join(kept).replace("/", " ").strip()


@dataclass
class DuplicatePair:
    first: Organisation  # the older one, suggested to keep
    second: Organisation
    reason: str
    score: float

    @property
    def reason_label(self) -> str:
        return str(REASON_LABELS[self.reason])


_DIGITS = re.compile(r"\d+")


def _ratio(a: str, b: str) -> float:
    """SequenceMatcher's ratio, 0 early when the quick upper bounds already fall short, and 0
    when the numbers in the names differ ("Kanal 2" and "Kanal 4" are two channels)."""
    if _DIGITS.findall(a) != _DIGITS.findall(b):
        return 0.0
    return _text_ratio(a, b)


def _text_ratio(a: str, b: str) -> float:
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < FUZZY_RATIO or matcher.quick_ratio() < FUZZY_RATIO:
        return 0.0
    return matcher.ratio()


def similar_pairs(
    entries: Iterable[tuple[str, Any]], *, involving: Callable[[Any], bool] | None = None
) -> dict[tuple[Any, Any], tuple[str, float]]:
    """Pairs of ids whose normalised names (`entries`: (normalised name, id), one country) are
    the same or nearly so, as {(smaller id, larger id): (reason, score)}.

    Identical names fall into one bucket; near-identical ones are found by comparing each name
    with its WINDOW neighbours in name order and in reversed-name order (sorted-neighbourhood
    blocking, which catches a difference at the end and one at the start), so it stays fast
    with 100,000 names. With `involving`, only pairs with at least one id it accepts count.
    The cheap tests come first: the numbers in the names, then the lengths (the ratio can
    never exceed 2·shorter / (both lengths)), then difflib.
    """
    found: dict[tuple[Any, Any], tuple[str, float]] = {}
    buckets: dict[str, list] = defaultdict(list)
    for key, ident in entries:
        buckets[key].append(ident)
    for ids in buckets.values():
        if len(ids) > 1:
            ids.sort()
            for other in ids[1:]:
                if involving is None or involving(ids[0]) or involving(other):
                    found[(ids[0], other)] = (REASON_NAME, 1.0)
    keys = list(buckets)
    idents = [min(buckets[key]) for key in keys]
    wanted = [True] * len(keys)
    if involving is not None:
        wanted = [any(involving(ident) for ident in buckets[key]) for key in keys]
    numbers = [_DIGITS.findall(key) for key in keys]
    lengths = [len(key) for key in keys]
    for ordering in (keys.__getitem__, lambda i: keys[i][::-1]):
        ordered = sorted(range(len(keys)), key=ordering)
        for position, i in enumerate(ordered):
            for j in ordered[position + 1 : position + 1 + WINDOW]:
                if not (wanted[i] or wanted[j]) or numbers[i] != numbers[j]:
                    continue
                short, total = min(lengths[i], lengths[j]), lengths[i] + lengths[j]
                if 2 * short < FUZZY_RATIO * total:
                    continue
                a, b = idents[i], idents[j]
                pair = (a, b) if a < b else (b, a)
                if pair in found:
                    continue
                score = _text_ratio(keys[i], keys[j])
                if score >= FUZZY_RATIO:
                    found[pair] = (REASON_FUZZY, round(score, 3))
    return found


def find_duplicate_pairs() -> dict[tuple[int, int], tuple[str, float]]:
    """Every pair of live organisations that are probably one: {(older id, newer id): (reason,
    score)}. Two organisations with different registry numbers are two legal entities, however
    alike their names (three queries)."""
    live = Organisation.objects.filter(merged_into__isnull=True)
    found: dict[tuple[int, int], tuple[str, float]] = {}

    numbers = (
        live.exclude(registry_number="")
        .values("country", "registry_number")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    if numbers:
        query = models.Q()
        for row in numbers:
            query |= models.Q(country=row["country"], registry_number=row["registry_number"])
        groups: dict[tuple[str, str], list[int]] = defaultdict(list)
        for pk, country, number in live.filter(query).values_list(
            "id", "country", "registry_number"
        ):
            groups[(country, number)].append(pk)
        for ids in groups.values():
            ids.sort()
            for other in ids[1:]:
                found[(ids[0], other)] = (REASON_REGISTRY, 1.0)

    by_country: dict[str, list[tuple[str, int]]] = defaultdict(list)
    number_of: dict[int, str] = {}
    rows = live.values_list("id", "country", "name", "registry_number").iterator(chunk_size=5000)
    for pk, country, name, number in rows:
        by_country[country].append((normalise_name(name), pk))
        if number:
            number_of[pk] = number
    for entries in by_country.values():
        for pair, found_by in similar_pairs(entries).items():
            first, second = number_of.get(pair[0]), number_of.get(pair[1])
            if first and second and first != second:
                continue
            found.setdefault(pair, found_by)
    return found


RANK = {REASON_REGISTRY: 0, REASON_NAME: 1, REASON_FUZZY: 2, REASON_MANUAL: 3}


def possible_duplicates(limit: int = 50) -> list[DuplicatePair]:
    """Pairs of live organisations that are probably one, best candidates first (computed now;
    the duplicates page reads the pairs `scan_duplicates` stored instead)."""
    best = sorted(
        find_duplicate_pairs().items(),
        key=lambda item: (RANK[item[1][0]], -item[1][1], item[0]),
    )[:limit]
    ids = {pk for pair, _reason in best for pk in pair}
    objects = Organisation.objects.in_bulk(ids)
    return [
        DuplicatePair(objects[a], objects[b], reason, score) for (a, b), (reason, score) in best
    ]


def _reverse_relations(model=Organisation):
    """Every relation pointing at `model`: (model, field name, many-to-many rel or None).

    Foreign keys (and one-to-ones) of any app, including hidden ones, and the through tables
    of other models' many-to-many fields; the model's own many-to-many fields are handled by
    `_union_tags`. The duplicate pairs are not moved: the merge settles them.
    """
    for rel in model._meta.get_fields(include_hidden=True):
        if not rel.auto_created or rel.concrete:
            continue
        if rel.many_to_many:
            through = rel.through
            if through._meta.auto_created:
                source = rel.field.m2m_reverse_field_name()  # the through table's FK to us
                yield through, source, rel
            continue
        related = rel.related_model
        if related._meta.auto_created or related in (OrganisationDuplicate, PersonDuplicate):
            continue  # an automatic through table, covered above or by _union_tags
        yield related, rel.field.name, None


def _move(model, field_name: str, keep, duplicate, m2m: bool):
    """Repoints the model's rows from the duplicate to `keep`, row by row in a savepoint each:
    a row that would break a unique or check constraint (a relation between the two, a second
    registration for one event) stays with the duplicate; a many-to-many link `keep` already
    has is dropped (the union is already there)."""
    moved = skipped = 0
    manager = model._base_manager
    for pk in list(manager.filter(**{field_name: duplicate}).values_list("pk", flat=True)):
        try:
            with transaction.atomic():
                manager.filter(pk=pk).update(**{field_name: keep})
            moved += 1
        except IntegrityError:
            if m2m:
                manager.filter(pk=pk).delete()
                moved += 1
            else:
                skipped += 1
    return moved, skipped


def _union_tags(keep, duplicate) -> dict[str, int]:
    added = {}
    for field in type(keep)._meta.many_to_many:
        have = set(getattr(keep, field.name).values_list("pk", flat=True))
        extra = [pk for pk in getattr(duplicate, field.name).values_list("pk", flat=True)]
        new = [pk for pk in extra if pk not in have]
        if new:
            getattr(keep, field.name).add(*new)
            added[field.name] = len(new)
    return added


def _is_empty(value) -> bool:
    return value in (None, "", []) or (hasattr(value, "name") and not value)


def _copy_empty_fields(keep, duplicate, *, not_copied=frozenset()) -> list[str]:
    copied = []
    for field in type(keep)._meta.concrete_fields:
        if field.name in _NOT_COPIED or field.name in not_copied or field.is_relation:
            continue
        mine, theirs = getattr(keep, field.attname), getattr(duplicate, field.attname)
        if field.name == "registry_number" and keep.country != duplicate.country:
            continue
        if field.name == "membership_status":
            empty = mine == MembershipStatus.NONE
        else:
            empty = _is_empty(mine)
        if empty and not _is_empty(theirs):
            setattr(keep, field.attname, theirs)
            copied.append(field.name)
    return copied


def _combine_open_affiliations(keep, duplicate, field_name: str) -> int:
    """The duplicate's open ties that `keep` also has (same other side and role) become one:
    keep's row takes the earlier start date and the duplicate's row goes, so nobody keeps an
    open tie to a merged organisation (or from a merged person). Returns how many."""
    other = "person" if field_name == "organisation" else "organisation"
    theirs = Affiliation.objects.filter(**{field_name: duplicate, "end_date__isnull": True})
    mine = {
        (getattr(a, f"{other}_id"), a.role): a
        for a in Affiliation.objects.filter(**{field_name: keep, "end_date__isnull": True})
    }
    combined = 0
    for affiliation in theirs:
        twin = mine.get((getattr(affiliation, f"{other}_id"), affiliation.role))
        if twin is None:
            continue
        starts = [d for d in (twin.start_date, affiliation.start_date) if d is not None]
        if twin.start_date is not None and starts and min(starts) != twin.start_date:
            twin.start_date = min(starts)
            twin.save(update_fields=["start_date", "updated_at"])
        affiliation.delete()
        combined += 1
    return combined


def _move_everything(model, keep, duplicate) -> tuple[dict[str, int], dict[str, int]]:
    moved: dict[str, int] = {}
    skipped: dict[str, int] = {}
    for related, field_name, m2m in _reverse_relations(model):
        if related is model and field_name == "merged_into":
            # Rows merged into the duplicate earlier now point at `keep`.
            count = model.objects.filter(merged_into=duplicate).update(merged_into=keep)
            if count:
                moved[f"{model._meta.label}.merged_into"] = count
            continue
        done, left = _move(related, field_name, keep, duplicate, m2m is not None)
        label = f"{related._meta.label}.{field_name}"
        if done:
            moved[label] = done
        if left:
            skipped[label] = left
    return moved, skipped


def _lock_pair(model, keep, duplicate):
    organisations = model is Organisation
    if keep.pk == duplicate.pk:
        raise ValidationError(
            _("An organisation cannot be merged into itself.")
            if organisations
            else _("A person cannot be merged into themselves.")
        )
    # Lock both rows and read them fresh, so two staff merging at once do not interleave.
    rows = model.objects.select_for_update().in_bulk([keep.pk, duplicate.pk])
    if len(rows) != 2:
        raise ValidationError(_("One of the two no longer exists."))
    keep, duplicate = rows[keep.pk], rows[duplicate.pk]
    for record in (keep, duplicate):
        if record.merged_into_id is not None:
            message = (
                _("%(name)s has already been merged into another organisation.")
                if organisations
                else _("%(name)s has already been merged into another person.")
            )
            raise ValidationError(message % {"name": str(record)})
    return keep, duplicate


@transaction.atomic
def merge_organisations(*, actor, keep: Organisation, duplicate: Organisation) -> Organisation:
    """Merges `duplicate` into `keep` (see the module docstring); returns `keep`.

    Refuses merging an organisation into itself or merging one that is already merged. Open
    affiliations both have (same person and role) become one; the pairs the duplicate was in
    on the duplicates page are settled.
    """
    keep, duplicate = _lock_pair(Organisation, keep, duplicate)
    combined = _combine_open_affiliations(keep, duplicate, "organisation")
    OrganisationDuplicate.objects.filter(Q(first=duplicate) | Q(second=duplicate)).delete()
    moved, skipped = _move_everything(Organisation, keep, duplicate)
    tags = _union_tags(keep, duplicate)

    # The duplicate stops being live first, so its registry number and name are free for keep.
    duplicate.merged_into = keep
    duplicate.save(update_fields=["merged_into", "updated_at"])
    copied = _copy_empty_fields(keep, duplicate)
    if copied:
        keep.full_clean(validate_unique=False, validate_constraints=False)
        keep.save()
    # Other apps update what they copy onto organisations (the membership tier, for one).
    organisations_merged.send(sender=Organisation, keep=keep, duplicate=duplicate)
    data = {
        "keep": keep.pk,
        "duplicate": duplicate.pk,
        "duplicate_name": duplicate.name,
        "moved": moved,
        "skipped": skipped,
        "tags": tags,
        "copied": copied,
    }
    if combined:
        data["combined_affiliations"] = combined
    audit.record(actor=actor, action="ecosystem.organisation.merge", target=keep, data=data)
    return keep


# Fields of a person a merge never copies from the duplicate: the consents follow their
# history, the e-mail addresses are combined, the login moves on its own.
_PERSON_NOT_COPIED = frozenset(
    {"email", "other_emails", "listed_in_directory", "newsletter", "photos", "erased_at", "user"}
)


@transaction.atomic
def merge_people(*, actor, keep: Person, duplicate: Person) -> Person:
    """Merges the person `duplicate` into `keep`; returns `keep`.

    Everything that points at the duplicate (affiliations, consent history, registrations,
    bookings, CRM notes, ... of any app) moves to `keep`; open affiliations both have become
    one; the duplicate's e-mail addresses join keep's other addresses; keep's empty fields are
    filled from the duplicate; its login moves over when keep has none. Each consent flag takes
    the latest recorded answer of either. The duplicate's row stays, marked `merged_into`, with
    its audit trail. Refuses merging into itself, an already merged or an erased person, and
    two people who both have a login (one account would be lost).
    """
    keep, duplicate = _lock_pair(Person, keep, duplicate)
    if keep.erased_at is not None or duplicate.erased_at is not None:
        raise ValidationError(_("An erased person cannot be merged."))
    if keep.user_id and duplicate.user_id:
        raise ValidationError(
            _("Both people have a login. Ask one of them to stop using theirs, then merge.")
        )
    combined = _combine_open_affiliations(keep, duplicate, "person")
    PersonDuplicate.objects.filter(Q(first=duplicate) | Q(second=duplicate)).delete()
    moved, skipped = _move_everything(Person, keep, duplicate)
    tags = _union_tags(keep, duplicate)

    # The duplicate's addresses that keep lacks: the first becomes keep's e-mail if it has
    # none, the others join its other addresses.
    known = {address.lower() for address in [keep.email, *keep.other_emails] if address}
    added: list[str] = []
    for address in [duplicate.email, *duplicate.other_emails]:
        if address and address.lower() not in known:
            known.add(address.lower())
            added.append(address.lower())
    user = duplicate.user
    duplicate.merged_into = keep
    duplicate.email = ""  # an address is unique among people: it moves to keep
    duplicate.user = None
    duplicate.save(update_fields=["merged_into", "email", "user", "updated_at"])
    if not keep.email and added:
        keep.email = added[0]
        keep.other_emails = [*keep.other_emails, *added[1:]]
    else:
        keep.other_emails = [*keep.other_emails, *added]
    if keep.user_id is None and user is not None:
        keep.user = user
    keep.languages = list(dict.fromkeys([*keep.languages, *duplicate.languages]))
    copied = _copy_empty_fields(keep, duplicate, not_copied=_PERSON_NOT_COPIED)
    consents = {}
    for kind, field in CONSENT_FIELD.items():
        latest = ConsentRecord.objects.filter(person=keep, kind=kind).order_by(
            "-recorded_at", "-id"
        )
        latest = latest.first()
        if latest is not None and getattr(keep, field) != latest.granted:
            setattr(keep, field, latest.granted)
            consents[str(kind)] = latest.granted
    keep.full_clean(validate_unique=False, validate_constraints=False)
    keep.save()
    audit.record(
        actor=actor,
        action="ecosystem.person.merge",
        target=keep,
        data={
            "keep": keep.pk,
            "duplicate": duplicate.pk,
            "duplicate_name": duplicate.full_name,
            "moved": moved,
            "skipped": skipped,
            "tags": tags,
            "copied": copied,
            "emails_added": len(added),
            "login_moved": user is not None and keep.user_id == user.pk,
            "consents": consents,
            "combined_affiliations": combined,
        },
    )
    return keep


# --- The duplicates page: stored pairs, the scan, decisions ----------------------------------


def _pair_model(model):
    return OrganisationDuplicate if model is Organisation else PersonDuplicate


def _ordered(a, b):
    return (a, b) if a.pk < b.pk else (b, a)


def find_person_pairs() -> dict[tuple[int, int], tuple[str, float]]:
    """Pairs of live people who are probably one: an address of one among the other's
    addresses, or the same full name (apart from case, accents' composition and spacing) and a
    tie to the same organisation (two queries)."""
    people = Person.objects.filter(merged_into__isnull=True, erased_at__isnull=True)
    by_address: dict[str, list[int]] = defaultdict(list)
    by_name: dict[str, list[int]] = defaultdict(list)
    rows = people.values_list("id", "first_name", "last_name", "email", "other_emails")
    for pk, first, last, email, others in rows.iterator(chunk_size=5000):
        for address in {a.strip().lower() for a in [email, *(others or [])] if a and a.strip()}:
            by_address[address].append(pk)
        name = " ".join(unicodedata.normalize("NFKC", f"{first} {last}").casefold().split())
        if name:
            by_name[name].append(pk)
    found: dict[tuple[int, int], tuple[str, float]] = {}
    for ids in by_address.values():
        ids = sorted(set(ids))
        for other in ids[1:]:
            found[(ids[0], other)] = (DuplicateReason.SAME_EMAIL.value, 1.0)
    namesakes = {pk for ids in by_name.values() if 1 < len(ids) <= 50 for pk in ids}
    if namesakes:
        organisations: dict[int, set[int]] = defaultdict(set)
        ties = Affiliation.objects.filter(person_id__in=namesakes).values_list(
            "person_id", "organisation_id"
        )
        for person_id, organisation_id in ties.iterator(chunk_size=5000):
            organisations[person_id].add(organisation_id)
        for ids in by_name.values():
            if not 1 < len(ids) <= 50:
                continue
            ids.sort()
            for index, pk in enumerate(ids):
                for other in ids[index + 1 :]:
                    if organisations[pk] & organisations[other]:
                        found.setdefault((pk, other), (DuplicateReason.SAME_NAME.value, 1.0))
    return found


def _store_pairs(model, found: dict[tuple[int, int], tuple[str, float]]) -> int:
    """Adds the new pairs, drops open ones no longer found (unless staff paired them);
    dismissed pairs stay dismissed. Returns how many open pairs there are."""
    pairs = _pair_model(model)
    stored = {
        (first, second): (pk, status, reason)
        for pk, first, second, status, reason in pairs.objects.values_list(
            "pk", "first_id", "second_id", "status", "reason"
        ).iterator(chunk_size=5000)
    }
    gone = [
        pk
        for key, (pk, status, reason) in stored.items()
        if key not in found and status == DuplicateStatus.OPEN and reason != REASON_MANUAL
    ]
    for start in range(0, len(gone), 900):
        pairs.objects.filter(pk__in=gone[start : start + 900]).delete()
    now = timezone.now()
    new = [
        pairs(first_id=a, second_id=b, reason=reason, score=score, found_at=now)
        for (a, b), (reason, score) in found.items()
        if (a, b) not in stored
    ]
    pairs.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
    return pairs.objects.filter(status=DuplicateStatus.OPEN).count()


def scan_duplicates() -> DuplicateScan:
    """Compares every live organisation and person with the others and stores the pairs that
    may be duplicates for the duplicates page (a few seconds at 100,000 organisations and
    300,000 people, so it runs as a task: after an import, when staff ask, and every night)."""
    organisation_pairs = find_duplicate_pairs()
    person_pairs = find_person_pairs()
    with transaction.atomic():
        open_pairs = _store_pairs(Organisation, organisation_pairs)
        open_pairs += _store_pairs(Person, person_pairs)
        return DuplicateScan.objects.create(
            organisations=Organisation.objects.filter(merged_into__isnull=True).count(),
            people=Person.objects.filter(merged_into__isnull=True).count(),
            pairs=open_pairs,
        )


@transaction.atomic
def dismiss_duplicate(*, actor, first, second):
    """Records that the two (organisations or people) are not one: the pair is never proposed
    again, whatever later scans find."""
    first, second = _ordered(first, second)
    pairs = _pair_model(type(first))
    pair, _created = pairs.objects.update_or_create(
        first=first,
        second=second,
        defaults={
            "status": DuplicateStatus.DISMISSED,
            "decided_by": actor,
            "decided_at": timezone.now(),
        },
        create_defaults={
            "reason": DuplicateReason.MANUAL,
            "status": DuplicateStatus.DISMISSED,
            "decided_by": actor,
            "decided_at": timezone.now(),
        },
    )
    audit.record(
        actor=actor,
        action=f"ecosystem.{type(first)._meta.model_name}.not_duplicate",
        target=first,
        data={"first": first.pk, "second": second.pk},
    )
    return pair


@transaction.atomic
def restore_duplicate(*, actor, pair):
    """Undoes a dismissal: the pair is to review again."""
    pair.status = DuplicateStatus.OPEN
    pair.decided_by, pair.decided_at = actor, timezone.now()
    pair.save(update_fields=["status", "decided_by", "decided_at"])
    audit.record(
        actor=actor,
        action=f"ecosystem.{pair.first._meta.model_name}.duplicate_restored",
        target=pair.first,
        data={"first": pair.first_id, "second": pair.second_id},
    )
    return pair
