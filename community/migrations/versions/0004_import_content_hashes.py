"""import content hashes on organisations, initiatives and meeting places

An unchanged re-import compares these instead of loading every record. They start empty: a
hash says what the last import set from its file's columns, which only an import knows, so the
next import compares the records without one in full once and stores theirs.

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

TABLES = ("organisation", "initiative", "meeting_place")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('content_hash', sa.String(length=32), nullable=True))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('content_hash')
