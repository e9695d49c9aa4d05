"""The engine's ordering and reasons on a small crafted ecosystem."""

import mmap

import numpy as np
import pytest

from klynge.matchmaking.engine import Context, Corpus, Index
from klynge.matchmaking.reasons import describe_all


def _corpus():
    return Corpus(
        ids=[10, 20, 30, 40, 50],
        names=["Fynsk Lyd", "Podcast Lab", "SDU Media", "Odense Kommune", "Nordic Games"],
        kinds=["company", "company", "university", "public_body", "company"],
        countries=["DK", "DK", "DK", "DK", "NO"],
        regions=["Syddanmark", "Syddanmark", "Syddanmark", "Syddanmark", "Vestland"],
        members=[True, True, True, False, True],
        texts=[
            "Lyddesign og podcastproduktion for radio",
            "Podcast produktion og lyddesign, studie i Odense",
            "Forskning i medier og journalistik",
            "Kommunens kulturforvaltning",
            "Spiludvikling i Bergen",
        ],
        offers=[["sound design"], ["studio"], ["research"], [], ["games"]],
        needs=[["studio", "research"], [], [], [], []],
        competences=[["audio"], ["audio"], [], [], []],
        sectors=[["audio"], ["audio"], ["research"], [], ["games"]],
        contexts=[
            Context("relation", "", 2024, [0, 3], known=True),
            Context("project", "P1", 2022, [3, 2]),
            Context("event", "Media Day", 2025, [0, 4]),
        ],
    )


def test_ordering_scores_and_reasons():
    index = Index(_corpus(), now_year=2026)
    found = index.recommend(10, k=4)
    # The known partner (Odense Kommune, 40) is never proposed.
    assert [r.id for r in found] == [20, 30, 50]
    assert [r.score for r in found] == [1.8826, 1.0026, 0.5917]
    podcast, sdu, games = found
    assert describe_all(podcast.reasons) == [
        "Your descriptions are alike.",
        "Both of you have competences in audio.",
        "Both of you work on Audio and podcast.",
        "You look for studio; they offer it.",
        "Both of you are in Syddanmark.",
    ]
    assert describe_all(sdu.reasons) == [
        "You look for research; they offer it.",
        "You both worked with Odense Kommune.",
        "Company and University complement each other (industry, research, public sector).",
        "Both of you are in Syddanmark.",
    ]
    assert describe_all(games.reasons) == ["You both took part in Media Day."]
    assert round(games.features["tie"], 3) == 0.841  # 0.5 ** (1 / 4): the event was a year ago


def test_exclusion_mask_and_small_k():
    index = Index(_corpus(), now_year=2026)
    mask = np.zeros(index.n, dtype=bool)
    mask[index.position[20]] = True
    assert [r.id for r in index.recommend(10, k=1, exclude=mask)] == [30]
    assert index.recommend(10, k=0) == []


def test_older_ties_weigh_less():
    corpus = _corpus()
    recent = Index(corpus, now_year=2022).ties[3, 2]
    later = Index(corpus, now_year=2030).ties[3, 2]
    assert (float(recent), float(later)) == (1.0, 0.25)


def test_embedding_path_for_large_directories(monkeypatch):
    from klynge.matchmaking import engine

    monkeypatch.setattr(engine, "EXACT_LIMIT", 2)
    monkeypatch.setattr(engine, "CANDIDATES", 3)
    index = Index(_corpus(), now_year=2026, embedding_dims=2)
    assert index.embedding.shape == (5, 2)
    found = index.recommend(10, k=2)
    assert len(found) == 2
    assert found[0].id == 20  # exact re-scoring of the candidates keeps the best first


def _mapped(array) -> bool:
    """Whether the array's memory is a file mapping (through views of views)."""
    while array is not None:
        if isinstance(array, np.memmap | mmap.mmap):
            return True
        array = getattr(array, "base", None)
    return False


def _recommendations(index, organisation_id, k=4, exclude=None):
    return [
        (r.id, r.name, r.score, describe_all(r.reasons))
        for r in index.recommend(organisation_id, k=k, exclude=exclude)
    ]


@pytest.mark.parametrize("embedding", [False, True])
def test_a_saved_index_is_memory_mapped_and_ranks_exactly_as_the_built_one(
    tmp_path, monkeypatch, embedding
):
    from klynge.matchmaking import engine, store

    if embedding:  # the large-directory path: embedding, candidates, exact re-scoring
        monkeypatch.setattr(engine, "EXACT_LIMIT", 2)
        monkeypatch.setattr(engine, "CANDIDATES", 3)
    built = Index(_corpus(), now_year=2026, embedding_dims=2)
    built.data_version = ((5, "2026-01-01T00:00:00+00:00"), (1, ""))
    store.save(built, tmp_path / "index")
    loaded = store.load(tmp_path / "index")

    assert set(vars(loaded)) == set(vars(built))  # nothing is left behind
    assert loaded.data_version == built.data_version
    for array in (
        loaded.ids,
        loaded.text.data,
        loaded.text.indices,
        loaded.ties.indices,
        loaded.names.buffer,
        loaded.position.sorted_ids,
    ):
        assert _mapped(array)
    assert not loaded.text.data.flags.writeable
    assert (loaded.embedding is None) is (not embedding)
    mask = np.zeros(loaded.n, dtype=bool)
    mask[loaded.position[50]] = True
    for pk in (10, 20, 30, 40, 50):
        assert _recommendations(loaded, pk) == _recommendations(built, pk)
        assert _recommendations(loaded, pk, exclude=mask) == _recommendations(
            built, pk, exclude=mask
        )
    assert list(loaded.names) == [
        "Fynsk Lyd",
        "Podcast Lab",
        "SDU Media",
        "Odense Kommune",
        "Nordic Games",
    ]
    assert (loaded.position[40], 40 in loaded.position, 41 in loaded.position) == (3, True, False)
    assert loaded.position.get(41) is None


def test_positions_and_string_tables():
    from klynge.matchmaking.engine import Positions, StringTable

    positions = Positions.of(np.asarray([30, 10, 20], dtype=np.int64))
    assert dict(positions) == {10: 1, 20: 2, 30: 0}
    assert (positions[30], len(positions), "x" in positions) == (0, 3, False)
    with pytest.raises(KeyError):
        positions[15]
    table = StringTable.of(["Ærø Lyd", "", "Malmö Spel"])
    assert (table[0], table[1], table[-1], len(table)) == ("Ærø Lyd", "", "Malmö Spel", 3)
    assert table[1:] == ["", "Malmö Spel"]
    with pytest.raises(IndexError):
        table[3]


def test_char_ngram_counts_are_scikit_learns_hashed_char_wb_ngrams():
    from sklearn.feature_extraction.text import HashingVectorizer

    from klynge.matchmaking.ngrams import char_ngram_counts

    texts = [
        "Lyddesign og podcastproduktion for radio",
        "  Ærø  Bølge\tLAB\n\nstrømning  ",  # runs of spaces, tabs, new lines, capitals
        "a bc def ghij klmno pqrstu",  # words shorter than, as long as, longer than n-grams
        "",
        None,
        "Malmö spel 🎮🎮 ok ΣΊΣΥΦΟΣ 北京",  # two-, three- and four-byte characters
        "x",
    ]
    for n_features in (2**10, 2**18):
        expected = HashingVectorizer(
            analyzer="char_wb",
            ngram_range=(3, 5),
            n_features=n_features,
            alternate_sign=False,
            norm=None,
        ).transform([t or "" for t in texts])
        got = char_ngram_counts(texts, n_features=n_features)
        assert got.shape == expected.shape
        assert (got != expected).nnz == 0
    assert got[3].nnz == got[4].nnz == 0
    assert got[6].sum() == 1  # " x ": one 3-gram
    # Many texts (several blocks of 5,000) give the same rows as a few.
    many = char_ngram_counts(texts * 1500, n_features=2**18)
    assert (many[len(texts) * 1499 :] != got).nnz == 0
    with pytest.raises(ValueError):
        char_ngram_counts(texts, n_features=1000)
