"""The recommendation index on disk, shared between processes (no Django here).

An `Index` is saved as a folder of NumPy ``.npy`` files, one per array (a sparse matrix is its
three CSR arrays), and a small ``meta.json`` (weights, labels, the data fingerprint, which
arrays form which matrix). `load` opens every array with ``mmap_mode="r"``: the operating
system maps the same file pages into every process that loads it, so gunicorn's workers and the
task worker share one copy in the page cache instead of each holding its own (the index is
about 400 MB at 100,000 organisations), and a process reads only the pages its queries touch
(the embedding, the rows of the candidates).

The arrays are read-only. Nothing in the engine writes into them at query time; a test checks
that an index loaded from disk ranks exactly as the one it was saved from.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from scipy import sparse

from klynge.matchmaking.engine import Index, Positions, StringTable

FORMAT = 2

ARRAYS = (
    "ids",
    "kind_codes",
    "country_codes",
    "region_codes",
    "members",
    "embedding",
    "competence_counts",
    "sector_counts",
    "context_years",
    "degree",
    "strength",
    "inverse_log_degree",
    "popularity",
    "kind_affinity",
)
MATRICES = (
    "text",
    "offers",
    "needs",
    "competences",
    "sectors",
    "offers_t",
    "needs_t",
    "competences_t",
    "sectors_t",
    "incidence",
    "ties",
    "known",
)
STRINGS = ("names", "context_kinds", "context_labels")
META = (
    "n",
    "now_year",
    "weights",
    "kind_labels",
    "country_labels",
    "region_labels",
    "tag_names",
    "sector_names",
)


def save(index: Index, folder: Path) -> None:
    """Writes `index` into the (new, empty) `folder`."""
    folder.mkdir(parents=True)
    shapes: dict[str, list[int]] = {}

    def put(name: str, array: np.ndarray) -> None:
        np.save(folder / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)

    for name in ARRAYS:
        value = getattr(index, name)
        if value is not None:
            put(name, value)
    for name in MATRICES:
        matrix = getattr(index, name).tocsr()
        matrix.sort_indices()
        shapes[name] = list(matrix.shape)
        put(f"{name}.data", matrix.data)
        put(f"{name}.indices", matrix.indices)
        put(f"{name}.indptr", matrix.indptr)
    for name in STRINGS:
        table = getattr(index, name)
        put(f"{name}.buffer", table.buffer)
        put(f"{name}.offsets", table.offsets)
    put("position.sorted_ids", index.position.sorted_ids)
    put("position.order", index.position.order)
    meta = {name: getattr(index, name) for name in META}
    meta["format"] = FORMAT
    meta["shapes"] = shapes
    meta["data_version"] = getattr(index, "data_version", None)
    with (folder / "meta.json").open("w", encoding="utf-8") as handle:
        json.dump(meta, handle, ensure_ascii=False)


def _tuples(value):
    """JSON turned the fingerprint's tuples into lists; comparisons need the tuples back."""
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def load(folder: Path) -> Index:
    """The index saved in `folder`, its arrays memory-mapped read-only."""
    with (folder / "meta.json").open(encoding="utf-8") as handle:
        meta = json.load(handle)
    if meta.get("format") != FORMAT:
        raise ValueError(f"{folder}: index format {meta.get('format')}, expected {FORMAT}")

    def get(name: str) -> np.ndarray:
        return np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)

    index = Index.__new__(Index)
    for name in META:
        setattr(index, name, meta[name])
    index.data_version = _tuples(meta["data_version"])
    for name in ARRAYS:
        path = folder / f"{name}.npy"
        setattr(index, name, get(name) if path.exists() else None)
    for name, shape in meta["shapes"].items():
        matrix = sparse.csr_matrix(
            (get(f"{name}.data"), get(f"{name}.indices"), get(f"{name}.indptr")),
            shape=tuple(shape),
            copy=False,
        )
        # Known (saved sorted): spares scipy a scan of every page to find out.
        matrix.has_sorted_indices = True
        setattr(index, name, matrix)
    for name in STRINGS:
        setattr(index, name, StringTable(get(f"{name}.buffer"), get(f"{name}.offsets")))
    index.position = Positions(get("position.sorted_ids"), get("position.order"))
    return index
