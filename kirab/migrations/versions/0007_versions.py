"""versions: the records people edit carry a version, so a stale edit is refused

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 20:00:00.000000

Every existing row starts at version 1; SQLAlchemy raises the version with
each UPDATE and refuses one made over a newer version. Venues are changed
through the events saved at them, so they carry one too.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

TABLES = ('users', 'stops', 'handovers', 'events', 'venues')


def upgrade():
    # A server default fills the rows already there; batch mode lets SQLite
    # add the NOT NULL column, PostgreSQL simply alters the table.
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column('version', sa.Integer(), server_default='1', nullable=False)
            )


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version')
