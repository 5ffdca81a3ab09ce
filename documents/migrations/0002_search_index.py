"""The GIN index behind document search, on PostgreSQL (the embedded mode has no tsvector)."""

from django.db import migrations

from core.db import postgresql_only

CREATE = (
    "CREATE INDEX IF NOT EXISTS documents_document_search_vector_gin "
    "ON documents_document USING gin (search_vector);"
)
DROP = "DROP INDEX IF EXISTS documents_document_search_vector_gin;"



class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]

    operations = [postgresql_only(CREATE, DROP)]
