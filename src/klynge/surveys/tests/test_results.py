"""Results with exact figures: counts, shares, means, the NPS, matrix tables, and breakdowns
that never show a group under five (nor one that could be worked out from the others)."""

from decimal import Decimal

import pytest

from klynge.ecosystem.tests.factories import OrganisationFactory
from klynge.surveys.figures import hidden_groups, net_promoter_score
from klynge.surveys.results import survey_results
from klynge.surveys.tests.builders import build_survey, open_now, respond


def _by_number(results):
    return {r.number: r for r in results.questions}


def test_counts_shares_means_nps_and_the_matrix(open_survey):
    respond(open_survey, q1="web", q2=["events", "studios"], q3="yes", q4="4", q5="10")
    respond(open_survey, q1="web", q2=["events"], q3="yes", q4="5", q5="9", q6_funding=None)
    respond(open_survey, q1="friend", q2=None, q3="no", q4="2", q5="6", q7=None, q8=None,
            q6_talent="1", q6_funding=None)  # fmt: skip
    results = survey_results(open_survey, viewer="staff", language="en")
    q = _by_number(results)
    assert (results.respondents, results.shown) == (3, True)
    assert [(r.label, r.count, r.share) for r in q[1].rows] == [
        ("The web", 2, Decimal("66.7")),
        ("A friend", 1, Decimal("33.3")),
        ("An event", 0, Decimal("0.0")),
    ]
    # Multiple choice: shares of those who answered the question (two), so they add up to more.
    assert q[2].answered == 2
    assert [(r.value, r.count, r.share) for r in q[2].rows] == [
        ("events", 2, Decimal("100.0")),
        ("studios", 1, Decimal("50.0")),
    ]
    assert [(r.value, r.count, r.share) for r in q[3].rows] == [
        ("yes", 2, Decimal("66.7")),
        ("no", 1, Decimal("33.3")),
    ]
    assert (q[4].mean, [r.count for r in q[4].rows]) == (Decimal("3.67"), [0, 1, 0, 1, 1])
    assert (q[5].nps, q[5].promoters, q[5].passives, q[5].detractors) == (33, 2, 0, 1)
    assert q[5].mean == Decimal("8.33")
    assert [(m.label, m.counts, m.answered, m.mean) for m in q[6].matrix] == [
        ("Talent", [1, 0, 0, 0, 2], 3, Decimal("3.67")),
        ("Funding", [0, 0, 1, 0, 0], 1, Decimal("3.00")),
    ]
    # The charts carry the same figures.
    assert q[1].chart.series[0].values == [Decimal("66.7"), Decimal("33.3"), Decimal("0.0")]
    assert [b.value_text for b in q[5].chart.bars] == ["33.3%", "0%", "66.7%"]


@pytest.mark.parametrize(
    ("answers", "score"),
    [
        ([0, 6, 7, 8, 9, 10, 10], 14),  # 3 promoters, 2 detractors of 7: 14.29
        ([9, 10, 7, 8, 6, 5, 9, 8], 13),  # 12.5 rounds half up
        ([0, 1, 7, 8, 9, 6, 8, 8], -25),
        ([10] * 5, 100),
        ([6] * 5, -100),
        ([], None),
    ],
)
def test_the_net_promoter_score(answers, score):
    distribution = {}
    for value in answers:
        distribution[value] = distribution.get(value, 0) + 1
    assert net_promoter_score(distribution) == score


def test_an_anonymous_survey_shows_results_from_five_respondents_on(db):
    survey = open_now(build_survey(anonymous=True))
    for _n in range(4):
        respond(survey)
    results = survey_results(survey, viewer="staff")
    assert (results.respondents, results.shown, results.questions) == (4, False, [])
    respond(survey)
    results = survey_results(survey, viewer="staff")
    assert (results.respondents, results.shown) == (5, True)
    q = _by_number(results)
    assert [r.count for r in q[1].rows] == [5, 0, 0]


def test_members_see_a_question_only_once_five_have_answered_it(open_survey):
    for _n in range(4):
        respond(open_survey, q3="no", q7=None)
    respond(open_survey)  # the only one asked question 7
    q = _by_number(survey_results(open_survey, viewer="member"))
    assert (q[1].hidden, q[1].answered) == (False, 5)
    assert (q[7].hidden, q[7].answered, q[7].rows) == (True, 1, [])
    assert _by_number(survey_results(open_survey, viewer="staff"))[7].hidden is False


def test_a_breakdown_hides_groups_under_five_and_says_so(open_survey):
    micro = OrganisationFactory(name="Lille ApS", employees=5)
    medium = OrganisationFactory(name="Mellem A/S", employees=100)
    large = OrganisationFactory(name="Stor A/S", employees=500)
    for _n in range(6):
        respond(open_survey, micro, q4="5")
    for _n in range(5):
        respond(open_survey, medium, q4="3")
    for _n in range(4):
        respond(open_survey, large, q4="1")
    results = survey_results(open_survey, viewer="staff", dimension="size", language="en")
    assert [(s.label, s.respondents, s.hidden) for s in results.segments] == [
        ("Micro (under 10 employees)", 6, ""),
        ("Medium (50–249 employees)", 5, "complement"),
        ("Large (250 employees or more)", 4, "small"),
    ]
    scale = _by_number(results)[4].breakdown
    assert scale.columns == ["Mean"]
    assert [(g.label, g.hidden, g.cells) for g in scale.groups] == [
        ("Micro (under 10 employees)", "", ["5"]),
        ("Medium (50–249 employees)", "complement", []),
        ("Large (250 employees or more)", "small", []),
    ]


def test_five_in_a_group_are_shown_four_are_not(open_survey):
    a = OrganisationFactory(name="A ApS", employees=5)
    b = OrganisationFactory(name="B A/S", employees=20)
    for _n in range(4):
        respond(open_survey, a, q1="web")
    respond(open_survey, a, q1="web", q2=["studios"], q8=None)  # not asked question 8
    for _n in range(5):
        respond(open_survey, b, q1="friend", q8="2")
    results = survey_results(open_survey, viewer="member", dimension="size", language="en")
    groups = _by_number(results)[1].breakdown.groups
    assert [(g.label, g.answered, g.hidden, g.cells) for g in groups] == [
        ("Micro (under 10 employees)", 5, "", ["100%", "0%", "0%"]),
        ("Small (10–49 employees)", 5, "", ["0%", "100%", "0%"]),
    ]
    # Question 8: four answers in A's group; B's five would give A's away (total minus B).
    question = _by_number(results)[8]
    assert (question.answered, question.hidden, question.mean) == (9, False, Decimal("3.33"))
    assert [(g.label, g.answered, g.hidden, g.cells) for g in question.breakdown.groups] == [
        ("Micro (under 10 employees)", 4, "small", []),
        ("Small (10–49 employees)", 5, "complement", []),
    ]


@pytest.mark.parametrize(
    ("sizes", "partition", "hidden"),
    [
        ({"a": 5, "b": 4}, True, {"a", "b"}),  # b alone would be total minus a
        ({"a": 9, "b": 7, "c": 2, "d": 2}, True, {"c", "d", "b"}),
        ({"a": 9, "b": 7, "c": 5}, True, set()),
        ({"a": 9, "b": 3}, False, {"b"}),  # overlapping groups (sectors): no complement
        ({"a": 9, "b": 0, "c": 6}, True, set()),
        ({"a": 3, "b": 2}, True, {"a", "b"}),
    ],
)
def test_hidden_groups(sizes, partition, hidden):
    assert hidden_groups(sizes, partition=partition) == hidden


def test_sectors_overlap_and_are_shown_each(open_survey):
    from klynge.ecosystem.models import Sector

    content = Sector.objects.get_or_create(slug="content")[0]
    tech = Sector.objects.get_or_create(slug="technology")[0]
    both = OrganisationFactory(name="Begge ApS")
    both.sectors.set([content, tech])
    both.refresh_from_db()
    for _n in range(5):
        respond(open_survey, both)
    results = survey_results(open_survey, viewer="staff", dimension="sector", language="en")
    assert [(s.label, s.respondents, s.hidden) for s in results.segments] == [
        ("Content production", 5, ""),
        ("Technology", 5, ""),
    ]
