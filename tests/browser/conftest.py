"""Browser journeys: the app served on a free local port, driven in Chromium.

Debian's ``chromium`` (or ``KIRAB_CHROMIUM``) is launched through Playwright,
headless and kept off the network. Without it the journeys are skipped with
a reason, except under ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import os
import shutil

import pytest

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


@pytest.fixture
def page(browser):
    """A fresh browser context and page with a phone-friendly size."""
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    """A page with the viewport of a small phone."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True,
                                  has_touch=True)  # fmt: skip
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
