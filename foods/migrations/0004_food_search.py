"""Full-text search over food descriptions: FTS5 on SQLite, a GIN tsvector index on PostgreSQL."""

from django.db import migrations

from foods import search_index


def forwards(apps, schema_editor):
    search_index.create(schema_editor.connection)


def backwards(apps, schema_editor):
    search_index.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("foods", "0003_food_source_length"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
