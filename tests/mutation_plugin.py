"""A pytest plugin that turns every commit inside a request into a mere flush.

Loaded only by ``tests/test_request_path.py`` in a separate pytest run. It
notes which tests had a request that wrote to the database (and so lost its
writes to the mutation) and how each test ended, in the JSON file named by
``KIRAB_MUTATION_REPORT``: every such write test must fail, which shows
that the tests notice a page that forgets to save.
"""

from __future__ import annotations

import json
import os

import pytest
from flask import has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

original_commit = Session.commit
outcomes: dict[str, dict] = {}
current: dict[str, str | None] = {"test": None}


def note_write(session: Session, flush_context) -> None:
    """Remember that this session's transaction holds writes."""
    session.info["wrote"] = True


def flush_instead(self: Session) -> None:
    """Inside a request, write to the transaction but never end it; elsewhere commit."""
    if not has_request_context():
        self.info.pop("wrote", None)
        original_commit(self)
        return
    self.flush()
    if self.info.pop("wrote", False) and current["test"]:
        outcomes.setdefault(current["test"], {})["wrote"] = True


def pytest_configure(config) -> None:
    """Install the mutation for the whole run."""
    Session.commit = flush_instead
    event.listen(Session, "after_flush", note_write)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Attribute the requests' writes to the test that made them."""
    current["test"] = item.nodeid
    yield
    current["test"] = None


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Keep whether each test failed (in any phase)."""
    if report.failed:
        outcomes.setdefault(report.nodeid, {})["failed"] = True


def pytest_unconfigure(config) -> None:
    """Put the real commit back and write the report."""
    Session.commit = original_commit
    event.remove(Session, "after_flush", note_write)
    path = os.environ.get("KIRAB_MUTATION_REPORT")
    if path:
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(outcomes, handle)
