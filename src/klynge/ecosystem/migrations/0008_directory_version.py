"""The directory's data version: a table and triggers that change it with every write to an
organisation (see `klynge.ecosystem.search.directory_version`), so cached facet counts stay
exact. Other databases have no version and count every time."""

from django.db import migrations


def forwards(apps, schema_editor):
    from klynge.ecosystem.search import ensure_directory_version

    ensure_directory_version(schema_editor.connection)


def backwards(apps, schema_editor):
    from klynge.ecosystem.search import drop_directory_version

    drop_directory_version(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("ecosystem", "0007_countries_names_duplicates")]
    operations = [migrations.RunPython(forwards, backwards)]
