"""The permission matrix: every route, every role, the status PRODUCT.md promises.

Adding a route without adding it here fails ``test_every_route_is_in_the_matrix``.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from kirab.attendance.checkin import checkin_token
from kirab.attendance.models import AttendanceRecord, ExpectedGuest
from kirab.database import db
from kirab.events.models import DRAFT
from kirab.feeds.tokens import issue_token
from kirab.notifications.unsubscribe import unsubscribe_token
from kirab.relay.models import Handover
from kirab.relay.planning import relink_handovers
from tests.conftest import (
    CommittedWrites,
    csrf_token,
    empty_tables,
    fresh_context,
    login,
    open_session,
)
from tests.factories import at, make_event, make_file, make_route, make_user

ROLES = ("anonymous", "admin", "organizer_in", "organizer_out", "party_rep", "observer")


def row(anonymous, admin, organizer_in, organizer_out, party_rep, observer) -> dict:
    """Expected statuses in the order of ROLES."""
    return dict(
        zip(
            ROLES, (anonymous, admin, organizer_in, organizer_out, party_rep, observer), strict=True
        )
    )


EVERYONE_200 = row(200, 200, 200, 200, 200, 200)
EVERYONE_302 = row(302, 302, 302, 302, 302, 302)
LOGGED_IN = row(302, 200, 200, 200, 200, 200)
ADMIN_ONLY = row(302, 200, 403, 403, 403, 403)
COMMITTEE = row(302, 200, 200, 200, 403, 200)
AUDIT_READERS = row(302, 200, 403, 403, 403, 200)
DRAFT_PAGE = row(404, 200, 200, 404, 404, 200)
PLANNERS = row(302, 200, 200, 403, 403, 403)
PLANNERS_ACT = row(302, 302, 302, 403, 403, 403)
PLANNERS_REFUSE = row(302, 422, 422, 403, 403, 403)
COMMITTEE_404 = row(302, 404, 404, 404, 403, 404)
PLANNER_422 = row(302, 422, 403, 403, 403, 403)
REGION_ORGANIZERS = row(302, 200, 200, 403, 403, 403)
REGION_422 = row(302, 422, 422, 403, 403, 403)
EVERYONE_400 = row(400, 400, 400, 400, 400, 400)
# Names and contacts of attendees: the committee of the region and observers (PRODUCT.md).
ATTENDANCE_READERS = row(302, 200, 200, 403, 403, 200)
ATTENDANCE_RECORDERS = row(302, 200, 200, 403, 403, 403)
# A recording form sent with bad input: re-rendered for those who may record, refused for others.
ATTENDANCE_BAD_FORM = row(302, 422, 422, 403, 403, 403)
# Another event's or an unknown record: not found for those who may record here.
ATTENDANCE_UNKNOWN = row(302, 404, 404, 403, 403, 403)

# (endpoint, method, path, form data or None, expected statuses by role)
MATRIX = [
    ("static", "GET", "/static/css/kirab.css", None, EVERYONE_200),
    ("main.home", "GET", "/", None, EVERYONE_200),
    ("main.healthz", "GET", "/healthz", None, EVERYONE_200),
    ("main.readyz", "GET", "/readyz", None, EVERYONE_200),
    ("main.manifest", "GET", "/manifest.webmanifest", None, EVERYONE_200),
    ("main.service_worker", "GET", "/sw.js", None, EVERYONE_200),
    ("main.offline_page", "GET", "/offline", None, EVERYONE_200),
    ("main.home", "GET", "/?at=2023-11-15T12:00", None, EVERYONE_200),
    ("main.set_language", "POST", "/language", {"lang": "en", "next": "/agenda"}, EVERYONE_302),
    ("main.set_language", "POST", "/language", {"lang": "fr"}, row(400, 400, 400, 400, 400, 400)),
    ("auth.login", "GET", "/login", None, EVERYONE_200),
    ("auth.logout", "POST", "/logout", {}, EVERYONE_302),
    ("auth.change_password", "GET", "/account/password", None, LOGGED_IN),
    ("auth.change_password", "POST", "/account/password", {"current_password": ""},
     row(302, 422, 422, 422, 422, 422)),
    ("events.agenda", "GET", "/agenda?region=32.16", None, EVERYONE_200),
    ("events.agenda", "GET", "/agenda?region=nowhere", None, row(400, 400, 400, 400, 400, 400)),
    ("events.show", "GET", "/events/{published}", None, EVERYONE_200),
    ("events.show", "GET", "/events/{draft}", None, DRAFT_PAGE),
    ("events.show", "GET", "/events/999999", None, row(404, 404, 404, 404, 404, 404)),
    ("events.card", "GET", "/events/{published}/card.png", None, EVERYONE_200),
    ("events.card", "GET", "/events/{draft}/card.png", None, DRAFT_PAGE),
    ("events.card", "GET", "/events/999999/card.png", None, row(404, 404, 404, 404, 404, 404)),
    ("relay.route_page", "GET", "/route", None, EVERYONE_200),
    ("events.following", "GET", "/agenda/following", None, LOGGED_IN),
    ("schedule.stop", "GET", "/manage/stops/{stop}/events", None,
     row(302, 200, 200, 403, 403, 200)),
    ("schedule.stop", "GET", "/manage/stops/999999/events", None,
     row(302, 404, 404, 404, 404, 404)),
    ("schedule.new_event", "GET", "/manage/stops/{stop}/events/new", None, PLANNERS),
    ("schedule.new_event", "POST", "/manage/stops/{stop}/events/new", {"title": ""},
     PLANNERS_REFUSE),
    ("schedule.edit_event", "GET", "/manage/events/{published}/edit", None, PLANNERS),
    ("schedule.edit_event", "POST", "/manage/events/{published}/edit", {"title": ""},
     PLANNERS_REFUSE),
    ("schedule.edit_event", "GET", "/manage/events/999999/edit", None,
     row(302, 404, 404, 404, 404, 404)),
    ("schedule.publish_event", "POST", "/manage/events/{draft}/publish", {}, PLANNERS_ACT),
    ("schedule.duplicate_event", "POST", "/manage/events/{published}/duplicate", {},
     PLANNERS_ACT),
    ("schedule.delete_event", "GET", "/manage/events/{draft}/delete", None, PLANNERS),
    ("schedule.delete_event", "POST", "/manage/events/{draft}/delete", {"confirm": "y"},
     PLANNERS_ACT),
    ("schedule.withdraw_event", "POST", "/manage/events/{published}/withdraw", {}, PLANNERS_ACT),
    ("schedule.cancel_event", "GET", "/manage/events/{published}/cancel", None, PLANNERS),
    ("schedule.cancel_event", "POST", "/manage/events/{published}/cancel", {"reason": ""},
     PLANNERS_REFUSE),
    ("schedule.publish_drafts", "POST", "/manage/stops/{stop}/publish", {}, PLANNERS_ACT),
    ("schedule.programme", "GET", "/manage/stops/{stop}/programme", None, PLANNERS),
    ("schedule.programme", "POST", "/manage/stops/{stop}/programme", {"first_day": "x"},
     PLANNERS_REFUSE),
    ("manage.dashboard", "GET", "/manage", None, COMMITTEE),
    ("manage.dashboard", "GET", "/manage?relay=999999", None, COMMITTEE_404),
    ("manage.dashboard", "GET", "/manage?relay=abc", None, row(302, 400, 400, 400, 403, 400)),
    ("manage.audit", "GET", "/manage/audit", None, AUDIT_READERS),
    ("manage.audit", "GET", "/manage/audit?type=planet", None, row(302, 400, 403, 403, 403, 400)),
    ("manage.audit_export", "GET", "/manage/audit.csv", None, AUDIT_READERS),
    ("manage.audit_export", "GET", "/manage/audit.csv?action=x", None,
     row(302, 400, 403, 403, 403, 400)),
    ("users.index", "GET", "/manage/users", None, ADMIN_ONLY),
    ("users.new", "GET", "/manage/users/new", None, ADMIN_ONLY),
    ("users.new", "POST", "/manage/users/new", {"email": "", "role": "observer"},
     row(302, 422, 403, 403, 403, 403)),
    ("users.edit", "GET", "/manage/users/{target}", None, ADMIN_ONLY),
    ("users.edit", "GET", "/manage/users/999999", None, row(302, 404, 403, 403, 403, 403)),
    ("users.edit", "POST", "/manage/users/{target}", {"role": "organizer", "regions": ""},
     row(302, 422, 403, 403, 403, 403)),
    ("users.password", "GET", "/manage/users/{target}/password", None, ADMIN_ONLY),
    ("users.password", "POST", "/manage/users/{target}/password", {"password": "short"},
     row(302, 422, 403, 403, 403, 403)),
    ("planning.relays", "GET", "/manage/relays", None, COMMITTEE),
    ("planning.new_relay", "POST", "/manage/relays", {"name": ""}, PLANNER_422),
    ("planning.new_route", "POST", "/manage/relays/{relay}/routes", {"name": ""}, PLANNER_422),
    ("planning.route", "GET", "/manage/routes/{route}", None, COMMITTEE),
    ("planning.route", "GET", "/manage/routes/999999", None, COMMITTEE_404),
    ("planning.new_stop", "GET", "/manage/routes/{route}/stops/new", None, ADMIN_ONLY),
    ("planning.new_stop", "POST", "/manage/routes/{route}/stops/new", {"region_code": ""},
     PLANNER_422),
    ("planning.import_stops", "GET", "/manage/routes/{route}/import", None, ADMIN_ONLY),
    ("planning.import_stops", "POST", "/manage/routes/{route}/import", {}, PLANNER_422),
    ("planning.edit_stop", "GET", "/manage/stops/{stop}", None, REGION_ORGANIZERS),
    ("planning.edit_stop", "GET", "/manage/stops/999999", None, COMMITTEE_404),
    ("planning.edit_stop", "POST", "/manage/stops/{stop}", {"venue": "x" * 201}, REGION_422),
    ("planning.move_stop", "POST", "/manage/stops/{stop}/move", {"direction": "sideways"},
     row(302, 400, 403, 403, 403, 403)),
    ("planning.remove_stop", "GET", "/manage/stops/{stop}/remove", None, ADMIN_ONLY),
    ("planning.remove_stop", "POST", "/manage/stops/{stop}/remove", {}, PLANNER_422),
    ("planning.shift_stop", "GET", "/manage/stops/{stop}/shift", None, ADMIN_ONLY),
    ("planning.shift_stop", "POST", "/manage/stops/{stop}/shift", {"amount": "0", "unit": "days"},
     PLANNER_422),
    ("planning.handover", "GET", "/manage/handovers/{handover}", None, COMMITTEE),
    ("planning.handover", "GET", "/manage/handovers/999999", None, COMMITTEE_404),
    ("planning.handover", "POST", "/manage/handovers/{handover}", {"venue": "x" * 201},
     REGION_422),
    ("planning.berita_acara", "GET", "/manage/handovers/{handover}/berita-acara", None,
     COMMITTEE),
    ("planning.upload_file", "POST", "/manage/handovers/{handover}/files", {"kind": "photo"},
     REGION_422),
    ("planning.handover_file", "GET", "/manage/handover-files/{file}", None, COMMITTEE),
    ("planning.handover_file", "GET", "/manage/handover-files/999999", None, COMMITTEE_404),
    ("feeds.calendar", "GET", "/calendar.ics?region=32.16", None, EVERYONE_200),
    ("feeds.calendar", "GET", "/calendar.ics?region=nowhere", None,
     row(400, 400, 400, 400, 400, 400)),
    ("feeds.event_calendar", "GET", "/events/{published}.ics", None, EVERYONE_200),
    ("feeds.event_calendar", "GET", "/events/{draft}.ics", None, DRAFT_PAGE),
    ("feeds.event_calendar", "GET", "/events/999999.ics", None, row(404, 404, 404, 404, 404, 404)),
    # The token is the key: whoever holds it reads the feed, logged in or not.
    ("feeds.personal", "GET", "/calendar/{token}.ics", None, EVERYONE_200),
    ("feeds.personal", "GET", "/calendar/not-a-token.ics", None, row(404, 404, 404, 404, 404, 404)),
    ("changes.changes_page", "GET", "/changes?region=32.16", None, EVERYONE_200),
    ("changes.changes_page", "GET", "/changes?region=nowhere", None, EVERYONE_400),
    ("changes.changes_feed", "GET", "/changes.atom?region=32.16", None, EVERYONE_200),
    ("changes.changes_feed", "GET", "/changes.atom?kind=party", None, EVERYONE_400),
    ("feeds.account", "GET", "/account/calendar", None, LOGGED_IN),
    ("feeds.account", "POST", "/account/calendar", {"confirm": "y"}, LOGGED_IN),
    ("notifications.account", "GET", "/account/notifications", None, LOGGED_IN),
    ("notifications.account", "POST", "/account/notifications", {"email_mode": "weekly"},
     row(302, 422, 422, 422, 422, 422)),
    # The signed link is the key: it works in one click, logged in or not.
    ("notifications.unsubscribe", "GET", "/unsubscribe/{unsubscribe}", None, EVERYONE_200),
    ("notifications.unsubscribe", "POST", "/unsubscribe/{unsubscribe}", {}, EVERYONE_200),
    ("notifications.unsubscribe", "POST", "/unsubscribe/forged", {},
     row(404, 404, 404, 404, 404, 404)),
    ("notifications.deliveries", "GET", "/manage/notifications", None, ADMIN_ONLY),
    ("webhooks.endpoints", "GET", "/manage/webhooks", None, ADMIN_ONLY),
    ("webhooks.endpoints", "POST", "/manage/webhooks", {"url": "ftp://x"}, PLANNER_422),
    ("webhooks.endpoint", "GET", "/manage/webhooks/999999", None,
     row(302, 404, 403, 403, 403, 403)),
    ("webhooks.redeliver_delivery", "POST", "/manage/webhooks/deliveries/999999/redeliver", {},
     row(302, 404, 403, 403, 403, 403)),
    ("api.events", "GET", "/api/v1/events?region=32.16", None, EVERYONE_200),
    ("api.changes", "GET", "/api/v1/changes?region=32.16", None, EVERYONE_200),
    ("api.changes", "GET", "/api/v1/changes?region=nowhere", None, EVERYONE_400),
    ("api.event", "GET", "/api/v1/events/{published}", None, EVERYONE_200),
    ("api.event", "GET", "/api/v1/events/{draft}", None, DRAFT_PAGE),
    ("api.status", "GET", "/api/v1/relay/status?at=2023-11-15T12:00:00%2B07:00", None,
     EVERYONE_200),
    ("attendance.event_page", "GET", "/events/{published}/attendance", None, ATTENDANCE_READERS),
    ("attendance.event_page", "GET", "/events/{draft}/attendance", None, ATTENDANCE_READERS),
    ("attendance.event_page", "GET", "/events/999999/attendance", None,
     row(302, 404, 404, 404, 404, 404)),
    ("attendance.add_person", "POST", "/events/{published}/attendance/people",
     {"name": "", "category": "public"}, ATTENDANCE_BAD_FORM),
    ("attendance.tick", "POST", "/events/{published}/attendance/tick", {"guest": "u999999"},
     ATTENDANCE_BAD_FORM),
    ("attendance.headcount", "POST", "/events/{published}/attendance/headcount",
     {"counter": "A", "category": "public", "count": ""}, ATTENDANCE_BAD_FORM),
    ("attendance.add_guest", "POST", "/events/{published}/attendance/guests",
     {"name": "", "category": "kpu"}, ATTENDANCE_BAD_FORM),
    ("attendance.remove_guest", "POST",
     "/events/{published}/attendance/guests/{other_guest}/remove", {}, ATTENDANCE_UNKNOWN),
    ("attendance.confirm", "POST", "/events/{published}/attendance/records/{other_record}/confirm",
     {}, ATTENDANCE_UNKNOWN),
    ("attendance.delete", "POST", "/events/{published}/attendance/records/{other_record}/delete",
     {"reason": ""}, ATTENDANCE_UNKNOWN),
    ("attendance.qr", "GET", "/events/{published}/attendance/qr", None, ATTENDANCE_RECORDERS),
    ("attendance.event_csv", "GET", "/events/{published}/attendance.csv", None,
     ATTENDANCE_READERS),
    ("attendance.stop_csv", "GET", "/stops/{stop}/attendance.csv", None, ATTENDANCE_READERS),
    ("attendance.relay_csv", "GET", "/relays/{relay}/attendance.csv", None,
     row(302, 200, 403, 403, 403, 200)),
    ("attendance.import_csv", "GET", "/events/{published}/attendance/import", None,
     ATTENDANCE_RECORDERS),
    ("attendance.import_csv", "POST", "/events/{published}/attendance/import", {},
     ATTENDANCE_BAD_FORM),
    ("attendance.checkin", "GET", "/events/{published}/check-in/{checkin}", None, EVERYONE_200),
    ("attendance.checkin", "POST", "/events/{published}/check-in/{checkin}",
     {"name": "", "category": "public"}, row(422, 422, 422, 422, 422, 422)),
    ("attendance.checkin", "GET", "/events/{published}/check-in/forged", None, EVERYONE_400),
    ("attendance.checkin", "GET", "/events/{draft}/check-in/{checkin}", None,
     row(404, 404, 404, 404, 404, 404)),
    ("attendance.erase", "GET", "/manage/attendance/erase?name=Budi", None,
     row(302, 200, 200, 200, 403, 403)),
    ("attendance.erase", "POST", "/manage/attendance/erase", {"name": "Budi", "record": "1"},
     row(302, 422, 422, 422, 403, 403)),
    ("attendance.report", "GET", "/reports/attendance?by=party", None, EVERYONE_200),
    ("attendance.report", "GET", "/reports/attendance?by=names", None, EVERYONE_400),
    ("attendance.party_matrix", "GET", "/reports/attendance/parties", None, EVERYONE_200),
]  # fmt: skip


class World:
    """Users of every role, a route into Kabupaten Bekasi, a published and a draft event.

    The handover from Karawang to Kabupaten Bekasi has a photo on file. Built
    once for the module and committed; rebuilt only after a case that
    committed a change (publishing, deleting, a new feed token...), so every
    case starts from the same world.
    """

    def __init__(self) -> None:
        self.users: dict[str, dict] = {}
        self.ids: dict[str, object] = {}
        self.fixed_now = None

    def build(self) -> None:
        """Create the world and commit it; keep the users' session identities and the ids."""
        route = make_route(
            [("32.15", at("2023-11-07 09:00"), at("2023-11-13 09:00")),
             ("32.16", at("2023-11-13 09:00"), None)]
        )  # fmt: skip
        stop = route.stops[1]
        relink_handovers(route, route.stops)
        handover = db.session.execute(db.select(Handover)).scalar_one()
        upload = make_file(handover)
        published = make_event(stop, title="Terbit")
        draft = make_event(stop, title="Draf", status=DRAFT)
        users = {
            "admin": make_user("admin"),
            "organizer_in": make_user("organizer", regions=["32.16"]),
            "organizer_out": make_user("organizer", regions=["35"]),
            "party_rep": make_user("party_rep", party=1, regions=["32.16"]),
            "observer": make_user("observer"),
        }
        target = make_user("observer", email="target@kirab.example")
        # Another event's guest and record, which must not be reachable through this one.
        elsewhere = make_event(route.stops[0], title="Lain")
        other_guest = ExpectedGuest(event_id=elsewhere.id, name="Tamu", name_key="tamu",
                                    category="kpu")  # fmt: skip
        other_record = AttendanceRecord(event_id=elsewhere.id, name="Ani", name_key="ani",
                                        category="public", method="organizer")  # fmt: skip
        db.session.add_all([other_guest, other_record])
        token = issue_token(users["party_rep"], actor=None, now=at("2023-11-01 09:00"))
        db.session.flush()
        # Self check-in works around the event's time only.
        self.fixed_now = published.starts_at
        # Sessions begun at the world's "now", so no request moves their "last seen".
        self.users = {role: open_session(user, self.fixed_now) for role, user in users.items()}
        self.ids = {
            "published": published.id,
            "draft": draft.id,
            "target": target.id,
            "relay": route.relay_id,
            "route": route.id,
            "stop": stop.id,
            "handover": handover.id,
            "file": upload.id,
            "token": token,
            "unsubscribe": unsubscribe_token(users["party_rep"]),
            "checkin": checkin_token(published),
            "other_guest": other_guest.id,
            "other_record": other_record.id,
        }
        db.session.commit()


@contextmanager
def kept_world(shared_app, world: World):
    """``world`` built once for a module, its rows deleted after it."""
    with fresh_context(shared_app):
        world.build()
    yield world
    with fresh_context(shared_app):
        empty_tables()


@contextmanager
def on_world(shared_app, world: World):
    """A context of its own on the world at its fixed moment; the world is built again after a
    case that committed a write, so every case starts from the same rows."""
    with fresh_context(shared_app):
        shared_app.config["FIXED_NOW"] = world.fixed_now
        with CommittedWrites(db.engine) as writes:
            yield
    if writes.count:
        with fresh_context(shared_app):
            empty_tables()
            world.build()


@pytest.fixture(scope="module")
def shared_world(shared_app):
    """The world of the module, built once; its rows are deleted after the module."""
    with kept_world(shared_app, World()) as world:
        yield world


@pytest.fixture
def app(shared_app, shared_world):
    """The app in a context of its own on the shared world; rebuilt if a case changed it."""
    with on_world(shared_app, shared_world):
        yield shared_app


@pytest.fixture
def world(app, shared_world):
    """The users (as session identities) and the ids of the world."""
    return shared_world.users, shared_world.ids


def test_every_route_is_in_the_matrix(app):
    covered = {endpoint for endpoint, *_rest in MATRIX}
    routed = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert routed - covered == set(), "routes without a permission row"
    assert covered - routed == set(), "rows for routes that do not exist"
    for endpoint, *_rest, statuses in MATRIX:
        assert set(statuses) == set(ROLES), endpoint


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("endpoint", "method", "path", "data", "expected"),
    MATRIX,
    ids=[f"{m[0]}:{m[1]}:{m[2]}" for m in MATRIX],
)
def test_permission(client, world, role, endpoint, method, path, data, expected):
    users, ids = world
    if role != "anonymous":
        login(client, users[role])
    url = path.format(**ids)
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data={**data, "csrf_token": csrf_token(client)})
    response.close()
    assert response.status_code == expected[role], response.get_data(as_text=True)[:300]
    if role == "anonymous" and response.status_code == 302 and expected is not EVERYONE_302:
        assert response.location.startswith("/login?next=")


def test_api_answers_anonymous_with_json_not_a_redirect(client, world):
    _users, ids = world
    response = client.get(f"/api/v1/events/{ids['draft']}")
    assert response.status_code == 404
    assert response.is_json
