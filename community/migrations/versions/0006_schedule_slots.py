"""schedule slots: each schedule's weekdays in plain numbers, for the finder's SQL

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 15:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('schedule_slot',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('schedule_id', sa.Uuid(), nullable=False),
    sa.Column('location_id', sa.Uuid(), nullable=False),
    sa.Column('frequency', sa.String(length=20), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('start_sec', sa.Integer(), nullable=False),
    sa.Column('end_sec', sa.Integer(), nullable=False),
    sa.Column('nth', sa.Integer(), nullable=True),
    sa.Column('from_day', sa.Integer(), nullable=False),
    sa.Column('until_day', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['location_id'], ['initiative_at_place.id'], name=op.f('fk_schedule_slot_location_id_initiative_at_place'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['schedule_id'], ['schedule.id'], name=op.f('fk_schedule_slot_schedule_id_schedule'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schedule_slot'))
    )
    with op.batch_alter_table('schedule_slot', schema=None) as batch_op:
        batch_op.create_index('ix_schedule_slot_location', ['location_id', 'from_day', 'until_day'], unique=False)
        batch_op.create_index(batch_op.f('ix_schedule_slot_schedule_id'), ['schedule_id'], unique=False)
        batch_op.create_index('ix_schedule_slot_weekday', ['weekday', 'start_sec', 'end_sec'], unique=False)
        batch_op.create_index('ix_schedule_slot_weekday_end', ['weekday', 'end_sec'], unique=False)
    _fill()


def _fill(batch: int = 5000):
    """Slots for the schedules already stored, computed as the writer computes them."""
    from community.scheduling import Recurrence
    from community.services.schedules import slot_rows
    uid, day, clock = sa.Uuid(), sa.Date(), sa.Time()
    schedule = sa.table('schedule', sa.column('id', uid), sa.column('location_id', uid), sa.column('frequency'),
                        sa.column('weekdays'), sa.column('start_time', clock), sa.column('end_time', clock),
                        sa.column('nth'), sa.column('on_date', day), sa.column('valid_from', day),
                        sa.column('valid_until', day))
    slot = sa.table('schedule_slot', sa.column('schedule_id', uid), sa.column('location_id', uid),
                    *(sa.column(n) for n in ('frequency', 'weekday', 'start_sec', 'end_sec', 'nth', 'from_day',
                                             'until_day')))
    bind = op.get_bind()
    rows = []
    for s in bind.execute(sa.select(schedule)).mappings():
        rule = Recurrence(frequency=s['frequency'], start_time=s['start_time'], end_time=s['end_time'],
                          weekdays=tuple(int(d) for d in (s['weekdays'] or '').split(',') if d.strip()),
                          nth=s['nth'], on_date=s['on_date'], valid_from=s['valid_from'],
                          valid_until=s['valid_until'])
        rows += slot_rows(s['id'], s['location_id'], rule)
        if len(rows) >= batch:
            bind.execute(sa.insert(slot), rows)
            rows = []
    if rows:
        bind.execute(sa.insert(slot), rows)


def downgrade():
    with op.batch_alter_table('schedule_slot', schema=None) as batch_op:
        batch_op.drop_index('ix_schedule_slot_weekday_end')
        batch_op.drop_index('ix_schedule_slot_weekday')
        batch_op.drop_index(batch_op.f('ix_schedule_slot_schedule_id'))
        batch_op.drop_index('ix_schedule_slot_location')
    op.drop_table('schedule_slot')
