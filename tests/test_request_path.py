"""The one request path: views never save, the app commits once, and tests notice a lost save."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import kirab

PACKAGE = Path(kirab.__file__).parent
PROJECT = PACKAGE.parent

# Per area, tests that save through a page and then look at what was saved.
# With every commit inside a request turned into a flush, each must fail.
WRITE_TESTS = {
    "events": [
        "tests/test_events_views.py::test_organizer_creates_a_draft_in_local_time",
        "tests/test_events_views.py::test_edit_publish_cancel_duplicate_delete",
        "tests/test_events_views.py::test_saving_an_event_that_clashes_warns",
    ],
    "users": [
        "tests/test_users_admin.py::test_admin_creates_an_organizer_and_sees_the_password_once",
        "tests/test_users_admin.py::test_admin_changes_role_and_deactivates",
    ],
    "auth": [
        "tests/test_auth.py::test_change_own_password",
        "tests/test_auth.py::test_login_and_logout",
    ],
    "relay": [
        "tests/test_relay_planning.py::test_the_web_form_inserts_a_stop_in_the_office_zone",
        "tests/test_relay_planning.py::test_relays_and_routes_are_created_with_unique_names",
        "tests/test_relay_handovers.py::test_only_organizers_of_either_office_record_a_handover",
        "tests/test_relay_handovers.py::test_clearing_the_actual_time_goes_back_to_the_plan",
    ],
    "attendance": [
        "tests/test_attendance_http.py::test_an_organizer_records_a_walk_in_once",
        "tests/test_attendance_http.py::test_headcounts_add_up_across_counters",
        "tests/test_attendance_http.py::test_self_check_in_from_the_qr_link",
        "tests/test_attendance_csv.py::test_stop_and_relay_exports",
    ],
    "feeds": ["tests/test_feeds_personal.py::test_the_account_page_shows_a_new_address_once"],
    "notifications": [
        "tests/test_notifications.py::test_the_account_page_keeps_the_choice",
        "tests/test_notifications.py::test_one_click_unsubscribe_works_without_login",
    ],
    "webhooks": ["tests/test_webhooks.py::test_admins_register_endpoints_on_the_web_page"],
}


def view_modules() -> list[Path]:
    """Every module of the package whose name contains ``views``."""
    return sorted(path for path in PACKAGE.rglob("*.py") if "views" in path.name)


def test_no_view_commits_or_rolls_back():
    """Saving is the request path's job, never a view's."""
    offenders = [
        f"{path.relative_to(PROJECT)}: {word}"
        for path in view_modules()
        for word in ("commit(", "rollback(")
        if word in path.read_text(encoding="utf-8")
    ]
    assert view_modules(), "no view modules found"
    assert offenders == []


def test_the_request_path_commits_through_the_session():
    """One module without ``views`` in its name commits, through ``db.session.commit()``."""
    source = (PACKAGE / "transactions.py").read_text(encoding="utf-8")
    assert "db.session.commit()" in source
    assert "db.session.rollback()" in source


def test_a_refused_request_stores_nothing(migrated):
    """An answer of 400 or more rolls back what the view wrote before it answered."""
    from kirab.database import db
    from kirab.relay.models import Relay
    from tests.conftest import extra_app

    with extra_app(migrated, WTF_CSRF_ENABLED=False) as app:

        @app.post("/_test/write-then-refuse")
        def write_then_refuse():
            db.session.add(Relay(name="Refused"))
            db.session.flush()
            return "refused", 422

        @app.post("/_test/write-then-succeed")
        def write_then_succeed():
            db.session.add(Relay(name="Saved"))
            return "saved", 200

        client = app.test_client()
        assert client.post("/_test/write-then-refuse").status_code == 422
        assert client.post("/_test/write-then-succeed").status_code == 200
        names = list(db.session.execute(db.select(Relay.name)).scalars())
        db.session.execute(db.delete(Relay))
        db.session.commit()
    assert names == ["Saved"]


@pytest.mark.skipif(os.environ.get("KIRAB_MUTATION_RUN") == "1", reason="inside the mutation run")
def test_write_tests_fail_when_requests_do_not_commit(tmp_path):
    """With commits inside requests turned into flushes, the write tests of every area fail."""
    report = tmp_path / "mutation.json"
    node_ids = [node for nodes in WRITE_TESTS.values() for node in nodes]
    environment = dict(
        os.environ,
        KIRAB_MUTATION_REPORT=str(report),
        KIRAB_MUTATION_RUN="1",
        PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT), os.environ.get("PYTHONPATH")])),
    )
    finished = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p",
         "tests.mutation_plugin", *node_ids],
        cwd=PROJECT, env=environment, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert report.exists(), finished.stdout + finished.stderr
    outcomes = json.loads(report.read_text(encoding="utf-8"))
    for area, nodes in WRITE_TESTS.items():
        for node in nodes:
            outcome = outcomes.get(node, {})
            assert outcome.get("wrote"), f"{area}: {node} did not save through a request"
            assert outcome.get("failed"), f"{area}: {node} passes without a commit"
