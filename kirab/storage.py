"""Where uploaded files are kept: in the database or in S3-compatible storage.

Either way every app server reads the same files. A file is put, read and
deleted by a key (a path such as ``handovers/12/0f3a....jpg``).

``UPLOAD_STORAGE`` (``KIRAB_UPLOAD_STORAGE``) chooses the store:

- ``database`` (the default): a file is a row of ``stored_files``, written
  in the same transaction as the record that names it, so an upload that
  fails leaves neither, and a backup of the database holds the files too.
- ``s3://bucket/prefix``: the bytes are the object ``prefix/key`` of the
  bucket (AWS S3, MinIO or any S3-compatible server at
  ``S3_ENDPOINT_URL``); the record naming the file stays in the database.
  Credentials come from the standard AWS environment variables or files,
  never from Kirab's configuration.

S3 is not part of the database transaction, so the order keeps the rule
"no record names a missing object": an object is written before the
transaction that records it commits, and removed again if that transaction
rolls back; an object is deleted only after the transaction that forgets
its record has committed. What can remain is an orphan object no record
names (the process died between the two steps, or S3 failed the clean-up),
which is harmless and kept by backups.

Every S3 call is limited in time (``S3_TIMEOUT`` seconds to connect and
per read, two attempts), so a stalled server fails the request within
seconds with ``StorageUnavailable``, answered 503 (or on the upload form).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from sqlalchemy import CheckConstraint, LargeBinary, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from kirab.database import UTCDateTime, db, utcnow
from kirab.errors import StorageUnavailable

DATABASE = "database"
S3_SCHEME = "s3://"
KEY_MAX = 200
# S3's rules for bucket names (lower case, digits, dots and hyphens, 3 to 63 long).
BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
# Where a session keeps what S3 must do once its transaction ends (see the module's docstring).
WRITTEN, DELETING = "kirab_s3_written", "kirab_s3_deleting"
NOT_FOUND = {"NoSuchKey", "404", "NotFound"}
logger = logging.getLogger(__name__)


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


class S3Store:
    """Files as objects ``prefix/key`` of an S3 bucket; see the module's docstring for the order."""

    def __init__(self, client, bucket: str, prefix: str):
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    def object_name(self, key: str) -> str:
        """The name of the object that holds the file under ``key``."""
        return f"{self.prefix}/{key}" if self.prefix else key

    def call(self, what: str, operation, *, reading: bool = False, **arguments):
        """Run one S3 operation; a failure of the storage becomes ``StorageUnavailable``.

        A read of an object that does not exist returns None.
        """
        try:
            return operation(Bucket=self.bucket, **arguments)
        except ClientError as error:
            if reading and error.response.get("Error", {}).get("Code") in NOT_FOUND:
                return None
            raise StorageUnavailable(f"{what} in s3://{self.bucket}: {error}") from None
        except BotoCoreError as error:
            raise StorageUnavailable(f"{what} in s3://{self.bucket}: {error}") from None

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Write the object now; the session's rollback removes it again."""
        if len(key) > KEY_MAX:
            raise ValueError("a storage key is at most 200 characters")
        self.write_now(key, data, content_type)
        db.session.info.setdefault(WRITTEN, []).append((self, key))

    def write_now(self, key: str, data: bytes, content_type: str) -> None:
        """Write the object, outside any transaction (a restore puts objects back this way)."""
        name = self.object_name(key)
        self.call(
            f"Writing {name}", self.client.put_object, Key=name, Body=data, ContentType=content_type
        )

    def get(self, key: str) -> bytes | None:
        """The object's content, or None when there is no object for ``key``."""
        found = self.fetch(key)
        return found[0] if found else None

    def fetch(self, key: str) -> tuple[bytes, str] | None:
        """The object's content and content type, or None when there is no object for ``key``."""
        name = self.object_name(key)
        found = self.call(f"Reading {name}", self.client.get_object, reading=True, Key=name)
        if found is None:
            return None
        try:
            return found["Body"].read(), found.get("ContentType") or "application/octet-stream"
        except BotoCoreError as error:  # the connection broke while the body was read
            raise StorageUnavailable(f"Reading {name} in s3://{self.bucket}: {error}") from None

    def delete(self, key: str) -> None:
        """Delete the object once the session's transaction has committed."""
        db.session.info.setdefault(DELETING, []).append((self, key))

    def delete_now(self, key: str) -> None:
        """Delete the object at once (a missing one is no error)."""
        name = self.object_name(key)
        self.call(f"Deleting {name}", self.client.delete_object, Key=name)

    def keys(self) -> Iterator[str]:
        """The key of every object under the prefix, in S3's order."""
        start = f"{self.prefix}/" if self.prefix else ""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=start
        )
        try:
            for page in pages:
                for item in page.get("Contents", ()):
                    yield item["Key"][len(start) :]
        except (ClientError, BotoCoreError) as error:
            raise StorageUnavailable(f"Listing s3://{self.bucket}/{start}: {error}") from None


def finish(session: Session, deleting: str, kept: str) -> None:
    """Delete the objects a transaction that ended owes S3; a failure leaves an orphan, logged."""
    session.info.pop(kept, None)
    for store, key in session.info.pop(deleting, ()):
        try:
            store.delete_now(key)
        except StorageUnavailable as error:
            logger.warning("Orphan object left in S3: %s", error.detail)


@event.listens_for(Session, "after_commit")
def delete_forgotten_objects(session: Session) -> None:
    """The records are gone for good: their objects go too."""
    finish(session, DELETING, WRITTEN)


@event.listens_for(Session, "after_soft_rollback")
def delete_unrecorded_objects(session: Session, previous_transaction) -> None:
    """The records of the objects just written were undone: the objects go too.

    Only the whole transaction's end counts; a savepoint rolled back inside it does not.
    """
    if not previous_transaction.nested:
        finish(session, WRITTEN, DELETING)


class StorageSettingError(ValueError):
    """The configured upload storage is not one Kirab can use."""


def split_s3_setting(setting: str) -> tuple[str, str]:
    """The bucket and the prefix (without slashes at its ends) of ``s3://bucket/prefix``."""
    bucket, _slash, prefix = setting[len(S3_SCHEME) :].partition("/")
    if not BUCKET_NAME.fullmatch(bucket):
        raise StorageSettingError(
            f"KIRAB_UPLOAD_STORAGE={setting!r} does not name a bucket: "
            "write s3://bucket/prefix, e.g. s3://kirab-uploads/production."
        )
    return bucket, prefix.strip("/")


def check_storage_setting(setting: str | None) -> str:
    """The upload storage named by ``setting``; refuse what cannot be used, saying why."""
    setting = (setting or DATABASE).strip()
    if setting == DATABASE:
        return DATABASE
    if setting.startswith(S3_SCHEME):
        bucket, prefix = split_s3_setting(setting)
        return f"{S3_SCHEME}{bucket}/{prefix}" if prefix else f"{S3_SCHEME}{bucket}"
    raise StorageSettingError(
        f"KIRAB_UPLOAD_STORAGE={setting!r} is not a storage Kirab knows; "
        "leave it unset (or set it to 'database' or 's3://bucket/prefix')."
    )


@functools.lru_cache(maxsize=8)
def s3_store(setting: str, endpoint_url: str | None, region: str | None, timeout: float) -> S3Store:
    """One store (and its client, which threads share) per S3 setting.

    Credentials are the standard AWS ones (environment variables, the
    shared files or the machine's role). A server of one's own (MinIO and
    the like) is reached by path (``endpoint/bucket/key``), which all of
    them understand.
    """
    bucket, prefix = split_s3_setting(setting)
    config = Config(
        connect_timeout=timeout,
        read_timeout=timeout,
        retries={"total_max_attempts": 2, "mode": "standard"},
        s3={"addressing_style": "path"} if endpoint_url else None,
    )
    client = boto3.session.Session().client(
        "s3", endpoint_url=endpoint_url or None, region_name=region or None, config=config
    )
    return S3Store(client, bucket, prefix)


def file_store(config) -> FileStore:
    """The store the app's configuration names (checked again when the app starts)."""
    setting = check_storage_setting(config.get("UPLOAD_STORAGE"))
    if setting == DATABASE:
        return DatabaseStore()
    return s3_store(
        setting,
        config.get("S3_ENDPOINT_URL"),
        config.get("S3_REGION"),
        float(config.get("S3_TIMEOUT") or 3),
    )


def object_store(config) -> S3Store | None:
    """The S3 store when the configuration keeps uploads there (backups copy its objects)."""
    store = file_store(config)
    return store if isinstance(store, S3Store) else None
