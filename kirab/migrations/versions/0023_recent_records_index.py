"""an index on an event's records by time: the attendance page reads its latest ones in order

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 06:00:00.000000

The attendance page of an event lists its latest records. With only the
unique index (event, name, affiliation) the database read every record of
the event and sorted them: 2,000 of them on a busy parade. This index
hands them over newest first.

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_attendance_records_event_recent', 'attendance_records',
        ['event_id', 'recorded_at', 'id'], unique=False,
    )


def downgrade():
    op.drop_index('ix_attendance_records_event_recent', table_name='attendance_records')
