"""Seeds the fixed vocabularies: the media sector taxonomy, the 17 SDGs and the NACE codes."""

import json
from pathlib import Path

from django.db import migrations

NACE_FILE = Path(__file__).resolve().parent.parent / "fixtures" / "nace.json"


def seed(apps, schema_editor):
    from klynge.ecosystem.taxonomy import SDGS, SECTORS

    Sector = apps.get_model("ecosystem", "Sector")
    Sdg = apps.get_model("ecosystem", "Sdg")
    NaceCode = apps.get_model("ecosystem", "NaceCode")
    by_slug = {}
    for slug, parent, _label in SECTORS:
        by_slug[slug], _ = Sector.objects.get_or_create(
            slug=slug, defaults={"parent": by_slug.get(parent)}
        )
    for number in SDGS:
        Sdg.objects.get_or_create(number=number)
    by_code = {}
    for code, name, level, parent in json.loads(NACE_FILE.read_text(encoding="utf-8")):
        by_code[code], _ = NaceCode.objects.get_or_create(
            code=code, defaults={"name": name, "level": level, "parent": by_code.get(parent)}
        )


class Migration(migrations.Migration):
    dependencies = [("ecosystem", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
