"""``flask --app kirab backup FILE`` and ``restore FILE [--force]``: the database and its uploads.

The archive is a tar file of these members:

- ``manifest.json``: the format version, the database kind, the migration
  revision, the rows of every table, the uploaded files it holds, and the
  SHA-256 and size of the other members;
- the database: ``database.sqlite`` (SQLite's online backup API) or
  ``database.pgdump`` (``pg_dump --format=custom``);
- with uploads in S3-compatible storage, ``uploads/1``, ``uploads/2``...:
  every object under the storage's prefix, the manifest naming each one's
  key and content type.

Uploads kept in the database are rows of ``stored_files``, so the database
part holds them. Objects in S3 are copied after the database: a file
uploaded meanwhile may be in the archive without its record (an orphan,
harmless), while a record in the copy has its object, since objects are
deleted only after their record.

Restore checks the archive (format, checksum, database kind, a migration
revision this version knows, and for SQLite the copy's rows against the
manifest) before it touches anything. It refuses a database that holds more
than what ``init-db`` puts in a new one (regions, offices, parties, dapil, the
revision, the feeds' change counter) unless ``--force``: a database just made
with ``init-db`` may be restored into, one that people have used may not by
accident. Restore puts the archive's objects back under the prefix the app is
configured with (another bucket or prefix will do); it refuses an archive
whose uploads were kept elsewhere than this app keeps them.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path
from typing import IO

import click
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy.engine import URL

from kirab import clock
from kirab.backup_databases import (
    DUMPS,
    LOADS,
    POSTGRESQL,
    SQLITE,
    BackupError,
    current_snapshot,
    kind_of,
    postgres_tool,
    run_tool,
    sqlite_file_snapshot,
)
from kirab.database import db
from kirab.errors import StorageUnavailable
from kirab.storage import S3Store, object_store

FORMAT = 1
MANIFEST = "manifest.json"
UPLOADS = "uploads"
PART_NAMES = {SQLITE: "database.sqlite", POSTGRESQL: "database.pgdump"}
# What init-db and the migrations put in a new database (the reference data, the
# revision; the feeds' change counter of older revisions), and what visits to its pages
# store (the data versions, the stored pages); a database holding only these is empty.
REFERENCE_TABLES = frozenset(
    {"regions", "offices", "parties", "dapil", "dapil_districts", "alembic_version", "feed_state",
     "data_versions", "page_renderings"}
)  # fmt: skip
CHUNK = 1024 * 1024


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_archive(archive: Path, manifest: dict, parts: dict[str, Path]) -> None:
    """Write the archive whole under a draft name, then put it in place in one step.

    ``parts`` are the members after the manifest, by their name in the archive.
    """
    draft = archive.with_name(f".{archive.name}.partial")
    data = json.dumps(manifest, indent=2, sort_keys=True).encode()
    info = tarfile.TarInfo(MANIFEST)
    info.size, info.mtime, info.mode = len(data), int(clock.now().timestamp()), 0o600
    try:
        with tarfile.open(draft, "w") as tar:
            tar.addfile(info, BytesIO(data))
            for name, part in parts.items():
                tar.add(part, arcname=name, recursive=False)
        os.chmod(draft, 0o600)  # it holds every password hash and every scan
        os.replace(draft, archive)
    finally:
        draft.unlink(missing_ok=True)


def copy_objects(store: S3Store, work: Path) -> tuple[list[dict], dict[str, Path]]:
    """Copy every object under the store's prefix into ``work``: their entries and files."""
    (work / UPLOADS).mkdir()
    entries, files = [], {}
    for key in list(store.keys()):
        found = store.fetch(key)
        if found is None:
            continue  # deleted since it was listed
        data, content_type = found
        member = f"{UPLOADS}/{len(entries) + 1}"
        path = work / member
        path.write_bytes(data)
        entries.append({"key": key, "member": member, "content_type": content_type,
                        "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)})  # fmt: skip
        files[member] = path
    return entries, files


def uploads_part(store: S3Store | None, work: Path, tables: dict[str, int]):
    """The manifest's uploads entry and the archive members holding them."""
    if store is None:
        return {"storage": "database", "files": tables.get("stored_files", 0)}, {}
    try:
        entries, files = copy_objects(store, work)
    except StorageUnavailable as error:
        raise BackupError(f"The uploads could not be copied: {error.detail}") from None
    where = f"s3://{store.bucket}/{store.prefix}".rstrip("/")
    return {"storage": "s3", "source": where, "files": len(entries), "objects": entries}, files


def make_backup(url: URL, archive: Path, store: S3Store | None = None) -> dict:
    """Back the database at ``url`` (and the objects of ``store``) up into ``archive``.

    The manifest written is returned.
    """
    kind = kind_of(url)
    if archive.exists():
        raise BackupError(f"{archive} exists already; choose a new name.")
    if not archive.parent.is_dir():
        raise BackupError(f"There is no folder {archive.parent}.")
    with tempfile.TemporaryDirectory(prefix=".kirab-backup-", dir=archive.parent) as work:
        part = Path(work) / PART_NAMES[kind]
        snapshot = DUMPS[kind](url, part)
        uploads, files = uploads_part(store, Path(work), snapshot.tables)
        manifest = {
            "format": FORMAT,
            "application": "kirab",
            "created_at": clock.now().isoformat(),
            "database": {
                "kind": kind,
                "revision": snapshot.revision,
                "versions": snapshot.versions,
            },
            "tables": snapshot.tables,
            "uploads": uploads,
            "parts": {part.name: {"sha256": sha256_of(part), "size": part.stat().st_size}},
        }
        write_archive(archive, manifest, {part.name: part, **files})
    return manifest


def copy_hashing(source: IO[bytes], target: Path) -> str:
    """Copy ``source`` into ``target``; the SHA-256 of what was copied."""
    digest = hashlib.sha256()
    with target.open("wb") as handle:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            handle.write(chunk)
    return digest.hexdigest()


def read_manifest(tar: tarfile.TarFile) -> dict:
    """The archive's manifest, if it is one this version reads."""
    manifest = json.loads(tar.extractfile(tar.getmember(MANIFEST)).read())
    if manifest.get("application") != "kirab" or manifest.get("format") != FORMAT:
        raise BackupError(
            f"The archive's format ({manifest.get('format')}) is not one this version reads."
        )
    return manifest


def open_archive(archive: Path, work: Path) -> tuple[dict, Path]:
    """The manifest and the database part, copied into ``work``, its checksum checked."""
    try:
        with tarfile.open(archive, "r") as tar:
            manifest = read_manifest(tar)
            name = PART_NAMES[manifest["database"]["kind"]]
            expected = manifest["parts"][name]
            member = tar.getmember(name)
            if not member.isfile():
                raise BackupError(f"The archive's {name} is not a file.")
            part = work / name
            digest = copy_hashing(tar.extractfile(member), part)
            open_uploads(tar, manifest, work)
    except (tarfile.TarError, OSError, KeyError, TypeError, ValueError) as error:
        raise BackupError(f"{archive} is not a readable Kirab backup ({error}).") from None
    if digest != expected["sha256"] or part.stat().st_size != expected["size"]:
        raise BackupError(f"The archive is damaged: the checksum of {name} differs.")
    return manifest, part


def open_uploads(tar: tarfile.TarFile, manifest: dict, work: Path) -> None:
    """Copy the archive's objects into ``work``, each one's checksum checked."""
    entries = manifest["uploads"].get("objects", ())
    if entries:
        (work / UPLOADS).mkdir()
    for entry in entries:
        member = tar.getmember(entry["member"])
        if not member.isfile() or not entry["member"].startswith(f"{UPLOADS}/"):
            raise BackupError(f"The archive's {entry['member']} is not an uploaded file.")
        path = work / UPLOADS / Path(entry["member"]).name
        if copy_hashing(tar.extractfile(member), path) != entry["sha256"]:
            raise BackupError(f"The archive is damaged: the checksum of {entry['key']} differs.")


def check_uploads_go(manifest: dict, store: S3Store | None) -> None:
    """Refuse an archive whose uploads were kept elsewhere than this app keeps them."""
    storage = manifest["uploads"]["storage"]
    if storage == "s3" and store is None:
        raise BackupError(
            "The archive's uploads were kept in S3-compatible storage; set "
            "KIRAB_UPLOAD_STORAGE=s3://bucket/prefix (and its credentials) to restore them."
        )
    if storage != "s3" and store is not None:
        raise BackupError(
            "The archive keeps its uploads in the database, but this app keeps them in "
            "S3 (KIRAB_UPLOAD_STORAGE): restore it with KIRAB_UPLOAD_STORAGE=database."
        )


def put_objects_back(store: S3Store, manifest: dict, work: Path) -> None:
    """Write every object of the archive under the store's prefix."""
    try:
        for entry in manifest["uploads"]["objects"]:
            data = (work / UPLOADS / Path(entry["member"]).name).read_bytes()
            store.write_now(entry["key"], data, entry["content_type"])
    except StorageUnavailable as error:
        raise BackupError(
            f"The database was restored, but not every upload: {error.detail}. "
            "Run the restore again with --force once the storage answers."
        ) from None


def check_copy(kind: str, part: Path, manifest: dict) -> None:
    """Check the database copy itself before it replaces anything."""
    if kind == SQLITE:
        copy = sqlite_file_snapshot(part)
        described = (manifest["database"]["revision"], manifest["tables"])
        if (copy.revision, copy.tables) != described:
            raise BackupError("The archive's database does not hold what its manifest says.")
    else:
        # Reads the dump's table of contents: a truncated or foreign file fails here.
        run_tool([postgres_tool("pg_restore"), "--list", str(part)], dict(os.environ),
                 "Reading the dump")  # fmt: skip


def data_held(url: URL) -> dict[str, int]:
    """Rows the database holds beyond the reference data, by table."""
    tables = current_snapshot(url).tables
    return {name: count for name, count in tables.items()
            if count and name not in REFERENCE_TABLES}  # fmt: skip


def restore_backup(
    url: URL, archive: Path, *, known, force: bool, store: S3Store | None = None
) -> dict:
    """Replace the database's content (and ``store``'s objects) with the archive's.

    Returns the archive's manifest. ``known(revision)`` says whether a
    migration revision is one of this version's. Nothing is touched until
    the archive has passed every check.
    """
    kind = kind_of(url)
    with tempfile.TemporaryDirectory(prefix="kirab-restore-") as work:
        manifest, part = open_archive(archive, Path(work))
        archived = manifest["database"]["kind"]
        if archived != kind:
            raise BackupError(f"The archive holds a {archived} database; this app uses {kind}.")
        revision = manifest["database"]["revision"]
        if not revision or not known(revision):
            raise BackupError(
                f"The archive is at migration {revision}, which this version of Kirab does "
                "not know; restore it with the version that made it."
            )
        check_copy(kind, part, manifest)
        check_uploads_go(manifest, store)
        held = data_held(url)
        if held and not force:
            listed = ", ".join(f"{name}: {count}" for name, count in sorted(held.items()))
            raise BackupError(
                f"The database holds data ({listed}); restoring replaces all of it. "
                "Add --force to do so."
            )
        LOADS[kind](part, url)
        if store is not None:
            put_objects_back(store, manifest, Path(work))
    restored = current_snapshot(url)
    if (restored.revision, restored.tables) != (revision, manifest["tables"]):
        raise BackupError("The restored database does not hold what the manifest says.")
    return manifest


def known_revision(revision: str) -> bool:
    """Whether ``revision`` is one of this version's migrations."""
    script = ScriptDirectory(current_app.extensions["migrate"].directory)
    try:
        return script.get_revision(revision) is not None
    except Exception:  # noqa: BLE001 (alembic raises several kinds for an unknown revision)
        return False


def summary(manifest: dict) -> str:
    """Rows, tables and uploads of a manifest, in a few words."""
    rows = sum(manifest["tables"].values())
    return (
        f"the {manifest['database']['kind']} database at migration "
        f"{manifest['database']['revision']}: {rows} rows in {len(manifest['tables'])} tables, "
        f"{manifest['uploads']['files']} uploaded files"
    )


@click.command("backup")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(archive: Path):
    """Write the database and its uploads into ARCHIVE (a new file), with a manifest."""
    try:
        manifest = make_backup(db.engine.url, archive, object_store(current_app.config))
    except BackupError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    versions = manifest["database"]["versions"]
    if manifest["database"]["kind"] == POSTGRESQL:
        client, server = versions["pg_dump"], versions["server"]
        if client.split(".")[0] != server.split(".")[0]:
            click.echo(f"Note: pg_dump {client} dumped a PostgreSQL {server} server.")
    click.echo(f"Backed up {summary(manifest)} to {archive}.")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
def restore_command(archive: Path, force: bool):
    """Replace the database (uploads included) with the content of ARCHIVE.

    Stop the app servers first: the restore replaces every table at once.
    """
    db.session.remove()
    db.engine.dispose()  # no pooled connection may hold a table the restore replaces
    try:
        manifest = restore_backup(
            db.engine.url,
            archive,
            known=known_revision,
            force=force,
            store=object_store(current_app.config),
        )
    except BackupError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    finally:
        db.engine.dispose()  # connections opened before the restore saw the tables it replaced
    click.echo(f"Restored {summary(manifest)} from {archive}.")
    head = ScriptDirectory(current_app.extensions["migrate"].directory).get_current_head()
    if manifest["database"]["revision"] != head:
        click.echo(f"The schema is older than this version's ({head}): run init-db next.")
