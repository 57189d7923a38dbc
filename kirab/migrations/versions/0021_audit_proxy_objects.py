"""audit entries about a personal feed or mail choices name their user; the log indexed by object

Revision ID: 0021
Revises: 0013
Create Date: 2026-12-02 01:00:00.000000

Until the audit log unwrapped Flask-Login's ``current_user``, the entries
``feed.create``, ``feed.reset`` and ``notifications.preferences`` written
from the web named their object by the proxy's class: ``localproxy``. Its
id was the user's (the proxy passes attributes through), so these rows are
about that user. The downgrade leaves them named ``user``: the old name
told nothing that the new one does not. An index on the object's type and
id serves the log's filter by object.

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE audit_log SET object_type = 'user' WHERE object_type = 'localproxy'")
    op.create_index('ix_audit_log_object', 'audit_log', ['object_type', 'object_id'], unique=False)


def downgrade():
    op.drop_index('ix_audit_log_object', table_name='audit_log')
