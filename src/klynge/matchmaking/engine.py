"""The partner-recommendation engine: pure numpy/scipy, no Django (the same code scores the
product's organisations and the offline evaluation's CSV).

An `Index` is built from a `Corpus` (one row per organisation: kind, country, region, text,
tag sets, and the collaboration *contexts* it took part in: projects, relations, events, shared
people, each with a year). For an organisation it scores every other one as a weighted sum of
features, each scaled to about [0, 1]:

- ``text``: cosine of char 3–5-gram TF-IDF vectors (hashed, so any language: da/nb/sv/en);
- ``graph``: weighted Adamic-Adar over the collaboration graph, where a context of s members
  ties each pair with weight ``decay / (s - 1)`` and ``decay = 0.5 ** (age / HALF_LIFE)``, so
  older ties weigh less; squashed as ``x / (1 + x)``;
- ``popularity``: the organisation's decayed tie strength, ``log1p(s) / log1p(max s)``;
- ``kind``: how much more often the two kinds work together than chance (log-lift learned from
  the graph, smoothed towards a triple-helix prior: different helices complement each other);
- ``offers_needs``, ``competences``, ``sectors``: tag matches (needs against offers both ways;
  Jaccard for competences and sectors);
- ``region``: the same region; ``tie``: a direct weak tie (met at an event, a shared person).

Scoring is two-stage: every feature once for all n organisations with vector operations (text
from a 128-dimensional LSA embedding when n > EXACT_LIMIT), then the exact text cosine for the
best CANDIDATES only, so a query among 100,000 costs tens of milliseconds and never builds an
n×n matrix. The index holds only arrays (and short label lists), so `store` can save it as
NumPy files that every process memory-maps instead of loading its own copy.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from klynge.matchmaking.ngrams import N_FEATURES, char_ngram_counts

HALF_LIFE = 4.0  # years after which a tie counts half
MAX_CONTEXT = 200  # larger contexts (a conference) say nothing about a pair: left out of the graph
EXACT_LIMIT = 5000  # up to this many organisations the text score is exact for everyone
CANDIDATES = 300  # otherwise: exact re-scoring of this many coarse candidates
EMBEDDING_DIMS = 128

FEATURES = (
    "text",  # first: TEXT below
    "graph",
    "popularity",
    "kind",
    "offers_needs",
    "competences",
    "sectors",
    "region",
    "tie",
)

TEXT = 0  # the row of "text" in a feature matrix

# A principled default: the collaboration graph and explicit offers/needs are the strongest
# evidence, text and complementarity next, the rest are tie-breakers. `learn_weights` fits them
# from the data's own history instead when there is enough of it.
DEFAULT_WEIGHTS = {
    "text": 1.0,
    "graph": 1.0,
    "popularity": 0.5,
    "kind": 0.3,
    "offers_needs": 1.0,
    "competences": 0.5,
    "sectors": 0.4,
    "region": 0.1,
    "tie": 0.3,
}

HELIX = {
    "company": "industry",
    "startup": "industry",
    "media_house": "industry",
    "investor": "industry",
    "university": "academia",
    "school": "academia",
    "research": "academia",
    "public_body": "public",
}


@dataclass
class Context:
    """Something several organisations did together: a project, an event, a relation, a person."""

    kind: str  # "project", "relation", "event", "person"
    label: str
    year: int | None
    members: list[int]  # row indices into the corpus
    known: bool = False  # members are already partners (excluded from each other's lists)


@dataclass
class Corpus:
    ids: list[int]
    names: list[str]
    kinds: list[str]
    countries: list[str]
    texts: list[str]
    regions: list[str] | None = None
    members: list[bool] | None = None
    offers: list[Iterable[str]] | None = None
    needs: list[Iterable[str]] | None = None
    competences: list[Iterable[str]] | None = None
    sectors: list[Iterable[str]] | None = None
    contexts: list[Context] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class Reason:
    code: str  # see `klynge.matchmaking.reasons` for the sentences
    params: dict


@dataclass
class Recommendation:
    index: int
    id: int
    name: str
    score: float
    features: dict[str, float]
    reasons: list[Reason]


class StringTable(Sequence[str]):
    """Strings kept as one UTF-8 buffer and offsets: two arrays that a memory-mapped index
    shares between processes, where a list of 100,000 names would be copied into each."""

    def __init__(self, buffer: np.ndarray, offsets: np.ndarray) -> None:
        self.buffer = buffer
        self.offsets = offsets

    @classmethod
    def of(cls, values: Iterable[str]) -> StringTable:
        encoded = [(value or "").encode() for value in values]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in encoded], out=offsets[1:])
        return cls(np.frombuffer(b"".join(encoded), dtype=np.uint8).copy(), offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self.buffer[self.offsets[i] : self.offsets[i + 1]].tobytes().decode()


class Positions(Mapping[int, int]):
    """Organisation id → row, by binary search in the sorted ids (shared arrays, no dict)."""

    def __init__(self, sorted_ids: np.ndarray, order: np.ndarray) -> None:
        self.sorted_ids = sorted_ids
        self.order = order

    @classmethod
    def of(cls, ids: np.ndarray) -> Positions:
        order = np.argsort(ids, kind="stable").astype(np.int64)
        return cls(np.ascontiguousarray(ids[order]), order)

    def __getitem__(self, pk: int) -> int:
        try:
            pk = int(pk)
        except (TypeError, ValueError):
            raise KeyError(pk) from None
        k = int(np.searchsorted(self.sorted_ids, pk))
        if k < len(self.sorted_ids) and int(self.sorted_ids[k]) == pk:
            return int(self.order[k])
        raise KeyError(pk)

    def __iter__(self):
        return (int(pk) for pk in self.sorted_ids)

    def __len__(self) -> int:
        return len(self.sorted_ids)


def _decay(year: int | None, now_year: int) -> float:
    if year is None:
        return 1.0
    return 0.5 ** (max(0, now_year - year) / HALF_LIFE)


def _tag_matrix(rows: list[Iterable[str]] | None, n: int, vocabulary: dict[str, int]):
    indptr, indices = [0], []
    for row in rows or [()] * n:
        columns = sorted({vocabulary.setdefault(tag.casefold(), len(vocabulary)) for tag in row})
        indices.extend(columns)
        indptr.append(len(indices))
    return indptr, indices


def _finish_tags(parts, n: int, width: int) -> sparse.csr_matrix:
    indptr, indices = parts
    data = np.ones(len(indices), dtype=np.float32)
    return sparse.csr_matrix((data, indices, indptr), shape=(n, max(width, 1)))


def _codes(values: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    labels: dict[str, int] = {}
    codes = np.fromiter((labels.setdefault(v or "", len(labels)) for v in values), np.int32)
    return codes, list(labels)


class Index:
    """Everything needed to score recommendations, built once (see module docstring)."""

    def __init__(
        self,
        corpus: Corpus,
        *,
        now_year: int,
        weights: dict[str, float] | None = None,
        embedding_dims: int = EMBEDDING_DIMS,
    ) -> None:
        n = len(corpus)
        self.n = n
        self.now_year = now_year
        self.weights = dict(DEFAULT_WEIGHTS if weights is None else weights)
        self.ids = np.asarray(corpus.ids, dtype=np.int64)
        self.position = Positions.of(self.ids)
        self.names = StringTable.of(corpus.names)
        self.kind_codes, self.kind_labels = _codes(corpus.kinds)
        self.country_codes, self.country_labels = _codes(corpus.countries)
        self.region_codes, self.region_labels = _codes(corpus.regions or [""] * n)
        self.members = np.asarray(corpus.members or [False] * n, dtype=bool)
        self._build_text(corpus.texts, embedding_dims)
        self._build_tags(corpus)
        self._build_graph(corpus.contexts)
        self._build_kind_affinity()

    # -- building ---------------------------------------------------------------------------

    def _build_text(self, texts: Sequence[str], dims: int) -> None:
        from sklearn.feature_extraction.text import TfidfTransformer

        # The projection is only needed here: queries compare rows that are already in the
        # index, so it is not kept (it alone is 128 MB).
        counts = char_ngram_counts(texts)
        if self.n:
            text = TfidfTransformer(sublinear_tf=True).fit_transform(counts)
            self.text = text.astype(np.float32).tocsr()  # rows of unit length: cosine = dot
        else:
            self.text = sparse.csr_matrix((0, N_FEATURES), dtype=np.float32)
        self.text.sort_indices()
        self.embedding = None
        if self.n > EXACT_LIMIT:
            from sklearn.decomposition import TruncatedSVD

            rng = np.random.default_rng(0)
            sample = rng.choice(self.n, size=min(self.n, 20000), replace=False)
            svd = TruncatedSVD(n_components=dims, n_iter=3, random_state=0)
            svd.fit(self.text[sample])
            projection = svd.components_.astype(np.float32)  # dims × N_FEATURES
            embedding = np.asarray(self.text @ projection.T, dtype=np.float32)
            norms = np.linalg.norm(embedding, axis=1, keepdims=True)
            norms[norms == 0] = 1.0
            self.embedding = np.ascontiguousarray(embedding / norms, dtype=np.float32)

    def _build_tags(self, corpus: Corpus) -> None:
        n = self.n
        vocabulary: dict[str, int] = {}
        parts = {
            name: _tag_matrix(getattr(corpus, name), n, vocabulary)
            for name in ("offers", "needs", "competences")
        }
        self.tag_names = list(vocabulary)
        width = len(vocabulary)
        self.offers = _finish_tags(parts["offers"], n, width)
        self.needs = _finish_tags(parts["needs"], n, width)
        self.competences = _finish_tags(parts["competences"], n, width)
        sector_vocabulary: dict[str, int] = {}
        self.sectors = _finish_tags(
            _tag_matrix(corpus.sectors, n, sector_vocabulary), n, len(sector_vocabulary)
        )
        self.sector_names = list(sector_vocabulary)
        self.offers_t = self.offers.T.tocsr()
        self.needs_t = self.needs.T.tocsr()
        self.competences_t = self.competences.T.tocsr()
        self.sectors_t = self.sectors.T.tocsr()
        self.competence_counts = np.asarray(self.competences.sum(axis=1)).ravel()
        self.sector_counts = np.asarray(self.sectors.sum(axis=1)).ravel()

    def _build_graph(self, contexts: list[Context]) -> None:
        n = self.n
        rows, cols, weights, known_rows, known_cols = [], [], [], [], []
        context_kinds: list[str] = []
        context_labels: list[str] = []
        context_years: list[int] = []
        for context in contexts:
            members = sorted(set(context.members))
            if len(members) < 2 or len(members) > MAX_CONTEXT:
                continue
            c = len(context_kinds)
            context_kinds.append(context.kind)
            context_labels.append(context.label)
            context_years.append(-1 if context.year is None else context.year)
            weight = _decay(context.year, self.now_year) / (len(members) - 1)
            rows.extend(members)
            cols.extend([c] * len(members))
            weights.append(weight)
            if context.known:
                for a in members:
                    for b in members:
                        if a != b:
                            known_rows.append(a)
                            known_cols.append(b)
        m = len(context_kinds)
        self.context_kinds = StringTable.of(context_kinds)
        self.context_labels = StringTable.of(context_labels)
        self.context_years = np.asarray(context_years, dtype=np.int32)  # -1: no year
        self.incidence = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n, max(m, 1))
        )
        context_weight = sparse.diags(np.asarray(weights + [0.0] * (m == 0), dtype=np.float32))
        ties = (self.incidence @ context_weight @ self.incidence.T).tocsr()
        ties.setdiag(0)
        ties.eliminate_zeros()
        self.ties = ties.astype(np.float32)
        self.degree = np.diff(self.ties.indptr).astype(np.float32)  # distinct partners
        self.strength = np.asarray(self.ties.sum(axis=1), dtype=np.float32).ravel()
        self.inverse_log_degree = (1.0 / np.log(2.0 + self.degree)).astype(np.float32)
        top = float(self.strength.max()) if n else 0.0
        self.popularity = (
            np.log1p(self.strength) / math.log1p(top) if top > 0 else np.zeros(n, np.float32)
        ).astype(np.float32)
        known = sparse.csr_matrix(
            (np.ones(len(known_rows), dtype=np.int8), (known_rows, known_cols)), shape=(n, n)
        )
        known.sum_duplicates()
        self.known = known

    def _build_kind_affinity(self, smoothing: float = 5.0) -> None:
        """Log-lift of tie strength between kinds against chance, smoothed towards a prior in
        which different triple-helix kinds complement each other (lift 1.5) and others are
        neutral (1.0). With no graph at all it is the prior."""
        k = len(self.kind_labels)
        counts = np.zeros((k, k), dtype=np.float64)
        coo = self.ties.tocoo()
        np.add.at(counts, (self.kind_codes[coo.row], self.kind_codes[coo.col]), coo.data)
        total = counts.sum()
        prior = np.ones((k, k))
        for a, label_a in enumerate(self.kind_labels):
            for b, label_b in enumerate(self.kind_labels):
                helix_a, helix_b = HELIX.get(label_a), HELIX.get(label_b)
                if helix_a and helix_b and helix_a != helix_b:
                    prior[a, b] = 1.5
        if total > 0:
            expected = np.outer(counts.sum(axis=1), counts.sum(axis=0)) / total
            lift = (counts + smoothing * prior) / (expected + smoothing)
        else:
            lift = prior
        self.kind_affinity = np.clip(np.log(lift), -1.0, 1.0).astype(np.float32)

    # -- scoring ----------------------------------------------------------------------------

    def _graph_scores(self, i: int) -> np.ndarray:
        start, end = self.ties.indptr[i], self.ties.indptr[i + 1]
        neighbours = self.ties.indices[start:end]
        scores = np.zeros(self.n, dtype=np.float32)
        if len(neighbours):
            row = self.ties.data[start:end] * self.inverse_log_degree[neighbours]
            aa = (
                sparse.csr_matrix((row, neighbours, [0, len(neighbours)]), shape=(1, self.n))
                @ self.ties
            )
            aa = aa.tocsr()
            scores[aa.indices] = aa.data / (1.0 + aa.data)
        return scores

    def _tag_overlap(self, row_matrix, columns_t, i: int) -> np.ndarray:
        tags = row_matrix.indices[row_matrix.indptr[i] : row_matrix.indptr[i + 1]]
        out = np.zeros(self.n, dtype=np.float32)
        for tag in tags:
            holders = columns_t.indices[columns_t.indptr[tag] : columns_t.indptr[tag + 1]]
            out[holders] += 1.0
        return out

    def _jaccard(self, matrix, matrix_t, counts, i: int) -> np.ndarray:
        shared = self._tag_overlap(matrix, matrix_t, i)
        union = counts[i] + counts - shared
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(union > 0, shared / np.maximum(union, 1), 0.0).astype(np.float32)

    def _text_exact(self, i: int, candidates: np.ndarray | None = None) -> np.ndarray:
        """Exact cosine of i's TF-IDF row with each candidate's (all when None): the query row
        scattered into a dense vector, then one sparse-times-dense product over the candidate
        rows only (a memory-mapped index reads just those rows)."""
        start, end = self.text.indptr[i], self.text.indptr[i + 1]
        query = np.zeros(self.text.shape[1], dtype=np.float32)
        query[self.text.indices[start:end]] = self.text.data[start:end]
        rows = self.text if candidates is None else self.text[candidates]
        return np.asarray(rows @ query, dtype=np.float32).ravel()

    def _feature_matrix(self, i: int, candidates: np.ndarray | None, exact_text: bool):
        """Features of the pairs (i, j) for j in candidates (all when None): F × m."""

        def pick(vector):
            return vector if candidates is None else vector[candidates]

        if exact_text or self.embedding is None:
            text = self._text_exact(i, candidates)
        else:
            # einsum, not BLAS: a multi-threaded BLAS call costs tens of ms on a busy server
            text = np.einsum("nd,d->n", pick(self.embedding), self.embedding[i])
        both_ways = self._tag_overlap(self.needs, self.offers_t, i) + self._tag_overlap(
            self.offers, self.needs_t, i
        )
        region = self.region_codes[i]
        same_region = (self.region_codes == region) & (self.region_labels[region] != "")
        tie = np.zeros(self.n, dtype=np.float32)
        start, end = self.ties.indptr[i], self.ties.indptr[i + 1]
        tie[self.ties.indices[start:end]] = self.ties.data[start:end]
        columns = {
            "text": text,
            "graph": pick(self._graph_scores(i)),
            "popularity": pick(self.popularity),
            "kind": pick(self.kind_affinity[self.kind_codes[i]][self.kind_codes]),
            "offers_needs": pick(np.minimum(both_ways, 3.0) / 3.0),
            "competences": pick(
                self._jaccard(self.competences, self.competences_t, self.competence_counts, i)
            ),
            "sectors": pick(self._jaccard(self.sectors, self.sectors_t, self.sector_counts, i)),
            "region": pick(same_region.astype(np.float32)),
            "tie": pick(np.minimum(tie, 1.0)),
        }
        return np.vstack([np.asarray(columns[name], dtype=np.float32) for name in FEATURES])

    def _blend(self, features: np.ndarray) -> np.ndarray:
        weights = np.asarray([self.weights.get(name, 0.0) for name in FEATURES], np.float32)
        return np.einsum("f,fn->n", weights, features)  # (not BLAS, see _feature_matrix)

    def excluded(self, i: int) -> np.ndarray:
        """Itself and its known partners."""
        mask = np.zeros(self.n, dtype=bool)
        mask[i] = True
        mask[self.known.indices[self.known.indptr[i] : self.known.indptr[i + 1]]] = True
        return mask

    def rank(
        self, i: int, k: int, *, exclude: np.ndarray | None = None
    ) -> list[tuple[int, float, np.ndarray]]:
        """The best k (index, score, features) for organisation i; `exclude` is a boolean mask of
        organisations never to propose (itself and known partners always are).

        Every feature is computed once for all n organisations; with the embedding (large
        directories) the text feature is its cosine there, and only the best `CANDIDATES` by
        that score get the exact TF-IDF cosine and are ranked again."""
        if self.n == 0 or k <= 0:
            return []
        mask = self.excluded(i)
        if exclude is not None:
            mask |= exclude
        available = self.n - int(np.count_nonzero(mask))
        k = min(k, available)
        if k == 0:
            return []
        exact = self.embedding is None
        features = self._feature_matrix(i, None, exact_text=exact)
        scores = self._blend(features)
        scores[mask] = -np.inf
        if exact:
            candidates = np.flatnonzero(~mask)
            scores = scores[candidates]
            features = features[:, candidates]
        else:
            m = min(CANDIDATES, available)
            candidates = np.argpartition(-scores, m - 1)[:m] if m < self.n else np.arange(self.n)
            candidates = candidates[np.isfinite(scores[candidates])]
            features = features[:, candidates]
            features[TEXT] = self._text_exact(i, candidates)
            scores = self._blend(features)
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        # Highest score first; ties by position (deterministic).
        top = top[np.lexsort((candidates[top], -scores[top]))]
        return [(int(candidates[t]), float(scores[t]), features[:, t]) for t in top]

    def recommend(
        self, organisation_id: int, k: int = 10, *, exclude: np.ndarray | None = None
    ) -> list[Recommendation]:
        i = self.position[int(organisation_id)]
        own = self._own_tags(i)
        return [
            Recommendation(
                index=j,
                id=int(self.ids[j]),
                name=self.names[j],
                score=round(score, 4),
                features={name: float(value) for name, value in zip(FEATURES, feats, strict=True)},
                reasons=self.reasons(i, j, feats, own),
            )
            for j, score, feats in self.rank(i, k, exclude=exclude)
        ]

    # -- explanations -----------------------------------------------------------------------

    def _row_tags(self, matrix, i: int) -> set[int]:
        return set(matrix.indices[matrix.indptr[i] : matrix.indptr[i + 1]].tolist())

    def _own_tags(self, i: int) -> dict[str, set[int]]:
        return {
            name: self._row_tags(getattr(self, name), i)
            for name in ("needs", "offers", "competences", "sectors", "ties", "incidence")
        }

    def reasons(
        self, i: int, j: int, features: np.ndarray, own: dict[str, set[int]] | None = None
    ) -> list[Reason]:
        """Plain-language facts behind the score, strongest contribution first. `own`: i's
        tags and ties (`_own_tags(i)`), when several partners of i are explained."""
        own = own if own is not None else self._own_tags(i)
        value = dict(zip(FEATURES, features.tolist(), strict=True))
        found: list[tuple[float, Reason]] = []

        def add(feature: str, reason: Reason) -> None:
            found.append((self.weights.get(feature, 0.0) * value[feature], reason))

        tag = self.tag_names
        they_offer = sorted(tag[t] for t in own["needs"] & self._row_tags(self.offers, j))
        if they_offer:
            add("offers_needs", Reason("they_offer", {"tags": they_offer}))
        you_offer = sorted(tag[t] for t in own["offers"] & self._row_tags(self.needs, j))
        if you_offer:
            add("offers_needs", Reason("you_offer", {"tags": you_offer}))
        shared = sorted(tag[t] for t in own["competences"] & self._row_tags(self.competences, j))
        if shared:
            add("competences", Reason("shared_competences", {"tags": shared}))
        sectors = sorted(
            self.sector_names[s] for s in own["sectors"] & self._row_tags(self.sectors, j)
        )
        if sectors:
            add("sectors", Reason("shared_sectors", {"sectors": sectors}))
        if value["graph"] > 0:
            common = own["ties"] & self._row_tags(self.ties, j)
            names = sorted(self.names[z] for z in common)[:3]
            add("graph", Reason("common_partners", {"names": names, "count": len(common)}))
        if value["tie"] > 0:
            contexts = sorted(own["incidence"] & self._row_tags(self.incidence, j))
            for kind in ("event", "person", "project", "relation"):
                labels = [self.context_labels[c] for c in contexts if self.context_kinds[c] == kind]
                if labels:
                    add("tie", Reason(f"tie_{kind}", {"labels": labels[:3], "count": len(labels)}))
        if value["kind"] >= 0.1:
            kind_i, kind_j = (self.kind_labels[self.kind_codes[x]] for x in (i, j))
            complement = HELIX.get(kind_i) and HELIX.get(kind_j) and HELIX[kind_i] != HELIX[kind_j]
            add(
                "kind",
                Reason(
                    "complement" if complement else "kinds_work_together",
                    {"kinds": [kind_i, kind_j]},
                ),
            )
        if value["text"] >= 0.2:
            add("text", Reason("similar_description", {"similarity": round(value["text"], 2)}))
        if value["region"] > 0:
            add(
                "region",
                Reason("same_region", {"region": self.region_labels[self.region_codes[i]]}),
            )
        if not found and value["popularity"] > 0:
            add("popularity", Reason("active", {}))
        found.sort(key=lambda pair: -pair[0])
        return [reason for _weight, reason in found]


def profile_similarity(query: str, documents: Sequence[str]) -> np.ndarray:
    """Cosine similarity of `query` to each document with the engine's text representation
    (character 3–5-grams, TF-IDF fitted on these texts), so "podcaststudie" matches "podcast
    studio" and it works in any of the cluster's languages. Empty texts score 0."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    scores = np.zeros(len(documents), dtype=np.float32)
    if not (query or "").strip() or not any((d or "").strip() for d in documents):
        return scores
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    matrix = vectorizer.fit_transform([query, *[d or "" for d in documents]])
    return np.asarray((matrix[1:] @ matrix[0].T).todense(), dtype=np.float32).ravel()


def learn_weights(
    train: Index,
    positives: dict[int, set[int]],
    *,
    negatives_per_positive: int = 20,
    seed: int = 0,
) -> dict[str, float] | None:
    """Fits the blend by logistic regression: `train` is built from the data before a cut-off,
    `positives[i]` the new partners of i after it. Candidate negatives are sampled from the
    organisations i did not pick. Returns None when there are too few positives (< 30)."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for i, partners in positives.items():
        if not partners:
            continue
        allowed = ~train.excluded(i)
        features = train._feature_matrix(i, None, exact_text=train.embedding is None)
        positive = np.fromiter(partners, np.int64)
        positive = positive[allowed[positive]]
        pool = np.flatnonzero(allowed)
        pool = np.setdiff1d(pool, positive)
        if len(positive) == 0 or len(pool) == 0:
            continue
        negative = rng.choice(
            pool, size=min(len(pool), negatives_per_positive * len(positive)), replace=False
        )
        xs.append(features[:, positive].T)
        ys.append(np.ones(len(positive)))
        xs.append(features[:, negative].T)
        ys.append(np.zeros(len(negative)))
    if not ys or sum(float(y.sum()) for y in ys) < 30:
        return None
    x, y = np.vstack(xs), np.concatenate(ys)
    model = LogisticRegression(C=1.0, max_iter=1000, class_weight="balanced")
    model.fit(x, y)
    return {name: round(float(w), 4) for name, w in zip(FEATURES, model.coef_[0], strict=True)}
