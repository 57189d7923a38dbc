"""The shared database helpers: ``among`` finds the same rows as IN, in one statement."""

from __future__ import annotations

from sqlalchemy import event as sa_event

from kirab.database import among, db
from kirab.events.models import Event
from tests.factories import at, make_event, make_route


def test_among_finds_what_in_finds_with_one_statement_whatever_the_number(app):
    route = make_route([("32.16", at("2023-11-13 09:00"), None)])
    ids = [make_event(route.stops[0], title=f"Acara {n}").id for n in range(5)]
    db.session.commit()
    statements = []

    def note(_connection, _cursor, statement, *_args):
        statements.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", note)
    try:
        for chosen in (ids[:1], ids[1:4], [*ids, 10_000_000], []):
            found = db.session.execute(db.select(Event.id).where(among(Event.id, chosen)))
            assert sorted(found.scalars()) == sorted(set(chosen) & set(ids))
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", note)
    if db.engine.dialect.name == "postgresql":
        # One array parameter: the text is the same for one id, three or none.
        assert len(set(statements)) == 1
    else:
        assert len(set(statements)) > 1


def test_among_a_subquery_finds_what_in_finds(app):
    route = make_route([("32.16", at("2023-11-13 09:00"), None)])
    ids = [make_event(route.stops[0], title=f"Acara {n}").id for n in range(3)]
    db.session.commit()
    chosen = db.select(Event.id).where(Event.title != "Acara 1")
    found = db.session.execute(db.select(Event.id).where(among(Event.id, chosen))).scalars()
    assert sorted(found) == [ids[0], ids[2]]
