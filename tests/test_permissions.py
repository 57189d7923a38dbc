"""The permission matrix: every route, every role, the status PRODUCT.md promises.

Adding a route without adding it here fails ``test_every_route_is_in_the_matrix``.
"""

from __future__ import annotations

import pytest

from kirab.database import db
from kirab.events.models import DRAFT
from kirab.feeds.tokens import issue_token
from tests.conftest import csrf_token, login
from tests.factories import at, make_event, make_route, make_user

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

# (endpoint, method, path, form data or None, expected statuses by role)
MATRIX = [
    ("static", "GET", "/static/css/kirab.css", None, EVERYONE_200),
    ("main.home", "GET", "/", None, EVERYONE_200),
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
    ("relay.route_page", "GET", "/route", None, EVERYONE_200),
    ("manage.dashboard", "GET", "/manage", None, COMMITTEE),
    ("manage.audit", "GET", "/manage/audit", None, AUDIT_READERS),
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
    ("feeds.calendar", "GET", "/calendar.ics?region=32.16", None, EVERYONE_200),
    ("feeds.calendar", "GET", "/calendar.ics?region=nowhere", None,
     row(400, 400, 400, 400, 400, 400)),
    ("feeds.event_calendar", "GET", "/events/{published}.ics", None, EVERYONE_200),
    ("feeds.event_calendar", "GET", "/events/{draft}.ics", None, DRAFT_PAGE),
    ("feeds.event_calendar", "GET", "/events/999999.ics", None, row(404, 404, 404, 404, 404, 404)),
    # The token is the key: whoever holds it reads the feed, logged in or not.
    ("feeds.personal", "GET", "/calendar/{token}.ics", None, EVERYONE_200),
    ("feeds.personal", "GET", "/calendar/not-a-token.ics", None, row(404, 404, 404, 404, 404, 404)),
    ("feeds.account", "GET", "/account/calendar", None, LOGGED_IN),
    ("feeds.account", "POST", "/account/calendar", {}, LOGGED_IN),
    ("api.events", "GET", "/api/v1/events?region=32.16", None, EVERYONE_200),
    ("api.event", "GET", "/api/v1/events/{published}", None, EVERYONE_200),
    ("api.event", "GET", "/api/v1/events/{draft}", None, DRAFT_PAGE),
    ("api.status", "GET", "/api/v1/relay/status?at=2023-11-15T12:00:00%2B07:00", None,
     EVERYONE_200),
]  # fmt: skip


@pytest.fixture
def world(app):
    """Users of every role, a route in Kabupaten Bekasi, a published and a draft event."""
    route = make_route([("32.16", at("2023-11-13 09:00"), None)])
    published = make_event(route.stops[0], title="Terbit")
    draft = make_event(route.stops[0], title="Draf", status=DRAFT)
    users = {
        "admin": make_user("admin"),
        "organizer_in": make_user("organizer", regions=["32.16"]),
        "organizer_out": make_user("organizer", regions=["35"]),
        "party_rep": make_user("party_rep", party=1, regions=["32.16"]),
        "observer": make_user("observer"),
    }
    target = make_user("observer", email="target@kirab.example")
    token = issue_token(users["party_rep"], actor=None, now=at("2023-11-01 09:00"))
    db.session.commit()
    ids = {"published": published.id, "draft": draft.id, "target": target.id, "token": token}
    return users, ids


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
    if response.status_code == 302 and expected is not EVERYONE_302:
        assert response.location.startswith("/login?next=")


def test_api_answers_anonymous_with_json_not_a_redirect(client, world):
    _users, ids = world
    response = client.get(f"/api/v1/events/{ids['draft']}")
    assert response.status_code == 404
    assert response.is_json
