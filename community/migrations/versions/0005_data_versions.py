"""data versions: a token per topic, new at every write of the topic's tables

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 15:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None



def upgrade():
    # No rows: the first write of a topic makes its row (an empty database stays empty for restore).
    op.create_table('data_version',
    sa.Column('topic', sa.String(length=40), nullable=False),
    sa.Column('counter', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('topic', name=op.f('pk_data_version'))
    )


def downgrade():
    op.drop_table('data_version')
