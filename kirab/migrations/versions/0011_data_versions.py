"""data versions per scope and stored renderings of public pages

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 21:00:00.000000

The feeds' one change counter (feed_state) gives way to the versions per
scope. Downgrading drops both tables and brings the counter back at 0:
stored pages and feeds are rendered again, nothing else is lost.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('data_versions',
    sa.Column('scope', sa.String(length=64), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('changed_at', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('version >= 0', name=op.f('ck_data_versions_version')),
    sa.PrimaryKeyConstraint('scope', name=op.f('pk_data_versions'))
    )
    op.create_table('page_renderings',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('mimetype', sa.String(length=100), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('stored_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_page_renderings'))
    )
    with op.batch_alter_table('page_renderings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_page_renderings_stored_at'), ['stored_at'], unique=False)

    op.drop_table('feed_state')


def downgrade():
    feed_state = op.create_table('feed_state',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('version >= 0', name=op.f('ck_feed_state_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_state'))
    )
    op.bulk_insert(feed_state, [{'id': 1, 'version': 0}])
    with op.batch_alter_table('page_renderings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_page_renderings_stored_at'))

    op.drop_table('page_renderings')
    op.drop_table('data_versions')
