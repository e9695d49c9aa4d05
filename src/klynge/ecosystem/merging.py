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
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Count
from django.dispatch import Signal
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from klynge.core import audit
from klynge.ecosystem.models import MembershipStatus, Organisation

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
REASON_LABELS = {
    REASON_REGISTRY: gettext_lazy("Same registry number"),
    REASON_NAME: gettext_lazy("Same name apart from legal form and punctuation"),
    REASON_FUZZY: gettext_lazy("Similar name"),
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
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < FUZZY_RATIO or matcher.quick_ratio() < FUZZY_RATIO:
        return 0.0
    return matcher.ratio()


def possible_duplicates(limit: int = 50) -> list[DuplicatePair]:
    """Pairs of live organisations that are probably one, best candidates first (three queries)."""
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
    for pk, country, name in live.values_list("id", "country", "name").iterator(chunk_size=5000):
        by_country[country].append((normalise_name(name), pk))
    for entries in by_country.values():
        # Identical normalised names: one bucket each.
        buckets: dict[str, list[int]] = defaultdict(list)
        for key, pk in entries:
            buckets[key].append(pk)
        for ids in buckets.values():
            if len(ids) > 1:
                ids.sort()
                for other in ids[1:]:
                    found.setdefault((ids[0], other), (REASON_NAME, 1.0))
        # Near-identical names: compare neighbours in name order and in reversed-name order,
        # which catches a difference at the end and one at the start.
        distinct = [(key, min(ids)) for key, ids in buckets.items()]
        for ordering in (lambda e: e[0], lambda e: e[0][::-1]):
            ordered = sorted(distinct, key=ordering)
            for index, (key, pk) in enumerate(ordered):
                for other_key, other_pk in ordered[index + 1 : index + 1 + WINDOW]:
                    pair = (min(pk, other_pk), max(pk, other_pk))
                    if pair in found:
                        continue
                    score = _ratio(key, other_key)
                    if score >= FUZZY_RATIO:
                        found[pair] = (REASON_FUZZY, round(score, 3))

    rank = {REASON_REGISTRY: 0, REASON_NAME: 1, REASON_FUZZY: 2}
    best = sorted(found.items(), key=lambda item: (rank[item[1][0]], -item[1][1], item[0]))
    best = best[:limit]
    ids = {pk for pair, _reason in best for pk in pair}
    objects = Organisation.objects.in_bulk(ids)
    return [
        DuplicatePair(objects[a], objects[b], reason, score) for (a, b), (reason, score) in best
    ]


def _reverse_relations():
    """Every relation pointing at Organisation: (model, field name, many-to-many rel or None).

    Foreign keys (and one-to-ones) of any app, including hidden ones, and the through tables
    of other models' many-to-many fields; Organisation's own many-to-many fields are handled by
    `_union_tags`.
    """
    for rel in Organisation._meta.get_fields(include_hidden=True):
        if not rel.auto_created or rel.concrete:
            continue
        if rel.many_to_many:
            through = rel.through
            if through._meta.auto_created:
                source = rel.field.m2m_reverse_field_name()  # the through table's FK to us
                yield through, source, rel
            continue
        related = rel.related_model
        if related._meta.auto_created:
            continue  # an automatic through table, covered above or by _union_tags
        yield related, rel.field.name, None


def _move(model, field_name: str, keep: Organisation, duplicate: Organisation, m2m: bool):
    """Repoints the model's rows from the duplicate to `keep`, row by row in a savepoint each:
    a row that would break a unique or check constraint (an open affiliation `keep` already
    has, a relation between the two) stays with the duplicate; a many-to-many link `keep`
    already has is dropped (the union is already there)."""
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


def _union_tags(keep: Organisation, duplicate: Organisation) -> dict[str, int]:
    added = {}
    for field in Organisation._meta.many_to_many:
        have = set(getattr(keep, field.name).values_list("pk", flat=True))
        extra = [pk for pk in getattr(duplicate, field.name).values_list("pk", flat=True)]
        new = [pk for pk in extra if pk not in have]
        if new:
            getattr(keep, field.name).add(*new)
            added[field.name] = len(new)
    return added


def _copy_empty_fields(keep: Organisation, duplicate: Organisation) -> list[str]:
    copied = []
    for field in Organisation._meta.concrete_fields:
        if field.name in _NOT_COPIED or field.is_relation:
            continue
        mine, theirs = getattr(keep, field.attname), getattr(duplicate, field.attname)
        if field.name == "registry_number" and keep.country != duplicate.country:
            continue
        if field.name == "membership_status":
            empty = mine == MembershipStatus.NONE
        else:
            empty = mine in (None, "") or (hasattr(mine, "name") and not mine)
        if empty and theirs not in (None, "") and not (hasattr(theirs, "name") and not theirs):
            setattr(keep, field.attname, theirs)
            copied.append(field.name)
    return copied


@transaction.atomic
def merge_organisations(*, actor, keep: Organisation, duplicate: Organisation) -> Organisation:
    """Merges `duplicate` into `keep` (see the module docstring); returns `keep`.

    Refuses merging an organisation into itself or merging one that is already merged.
    """
    if keep.pk == duplicate.pk:
        raise ValidationError(_("An organisation cannot be merged into itself."))
    # Lock both rows and read them fresh, so two staff merging at once do not interleave.
    rows = Organisation.objects.select_for_update().in_bulk([keep.pk, duplicate.pk])
    if len(rows) != 2:
        raise ValidationError(_("One of the organisations no longer exists."))
    keep, duplicate = rows[keep.pk], rows[duplicate.pk]
    for organisation in (keep, duplicate):
        if organisation.merged_into_id is not None:
            raise ValidationError(
                _("%(name)s has already been merged into another organisation.")
                % {"name": organisation.name}
            )

    moved: dict[str, int] = {}
    skipped: dict[str, int] = {}
    for model, field_name, m2m in _reverse_relations():
        if model is Organisation and field_name == "merged_into":
            # Organisations merged into the duplicate earlier now point at `keep`.
            count = Organisation.objects.filter(merged_into=duplicate).update(merged_into=keep)
            if count:
                moved["ecosystem.Organisation.merged_into"] = count
            continue
        done, left = _move(model, field_name, keep, duplicate, m2m is not None)
        label = f"{model._meta.label}.{field_name}"
        if done:
            moved[label] = done
        if left:
            skipped[label] = left
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
    audit.record(
        actor=actor,
        action="ecosystem.organisation.merge",
        target=keep,
        data={
            "keep": keep.pk,
            "duplicate": duplicate.pk,
            "duplicate_name": duplicate.name,
            "moved": moved,
            "skipped": skipped,
            "tags": tags,
            "copied": copied,
        },
    )
    return keep
