"""The database itself refuses to change or delete audit events.

PostgreSQL refuses UPDATE and DELETE of a row. SQLite (the embedded mode) refuses UPDATE only:
its test-database flush empties tables with DELETE, where PostgreSQL uses TRUNCATE.
"""

from django.db import migrations

POSTGRESQL_CREATE = """
CREATE OR REPLACE FUNCTION communities_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER communities_auditevent_append_only
    BEFORE UPDATE OR DELETE ON communities_auditevent
    FOR EACH ROW EXECUTE FUNCTION communities_auditevent_append_only();
"""
POSTGRESQL_DROP = """
DROP TRIGGER IF EXISTS communities_auditevent_append_only ON communities_auditevent;
DROP FUNCTION IF EXISTS communities_auditevent_append_only();
"""
SQLITE_CREATE = """
CREATE TRIGGER communities_auditevent_append_only
BEFORE UPDATE ON communities_auditevent
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS communities_auditevent_append_only;"


def _run(statements: dict):
    def run(apps, schema_editor):
        sql = statements.get(schema_editor.connection.vendor)
        if sql:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("communities", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL_CREATE, "sqlite": SQLITE_CREATE}),
            _run({"postgresql": POSTGRESQL_DROP, "sqlite": SQLITE_DROP}),
        )
    ]
