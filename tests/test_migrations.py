"""The migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import CheckConstraint, func, inspect

from kirab.auth.models import User
from kirab.database import db
from kirab.events.models import Event
from kirab.regions.models import Region
from kirab.relay.models import Stop
from tests.factories import at, make_event, make_route, make_user

# The revision before the CHECK constraints, and what the round trip must leave alone.
BEFORE_CHECKS = "0005"


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
    test_models_and_migrations_agree(app)
