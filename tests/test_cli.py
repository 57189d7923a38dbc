"""The create-user and seed-demo commands; the only tests that read the demo's data."""

from collections import Counter

from sqlalchemy import func

from kirab.audit.models import AuditEntry
from kirab.auth.models import User
from kirab.auth.services import authenticate
from kirab.database import db
from kirab.events.models import Event
from kirab.regions.models import Office
from kirab.relay.models import Handover, Relay, Route, Stop


def count(model) -> int:
    """How many rows ``model`` has."""
    return db.session.execute(db.select(func.count()).select_from(model)).scalar()


def find(email: str) -> User | None:
    """The user with this email."""
    return db.session.execute(db.select(User).where(User.email == email)).scalar_one_or_none()


def test_create_user_generates_and_prints_a_password(runner):
    result = runner.invoke(args=["create-user", "org@kirab.example", "--role", "organizer",
                                 "--region", "32.16", "--region", "32.75"])  # fmt: skip
    assert result.exit_code == 0, result.output
    password = result.output.split("Password: ")[1].strip()
    user = find("org@kirab.example")
    assert user.region_codes == ["32.16", "32.75"]
    assert authenticate("org@kirab.example", password) == user


def test_create_user_reads_the_password_from_stdin(runner):
    result = runner.invoke(
        args=["create-user", "rep@kirab.example", "--role", "party_rep", "--party", "5",
              "--region", "32", "--password-stdin"],
        input="rahasia-sekali-123\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "rahasia-sekali-123" not in result.output
    assert authenticate("rep@kirab.example", "rahasia-sekali-123").party_number == 5


def test_an_existing_email_is_an_error(runner):
    runner.invoke(args=["create-user", "obs@kirab.example", "--role", "observer"])
    result = runner.invoke(args=["create-user", "OBS@kirab.example", "--role", "observer"])
    assert result.exit_code == 1
    assert "sudah terdaftar" in result.output


def test_rules_apply_to_the_command_too(runner):
    no_region = runner.invoke(args=["create-user", "o@kirab.example", "--role", "organizer"])
    assert no_region.exit_code == 1 and find("o@kirab.example") is None
    bad_role = runner.invoke(args=["create-user", "o@kirab.example", "--role", "king"])
    assert bad_role.exit_code == 2
    short = runner.invoke(args=["create-user", "o@kirab.example", "--role", "observer",
                                "--password-stdin"], input="short\n")  # fmt: skip
    assert short.exit_code == 1 and find("o@kirab.example") is None


def test_seed_demo_twice_loads_once(app, runner, tmp_path):
    app.instance_path = str(tmp_path)
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    counts = (count(Relay), count(Stop), count(Event))
    logins = (tmp_path / "demo-logins.txt").read_text()
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert "already loaded" in second.output
    assert (count(Relay), count(Stop), count(Event)) == counts == (1, 5, 15)
    assert (tmp_path / "demo-logins.txt").read_text() == logins
    assert (tmp_path / "demo-logins.txt").stat().st_mode & 0o077 == 0
    for role in ("admin", "organizer", "party_rep", "observer"):
        assert role in logins


def test_demo_bekasi_week(demo):
    events = list(
        db.session.execute(
            db.select(Event).join(Event.stop).join(Stop.office).where(Office.region_code == "32.16")
        ).scalars()
    )
    kinds = Counter(event.kind for event in events)
    assert kinds == {"parade": 7, "handover": 1, "campus": 1, "declaration": 1}
    assert {event.status for event in events} == {"published"}
    assert sorted(event.dapil.number for event in events if event.kind == "parade") == list(
        range(1, 8)
    )


def audited(action: str) -> Counter:
    """How many audit entries of ``action`` each object has, by its id."""
    rows = db.session.execute(db.select(AuditEntry).where(AuditEntry.action == action)).scalars()
    return Counter(entry.object_id for entry in rows)


def ids(model) -> Counter:
    """Every row of ``model`` once, by its id as the audit log writes it."""
    return Counter(str(key) for key in db.session.execute(db.select(model.id)).scalars())


def test_seed_demo_goes_through_the_services_and_the_audit_log(app, runner, tmp_path):
    """Every user, stop, handover and event of the demo was made by a service that audits."""
    app.instance_path = str(tmp_path)
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert audited("user.create") == ids(User)
    assert audited("relay.create") == ids(Relay)
    assert audited("route.create") == ids(Route)
    assert audited("stop.create") == ids(Stop)
    assert audited("handover.record") == ids(Handover)
    assert audited("event.create") == ids(Event) == audited("event.publish")
    assert count(Handover) == 4 and count(Event) == 15
    # Made by the demo's admin, who is made first and by nobody.
    admin = db.session.execute(db.select(User).where(User.role == "admin")).scalar_one()
    made = db.session.execute(
        db.select(AuditEntry.user_id, AuditEntry.object_type, AuditEntry.object_id)
    ).all()
    admin_itself = ("user", str(admin.id))
    assert {user for user, *obj in made if tuple(obj) != admin_itself} == {admin.id}
    entries = count(AuditEntry)
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert count(AuditEntry) == entries
