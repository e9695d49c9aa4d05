"""scripts/h2020_to_collaborations_csv.py on rows shaped like the Research Council's file."""

import csv
import importlib.util
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[4] / "scripts" / "h2020_to_collaborations_csv.py"
# The shared data sits beside the project (../shared/data), as the data README says.
REAL = (
    Path(__file__).resolve().parents[5]
    / "shared"
    / "data"
    / "collaborations"
    / "norway-h2020-participations.csv"
)


def _load():
    spec = importlib.util.spec_from_file_location("h2020_to_collaborations_csv", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _row(**values):
    base = {
        "Prosjektnr": "951956",
        "Prosjektnavn": "Create  and Harvest",
        "Topic": "I4MS",
        "Kontrakt startdato": "01.06.2020 00:00",
        "Kontrakt signeringsdato": "25.05.2020 00:00",
        "Søknadsfrist": "13.11.2019 00:00",
        "Organisasjonsnummer": "919303808",
        "Organisasjonsnavn": "SINTEF AS",
        "FoU sektorkode": "INS",
        "FoU kategori": "Teknisk-industrielle institutter",
    }
    return {**base, **values}


def test_convert_rows():
    module = _load()
    rows, skipped = module.convert(
        [
            _row(),
            _row(),  # the same organisation twice in one project
            _row(Organisasjonsnummer="", Organisasjonsnavn="Ukjent"),  # nothing to tie it to
            _row(
                Organisasjonsnummer="", Organisasjonsnavn="Lille Firma", **{"FoU sektorkode": "NÆR"}
            ),
            _row(**{"Kontrakt startdato": "", "Prosjektnr": "2", "FoU sektorkode": "UoH"}),
            _row(**{"Kontrakt startdato": "", "Kontrakt signeringsdato": "", "Søknadsfrist": ""}),
        ]
    )
    assert skipped == 3
    assert rows == [
        {
            "organisation_id": "919303808",
            "organisation_name": "SINTEF AS",
            "kind": "research",
            "country": "NO",
            "project_id": "951956",
            "title": "Create and Harvest",
            "topic": "I4MS",
            "year": "2020",
        },
        {
            "organisation_id": "name:Lille Firma",
            "organisation_name": "Lille Firma",
            "kind": "company",
            "country": "NO",
            "project_id": "951956",
            "title": "Create and Harvest",
            "topic": "I4MS",
            "year": "2020",
        },
        {
            "organisation_id": "919303808",
            "organisation_name": "SINTEF AS",
            "kind": "university",
            "country": "NO",
            "project_id": "2",
            "title": "Create and Harvest",
            "topic": "I4MS",
            "year": "2020",
        },
    ]


def test_main_writes_the_evaluation_format(tmp_path):
    module = _load()
    source = tmp_path / "in.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(_row()), delimiter=";")
        writer.writeheader()
        writer.writerow(_row())
    target = tmp_path / "out.csv"
    assert module.main(["x", str(source), str(target)]) == 0
    assert target.read_text(encoding="utf-8").splitlines() == [
        "organisation_id,organisation_name,kind,country,project_id,title,topic,year",
        "919303808,SINTEF AS,research,NO,951956,Create and Harvest,I4MS,2020",
    ]
    assert module.main(["x"]) == 2


def test_the_real_file_when_present(tmp_path):
    import os

    import pytest

    if not REAL.exists():
        if os.environ.get("CI") == "true":  # CI lays shared/ beside the clone: it must be there
            pytest.fail(f"the shared collaborations file is missing: {REAL}")
        pytest.skip("the shared data folder is not here")
    module = _load()
    target = tmp_path / "collaborations.csv"
    assert module.main(["x", str(REAL), str(target)]) == 0
    with target.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2927
    assert len({row["organisation_id"] for row in rows}) == 692
