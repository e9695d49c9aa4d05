"""Seeds the fixed vocabularies: the media sector taxonomy, the 17 SDGs and the NACE codes."""

from django.db import migrations


def seed(apps, schema_editor):
    from klynge.ecosystem.taxonomy import seed_taxonomies

    seed_taxonomies(
        apps.get_model("ecosystem", "Sector"),
        apps.get_model("ecosystem", "Sdg"),
        apps.get_model("ecosystem", "NaceCode"),
    )


class Migration(migrations.Migration):
    dependencies = [("ecosystem", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
