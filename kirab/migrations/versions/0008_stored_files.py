"""stored files: uploads kept in the database, so every app server serves them

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 20:00:00.000000

Earlier versions kept handover scans and photos in the upload folder of one
machine (``handovers/<handover id>/<stored name>``). The upgrade copies every
file it finds there into ``stored_files`` under that same path as its key;
the files are left on disk (a failed upgrade rolls back the rows, never the
files), and the folder may be deleted once the upgrade has succeeded. The
downgrade writes the files back into the folder before dropping the table,
and refuses when it cannot.

"""
import hashlib
import logging
from datetime import datetime, timezone
from pathlib import Path

from alembic import context, op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

logger = logging.getLogger("alembic.runtime.migration")

HANDOVER_FILES = sa.table(
    'handover_files',
    sa.column('handover_id', sa.Integer()),
    sa.column('stored_name', sa.String()),
    sa.column('content_type', sa.String()),
)


def upload_folder():
    """The configured upload folder when the migration runs inside the app, else None."""
    try:
        from flask import current_app

        folder = current_app.config.get("UPLOAD_FOLDER")
    except RuntimeError:  # no app: nothing to move
        return None
    return Path(folder) if folder else None


def file_keys(bind):
    """(key, content type) of every handover file the database names."""
    rows = bind.execute(sa.select(
        HANDOVER_FILES.c.handover_id, HANDOVER_FILES.c.stored_name, HANDOVER_FILES.c.content_type
    ))
    return [(f"handovers/{handover_id}/{name}", content_type)
            for handover_id, name, content_type in rows]


def upgrade():
    stored = op.create_table('stored_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('stored_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('size >= 0', name=op.f('ck_stored_files_size')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_files')),
    sa.UniqueConstraint('key', name=op.f('uq_stored_files_key'))
    )
    folder = upload_folder()
    if context.is_offline_mode() or folder is None or not folder.is_dir():
        return
    bind = op.get_bind()
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    moved = missing = 0
    for key, content_type in file_keys(bind):
        path = folder / key
        if not path.is_file():
            missing += 1
            continue
        data = path.read_bytes()
        # One insert per file: a folder of scans need not fit in memory at once.
        bind.execute(stored.insert().values(
            key=key, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
            content_type=content_type, content=data, stored_at=now,
        ))
        moved += 1
    logger.info("Copied %d uploaded files from %s into the database (%d not found there).",
                moved, folder, missing)


def downgrade():
    stored = sa.table('stored_files', sa.column('key', sa.String()),
                      sa.column('content', sa.LargeBinary()))
    if not context.is_offline_mode():
        bind = op.get_bind()
        count = bind.execute(sa.select(sa.func.count()).select_from(stored)).scalar()
        folder = upload_folder()
        if count and folder is None:
            raise RuntimeError(
                f"stored_files holds {count} uploaded files and no UPLOAD_FOLDER is "
                "configured to write them back to; the downgrade would lose them."
            )
        for key, content in bind.execute(sa.select(stored.c.key, stored.c.content)):
            if ".." in Path(key).parts:  # keys are made by the app; never write outside
                raise RuntimeError(f"refusing to write the stored file {key!r} outside {folder}")
            path = folder / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
    op.drop_table('stored_files')
