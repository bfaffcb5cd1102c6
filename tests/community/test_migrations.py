"""Models and Alembic migrations must describe the same schema, on SQLite and PostgreSQL."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext


def _mapped(obj, name, type_, reflected, compare_to):
    from community.services.search import PG_DOCUMENT, UNMAPPED
    if type_ == "column" and name == PG_DOCUMENT and obj.table.name == "search_document":
        return False
    return name not in UNMAPPED


def test_models_and_migrations_agree(app, db):
    with db.engine.connect() as conn:
        # The search index's FTS5 tables (SQLite) and tsvector column and index (PostgreSQL) are
        # the migration's alone (services/search.py names them).
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": _mapped})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models differ from migrations: {diff}"


def test_migrations_downgrade_and_upgrade_again(app, db):
    from flask_migrate import downgrade, upgrade
    db.session.remove()
    downgrade(revision="base")
    with db.engine.connect() as conn:
        names = set(db.inspect(conn).get_table_names())
    assert "initiative" not in names
    upgrade()
    with db.engine.connect() as conn:
        assert {"initiative", "area", "schedule"} <= set(db.inspect(conn).get_table_names())
