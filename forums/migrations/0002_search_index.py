"""The GIN index behind full-text search, on PostgreSQL (the embedded mode has no tsvector)."""

from django.db import migrations

from core.db import postgresql_only

CREATE = (
    "CREATE INDEX IF NOT EXISTS forums_post_search_vector_gin "
    "ON forums_post USING gin (search_vector);"
)
DROP = "DROP INDEX IF EXISTS forums_post_search_vector_gin;"



class Migration(migrations.Migration):
    dependencies = [("forums", "0001_initial")]

    operations = [postgresql_only(CREATE, DROP)]
