"""Fills `search_text`, `sector_bits` and `sdg_bits`, and creates the search index: FTS5
(trigram) on SQLite, a pg_trgm GIN index on PostgreSQL. Other databases scan with LIKE."""

from django.db import migrations


def forwards(apps, schema_editor):
    from klynge.ecosystem.search import ensure_search_index, refresh_search_texts

    Organisation = apps.get_model("ecosystem", "Organisation")
    refresh_search_texts(Organisation.objects.values_list("pk", flat=True), model=Organisation)
    ensure_search_index(schema_editor.connection, rebuild=True)


def backwards(apps, schema_editor):
    from klynge.ecosystem.search import drop_search_index

    drop_search_index(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("ecosystem", "0003_directory_search")]
    operations = [migrations.RunPython(forwards, backwards)]
