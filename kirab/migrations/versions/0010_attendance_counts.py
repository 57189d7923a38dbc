"""attendance totals kept per event: people by name, crowd, and per party

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 21:00:00.000000

The upgrade fills the totals from the records and tallies already there
(the crowd is each counter's latest tally of each category, added up), so
the pages show the same numbers as before. Downgrading drops the totals;
the records and tallies they were counted from stay.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# The same SQL on SQLite and PostgreSQL; the latest tally wins by time, then by id.
FILL_EVENTS = """
WITH ranked AS (
    SELECT event_id, count, row_number() OVER (
        PARTITION BY event_id, counter_key, category ORDER BY recorded_at DESC, id DESC
    ) AS rank
    FROM headcount_tallies
),
crowd AS (SELECT event_id, sum(count) AS n FROM ranked WHERE rank = 1 GROUP BY event_id),
named AS (SELECT event_id, count(*) AS n FROM attendance_records GROUP BY event_id)
INSERT INTO event_attendance (event_id, named, crowd)
SELECT events.id, coalesce(named.n, 0), coalesce(crowd.n, 0)
FROM events
LEFT JOIN named ON named.event_id = events.id
LEFT JOIN crowd ON crowd.event_id = events.id
WHERE named.n IS NOT NULL OR crowd.n IS NOT NULL
"""
FILL_PARTIES = """
INSERT INTO event_party_attendance (event_id, party_number, confirmed, self_declared)
SELECT event_id, party_number,
       sum(CASE WHEN party_self_declared THEN 0 ELSE 1 END),
       sum(CASE WHEN party_self_declared THEN 1 ELSE 0 END)
FROM attendance_records
WHERE party_number IS NOT NULL
GROUP BY event_id, party_number
"""


def upgrade():
    op.create_table('event_attendance',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('named', sa.Integer(), server_default='0', nullable=False),
    sa.Column('crowd', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_attendance_event_id_events')),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_event_attendance'))
    )
    op.create_table('event_party_attendance',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('party_number', sa.Integer(), nullable=False),
    sa.Column('confirmed', sa.Integer(), server_default='0', nullable=False),
    sa.Column('self_declared', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_party_attendance_event_id_events')),
    sa.ForeignKeyConstraint(['party_number'], ['parties.number'], name=op.f('fk_event_party_attendance_party_number_parties')),
    sa.PrimaryKeyConstraint('event_id', 'party_number', name=op.f('pk_event_party_attendance'))
    )
    op.execute(FILL_EVENTS)
    op.execute(FILL_PARTIES)


def downgrade():
    op.drop_table('event_party_attendance')
    op.drop_table('event_attendance')
