"""each initiative-at-place link's next session stored (start, and the span it holds for), indexed for the finder's order

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('initiative_at_place', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_start', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('next_from', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('next_until', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.create_index('ix_initiative_at_place_next_start', ['next_start', 'next_from', 'next_until'],
                              unique=False)
        batch_op.create_index('ix_initiative_at_place_next_until', ['next_until'], unique=False)
        batch_op.create_index('ix_initiative_at_place_next_from', ['next_from'], unique=False)
    # Every link is stale now (0, 0): store their next sessions as the finder would compute them.
    from community.services.next_sessions import refresh
    refresh(op.get_bind())


def downgrade():
    with op.batch_alter_table('initiative_at_place', schema=None) as batch_op:
        batch_op.drop_index('ix_initiative_at_place_next_from')
        batch_op.drop_index('ix_initiative_at_place_next_until')
        batch_op.drop_index('ix_initiative_at_place_next_start')
        batch_op.drop_column('next_until')
        batch_op.drop_column('next_from')
        batch_op.drop_column('next_start')
