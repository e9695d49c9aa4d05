"""The product's recommendation index: built from the database, kept as files.

``klynge matchmaking_rebuild`` (a daily periodic job) writes the index into a new folder
``settings.DATA_DIR / "matchmaking" / "index-<time>"`` (NumPy arrays, see `store`), then
points the small file ``matchmaking/current`` at it (written to a temporary file and renamed,
so a reader sees the old index or the new one, never half of one). Every process memory-maps
the current folder's arrays once and maps the new one when the pointer changes: the pages are
shared by all processes on the machine, so each gunicorn worker adds only a few MB of its own.
The previous folder is kept for processes still switching over; older ones are deleted (a
process that still maps one keeps its pages until it lets go).

What is cheap is applied at query time instead of in the index: filters, feedback that hides a
partner, merged or deleted organisations. The index remembers a fingerprint of the data it was
built from (`data_version`); when the data changed, `get_index` rebuilds a small directory (up
to `LIVE_LIMIT` organisations) once and writes it, and queues one background rebuild
(`tasks.rebuild_index_task`) for a larger one, so new organisations and new relations are
served without waiting for the nightly rebuild, and never with a rebuild per request.

Graph: OrganisationRelation (a known partnership, excluded from the lists; year = its start
year), people affiliated with several organisations (a weak tie), and co-attendance at events
(organisations with a confirmed registration, through `Registration.organisation` or the
person's affiliation; a weak tie). Text: the descriptions (en/da), offers and needs texts and
the tags. Years age the ties (see `engine.HALF_LIFE`).
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from klynge.ecosystem.models import Affiliation, MembershipStatus, Organisation, Person
from klynge.matchmaking import store
from klynge.matchmaking.engine import Context, Corpus, Index

LIVE_LIMIT = 5000
CHECK_SECONDS = 30.0
_lock = threading.Lock()
_build_lock = threading.Lock()
_cached: dict[str, object] = {"version": None, "index": None, "checked": 0.0}
KEEP_SECONDS = 600.0  # see `_clean`


def index_root() -> Path:
    return Path(settings.DATA_DIR) / "matchmaking"


def index_path() -> Path:
    """The pointer file naming the current index folder."""
    return index_root() / "current"


def _current_folder() -> str | None:
    try:
        return index_path().read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def current_index_folder() -> Path | None:
    """The folder of the index being served, if there is one."""
    name = _current_folder()
    return index_root() / name if name else None


def _m2m(field: str) -> dict[int, list[str]]:
    through = getattr(Organisation, field).through
    values: dict[int, list[str]] = defaultdict(list)
    for organisation_id, name in through.objects.values_list("organisation_id", "tag__name"):
        values[organisation_id].append(name)
    return values


def corpus_from_db() -> Corpus:
    from klynge.ecosystem.models import OrganisationRelation
    from klynge.events.models import Registration, RegistrationStatus

    organisations = list(
        Organisation.objects.filter(merged_into__isnull=True)
        .order_by("id")
        .values_list(
            "id",
            "name",
            "kind",
            "country",
            "region",
            "membership_status",
            "description_en",
            "description_da",
            "offers_text",
            "needs_text",
        )
    )
    position = {row[0]: i for i, row in enumerate(organisations)}
    offers, needs, competences = _m2m("offers"), _m2m("needs"), _m2m("competences")
    sectors: dict[int, list[str]] = defaultdict(list)
    for organisation_id, slug in Organisation.sectors.through.objects.values_list(
        "organisation_id", "sector__slug"
    ):
        sectors[organisation_id].append(slug)
    texts = []
    for pk, _name, _kind, _c, _r, _m, en, da, offers_text, needs_text in organisations:
        tags = " ".join(offers[pk] + needs[pk] + competences[pk])
        texts.append(" ".join(part for part in (en, da, offers_text, needs_text, tags) if part))

    contexts: list[Context] = []
    for source, target, start_year, created in OrganisationRelation.objects.values_list(
        "source_id", "target_id", "start_year", "created_at"
    ):
        if source in position and target in position:
            contexts.append(
                Context(
                    kind="relation",
                    label="",
                    year=start_year or created.year,
                    members=[position[source], position[target]],
                    known=True,
                )
            )
    people: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for person, organisation, start, created in Affiliation.objects.values_list(
        "person_id", "organisation_id", "start_date", "created_at"
    ):
        if organisation in position:
            people[person].append((position[organisation], (start or created).year))
    names = dict(
        Person.objects.filter(pk__in=[p for p, ties in people.items() if len(ties) > 1])
        .values_list("pk", "first_name")
        .iterator()
    )
    for person, ties in people.items():
        members = sorted({i for i, _year in ties})
        if len(members) > 1:
            contexts.append(
                Context(
                    kind="person",
                    label=names.get(person, ""),
                    year=min(year for _i, year in ties),
                    members=members,
                )
            )
    affiliation_of: dict[int, set[int]] = defaultdict(set)
    for person, ties in people.items():
        affiliation_of[person] = {i for i, _year in ties}
    attendees: dict[int, set[int]] = defaultdict(set)
    events: dict[int, tuple[str, int]] = {}
    for event, title, starts, person, organisation in Registration.objects.filter(
        status__in=[RegistrationStatus.CONFIRMED]
    ).values_list("event_id", "event__title", "event__starts_at", "person_id", "organisation_id"):
        events[event] = (title, starts.year)
        if organisation in position:
            attendees[event].add(position[organisation])
        else:
            attendees[event].update(affiliation_of.get(person, ()))
    for event, members in attendees.items():
        title, year = events[event]
        contexts.append(Context(kind="event", label=title, year=year, members=sorted(members)))

    return Corpus(
        ids=[row[0] for row in organisations],
        names=[row[1] for row in organisations],
        kinds=[row[2] for row in organisations],
        countries=[row[3] for row in organisations],
        regions=[row[4] for row in organisations],
        members=[row[5] == MembershipStatus.MEMBER for row in organisations],
        texts=texts,
        offers=[offers[row[0]] for row in organisations],
        needs=[needs[row[0]] for row in organisations],
        competences=[competences[row[0]] for row in organisations],
        sectors=[sectors[row[0]] for row in organisations],
        contexts=contexts,
    )


def data_version() -> tuple:
    """A cheap fingerprint of what the index is built from: organisations (count, last change),
    relations and affiliations (count, last change). Three aggregate queries."""
    from django.db.models import Count, Max

    from klynge.ecosystem.models import OrganisationRelation

    organisations = Organisation.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    relations = OrganisationRelation.objects.aggregate(n=Count("id"), last=Max("created_at"))
    affiliations = Affiliation.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    return tuple(
        (part["n"], part["last"].isoformat() if part["last"] else "")
        for part in (organisations, relations, affiliations)
    )


def build_index() -> Index:
    version = data_version()
    index = Index(corpus_from_db(), now_year=timezone.localdate().year)
    index.data_version = version
    return index


def _write(index: Index) -> Index:
    """Saves `index` into a new folder, points `current` at it, removes folders older than the
    previous one, and returns the saved index memory-mapped (the built one, with all of its
    arrays in this process's own memory, is dropped)."""
    root = index_root()
    root.mkdir(parents=True, exist_ok=True)
    name = f"index-{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(4)}"
    building = root / f"{name}.tmp"
    store.save(index, building)
    os.replace(building, root / name)  # complete before anything points at it
    with tempfile.NamedTemporaryFile(
        "w", dir=root, delete=False, suffix=".tmp", encoding="utf-8"
    ) as handle:
        handle.write(name)
        pointer = handle.name
    with _lock:
        previous = _current_folder()
        os.replace(pointer, index_path())
        loaded = store.load(root / name)
        _cached.update(version=name, index=loaded, checked=time.monotonic())
    _clean(root, keep={name, previous})
    return loaded


def _clean(root: Path, keep: set) -> None:
    """Removes the folders older than the previous index. A folder changed in the last
    `KEEP_SECONDS` is left alone: another process may be writing it or about to point at it."""
    (root / "index.pickle").unlink(missing_ok=True)  # the format before version 2
    for path in root.glob("index-*"):
        try:
            if path.name in keep or time.time() - path.stat().st_mtime < KEEP_SECONDS:
                continue
        except FileNotFoundError:
            continue
        shutil.rmtree(path, ignore_errors=True)


def rebuild_index() -> Index:
    """Builds the index from the database and writes it (atomically) to `index_path()`."""
    _request_path().unlink(missing_ok=True)
    return _write(build_index())


def _request_path() -> Path:
    return index_root() / "rebuild.requested"


def request_rebuild() -> bool:
    """Queues one background rebuild (the `rebuild_index_task`), unless one is already queued:
    a marker file is created exclusively, and the task removes it when it starts. A marker
    older than an hour (a worker that died) is replaced. Returns whether a task was queued."""
    from klynge.core.emails import enqueue_on_commit
    from klynge.matchmaking.tasks import rebuild_index_task

    marker = _request_path()
    marker.parent.mkdir(parents=True, exist_ok=True)
    try:
        if time.time() - marker.stat().st_mtime < 3600:
            return False
    except FileNotFoundError:
        pass
    try:
        with marker.open("x"):
            pass
    except FileExistsError:
        if time.time() - marker.stat().st_mtime < 3600:
            return False
        marker.touch()
    enqueue_on_commit(rebuild_index_task)
    return True


def forget_index() -> None:
    """Drops the in-process copy and the files (tests, or after bulk changes)."""
    with _lock:
        _cached.update(version=None, index=None, checked=0.0)
    index_path().unlink(missing_ok=True)
    _request_path().unlink(missing_ok=True)
    root = index_root()
    if root.exists():
        for path in root.glob("index-*"):
            shutil.rmtree(path, ignore_errors=True)


def _loaded() -> Index | None:
    """The current index, mapped once per process and again when `current` changes."""
    for _attempt in range(3):
        name = _current_folder()
        if name is None:
            return None
        with _lock:
            if _cached["version"] == name:
                return _cached["index"]
            try:
                index = store.load(index_root() / name)
            except FileNotFoundError:  # replaced and removed meanwhile: read the pointer again
                continue
            _cached.update(version=name, index=index, checked=time.monotonic())
            return index
    return _cached["index"]


def get_index(organisation_id: int | None = None) -> Index:
    """The current index, reused until the data changes.

    The data's fingerprint (`data_version`) is checked at most every `CHECK_SECONDS` per
    process (and whenever `organisation_id` is not in the index). When it changed, or there is
    no file yet: a small directory (up to `LIVE_LIMIT` organisations) is rebuilt here, once per
    change (a lock keeps parallel requests from building it twice), and written for the other
    processes; a larger one keeps serving the file it has and queues one background rebuild
    (`request_rebuild`), so a new organisation gets its partners minutes later, not the next
    night."""
    index = _loaded()
    now = time.monotonic()
    if index is not None:
        known = organisation_id is None or organisation_id in index.position
        if known and now - float(_cached.get("checked") or 0.0) < CHECK_SECONDS:
            return index
    version = data_version()
    with _lock:
        _cached["checked"] = now
    if index is not None and getattr(index, "data_version", None) == version:
        return index
    size = index.n if index is not None else Organisation.objects.count()
    if size <= LIVE_LIMIT:
        with _build_lock:
            current = _loaded()
            if current is not None and getattr(current, "data_version", None) == version:
                return current
            return _write(build_index())
    request_rebuild()
    if index is None:  # a large directory before its first build: nothing to serve yet
        return Index(Corpus([], [], [], [], []), now_year=timezone.localdate().year)
    return index
