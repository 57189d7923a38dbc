"""audit entries about a personal feed or mail choices name their user

Revision ID: 0021
Revises: 0013
Create Date: 2026-12-02 01:00:00.000000

Until the audit log unwrapped Flask-Login's ``current_user``, the entries
``feed.create``, ``feed.reset`` and ``notifications.preferences`` written
from the web named their object by the proxy's class: ``localproxy``. Its
id was the user's (the proxy passes attributes through), so these rows are
about that user. The downgrade leaves them named ``user``: the old name
told nothing that the new one does not.

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE audit_log SET object_type = 'user' WHERE object_type = 'localproxy'")


def downgrade():
    pass
