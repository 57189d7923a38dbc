"""Browser journeys: the app served on a free local port, driven in Chromium.

Debian's ``chromium`` (or ``KIRAB_CHROMIUM``) is launched through Playwright,
headless and kept off the network. Without it the journeys are skipped with
a reason, except under ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import os
import shutil

import pytest

from tests.browser.audit import unaudited
from tests.conftest import IN_CI, served_over_http

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def unavailable(reason: str):
    """Skip the journeys, or fail them where nothing may be skipped."""
    if IN_CI:
        pytest.fail(f"browser journeys cannot run: {reason}", pytrace=False)
    pytest.skip(f"browser journeys skipped: {reason}")


def chromium_path() -> str | None:
    """The Chromium executable to drive."""
    return os.environ.get("KIRAB_CHROMIUM") or shutil.which("chromium")


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run."""
    executable = chromium_path()
    if not executable or not os.access(executable, os.X_OK):
        unavailable("no Chromium (install Debian's chromium package or set KIRAB_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


@pytest.fixture
def server_config() -> dict:
    """Configuration for the served app beyond the tests' own; a module may override it."""
    return {}


@pytest.fixture
def live_server(app, migrated, server_config):
    """The app served over HTTP on 127.0.0.1 on a free port, on the test database."""
    with served_over_http(migrated, **server_config) as url:
        yield url


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so fixtures know whether it passed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def open_page(browser, request):
    """Open a page in a browser context of its own: ``open_page(viewport=..., ...)``.

    Every page that loads in it is noted; a test that passes but leaves a
    loaded page without ``audit(page)`` (tests/browser/audit.py) fails.
    """
    opened = []

    def open_one(**options):
        context = browser.new_context(**options)
        loaded: list[str] = []
        context.on("page", lambda new: new.on("load", lambda p: loaded.append(p.url)))
        opened.append((context, loaded))
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_one
    missed = [url for context, loaded in opened for url in unaudited(context, loaded)]
    for context, _loaded in opened:
        context.close()
    passed = getattr(request.node, "report_call", None)
    if passed is not None and passed.passed:
        assert not missed, f"pages visited but not audited: {missed}"


@pytest.fixture
def page(open_page):
    """A fresh browser context and page with a desktop size."""
    return open_page(viewport={"width": 1024, "height": 800})


@pytest.fixture
def phone(open_page):
    """A page with the viewport of a small phone."""
    return open_page(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
