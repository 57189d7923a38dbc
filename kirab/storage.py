"""Where uploaded files are kept: in the database, so every app server reads the same files.

A file is put, read and deleted by a key (a path such as
``handovers/12/0f3a....jpg``). Kept in the database, a file is written in
the same transaction as the record that names it: an upload that fails
leaves neither, and a backup of the database holds the files too.

``UPLOAD_STORAGE`` (``KIRAB_UPLOAD_STORAGE``) chooses the store; only
``database`` exists. S3-compatible storage (``s3://bucket/prefix``) is
refused at start with a message, rather than silently keeping files
somewhere else than asked.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Protocol

from sqlalchemy import CheckConstraint, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from kirab.database import UTCDateTime, db, utcnow

DATABASE = "database"
KEY_MAX = 200


class StoredFile(db.Model):
    """The content of an uploaded file, with its checksum, size and checked content type."""

    __tablename__ = "stored_files"
    __table_args__ = (CheckConstraint("size >= 0", name="size"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_MAX), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    content_type: Mapped[str] = mapped_column(String(64))
    # Deferred: listing files never loads their content.
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FileStore(Protocol):
    """Keeps files by key; every app server sees the same files."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Keep ``data`` under ``key``."""

    def get(self, key: str) -> bytes | None:
        """The content kept under ``key``, or None."""

    def delete(self, key: str) -> None:
        """Forget the file under ``key``, if any."""


class DatabaseStore:
    """Files as rows of ``stored_files``, written in the caller's transaction."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Add the file to the session and flush; the caller's commit keeps it."""
        if len(key) > KEY_MAX:
            raise ValueError("a storage key is at most 200 characters")
        db.session.add(
            StoredFile(
                key=key,
                sha256=hashlib.sha256(data).hexdigest(),
                size=len(data),
                content_type=content_type,
                content=data,
            )
        )
        db.session.flush()

    def get(self, key: str) -> bytes | None:
        """The file's content, or None when no file has this key."""
        return db.session.execute(
            db.select(StoredFile.content).where(StoredFile.key == key)
        ).scalar_one_or_none()

    def delete(self, key: str) -> None:
        """Delete the file's row, in the caller's transaction."""
        db.session.execute(db.delete(StoredFile).where(StoredFile.key == key))


class StorageSettingError(ValueError):
    """The configured upload storage is not one Kirab can use."""


def check_storage_setting(setting: str | None) -> str:
    """The upload storage named by ``setting``; refuse what cannot be used, saying why."""
    setting = (setting or DATABASE).strip()
    if setting == DATABASE:
        return DATABASE
    if setting.startswith("s3://"):
        raise StorageSettingError(
            "KIRAB_UPLOAD_STORAGE=s3://... is not supported by this version of Kirab: "
            "uploads are kept in the database, which every app server reads. "
            "Leave KIRAB_UPLOAD_STORAGE unset (or set it to 'database')."
        )
    raise StorageSettingError(
        f"KIRAB_UPLOAD_STORAGE={setting!r} is not a storage Kirab knows; "
        "leave it unset (or set it to 'database')."
    )


def file_store(config) -> FileStore:
    """The store the app's configuration names (checked again when the app starts)."""
    check_storage_setting(config.get("UPLOAD_STORAGE"))
    return DatabaseStore()
