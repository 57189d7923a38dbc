"""What lets Kirab live on a phone's home screen and read on without signal.

The web app manifest names the app and its icons; the service worker
(``static/js/service-worker.js``, served from ``/sw.js`` so that its scope is
the whole site) keeps the app shell and the public pages a visitor opened,
and shows them, marked with the time they were made, when the network is
gone. Pages made for a logged-in person are sent ``private, no-store`` and
the worker keeps none of them.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Response, current_app, json, render_template, url_for
from flask_babel import gettext as _

from kirab.database import utcnow
from kirab.i18n import local_datetime
from kirab.main.views import bp

# The app shell: what every page needs, kept by the worker at install.
SHELL_FILES = (
    "css/kirab.css",
    "js/offline.js",
    "js/offline-store.js",
    "js/attendance-queue.js",
    "js/submission-keys.js",
    "js/date-hints.js",
    "icons/kirab-192.png",
    "icons/kirab-512.png",
)
THEME_COLOUR = "#b3001b"
WORKER_SOURCE = "js/service-worker.js"


@cache
def _shell_version(static_folder: str) -> str:
    """A digest of the worker and its shell: a deploy that changes either installs a new worker."""
    digest = hashlib.sha256()
    for name in (WORKER_SOURCE, *SHELL_FILES):
        digest.update(name.encode())
        digest.update((Path(static_folder) / name).read_bytes())
    return digest.hexdigest()[:16]


def page_made_at() -> str:
    """When this page was made, in the committee's zone: the "last updated" of a kept copy.

    The real clock, not the demo's pinned one: it dates the copy, not the relay.
    """
    return local_datetime(utcnow(), current_app.config["BABEL_DEFAULT_TIMEZONE"])


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest, in the visitor's language (Indonesian first)."""
    body = {
        "name": _("Kirab Pemilu"),
        "short_name": "Kirab",
        "description": _("The agenda, route and attendance of the KPU's election relay."),
        "lang": "id",
        "start_url": url_for("main.home"),
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": "#ffffff",
        "icons": [
            {
                "src": url_for("static", filename=f"icons/kirab-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "any maskable",
            }
            for size in (192, 512)
        ],
    }
    return Response(json.dumps(body), mimetype="application/manifest+json")


@bp.get("/sw.js")
def service_worker():
    """The service worker, with its version and the shell's addresses filled in.

    Served from the root so its scope is the whole site; ``no-cache`` makes
    the browser ask for it again at each visit, so a new version is found
    at once.
    """
    static_folder = current_app.static_folder
    source = (Path(static_folder) / WORKER_SOURCE).read_text(encoding="utf-8")
    shell = [url_for("static", filename=name) for name in SHELL_FILES]
    source = source.replace('"__VERSION__"', json.dumps(_shell_version(static_folder)))
    source = source.replace('"__SHELL__"', json.dumps(shell))
    source = source.replace('"__OFFLINE_PAGE__"', json.dumps(url_for("main.offline_page")))
    response = Response(source, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/offline")
def offline_page():
    """What the worker shows for a page it did not keep while the network is gone."""
    return render_template("main/offline.html")
