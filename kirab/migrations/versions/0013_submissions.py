"""submission keys of the forms that create something

Revision ID: 0013
Revises: 0020
Create Date: 2026-12-01 23:00:00.000000

A post of a creating form records its key here, so that a double click or a
retry creates nothing more. Downgrading forgets the keys.

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('submissions',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('answer', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_submissions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_submissions'))
    )
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submissions_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submissions_created_at'))
    op.drop_table('submissions')
