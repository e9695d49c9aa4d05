"""The engine's ordering and reasons on a small crafted ecosystem."""

import numpy as np

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
