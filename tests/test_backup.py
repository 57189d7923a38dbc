"""Backup and restore of the database and its uploads (kirab/backup.py).

Show 8 of "Integrity under concurrency and faults": backup, wipe, restore,
and every table (row by row, reference data and the migration revision
included) and every upload compares equal, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import io
import json
import tarfile
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import MetaData, create_engine, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from kirab.database import db
from kirab.regions.reference import load_reference_data
from kirab.relay.handovers import file_key
from kirab.relay.models import Handover, HandoverFile
from kirab.storage import file_store
from tests.conftest import extra_app
from tests.factories import image_bytes, make_file


def every_row(url) -> dict[str, list[tuple]]:
    """Every row of every table the database has, in primary key order, by table."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            tables = MetaData()
            tables.reflect(connection)
            return {
                name: [
                    tuple(row)
                    for row in connection.execute(
                        select(table).order_by(*(table.primary_key.columns or table.columns))
                    )
                ]
                for name, table in sorted(tables.tables.items())
            }
    finally:
        engine.dispose()


def every_upload() -> dict[str, bytes]:
    """The content of every handover file, read through the app's storage, by key."""
    store = file_store({})
    uploads = db.session.execute(db.select(HandoverFile)).scalars()
    return {file_key(upload): store.get(file_key(upload)) for upload in uploads}


@pytest.fixture
def used(app, demo):
    """The demo with a scan and a photo kept with one of its handovers, committed."""
    handover = db.session.execute(db.select(Handover).order_by(Handover.id)).scalars().first()
    make_file(handover, kind="scan", data=image_bytes("JPEG", (80, 60)))
    make_file(handover, kind="photo", data=image_bytes("PNG", (30, 20)))
    db.session.commit()
    return app


def wipe(url: str) -> None:
    """Drop every table, the reference data and the migration revision with them."""
    db.session.remove()
    db.engine.dispose()
    engine = create_engine(url, poolclass=NullPool)
    try:
        tables = MetaData()
        with engine.begin() as connection:
            tables.reflect(connection)
            tables.drop_all(connection)
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


@contextmanager
def rebuilt_if_broken(app, url: str):
    """Give the run its migrated database back if the test left it without tables."""
    try:
        yield
    finally:
        engine = create_engine(url, poolclass=NullPool)
        tables = set(inspect(engine).get_table_names())
        engine.dispose()
        if "stored_files" not in tables:
            db.session.remove()
            db.engine.dispose()
            if tables:
                wipe(url)
            upgrade(directory=app.extensions["migrate"].directory)
            load_reference_data()
            db.session.commit()


def test_backup_wipe_restore_gives_back_every_row_and_every_upload(used, migrated, tmp_path):
    """Show 8, on the run's own database."""
    runner = used.test_cli_runner()
    rows, uploads = every_row(migrated), every_upload()
    assert len(uploads) == 2 and all(uploads.values())
    assert rows["alembic_version"] and rows["regions"] and rows["stored_files"]
    archive = tmp_path / "kirab.backup"
    made = runner.invoke(args=["backup", str(archive)])
    assert made.exit_code == 0, made.output
    assert "2 uploaded files" in made.output

    with rebuilt_if_broken(used, migrated):
        wipe(migrated)
        restored = runner.invoke(args=["restore", str(archive)])
        assert restored.exit_code == 0, restored.output
        assert every_row(migrated) == rows
        assert every_upload() == uploads


def scratch_url(url: str) -> str:
    """A database of its own on the same server (PostgreSQL) or in the same folder (SQLite)."""
    parsed = make_url(url)
    name = f"kirab_restore_{uuid.uuid4().hex[:8]}"
    if parsed.get_backend_name() == "sqlite":
        return str(parsed.set(database=str(Path(parsed.database).with_name(f"{name}.sqlite"))))
    return parsed.set(database=name).render_as_string(hide_password=False)


@contextmanager
def scratch_database(url: str):
    """A new, empty database; dropped afterwards."""
    scratch = scratch_url(url)
    parsed = make_url(scratch)
    if parsed.get_backend_name() == "sqlite":
        try:
            yield scratch
        finally:
            Path(parsed.database).unlink(missing_ok=True)
        return
    server = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    try:
        yield scratch
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        server.dispose()


def test_a_new_machine_restores_into_a_new_database(used, migrated, tmp_path):
    rows, uploads = every_row(migrated), every_upload()
    archive = tmp_path / "kirab.backup"
    assert used.test_cli_runner().invoke(args=["backup", str(archive)]).exit_code == 0
    with scratch_database(migrated) as scratch, extra_app(scratch) as other:
        restored = other.test_cli_runner().invoke(args=["restore", str(archive)])
        assert restored.exit_code == 0, restored.output
        assert every_row(scratch) == rows
        assert every_upload() == uploads
        # The restored database goes on: its sequences continue after the restored rows.
        created = other.test_cli_runner().invoke(args=["create-user", "baru@kpu.go.id",
                                                       "--role", "admin"])  # fmt: skip
        assert created.exit_code == 0, created.output


def rewritten(archive: Path, target: Path, *, manifest=None, part=None) -> Path:
    """A copy of ``archive`` with its manifest or database part changed."""
    with tarfile.open(archive) as tar:
        members = {member.name: tar.extractfile(member).read() for member in tar.getmembers()}
    name = next(name for name in members if name != "manifest.json")
    described = json.loads(members["manifest.json"])
    members["manifest.json"] = json.dumps(manifest(described) if manifest else described).encode()
    if part:
        members[name] = part(members[name])
    with tarfile.open(target, "w") as tar:
        for member, data in members.items():
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return target


def flipped(data: bytes) -> bytes:
    """``data`` with one byte in its middle changed."""
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]


def at_revision(revision: str):
    """A change to a manifest: it names another migration revision."""

    def change(manifest: dict) -> dict:
        manifest["database"]["revision"] = revision
        return manifest

    return change


def test_restore_checks_the_archive_and_the_database_before_touching_anything(
    used, migrated, tmp_path
):
    runner = used.test_cli_runner()
    archive = tmp_path / "kirab.backup"
    assert runner.invoke(args=["backup", str(archive)]).exit_code == 0
    again = runner.invoke(args=["backup", str(archive)])
    assert again.exit_code == 1 and "exists already" in again.output
    db.session.execute(db.delete(HandoverFile))
    db.session.commit()
    rows = every_row(migrated)

    refusals = [
        (archive, [], "holds data"),
        (rewritten(archive, tmp_path / "damaged", part=flipped), ["--force"], "damaged"),
        (rewritten(archive, tmp_path / "future", manifest=at_revision("9999")), ["--force"],
         "migration 9999"),
        (tmp_path / "damaged", [], "damaged"),
    ]  # fmt: skip
    (tmp_path / "not-a-backup").write_bytes(b"PK\x03\x04 not a tar file")
    refusals.append((tmp_path / "not-a-backup", ["--force"], "not a readable Kirab backup"))
    for path, options, reason in refusals:
        refused = runner.invoke(args=["restore", str(path), *options])
        assert refused.exit_code == 1, (path, refused.output)
        assert reason in refused.output, (path, refused.output)
        assert every_row(migrated) == rows

    with rebuilt_if_broken(used, migrated):
        forced = runner.invoke(args=["restore", str(archive), "--force"])
        assert forced.exit_code == 0, forced.output
        assert len(every_upload()) == 2
