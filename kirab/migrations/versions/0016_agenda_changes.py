"""the agenda's change log

Revision ID: 0016
Revises: 0011
Create Date: 2026-12-01 22:30:00.000000

Downgrading drops the change log; it holds what was told to the public and
to followers, so the downgrade refuses while it has entries.

"""
from alembic import op
import sqlalchemy as sa

from kirab.migrations.data_loss import refuse_data_loss


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('agenda_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('stop_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=16), nullable=False),
    sa.CheckConstraint("kind IN ('created', 'moved', 'venue', 'cancelled', 'withdrawn', 'shifted')", name=op.f('ck_agenda_changes_kind')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_agenda_changes_region_code_regions')),
    sa.ForeignKeyConstraint(['stop_id'], ['stops.id'], name=op.f('fk_agenda_changes_stop_id_stops')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_changes'))
    )
    with op.batch_alter_table('agenda_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agenda_changes_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_agenda_changes_occurred_at'), ['occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_agenda_changes_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_agenda_changes_stop_id'), ['stop_id'], unique=False)

    op.create_table('agenda_change_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('change_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('old_starts_at', sa.DateTime(), nullable=True),
    sa.Column('old_ends_at', sa.DateTime(), nullable=True),
    sa.Column('new_starts_at', sa.DateTime(), nullable=True),
    sa.Column('new_ends_at', sa.DateTime(), nullable=True),
    sa.Column('old_venue', sa.String(length=200), nullable=False),
    sa.Column('new_venue', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['change_id'], ['agenda_changes.id'], name=op.f('fk_agenda_change_events_change_id_agenda_changes')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_agenda_change_events_event_id_events')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_change_events'))
    )
    with op.batch_alter_table('agenda_change_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agenda_change_events_change_id'), ['change_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agenda_change_events_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agenda_change_events_new_starts_at'), ['new_starts_at'], unique=False)


def downgrade():
    refuse_data_loss('agenda_changes', 'agenda_change_events')
    op.drop_table('agenda_change_events')
    op.drop_table('agenda_changes')
