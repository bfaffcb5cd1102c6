"""the last day of each link's schedules, so that the finder leaves out what has ended by a column

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('initiative_at_place', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_day', sa.Integer(), nullable=True))
    # As the writer keeps it: the latest until_day of the link's slots, NULL without schedules.
    op.execute("UPDATE initiative_at_place SET last_day = "
               "(SELECT max(until_day) FROM schedule_slot WHERE schedule_slot.location_id = initiative_at_place.id)")


def downgrade():
    with op.batch_alter_table('initiative_at_place', schema=None) as batch_op:
        batch_op.drop_column('last_day')
