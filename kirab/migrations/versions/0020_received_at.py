"""when a record kept on a phone offline reached the server

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 23:20:00.000000

Downgrading drops the column: records keep their stated time, the time
they arrived is lost, so the downgrade refuses while any record has one.

"""
from alembic import op
import sqlalchemy as sa

from kirab.migrations.data_loss import refuse_data_loss


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attendance_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('received_at', sa.DateTime(), nullable=True))


def downgrade():
    refuse_data_loss('attendance_records.received_at')
    with op.batch_alter_table('attendance_records', schema=None) as batch_op:
        batch_op.drop_column('received_at')
