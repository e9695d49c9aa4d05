"""`klynge matchmaking_evaluate` on a small fixture with known metrics, and bad input."""

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

FIXTURE = Path(__file__).with_name("fixture_collaborations.csv")
HEADER = "organisation_id,organisation_name,kind,country,project_id,title,topic,year\n"


def _run(path, *args):
    from io import StringIO

    out = StringIO()
    call_command("matchmaking_evaluate", str(path), *args, stdout=out)
    return out.getvalue()


def test_json_contract_and_exact_metrics():
    result = json.loads(_run(FIXTURE, "--split-year", "2018", "--k", "1", "--json"))
    assert result["organisations_evaluated"] == 4
    assert result["engine"] == {"recall": 0.75, "mrr": 0.75, "coverage": 0.5}
    assert result["baselines"] == {
        "random": {"recall": 0.25, "mrr": 0.25, "coverage": 0.5},
        "popularity": {"recall": 0.0, "mrr": 0.0, "coverage": 0.25},
        "adamic_adar": {"recall": 0.5, "mrr": 0.5, "coverage": 0.5},
    }


def test_table_output_with_k_2():
    out = _run(FIXTURE, "--split-year", "2018", "--k", "2")
    assert out.splitlines() == [
        "split year 2018, k = 2: 4 organisations evaluated, 8 ranked",
        "method            recall@2       MRR  coverage",
        "engine              1.0000    0.8750    0.7500",
        "random              0.2500    0.2500    0.6250",
        "popularity          0.0000    0.0000    0.3750",
        "adamic_adar         0.5000    0.5000    0.6250",
        "engine recall / best baseline recall: 2.00",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "organisation_id,organisation_name,kind,project_id,year\nA,a,company,P1,2015\n",
            "Line 1: missing columns: country, title, topic",
        ),
        (
            HEADER + "A,a,company,NO,P1,t,x,2015\nB,b,company,NO,P1,t,x,20x5\n",
            "Line 3: the year '20x5'",
        ),
        (HEADER + "A,a,company,NO,P1,t,x,1800\n", "Line 2: the year '1800'"),
        (HEADER + "A,a,company,NO,P1,t,x,\n", "Line 2: year is empty."),
        (
            HEADER
            + "A,a,company,NO,P1,t,x,2015\nB,b,company,NO,P1,t,x,2015\nA,a,company,NO,P1,t,x,2015\n",
            "Line 4: organisation A is already in project P1 on line 2 (duplicated row).",
        ),
        (HEADER, "The file has no rows."),
    ],
)
def test_bad_input_names_the_line(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError) as error:
        _run(path, "--split-year", "2016")
    assert message in str(error.value)


@pytest.mark.parametrize("year", ["2015", "2030"])
def test_split_year_outside_the_file(year):
    with pytest.raises(CommandError) as error:
        _run(FIXTURE, "--split-year", year)
    assert "the file's projects run from 2015 to 2019" in str(error.value)


def test_missing_file(tmp_path):
    with pytest.raises(CommandError) as error:
        _run(tmp_path / "nope.csv", "--split-year", "2018")
    assert "Cannot read" in str(error.value)
