"""Database helpers for migrations: pieces that exist on PostgreSQL only."""

from django.db import migrations


def postgresql_only(sql: str, reverse_sql: str) -> migrations.RunPython:
    """A migration operation running `sql` on PostgreSQL and nothing elsewhere (the embedded
    mode's SQLite has no tsvector, GIN index or trigger language)."""

    def run(statement: str):
        def operation(apps, schema_editor):
            if schema_editor.connection.vendor == "postgresql":
                schema_editor.execute(statement)

        return operation

    return migrations.RunPython(run(sql), run(reverse_sql))
