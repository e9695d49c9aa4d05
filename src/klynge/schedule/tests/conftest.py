from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[5] / "shared" / "data" / "schedules"


@pytest.fixture(scope="session")
def schedules_dir() -> Path:
    if not DATA.is_dir():
        pytest.skip(f"the shared schedule data is missing ({DATA})")
    return DATA


@pytest.fixture(scope="session")
def xml_schema(schedules_dir):
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(schedules_dir / "schedule.xml.xsd")))


@pytest.fixture(scope="session")
def json_validator(schedules_dir):
    import json

    import jsonschema

    schema = json.loads((schedules_dir / "schedule.schema.json").read_text())
    return jsonschema.Draft6Validator(schema, format_checker=jsonschema.FormatChecker())
