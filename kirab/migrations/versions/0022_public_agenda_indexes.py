"""indexes for the public agenda: its events in order, kecamatan by the prefix of their code

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 05:40:00.000000

A partial index holds the published and cancelled events by start and id:
a page of the agenda is read from it in order and a count reads it alone.
The kecamatan of an event are indexed for ``LIKE '32.%'``: under a
collation other than "C" PostgreSQL compares a prefix only through an index
with ``varchar_pattern_ops`` (SQLite gets a plain one). Both are indexes
only: the downgrade drops them and loses nothing.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

PUBLIC_ROWS = "deleted_at IS NULL AND status IN ('published', 'cancelled')"


def upgrade():
    op.create_index(
        'ix_events_public_order', 'events', ['starts_at', 'id'], unique=False,
        postgresql_where=sa.text(PUBLIC_ROWS), sqlite_where=sa.text(PUBLIC_ROWS),
    )
    op.create_index(
        'ix_event_districts_code_prefix', 'event_districts', ['district_code', 'event_id'],
        unique=False, postgresql_ops={'district_code': 'varchar_pattern_ops'},
    )


def downgrade():
    op.drop_index('ix_event_districts_code_prefix', table_name='event_districts')
    op.drop_index('ix_events_public_order', table_name='events')
