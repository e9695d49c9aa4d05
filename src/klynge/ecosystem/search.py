"""Full-text search over organisations, built to stay fast at 100,000 organisations.

Each organisation keeps a denormalised, lower-cased `search_text` (name, city, descriptions,
offers/needs text and the names of its competence, offer and need tags). Searching is a
substring match of every word of the query against that column:

- PostgreSQL: `LIKE '%word%'`, served by a GIN trigram index (`pg_trgm`, migration 0004);
- SQLite: an FTS5 table with the trigram tokenizer, kept in sync with `search_text` by
  triggers (migration 0004); words shorter than three letters fall back to `LIKE`.

`search_text` is kept current by the signal receivers below (saves of an organisation and
changes of its tags); `refresh_search_text` recomputes it on demand, and `build_search_text`
is the pure function bulk writers (imports, benchmarks) use to fill the column themselves.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from functools import cached_property

from django.apps import apps
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection, transaction
from django.db.models import Count, F, Func, IntegerField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.lookups import In
from django.db.models.signals import m2m_changed, post_migrate, post_save, pre_save
from django.dispatch import receiver

from klynge.ecosystem.models import Organisation
from klynge.ecosystem.taxonomy import SECTORS

# Fields of the organisation itself that feed `search_text`.
SEARCH_FIELDS = ("name", "city", "description_en", "description_da", "offers_text", "needs_text")
TAG_FIELDS = ("competences", "offers", "needs")
FTS_TABLE = "ecosystem_organisation_fts"
_WORD = re.compile(r"\w+", re.UNICODE)


def build_search_text(values: Iterable[str], tag_names: Iterable[str] = ()) -> str:
    """The search column's value: the non-empty texts and tag names, lower-cased, one per line."""
    parts = [str(value).strip() for value in values if value and str(value).strip()]
    parts.extend(sorted({name.strip() for name in tag_names if name and name.strip()}))
    return "\n".join(parts).lower()


TOP_SECTORS = [slug for slug, parent, _label in SECTORS if parent is None]
_TOP_OF = {slug: parent or slug for slug, parent, _label in SECTORS}
SECTOR_BIT = {slug: 1 << TOP_SECTORS.index(top) for slug, top in _TOP_OF.items()}


def sector_bits_for(slugs: Iterable[str]) -> int:
    """The bit set of the top-level sectors of these sectors (a child sets its parent's bit)."""
    bits = 0
    for slug in slugs:
        bits |= SECTOR_BIT.get(slug, 0)
    return bits


def sdg_bits_for(numbers: Iterable[int]) -> int:
    bits = 0
    for number in numbers:
        if 1 <= int(number) <= 17:
            bits |= 1 << (int(number) - 1)
    return bits


def _bulk_ties(model, ids: list[int]) -> dict[int, dict[str, list]]:
    """Tag names, sector slugs and SDG numbers of the organisations `ids` of `model` (the real
    or a migration's historical model): one query per kind of tie."""
    ties: dict[int, dict[str, list]] = {pk: {"tags": [], "sectors": [], "sdgs": []} for pk in ids}
    for field in TAG_FIELDS:
        rows = getattr(model, field).through.objects.filter(organisation_id__in=ids)
        for organisation_id, name in rows.values_list("organisation_id", "tag__name"):
            ties[organisation_id]["tags"].append(name)
    rows = model.sectors.through.objects.filter(organisation_id__in=ids)
    for organisation_id, slug in rows.values_list("organisation_id", "sector__slug"):
        ties[organisation_id]["sectors"].append(slug)
    rows = model.sdgs.through.objects.filter(organisation_id__in=ids)
    for organisation_id, number in rows.values_list("organisation_id", "sdg_id"):
        ties[organisation_id]["sdgs"].append(number)
    return ties


def _values(own: Iterable[str], ties: dict[str, list]) -> dict:
    return {
        "search_text": build_search_text(own, ties["tags"]),
        "sector_bits": sector_bits_for(ties["sectors"]),
        "sdg_bits": sdg_bits_for(ties["sdgs"]),
    }


def _bulk_values(model, ids: list[int]) -> dict[int, dict]:
    ties = _bulk_ties(model, ids)
    return {
        row["pk"]: _values((row[f] for f in SEARCH_FIELDS), ties[row["pk"]])
        for row in model.objects.filter(pk__in=ids).values("pk", *SEARCH_FIELDS)
    }


def refresh_search_text(organisation: Organisation) -> str:
    """Recomputes and stores the organisation's `search_text`, `sector_bits` and `sdg_bits`
    from what the database holds; returns the text. Call it after writes that bypass `save()`
    or the signals (`QuerySet.update`)."""
    values = _bulk_values(Organisation, [organisation.pk]).get(organisation.pk)
    if values is None:
        return ""
    for name, value in values.items():
        setattr(organisation, name, value)
    Organisation.objects.filter(pk=organisation.pk).update(**values)
    return values["search_text"]


def refresh_search_texts(
    organisation_ids: Iterable[int], *, model=Organisation, batch_size: int = 2000
) -> int:
    """The same for many organisations (after `bulk_create`/`bulk_update`, which send no
    signals): five queries and one bulk update per batch. Returns how many were refreshed."""
    ids = list(organisation_ids)
    for start in range(0, len(ids), batch_size):
        values = _bulk_values(model, ids[start : start + batch_size])
        batch = []
        for pk, fields in values.items():
            organisation = model(pk=pk)
            for name, value in fields.items():
                setattr(organisation, name, value)
            batch.append(organisation)
        model.objects.bulk_update(batch, ["search_text", "sector_bits", "sdg_bits"])
    return len(ids)


@receiver(pre_save, sender=Organisation, dispatch_uid="ecosystem.search.pre_save")
def _fill_search_text(sender, instance: Organisation, update_fields=None, raw=False, **kwargs):
    if raw or update_fields is not None:
        return
    # The organisation's own fields as they are about to be saved, its ties as stored.
    if instance.pk:
        ties = _bulk_ties(Organisation, [instance.pk])[instance.pk]
    else:
        ties = {"tags": [], "sectors": [], "sdgs": []}
    for name, value in _values((getattr(instance, f) for f in SEARCH_FIELDS), ties).items():
        setattr(instance, name, value)


@receiver(post_save, sender=Organisation, dispatch_uid="ecosystem.search.post_save")
def _refresh_after_partial_save(
    sender, instance: Organisation, update_fields=None, raw=False, **kwargs
):
    # A save limited to some fields skipped `search_text`; store it separately when it matters.
    if raw or update_fields is None or "search_text" in update_fields:
        return
    if set(update_fields) & set(SEARCH_FIELDS):
        refresh_search_text(instance)


def _tags_changed(sender, instance, action, reverse, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if isinstance(instance, Organisation):
        refresh_search_text(instance)
    else:  # changed from the tag's side: refresh every organisation named in pk_set
        for organisation in Organisation.objects.filter(pk__in=kwargs.get("pk_set") or ()):
            refresh_search_text(organisation)


for _field in (*TAG_FIELDS, "sectors", "sdgs"):
    m2m_changed.connect(
        _tags_changed,
        sender=getattr(Organisation, _field).through,
        dispatch_uid=f"ecosystem.search.m2m.{_field}",
    )


def query_terms(query: str) -> list[str]:
    """The lower-cased words of a query, without duplicates, at most eight."""
    terms: list[str] = []
    for word in _WORD.findall((query or "").lower()):
        if word not in terms:
            terms.append(word)
    return terms[:8]


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


# Above this many FTS matches, SQLite does better scanning an index and probing the match list
# than looking each match up by its id (measured with benchmarks/bench_directory.py).
DENSE_MATCHES = 2000


def _fts_match(query: str) -> tuple[list[str], str]:
    terms = query_terms(query)
    short = [term for term in terms if len(term) < 3]  # the trigram index needs three letters
    match = " AND ".join(_fts_phrase(term) for term in terms if len(term) >= 3)
    return short, match


def count_matches(query: str) -> int | None:
    """How many organisations the words match in SQLite's index (one query); None elsewhere."""
    _short, match = _fts_match(query)
    if connection.vendor != "sqlite" or not match:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM ecosystem_organisation_fts "
            "WHERE ecosystem_organisation_fts MATCH %s",
            [match],
        )
        return cursor.fetchone()[0]


def _fts_rowids(match: str) -> RawSQL:
    """The ids of the organisations the FTS5 expression `match` finds (a subquery)."""
    return RawSQL(  # constant SQL; the words are a parameter
        "SELECT rowid FROM ecosystem_organisation_fts WHERE ecosystem_organisation_fts MATCH %s",
        [match],
    )


def apply_search(
    queryset: QuerySet[Organisation], query: str, *, matches: int | None = None
) -> QuerySet[Organisation]:
    """Narrows `queryset` to organisations whose search text contains every word of `query`.

    `matches` (from `count_matches`) lets SQLite pick its plan: few matches are looked up by
    id, many are probed while scanning an index.
    """
    terms = query_terms(query)
    if not terms:
        return queryset
    if connection.vendor != "sqlite":
        for term in terms:
            queryset = queryset.filter(search_text__contains=term)
        return queryset
    short, match = _fts_match(query)
    for term in short:
        queryset = queryset.filter(search_text__contains=term)
    if match:
        matching = _fts_rowids(match)
        if matches is not None and matches > DENSE_MATCHES:
            # `+id` keeps SQLite from using the id as the index for this condition. An
            # expression, not raw SQL, so that it follows the table's alias in a subquery.
            probe = Func(F("id"), template="+%(expressions)s", output_field=IntegerField())
            queryset = queryset.alias(_search_probe=probe).filter(_search_probe__in=matching)
        else:
            queryset = queryset.filter(pk__in=matching)
    return queryset


# --- The per-database index -------------------------------------------------------------------

_SQLITE_SETUP = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS ecosystem_organisation_fts USING fts5(search_text, "
    "content='ecosystem_organisation', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS ecosystem_organisation_fts_insert "
    "AFTER INSERT ON ecosystem_organisation BEGIN "
    "INSERT INTO ecosystem_organisation_fts(rowid, search_text) "
    "VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS ecosystem_organisation_fts_delete "
    "AFTER DELETE ON ecosystem_organisation BEGIN "
    "INSERT INTO ecosystem_organisation_fts(ecosystem_organisation_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS ecosystem_organisation_fts_update "
    "AFTER UPDATE OF search_text ON ecosystem_organisation BEGIN "
    "INSERT INTO ecosystem_organisation_fts(ecosystem_organisation_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO ecosystem_organisation_fts(rowid, search_text) "
    "VALUES (new.id, new.search_text); END",
]
_POSTGRES_SETUP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS organisation_search_trgm ON ecosystem_organisation "
    "USING gin (search_text gin_trgm_ops)",
]


def ensure_search_index(db_connection, *, rebuild: bool = False) -> None:
    """Creates the search index of this database if it is missing (idempotent).

    On SQLite, rebuilding a table (which Django's migrations do to alter a column) drops its
    triggers, so this also runs after every `migrate` (see `_after_migrate`).
    """
    with db_connection.cursor() as cursor:
        if db_connection.vendor == "sqlite":
            existed = FTS_TABLE in db_connection.introspection.table_names(cursor)
            for statement in _SQLITE_SETUP:
                cursor.execute(statement)
            if rebuild or not existed:
                cursor.execute(
                    "INSERT INTO ecosystem_organisation_fts(ecosystem_organisation_fts) "
                    "VALUES ('rebuild')"
                )
        elif db_connection.vendor == "postgresql":
            for statement in _POSTGRES_SETUP:
                cursor.execute(statement)


def drop_search_index(db_connection) -> None:
    with db_connection.cursor() as cursor:
        if db_connection.vendor == "sqlite":
            for statement in (
                "DROP TRIGGER IF EXISTS ecosystem_organisation_fts_insert",
                "DROP TRIGGER IF EXISTS ecosystem_organisation_fts_delete",
                "DROP TRIGGER IF EXISTS ecosystem_organisation_fts_update",
                "DROP TABLE IF EXISTS ecosystem_organisation_fts",
            ):
                cursor.execute(statement)
        elif db_connection.vendor == "postgresql":
            cursor.execute("DROP INDEX IF EXISTS organisation_search_trgm")


def _after_migrate(sender, using, plan=None, **kwargs):
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    db_connection = connections[using]
    applied = MigrationRecorder(db_connection).applied_migrations()
    if ("ecosystem", "0004_search_index") in applied:
        ensure_search_index(db_connection)
    _after_migrate_version(db_connection)


def _after_migrate_ecosystem(sender, **kwargs):
    if getattr(sender, "label", None) == "ecosystem":
        _after_migrate(sender, **kwargs)


post_migrate.connect(_after_migrate_ecosystem, dispatch_uid="ecosystem.search.post_migrate")


# --- The directory's data version ----------------------------------------------------------
#
# Every write to an organisation row (a save, a queryset update, a bulk insert, raw SQL)
# changes the version, through a trigger, inside the writing transaction: a reader sees the
# new version exactly when it sees the new rows. The facet counts are cached under it, so they
# are computed once per version and stay exact.
#
# SQLite (one writer at a time): one row, a counter and a random token that each write
# replaces, so a rolled-back change never brings back a version that another change reaches.
# PostgreSQL: no shared row to lock (writers would queue on it); a statement-level trigger
# appends one row per writing statement, and the version is the (sum of the weights, newest id)
# of the rows a reader sees: the sum grows with every change the reader sees, and ids are never
# reused, so two different states never share a version. Readers fold old rows into one now
# and then, which keeps the sum.

VERSION_TABLE = "ecosystem_directory_version"
CHANGES_TABLE = "ecosystem_directory_change"
_COMPACT_ABOVE = 200  # change rows (PostgreSQL) before a reader folds them into one

_SQLITE_VERSION_SETUP = [
    "CREATE TABLE IF NOT EXISTS ecosystem_directory_version (id INTEGER PRIMARY KEY CHECK (id = 1), "
    "n INTEGER NOT NULL, token TEXT NOT NULL)",
    "INSERT OR IGNORE INTO ecosystem_directory_version (id, n, token) "
    "VALUES (1, 0, lower(hex(randomblob(8))))",
    # Constant SQL, one trigger per kind of write.
    *(
        f"CREATE TRIGGER IF NOT EXISTS ecosystem_organisation_version_{event.lower()} "  # noqa: S608
        f"AFTER {event} ON ecosystem_organisation BEGIN UPDATE ecosystem_directory_version "
        "SET n = n + 1, token = lower(hex(randomblob(8))) WHERE id = 1; END"
        for event in ("INSERT", "UPDATE", "DELETE")
    ),
]
_POSTGRES_VERSION_SETUP = [
    "CREATE TABLE IF NOT EXISTS ecosystem_directory_change (id bigserial PRIMARY KEY, "
    "weight bigint NOT NULL DEFAULT 1)",
    "CREATE OR REPLACE FUNCTION ecosystem_directory_changed() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN "
    "INSERT INTO ecosystem_directory_change DEFAULT VALUES; RETURN NULL; END $$",
    "DROP TRIGGER IF EXISTS ecosystem_organisation_directory_changed ON ecosystem_organisation",
    "CREATE TRIGGER ecosystem_organisation_directory_changed AFTER INSERT OR UPDATE OR DELETE "
    "OR TRUNCATE ON ecosystem_organisation "
    "FOR EACH STATEMENT EXECUTE FUNCTION ecosystem_directory_changed()",
]


def ensure_directory_version(db_connection) -> None:
    """Creates the version table and its triggers if missing (idempotent; SQLite drops a
    table's triggers when a migration rebuilds it, so this also runs after every `migrate`)."""
    statements = {
        "sqlite": _SQLITE_VERSION_SETUP,
        "postgresql": _POSTGRES_VERSION_SETUP,
    }.get(db_connection.vendor, [])
    with db_connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def drop_directory_version(db_connection) -> None:
    with db_connection.cursor() as cursor:
        if db_connection.vendor == "sqlite":
            for event in ("insert", "update", "delete"):
                cursor.execute(f"DROP TRIGGER IF EXISTS ecosystem_organisation_version_{event}")
            cursor.execute(f"DROP TABLE IF EXISTS {VERSION_TABLE}")
        elif db_connection.vendor == "postgresql":
            cursor.execute(
                "DROP TRIGGER IF EXISTS ecosystem_organisation_directory_changed "
                "ON ecosystem_organisation"
            )
            cursor.execute("DROP FUNCTION IF EXISTS ecosystem_directory_changed()")
            cursor.execute(f"DROP TABLE IF EXISTS {CHANGES_TABLE}")


def directory_version() -> str | None:
    """The version of the organisations' data this connection sees now (one query), or None
    where it is not tracked."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"SELECT n, token FROM {VERSION_TABLE} WHERE id = 1")  # noqa: S608
            row = cursor.fetchone()
            return f"{row[0]}.{row[1]}" if row else None
        if connection.vendor != "postgresql":
            return None
        cursor.execute(
            f"SELECT coalesce(sum(weight), 0), coalesce(max(id), 0), count(*) "  # noqa: S608
            f"FROM {CHANGES_TABLE}"
        )
        total, newest, rows = cursor.fetchone()
    if rows > _COMPACT_ABOVE and not connection.in_atomic_block:
        _compact_changes(newest)
    return f"{total}.{newest}"


def _compact_changes(upto: int) -> None:
    """Folds the change rows up to `upto` into one row of their summed weight. The sum a reader
    sees never changes by it (two readers folding at once fold each row once)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"WITH gone AS (DELETE FROM {CHANGES_TABLE} WHERE id <= %s RETURNING weight) "  # noqa: S608
            f"INSERT INTO {CHANGES_TABLE} (weight) "
            "SELECT sum(weight) FROM gone HAVING count(*) > 0",
            [upto],
        )


def _after_migrate_version(db_connection) -> None:
    from django.db.migrations.recorder import MigrationRecorder

    applied = MigrationRecorder(db_connection).applied_migrations()
    if ("ecosystem", "0008_directory_version") in applied:
        ensure_directory_version(db_connection)


# --- The directory: filters, facets and one page of results -----------------------------------

PAGE_SIZE = 25
SORTS = {
    "name": (F("name").asc(), F("id").asc()),
    "newest": (F("created_at").desc(), F("id").desc()),
    "size": (F("employees").desc(nulls_last=True), F("name").asc()),
}
ROW_FACETS = ("membership_status", "kind", "country", "region")  # the facet index's order
# The statuses of a current membership (`membership.models.CURRENT_STATUSES`; this app does not
# import the membership app, which depends on it). An organisation has at most one such
# membership (a partial unique index), so joining it never repeats an organisation.
CURRENT_MEMBERSHIP_STATUSES = ("active", "grace")


@dataclass
class DirectoryFilters:
    q: str = ""
    kind: list[str] = dataclass_field(default_factory=list)
    sector: list[str] = dataclass_field(default_factory=list)
    region: list[str] = dataclass_field(default_factory=list)
    country: list[str] = dataclass_field(default_factory=list)
    membership_status: list[str] = dataclass_field(default_factory=list)
    sdg: list[int] = dataclass_field(default_factory=list)
    # Ids of membership tiers: organisations whose current membership is in one of them. Tiers
    # are member information: the view and the API leave this empty for everyone else.
    tier: list[int] = dataclass_field(default_factory=list)
    sort: str = "name"
    # How many organisations `q` matches in SQLite's index, when known (see `apply_search`).
    matches: int | None = None

    @property
    def active(self) -> bool:
        return bool(
            self.q or any(getattr(self, name) for name in (*ROW_FACETS, "sector", "sdg", "tier"))
        )


@dataclass
class FacetValue:
    value: str | int
    label: str
    count: int
    selected: bool


@dataclass
class DirectoryResult:
    page: Page
    count: int
    facets: dict[str, list[FacetValue]]


class _CountedPaginator(Paginator):
    """A paginator told its count (the facet query already knows it), so it asks no COUNT."""

    def __init__(self, object_list, per_page, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


def _has_bits(queryset: QuerySet, column: str, mask: int) -> QuerySet:
    alias = f"_{column}_chosen"
    return queryset.alias(**{alias: F(column).bitand(mask)}).filter(**{f"{alias}__gt": 0})


def filter_directory(
    queryset: QuerySet[Organisation], filters: DirectoryFilters, *, skip: Iterable[str] = ()
) -> QuerySet[Organisation]:
    """Applies the search and every facet filter except those named in `skip`."""
    queryset = apply_search(queryset, filters.q, matches=filters.matches)
    for name in ROW_FACETS:
        values = getattr(filters, name)
        if values and name not in skip:
            queryset = queryset.filter(**{f"{name}__in": values})
    if filters.sector and "sector" not in skip:
        queryset = _has_bits(queryset, "sector_bits", sector_bits_for(filters.sector) or 1 << 31)
    if filters.sdg and "sdg" not in skip:
        queryset = _has_bits(queryset, "sdg_bits", sdg_bits_for(filters.sdg) or 1 << 31)
    if filters.tier and "tier" not in skip:
        # The current membership's tier, as the membership app copies it onto the organisation.
        queryset = queryset.filter(membership_tier__in=filters.tier)
    return queryset


def _labels(name: str) -> dict:
    from klynge.ecosystem.models import Country, MembershipStatus, OrganisationKind
    from klynge.ecosystem.taxonomy import SDGS, SECTORS

    if name == "kind":
        return dict(OrganisationKind.choices)
    if name == "country":
        return dict(Country.choices)
    if name == "membership_status":
        return dict(MembershipStatus.choices)
    if name == "sector":
        return {slug: label for slug, parent, label in SECTORS if parent is None}
    if name == "sdg":
        return {number: f"{number}. {label}" for number, label in SDGS.items()}
    return {}


def _facet(name: str, counts: dict, selected: list) -> list[FacetValue]:
    labels = _labels(name)
    values = {key for key, n in counts.items() if n and key not in ("", None)} | set(selected)
    facet = [
        FacetValue(
            value=value,
            label=str(labels.get(value, value)),
            count=counts.get(value, 0),
            selected=value in selected,
        )
        for value in values
    ]
    return sorted(facet, key=lambda item: (-item.count, item.label.lower()))


def _rows(queryset: QuerySet) -> list[tuple]:
    """The rows of a `values_list` query of plain numbers and strings, fetched straight from
    the cursor (the many groups of a facet query need none of Django's per-row conversions)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _sector_counts(by_bits: dict[int, int]) -> dict[str, int]:
    sector_counts: dict = {}
    for bits, n in by_bits.items():
        for bit, slug in enumerate(TOP_SECTORS):
            if bits & (1 << bit):
                sector_counts[slug] = sector_counts.get(slug, 0) + n
    return sector_counts


def _sdg_counts(by_bits: dict[int, int]) -> dict[int, int]:
    sdg_counts: dict = {}
    for bits, n in by_bits.items():
        for number in range(1, 18):
            if bits & (1 << (number - 1)):
                sdg_counts[number] = sdg_counts.get(number, 0) + n
    return sdg_counts


# The counts of one search: the total and, per facet, {value: organisations}. Plain data, so it
# can be cached (see `directory_counts`); labels are added per request, in its language.
Counts = dict


def _sqlite_row_counts(base: QuerySet[Organisation], filters: DirectoryFilters) -> Counts:
    """The total and the facet counts but the tiers', in two queries.

    A facet counts over the set filtered by everything except itself, so choosing one kind
    still shows how many organisations the other kinds would add. The first query groups the
    matches by the four row facets and the sector bits (served by the facet index); the row
    facets, the sector facet and the total are summed from its groups. The second groups by
    the SDG bits.
    """
    groups = _rows(
        filter_directory(base, filters, skip=(*ROW_FACETS, "sector"))
        .order_by()
        .values_list(*ROW_FACETS, "sector_bits")
        .annotate(n=Count("*"))
    )
    # A group counts for a facet if it fails no filter, or only that facet's own one.
    chosen = [(i, set(getattr(filters, name))) for i, name in enumerate(ROW_FACETS)]
    chosen = [(i, values) for i, values in chosen if values]
    sector_mask = sector_bits_for(filters.sector) if filters.sector else 0
    sector_slot = len(ROW_FACETS)  # the sector filter's place among the failures below
    counts: list[dict] = [{} for _name in ROW_FACETS]
    status_counts, kind_counts, country_counts, region_counts = counts
    by_bits: dict[int, int] = {}  # sector bits -> organisations, for the sector facet
    total = 0
    for row in groups:
        status, kind, country, region, bits, n = row
        fails, failed = 0, -1
        for index, values in chosen:
            if row[index] not in values:
                fails, failed = fails + 1, index
        if sector_mask and not bits & sector_mask:
            fails, failed = fails + 1, sector_slot
        if not fails:
            total += n
            status_counts[status] = status_counts.get(status, 0) + n
            kind_counts[kind] = kind_counts.get(kind, 0) + n
            country_counts[country] = country_counts.get(country, 0) + n
            region_counts[region] = region_counts.get(region, 0) + n
            by_bits[bits] = by_bits.get(bits, 0) + n
        elif fails == 1:
            if failed == sector_slot:
                by_bits[bits] = by_bits.get(bits, 0) + n
            else:
                value = row[failed]
                counts[failed][value] = counts[failed].get(value, 0) + n
    result: Counts = {"total": total}
    for index, name in enumerate(ROW_FACETS):
        result[name] = counts[index]
    result["sector"] = _sector_counts(by_bits)

    rows = filter_directory(base, filters, skip=("sdg",))
    # Always true, but it steers SQLite to the covering facet index (kind is its second
    # column) instead of the narrower index on membership_status alone.
    rows = rows.filter(kind__gte="").order_by().values_list("sdg_bits").annotate(n=Count("*"))
    result["sdg"] = _sdg_counts(dict(_rows(rows)))
    return result


def _sqlite_tier_counts(base: QuerySet[Organisation], filters: DirectoryFilters) -> dict:
    """How many matching organisations have their current (active or grace) membership in
    each tier, over the set filtered by everything except the tier filter (one query).

    The query walks the current memberships (a fifth of the organisations or so) and looks up
    their organisations. With many search matches, SQLite checks each membership's organisation
    against the match list before reading the organisation, instead of reading every match.
    """
    dense = filters.matches is not None and filters.matches > DENSE_MATCHES
    current = [Q(memberships__status__in=CURRENT_MEMBERSHIP_STATUSES)]
    if dense:
        queryset = filter_directory(base, replace(filters, q="", matches=None), skip=("tier",))
        short, match = _fts_match(filters.q)
        for term in short:
            queryset = queryset.filter(search_text__contains=term)
        # `+` keeps SQLite from driving the query from the match list (see `apply_search`).
        probe = Func(
            F("memberships__organisation_id"),
            template="+%(expressions)s",
            output_field=IntegerField(),
        )
        current.append(In(probe, _fts_rowids(match)))
    else:
        queryset = filter_directory(base, filters, skip=("tier",))
    rows = (
        queryset.filter(*current)  # one filter(): every condition on the same membership
        .order_by()
        .values_list("memberships__tier")
        .annotate(n=Count("*"))
    )
    return dict(_rows(rows))


def _postgres_counts(
    base: QuerySet[Organisation], filters: DirectoryFilters, *, tiers: bool
) -> Counts:
    """The total and every facet (the tier facet too, with `tiers`) in one statement.

    On PostgreSQL the search itself (a trigram index lookup, then a recheck of every candidate
    row) is the expensive part, so the matches are read once: a single pass aggregates them by
    GROUPING SETS, one set per facet and an empty one for the total. A facet counts the rows
    passing every filter but its own, so choosing one kind still shows how many organisations
    the other kinds would add: each chosen filter adds a count column that leaves it out.
    """
    columns = {  # the facets' columns, by the short names the statement uses
        "s": "membership_status",
        "k": "kind",
        "c": "country",
        "r": "region",
        "sb": "sector_bits",
        "db": "sdg_bits",
    }
    if tiers:
        columns["t"] = "membership_tier_id"
    facet_of = {
        "s": "membership_status",
        "k": "kind",
        "c": "country",
        "r": "region",
        "sb": "sector",
        "db": "sdg",
        "t": "tier",
    }
    inner_sql, params = (
        apply_search(base, filters.q).order_by().values_list(*columns.values()).query
    ).sql_with_params()
    conditions: dict[str, tuple[str, object]] = {}
    for short in ("s", "k", "c", "r"):
        if chosen := getattr(filters, facet_of[short]):
            conditions[short] = (f"{short} = ANY(%s)", list(chosen))
    if filters.sector:
        conditions["sb"] = ("(sb & %s) <> 0", sector_bits_for(filters.sector) or 1 << 31)
    if filters.sdg:
        conditions["db"] = ("(db & %s) <> 0", sdg_bits_for(filters.sdg) or 1 << 31)
    if tiers and filters.tier:
        conditions["t"] = ("t = ANY(%s)", list(filters.tier))

    # Count columns: of the rows passing every filter, then one per chosen filter without it.
    counts_sql, counts_params = [], []
    for left_out in (None, *conditions):
        kept = [(sql, param) for short, (sql, param) in conditions.items() if short != left_out]
        where = " AND ".join(sql for sql, _param in kept) or "TRUE"
        counts_sql.append(f"count(*) FILTER (WHERE {where})")
        counts_params.extend(param for _sql, param in kept)
    shorts = list(columns)
    names = ", ".join(shorts)
    sets = ", ".join(f"({short})" for short in shorts)
    # Only constant SQL and the ORM's own query are put together here; values are parameters.
    sql = (
        f"SELECT GROUPING({names}), {names}, {', '.join(counts_sql)} "  # noqa: S608
        f"FROM ({inner_sql}) AS m({names}) GROUP BY GROUPING SETS ({sets}, ())"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*counts_params, *params])
        rows = cursor.fetchall()

    everything = (1 << len(shorts)) - 1  # GROUPING() sets a bit for each column not grouped
    set_of = {everything ^ (1 << (len(shorts) - 1 - i)): i for i in range(len(shorts))}
    column_of = {short: 1 + list(conditions).index(short) for short in conditions}
    total = 0
    by_facet: dict[str, dict] = {short: {} for short in shorts}
    for row in rows:
        grouping, values, counts = row[0], row[1 : 1 + len(shorts)], row[1 + len(shorts) :]
        if grouping == everything:
            total = counts[0]
            continue
        index = set_of[grouping]
        short = shorts[index]
        n = counts[column_of.get(short, 0)]
        if n and values[index] is not None:
            by_facet[short][values[index]] = n
    result: Counts = {"total": total}
    for short in ("s", "k", "c", "r"):
        result[facet_of[short]] = by_facet[short]
    result["sector"] = _sector_counts(by_facet["sb"])
    result["sdg"] = _sdg_counts(by_facet["db"])
    result["tier"] = by_facet.get("t", {})
    return result


# How long counts stay cached. Any write to an organisation changes the data version, which is
# part of the key, so this only bounds the memory of entries nobody asks for any more.
COUNTS_CACHE_SECONDS = 3600


def _counts_key(base: QuerySet, filters: DirectoryFilters, tiers: bool, version: str) -> str:
    sql, params = base.query.sql_with_params()
    described = [
        connection.vendor,
        version,
        sql,
        [str(param) for param in params],
        query_terms(filters.q),
        *(sorted(map(str, getattr(filters, name))) for name in (*ROW_FACETS, "sector", "sdg")),
        sorted(filters.tier) if tiers else None,
    ]
    digest = hashlib.sha256(json.dumps(described, default=str).encode()).hexdigest()
    return f"klynge:directory:counts:{digest}"


def directory_counts(
    base: QuerySet[Organisation], filters: DirectoryFilters, *, tiers: bool, cached: bool = True
) -> Counts:
    """The total and the facet counts of `filters` over `base` (with the tiers' if `tiers`).

    Cached under the directory's data version (`directory_version`), which every write to an
    organisation changes in the same transaction, so a cached answer is always the one the
    database would give now: the version is read before the counts, so an entry holds at
    least every change of its version. On a miss: PostgreSQL one statement, SQLite three
    (four with the tiers). On SQLite it also sets `filters.matches` (see `apply_search`).
    """
    version = directory_version() if cached else None
    key = _counts_key(base, filters, tiers, version) if version else None
    counts = cache.get(key) if key else None
    if counts is None:
        if connection.vendor == "postgresql":
            counts = _postgres_counts(base, filters, tiers=tiers)
        else:
            if filters.q and filters.matches is None:
                filters.matches = count_matches(filters.q)
            counts = _sqlite_row_counts(base, filters)
            counts["tier"] = _sqlite_tier_counts(base, filters) if tiers else {}
            counts["matches"] = filters.matches
        if key:
            counts["key"] = key
            cache.set(key, counts, COUNTS_CACHE_SECONDS)
    elif counts.get("matches") is not None:
        filters.matches = counts["matches"]
    return counts


def known_tiers() -> dict[int, tuple[int, str]]:
    """Every membership tier: id → (position, name) (one query)."""
    return {
        pk: (position, name)
        for pk, position, name in apps.get_model("membership", "Tier")
        .objects.order_by()
        .values_list("pk", "position", "name")
    }


def directory_facets(
    counts: Counts, filters: DirectoryFilters, tiers: dict[int, tuple[int, str]] | None = None
) -> dict[str, list[FacetValue]]:
    """The facets to show from `counts`, labelled in the active language: each facet's values
    with organisations and the chosen ones, most first (SDGs by number); with `tiers` (from
    `known_tiers`) the tier facet too: tiers with organisations and the chosen ones, in the
    tiers' own order (position, name) like a fee ladder."""
    facets = {name: _facet(name, counts[name], getattr(filters, name)) for name in ROW_FACETS}
    facets["sector"] = _facet("sector", counts["sector"], filters.sector)
    facets["sdg"] = sorted(
        _facet("sdg", {int(k): n for k, n in counts["sdg"].items()}, filters.sdg),
        key=lambda item: item.value,
    )
    if tiers is not None:
        tier_counts = counts.get("tier", {})
        chosen = set(filters.tier)
        shown = [pk for pk in tiers if tier_counts.get(pk) or pk in chosen]
        facets["tier"] = [
            FacetValue(
                value=pk, label=tiers[pk][1], count=tier_counts.get(pk, 0), selected=pk in chosen
            )
            for pk in sorted(shown, key=lambda pk: (*tiers[pk], pk))
        ]
    return facets


def directory_results(
    base: QuerySet[Organisation],
    filters: DirectoryFilters,
    page_number=1,
    *,
    tiers: bool = False,
    cached: bool = True,
) -> DirectoryResult:
    """One page of matching organisations with the facets.

    Queries, whatever the page size: the data version, then the counts (see
    `directory_counts`; none when cached), the page (by id when cached) and its sectors; one
    more with `tiers` (the tiers' names). `tiers` adds the membership tier facet and applies the tier filter;
    without it (visitors who are neither members nor staff) a tier filter is ignored and the
    facet left out. Tier ids that name no tier are dropped from the filter.
    """
    tier_names = None
    if tiers:
        tier_names = known_tiers()
        filters.tier = [pk for pk in filters.tier if pk in tier_names]
    else:
        filters.tier = []
    counts = directory_counts(base, filters, tiers=tiers, cached=cached)
    facets = directory_facets(counts, filters, tier_names)
    rows = (
        filter_directory(base, filters)
        .order_by(*SORTS.get(filters.sort, SORTS["name"]))
        .defer("search_text")
        .prefetch_related("sectors")
    )
    paginator = _CountedPaginator(rows, PAGE_SIZE, counts["total"])
    page = paginator.get_page(page_number)
    # The page's organisations are cached by id under the same version as the counts: a
    # repeated search reads 25 rows by primary key instead of searching again.
    key = counts.get("key")
    page_key = f"{key}:{filters.sort}:{page.number}" if key else None
    ids = cache.get(page_key) if page_key else None
    if ids is not None:
        found = base.model.objects.defer("search_text").prefetch_related("sectors").in_bulk(ids)
        page.object_list = [found[pk] for pk in ids if pk in found]
    else:
        page.object_list = list(page.object_list)
        if page_key:
            cache.set(page_key, [o.pk for o in page.object_list], COUNTS_CACHE_SECONDS)
    return DirectoryResult(page=page, count=counts["total"], facets=facets)
