"""The migrations build exactly the schema the models describe, and lose no rows going back."""

import ast
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import CheckConstraint, func, inspect, text

import kirab
from kirab.attendance.models import AttendanceRecord
from kirab.auth.models import User
from kirab.database import db
from kirab.events.models import Event
from kirab.migrations.data_loss import ALLOW_DATA_LOSS
from kirab.regions.models import Region
from kirab.relay.models import Stop
from tests.conftest import POSTGRES_URL
from tests.factories import at, make_event, make_route, make_user

# The revision before the CHECK constraints, and what the round trip must leave alone.
BEFORE_CHECKS = "0005"
# The revision before the attendance tables.
BEFORE_ATTENDANCE = "0003"


def test_models_and_migrations_agree(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, db.metadata)
    assert differences == [], "create a migration: flask --app kirab db migrate"


def model_checks() -> dict[str, set[str]]:
    """The names of the CHECK constraints the models declare, by table."""
    return {
        table.name: {
            str(constraint.name)
            for constraint in table.constraints
            if isinstance(constraint, CheckConstraint)
        }
        for table in db.metadata.sorted_tables
    }


def database_checks() -> dict[str, set[str]]:
    """The names of the CHECK constraints the migrated database has, by table it has.

    A table of a later revision is missing after a downgrade; at the latest
    revision a missing table still differs from ``model_checks``.
    """
    inspector = inspect(db.engine)
    return {
        table.name: {check["name"] for check in inspector.get_check_constraints(table.name)}
        for table in db.metadata.sorted_tables
        if inspector.has_table(table.name)
    }


def test_models_and_migrations_have_the_same_check_constraints(app):
    """Autogenerate does not compare CHECK constraints; their names are compared here."""
    assert database_checks() == model_checks()


def test_the_check_constraints_go_and_come_back_with_the_data_kept(app):
    """The last revision downgrades and upgrades again on a database holding rows.

    On SQLite batch mode rebuilds each table, so rows that other tables
    refer to (regions, stops, events) must survive the copy.
    """
    route = make_route([("32.16", at("2023-11-13 09:00"), None)])
    make_event(route.stops[0])
    make_user("party_rep", party=1, regions=["32.16"])
    db.session.commit()
    counts = {model: db.session.scalar(db.select(func.count()).select_from(model))
              for model in (Region, Event)}  # fmt: skip
    db.session.remove()
    directory = app.extensions["migrate"].directory
    try:
        downgrade(directory=directory, revision=BEFORE_CHECKS)
        assert not any(database_checks().values())
    finally:
        upgrade(directory=directory)
    assert database_checks() == model_checks()
    for model, count in counts.items():
        assert db.session.scalar(db.select(func.count()).select_from(model)) == count
    test_models_and_migrations_agree(app)


VERSIONED = ("users", "stops", "handovers", "events", "venues")


def test_the_versions_go_and_come_back_starting_at_one(app):
    """0007 adds a version to the edited records; rows already there start at 1."""
    route = make_route([("32.16", at("2023-11-13 09:00"), None)])
    make_event(route.stops[0])
    make_user("organizer", regions=["32.16"])
    db.session.commit()
    db.session.remove()
    directory = app.extensions["migrate"].directory
    try:
        downgrade(directory=directory, revision="0006")
        inspector = inspect(db.engine)
        for table in VERSIONED:
            assert "version" not in {column["name"] for column in inspector.get_columns(table)}
    finally:
        upgrade(directory=directory)
    for model in (Event, Stop, User):
        versions = set(db.session.execute(db.select(model.version)).scalars())
        assert versions == {1}


# Dropped without a guard: shipped reference data, what Kirab builds again by itself,
# the uploads (0008's downgrade writes them back to the upload folder first) and the
# login sessions (dropping them logs people out, nothing more), the attendance
# totals (0010's upgrade counts them again from the records), and the change
# markers and stored pages (0011: caches that start afresh), and the keys of past
# form posts (0013: only a retry of a form sent before the downgrade could repeat).
REBUILT = {"regions", "offices", "parties", "dapil", "dapil_districts",
           "feed_documents", "feed_event_renderings", "feed_state",
           "stored_files", "login_sessions",
           "event_attendance", "event_party_attendance",
           "data_versions", "page_renderings", "submissions"}  # fmt: skip
VERSIONS = Path(kirab.__file__).parent / "migrations" / "versions"


def dropped_and_guarded(path: Path) -> tuple[set[str], set[str]]:
    """The tables a migration's downgrade drops, and those it hands to the guard first."""
    tree = ast.parse(path.read_text())
    downgrade_function = next(
        node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "downgrade"
    )
    dropped, guarded = set(), set()
    for node in ast.walk(downgrade_function):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "attr", getattr(node.func, "id", ""))
        values = {arg.value for arg in node.args if isinstance(arg, ast.Constant)}
        if name == "drop_table":
            dropped |= values
        elif name == "refuse_data_loss":
            guarded |= {value.partition(".")[0] for value in values}
    return dropped, guarded


@pytest.mark.parametrize("path", sorted(VERSIONS.glob("*.py")), ids=lambda path: path.stem)
def test_every_downgrade_guards_the_tables_it_drops(path):
    dropped, guarded = dropped_and_guarded(path)
    assert dropped - REBUILT - guarded == set(), "call refuse_data_loss(...) before dropping"


def attendance_count() -> int:
    """How many attendance records there are, read in a session of its own."""
    db.session.remove()
    try:
        return db.session.scalar(db.select(func.count()).select_from(AttendanceRecord))
    finally:
        db.session.remove()  # no lock of the read may stay for the next migration


def current_revision() -> str:
    """The revision the database is at."""
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_a_downgrade_that_would_drop_rows_refuses_unless_allowed(app, monkeypatch, capsys):
    route = make_route([("32.16", at("2023-11-13 09:00"), None)])
    event = make_event(route.stops[0])
    db.session.add(AttendanceRecord(event_id=event.id, name="Ani", name_key="ani",
                                    category="public", method="organizer"))  # fmt: skip
    db.session.commit()
    db.session.remove()
    directory = app.extensions["migrate"].directory
    monkeypatch.delenv(ALLOW_DATA_LOSS, raising=False)
    head = current_revision()
    try:
        with pytest.raises(SystemExit):
            downgrade(directory=directory, revision=BEFORE_ATTENDANCE)
        assert current_revision() == head  # the steps before the refusal are undone too
        told = capsys.readouterr().err
        assert "would delete data: attendance_records (1 row)." in told
        assert f"set {ALLOW_DATA_LOSS}=1" in told
    finally:
        upgrade(directory=directory)
    assert attendance_count() == 1

    monkeypatch.setenv(ALLOW_DATA_LOSS, "1")
    try:
        downgrade(directory=directory, revision=BEFORE_ATTENDANCE)
        assert "attendance_records" not in inspect(db.engine).get_table_names()
    finally:
        upgrade(directory=directory)
    assert attendance_count() == 0
    test_models_and_migrations_agree(app)


def test_a_downgrade_over_empty_tables_needs_no_permission(app, monkeypatch):
    monkeypatch.delenv(ALLOW_DATA_LOSS, raising=False)
    directory = app.extensions["migrate"].directory
    try:
        downgrade(directory=directory, revision=BEFORE_ATTENDANCE)
        assert "attendance_records" not in inspect(db.engine).get_table_names()
    finally:
        upgrade(directory=directory)
    test_models_and_migrations_agree(app)


# The columns 0024 compresses with lz4 on PostgreSQL.
STORED_BODIES = [("page_renderings", "body"), ("feed_documents", "body"),
                 ("feed_event_renderings", "body")]  # fmt: skip


def compression_of(table: str, column: str) -> str:
    """How PostgreSQL compresses new values of a column: 'l' lz4, 'p' pglz, '' the default."""
    return db.session.execute(
        text(
            "SELECT attcompression FROM pg_attribute"
            " WHERE attrelid = CAST(:table AS regclass) AND attname = :column"
        ),
        {"table": table, "column": column},
    ).scalar_one()


def stored_bodies_are_compressed_with_lz4_and_come_back_whole(app):
    """0024: new stored bodies are lz4 where the server has it (else as before), and read whole."""
    from kirab.pagecache import PageRendering

    methods = db.session.execute(
        text("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
    ).scalar()
    lz4 = bool(methods) and "lz4" in methods
    assert {compression_of(*body) for body in STORED_BODIES} == {"l" if lz4 else ""}
    body = ("BEGIN:VEVENT\r\nSUMMARY:Pawai Pemilu\r\nEND:VEVENT\r\n" * 8000).encode()
    db.session.add(PageRendering(key="lz4-check", mimetype="text/calendar", body=body, stored_at=1))
    db.session.commit()
    db.session.remove()
    assert db.session.get(PageRendering, "lz4-check").body == body
    method = text("SELECT pg_column_compression(body) FROM page_renderings WHERE key = 'lz4-check'")
    assert db.session.execute(method).scalar_one() == ("lz4" if lz4 else "pglz")
    db.session.remove()
    directory = app.extensions["migrate"].directory
    try:
        downgrade(directory=directory, revision="0023")
        assert {compression_of(*body) for body in STORED_BODIES} == {"p" if lz4 else ""}
    finally:
        db.session.remove()
        upgrade(directory=directory)
    assert {compression_of(*body) for body in STORED_BODIES} == {"l" if lz4 else ""}


# Compression methods are PostgreSQL's: the SQLite pass has nothing to check.
if POSTGRES_URL:
    test_stored_bodies_are_compressed_with_lz4_and_come_back_whole = (
        stored_bodies_are_compressed_with_lz4_and_come_back_whole
    )
