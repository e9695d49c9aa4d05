"""Offline evaluation of partner recommendations on a file of past collaborations.

The file (UTF-8, comma separated) has the columns ``organisation_id, organisation_name, kind,
country, project_id, title, topic, year``: one row per organisation in a project. A project's
year is the earliest year on its rows. For a split year Y:

- the engine (`klynge.matchmaking.engine.Index`, the same code the product uses) and the
  baselines learn only from projects before Y (text = titles and topics of the organisation's
  projects, graph = co-participation with its years, kinds);
- every organisation with a project before Y that gains at least one new partner (an
  organisation also present before Y, not already a partner) in a project from Y on is
  evaluated: all other earlier organisations except its known partners are ranked;
- recall@k: the share of its new partners in the top k, averaged over the organisations;
  MRR: the mean of 1 / rank of the first new partner in the top k (0 if none is);
  coverage: the share of earlier organisations that appear in at least one top-k list.

Baselines: ``random`` (seeded), ``popularity`` (most distinct partners before Y) and
``adamic_adar`` (sum of 1 / log degree over common partners; ties broken by popularity).
The engine's blend weights are learned by logistic regression on an inner split of the training
data only (projects before Y - 2 predict the new partnerships of Y - 2 and Y - 1), falling back to
the default weights when the inner split has too few examples.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext as _

from klynge.matchmaking.engine import Context, Corpus, Index, learn_weights

COLUMNS = (
    "organisation_id",
    "organisation_name",
    "kind",
    "country",
    "project_id",
    "title",
    "topic",
    "year",
)
MIN_YEAR, MAX_YEAR = 1900, 2100
INNER_SPLIT_YEARS = 2


class EvaluationError(Exception):
    """Bad input, with a message naming the line."""


@dataclass(frozen=True)
class Row:
    line: int
    organisation_id: str
    organisation_name: str
    kind: str
    country: str
    project_id: str
    title: str
    topic: str
    year: int


def read_rows(text: str) -> list[Row]:
    """Parses and validates the file; raises EvaluationError naming the first bad line."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise EvaluationError(
            _("Line 1: missing columns: %(columns)s (expected: %(expected)s).")
            % {"columns": ", ".join(missing), "expected": ", ".join(COLUMNS)}
        )
    reader.fieldnames = header
    rows: list[Row] = []
    seen: dict[tuple[str, str], int] = {}
    for raw in reader:
        line = reader.line_num
        values = {name: (raw.get(name) or "").strip() for name in COLUMNS}
        if None in raw:
            raise EvaluationError(_("Line %(line)s: more fields than columns.") % {"line": line})
        for required in ("organisation_id", "project_id", "year"):
            if not values[required]:
                raise EvaluationError(
                    _("Line %(line)s: %(column)s is empty.") % {"line": line, "column": required}
                )
        try:
            year = int(values["year"])
        except ValueError:
            year = None
        if year is None or not MIN_YEAR <= year <= MAX_YEAR:
            raise EvaluationError(
                _("Line %(line)s: the year %(year)r is not a year between %(min)s and %(max)s.")
                % {"line": line, "year": values["year"], "min": MIN_YEAR, "max": MAX_YEAR}
            )
        key = (values["organisation_id"], values["project_id"])
        if key in seen:
            raise EvaluationError(
                _(
                    "Line %(line)s: organisation %(organisation)s is already in project "
                    "%(project)s on line %(first)s (duplicated row)."
                )
                % {
                    "line": line,
                    "organisation": key[0],
                    "project": key[1],
                    "first": seen[key],
                }
            )
        seen[key] = line
        rows.append(Row(line=line, **{**values, "year": year}))
    if not rows:
        raise EvaluationError(_("The file has no rows."))
    return rows


@dataclass
class Data:
    organisations: list[str]  # ids in a fixed order
    names: dict[str, str]
    kinds: dict[str, str]
    countries: dict[str, str]
    projects: dict[str, list[str]]  # project -> organisations
    project_year: dict[str, int]
    project_text: dict[str, str]


def collect(rows: list[Row]) -> Data:
    names, kinds, countries = {}, {}, {}
    projects: dict[str, list[str]] = defaultdict(list)
    project_year: dict[str, int] = {}
    project_text: dict[str, str] = {}
    for row in rows:
        names.setdefault(row.organisation_id, row.organisation_name)
        kinds[row.organisation_id] = row.kind or kinds.get(row.organisation_id, "")
        countries[row.organisation_id] = row.country or countries.get(row.organisation_id, "")
        projects[row.project_id].append(row.organisation_id)
        project_year[row.project_id] = min(row.year, project_year.get(row.project_id, row.year))
        if row.project_id not in project_text or not project_text[row.project_id]:
            project_text[row.project_id] = " ".join(part for part in (row.title, row.topic) if part)
    return Data(
        organisations=sorted(names),
        names=names,
        kinds=kinds,
        countries=countries,
        projects=dict(projects),
        project_year=project_year,
        project_text=project_text,
    )


def _corpus_before(data: Data, year: int) -> tuple[Corpus, dict[str, int]]:
    """The organisations with a project before `year`, their text and their projects."""
    earlier = [p for p in data.projects if data.project_year[p] < year]
    present = sorted({o for p in earlier for o in data.projects[p]})
    position = {o: i for i, o in enumerate(present)}
    texts: dict[str, list[str]] = defaultdict(list)
    contexts = []
    for project in sorted(earlier):
        members = [position[o] for o in data.projects[project]]
        for organisation in data.projects[project]:
            if data.project_text[project]:
                texts[organisation].append(data.project_text[project])
        contexts.append(
            Context(
                kind="project",
                label=project,
                year=data.project_year[project],
                members=members,
                known=True,
            )
        )
    corpus = Corpus(
        ids=list(range(len(present))),
        names=[data.names[o] for o in present],
        kinds=[data.kinds[o] for o in present],
        countries=[data.countries[o] for o in present],
        texts=[" ".join(texts[o]) for o in present],
        contexts=contexts,
    )
    return corpus, position


def _new_partners(data: Data, position: dict[str, int], known, start: int, end: int | None):
    """For each earlier organisation (row index): its partners in projects in [start, end) that
    are earlier organisations and not yet partners."""
    gained: dict[int, set[int]] = defaultdict(set)
    for project, members in data.projects.items():
        year = data.project_year[project]
        if year < start or (end is not None and year >= end):
            continue
        rows = sorted({position[o] for o in members if o in position})
        for a in rows:
            for b in rows:
                if a != b and not known[a, b]:
                    gained[a].add(b)
    return {a: partners for a, partners in gained.items() if partners}


def _metrics(rankings: dict[int, list[int]], truth: dict[int, set[int]], k: int, n: int):
    recall, reciprocal, shown = [], [], set()
    for i, partners in truth.items():
        top = rankings[i][:k]
        shown.update(top)
        hits = [rank for rank, j in enumerate(top, start=1) if j in partners]
        recall.append(len(hits) / len(partners))
        reciprocal.append(1.0 / hits[0] if hits else 0.0)
    count = len(truth)
    return {
        "recall": round(sum(recall) / count, 4) if count else 0.0,
        "mrr": round(sum(reciprocal) / count, 4) if count else 0.0,
        "coverage": round(len(shown) / n, 4) if n else 0.0,
    }


def _ranked(scores: np.ndarray, tie_break: np.ndarray, excluded: np.ndarray, k: int) -> list[int]:
    order = np.lexsort((np.arange(len(scores)), -tie_break, -scores))
    return [int(j) for j in order if not excluded[j]][:k]


def evaluate(
    rows: list[Row], *, split_year: int, k: int = 10, seed: int = 0, learn: bool = True
) -> dict:
    data = collect(rows)
    years = sorted(set(data.project_year.values()))
    if not years[0] < split_year <= years[-1]:
        raise EvaluationError(
            _(
                "The split year %(year)s must leave projects on both sides: the file's projects "
                "run from %(first)s to %(last)s."
            )
            % {"year": split_year, "first": years[0], "last": years[-1]}
        )
    corpus, position = _corpus_before(data, split_year)
    weights = learn_blend(data, split_year, seed=seed) if learn else None
    index = Index(corpus, now_year=split_year, weights=weights)
    truth = _new_partners(data, position, index.known, split_year, None)
    n = index.n
    degree = index.degree
    rng = np.random.default_rng(seed)
    inverse_log = np.where(degree > 1, 1.0 / np.log(np.maximum(degree, 2)), 0.0)
    adjacency = (index.ties > 0).astype(np.float64).tocsr()
    rankings: dict[str, dict[int, list[int]]] = {
        "engine": {},
        "random": {},
        "popularity": {},
        "adamic_adar": {},
    }
    zeros = np.zeros(n)
    for i in sorted(truth):
        excluded = index.excluded(i)
        rankings["engine"][i] = [j for j, _s, _f in index.rank(i, k)]
        rankings["random"][i] = _ranked(rng.random(n), zeros, excluded, k)
        rankings["popularity"][i] = _ranked(degree.astype(np.float64), zeros, excluded, k)
        row = adjacency[i].multiply(inverse_log.reshape(1, -1)).tocsr()
        aa = np.asarray((row @ adjacency).todense()).ravel()
        rankings["adamic_adar"][i] = _ranked(aa, degree.astype(np.float64), excluded, k)
    results = {name: _metrics(r, truth, k, n) for name, r in rankings.items()}
    return {
        "engine": results["engine"],
        "baselines": {name: results[name] for name in ("random", "popularity", "adamic_adar")},
        "organisations_evaluated": len(truth),
        "organisations_ranked": n,
        "split_year": split_year,
        "k": k,
        "weights": index.weights,
    }


def learn_blend(data: Data, split_year: int, *, seed: int = 0) -> dict[str, float] | None:
    """Weights fitted on the training years only (an inner split before `split_year`)."""
    inner = split_year - INNER_SPLIT_YEARS
    if not any(year < inner for year in data.project_year.values()):
        return None
    corpus, position = _corpus_before(data, inner)
    index = Index(corpus, now_year=inner)
    positives = _new_partners(data, position, index.known, inner, split_year)
    return learn_weights(index, positives, seed=seed)


def format_table(result: dict) -> str:
    k = result["k"]
    lines = [
        f"split year {result['split_year']}, k = {k}: "
        f"{result['organisations_evaluated']} organisations evaluated, "
        f"{result['organisations_ranked']} ranked",
        f"{'method':<14}{'recall@' + str(k):>12}{'MRR':>10}{'coverage':>10}",
    ]
    methods = [("engine", result["engine"]), *result["baselines"].items()]
    for name, values in methods:
        lines.append(
            f"{name:<14}{values['recall']:>12.4f}{values['mrr']:>10.4f}{values['coverage']:>10.4f}"
        )
    best = max(result["baselines"].values(), key=lambda v: v["recall"])["recall"]
    if best > 0 and not math.isclose(best, 0.0):
        lines.append(
            f"engine recall / best baseline recall: {result['engine']['recall'] / best:.2f}"
        )
    return "\n".join(lines)
