"""The GIN index behind document search, on PostgreSQL (the embedded mode has no tsvector)."""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS documents_document_search_vector_gin "
    "ON documents_document USING gin (search_vector);"
)
DROP = "DROP INDEX IF EXISTS documents_document_search_vector_gin;"


def _on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
