"""Public pages answered from a store keyed by the data they show, checked on every request.

A public view names the data scopes it shows (kirab/dataversions.py). For an
anonymous GET the page's strong ETag is a hash of those scopes' versions,
the page's language, the code and templates (a fingerprint taken once per
process), the app's settings, the URL and, for pages that show "now", the
current minute. Then:

1. the versions are read (one small query);
2. an If-None-Match naming the ETag (or, without one, an If-Modified-Since
   not older than the scopes' last change) is answered 304, nothing rendered;
3. otherwise the body stored under the ETag is served (one lookup; the body
   itself comes from this process's copy when it has one), or the page is
   rendered and stored for every process and machine.

A change raises its scopes' versions in its own transaction, so the very next
request in any process computes a new ETag: nothing stale is ever matched,
and no process keeps anything that is not checked against the database first.

Anonymous answers say ``Cache-Control: public, no-cache``: a proxy or CDN may
keep them but asks again every time (a cheap 304). The language may follow
the session, so they say ``Vary: Cookie``. Pages for a logged-in person
never come from or go into the store (app-wide ``private, no-store``), nor
does any page that touched the session (a flashed message, a CSRF token) or
carries a CSRF field: the body is the same for every visitor, or not kept.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Hashable, Iterable
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Any

from flask import Response, current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import BigInteger, LargeBinary, String, select
from sqlalchemy.orm import Mapped, mapped_column

from kirab import clock
from kirab.compression import client_etag
from kirab.database import commit_without_waiting, db
from kirab.dataversions import (
    ALL,
    ATTENDANCE,
    EVENTS,
    GLOBAL,
    attendance_scope,
    read_versions,
    region_scope,
)

# Stored pages older than this are dropped (and rendered again if asked for).
KEEP_SECONDS = 6 * 3600
# Pages that show "now" (where the flags are) are rendered afresh each minute.
CLOCK_SECONDS = 60
# Settings words that never go into a hash that leaves the server.
SECRET_WORDS = ("SECRET", "PASSWORD", "TOKEN", "_KEY", "DATABASE_URI", "STORAGE_URI")
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class PageRendering(db.Model):
    """The body of one public page as rendered for one ETag (immutable: the ETag names it)."""

    __tablename__ = "page_renderings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    mimetype: Mapped[str] = mapped_column(String(100))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    stored_at: Mapped[int] = mapped_column(BigInteger, index=True)


# -- which scopes a page shows -----------------------------------------------------------------


def filter_scopes(args, *, attendance: bool = False) -> list[str]:
    """The scopes an agenda filter's events lie in, read from the query string alone.

    A region or dapil names its province; a route names itself; anything else
    (or a malformed value, which the view refuses anyway) counts as everything.
    With ``attendance`` the page also shows attendance figures.
    """
    code = args.get("region") or args.get("dapil") or ""
    route = args.get("route") or ""
    if code[:2].isdigit():
        narrow = [region_scope(code)] + ([attendance_scope(code)] if attendance else [])
    elif route.isdigit():
        narrow = [f"route:{route}"] + ([ATTENDANCE] if attendance else [])
    else:
        narrow = [ALL if attendance else EVENTS]
    return [GLOBAL, *narrow]


# -- what an ETag is made of -------------------------------------------------------------------


def _files_digest() -> str:
    """A digest of the code, templates and translations this process serves with."""
    digest = hashlib.sha256()
    folders = (PROJECT_ROOT / "kirab", PROJECT_ROOT / "templates")
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".py", ".html", ".mo", ".txt", ".json") and path.is_file():
                digest.update(str(path.relative_to(PROJECT_ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def code_fingerprint() -> str:
    """The code's digest, taken once per process (equal across processes of one release)."""
    extensions = current_app.extensions
    if "kirab.pagecache.code" not in extensions:
        extensions["kirab.pagecache.code"] = _files_digest()
    return extensions["kirab.pagecache.code"]


def settings_fingerprint() -> str:
    """The settings a page may depend on (per page, links), secrets left out."""
    settings = {
        name: value
        for name, value in current_app.config.items()
        if isinstance(value, (str, int, float, bool, tuple, list, type(None), datetime))
        and not any(word in name for word in SECRET_WORDS)
    }
    return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()


def anonymous_get() -> bool:
    """Whether this request may be answered from (and into) the store."""
    if request.method not in ("GET", "HEAD") or not current_app.config.get("PAGE_CACHE", True):
        return False
    if "_flashes" in session:
        return False
    return not current_user.is_authenticated


# Where a GET keeps the versions it read, by scope (request.environ lives as long as the request).
READ_VERSIONS = "kirab.pagecache.versions"


def request_versions(scopes: Iterable[str], also: Iterable[str] = ()) -> tuple[dict, int]:
    """The scopes' versions as this GET first read them, and their latest change.

    Those not read yet in this request are read in one query, with ``also``
    (scopes the request is expected to ask for next, to save a query then).
    A page keyed on them and the values it keeps under them (``kept_copies``)
    then name one reading; what is built after it is at least as new. Writing
    requests read afresh each time: what they build may include their writes.
    """
    names = set(scopes)
    if not has_request_context() or request.method not in ("GET", "HEAD"):
        return read_versions(names)
    read = request.environ.setdefault(READ_VERSIONS, {})
    if names - read.keys():
        read.update(read_versions((names | set(also)) - read.keys())[0])
    versions = {name: read[name] for name in names}
    return versions, max((changed for _version, changed in versions.values()), default=0)


class Page:
    """The validators of the page a request asks for, worked out before rendering."""

    def __init__(
        self, scopes: Iterable[str], clocked: bool | Callable[[], bool], now: datetime | None = None
    ):
        versions, latest = request_versions(scopes)
        parts = [request.endpoint, sorted((request.view_args or {}).items()),
                 sorted(request.args.items(multi=True)), str(get_locale()), request.host_url,
                 code_fingerprint(), settings_fingerprint(), sorted(versions.items())]  # fmt: skip
        if clocked is True or (callable(clocked) and clocked()):
            minute = int((now or clock.now()).timestamp()) // CLOCK_SECONDS * CLOCK_SECONDS
            parts.append(minute)
            latest = max(latest, minute)
        self.key = hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()
        self.etag = self.key[:40]
        self.last_modified = datetime.fromtimestamp(latest, UTC) if latest else None

    def matched_tag(self) -> str | None:
        """The client's tag for this page (plain or compressed), when it still holds it."""
        if request.if_none_match:
            return client_etag(self.etag)
        since = request.if_modified_since
        if since is not None and self.last_modified is not None and self.last_modified <= since:
            return self.etag
        return None

    def finish(self, response: Response, tag: str | None = None) -> Response:
        """Put the validators and the caching rules on an answer."""
        response.set_etag(tag or self.etag)
        if self.last_modified is not None:
            response.last_modified = self.last_modified
        # Only a visitor with nothing in the session but a language gets a shareable answer.
        shared = set(session) <= {"lang"} and not session.permanent
        response.headers["Cache-Control"] = "public, no-cache" if shared else "private, no-cache"
        response.vary.add("Cookie")
        return response


# -- the store ---------------------------------------------------------------------------------


def _copies() -> dict[str, tuple[str, bytes]]:
    """This process's copies of stored bodies, by key (see ``_stored``)."""
    return current_app.extensions.setdefault("kirab.pagecache.copies", {})


def _stored(key: str) -> tuple[str, bytes] | None:
    """The stored page of ``key``: one lookup, the body read only if this process lacks it.

    A copy is used only while the store holds its key, so the database stays
    the truth (a key names one body forever; a dropped one is rendered again).
    """
    copy = _copies().get(key)
    if copy is not None:
        found = db.session.execute(
            select(PageRendering.key).where(PageRendering.key == key)
        ).scalar()
        return copy if found is not None else None
    found = db.session.execute(
        select(PageRendering.mimetype, PageRendering.body).where(PageRendering.key == key)
    ).one_or_none()
    if found is None:
        return None
    _remember(key, found.mimetype, found.body)
    return found.mimetype, found.body


def _remember(key: str, mimetype: str, body: bytes) -> None:
    """Keep a copy of a body; past the limit the copies start over (pages change anyway)."""
    copies = _copies()
    size = current_app.extensions.get("kirab.pagecache.size", 0) + len(body)
    if size > current_app.config["PAGE_COPIES_BYTES"]:
        copies.clear()
        size = len(body)
    copies[key] = (mimetype, body)
    current_app.extensions["kirab.pagecache.size"] = size


def _keepable(response: Response) -> bool:
    """Whether a rendered answer is the same for every anonymous visitor."""
    if response.status_code != 200 or response.direct_passthrough or response.is_streamed:
        return False
    if session.modified or "Set-Cookie" in response.headers:
        return False
    return b'name="csrf_token"' not in response.get_data()


def _keep(key: str, response: Response) -> None:
    """Store a rendered body under its key (another process may have stored it already)."""
    table = PageRendering.__table__
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    now = int(time.time())
    commit_without_waiting()  # an anonymous GET stores only this page
    _remember(key, response.mimetype, response.get_data())
    db.session.execute(
        insert(table)
        .values(key=key, mimetype=response.mimetype, body=response.get_data(), stored_at=now)
        .on_conflict_do_nothing(index_elements=[table.c.key])
    )
    db.session.execute(table.delete().where(table.c.stored_at < now - KEEP_SECONDS))


def stored_bodies(keys: Iterable[str]) -> dict[str, bytes]:
    """The bodies the store holds under any of ``keys`` (one query), for parts of pages.

    A view may keep pieces of its work here under keys it makes of the data
    versions they show (as pages are): they are immutable as pages are.
    """
    keys = sorted(set(keys))
    if not keys:
        return {}
    rows = db.session.execute(
        select(PageRendering.key, PageRendering.body).where(PageRendering.key.in_(keys))
    )
    return dict(rows.all())


def keep_bodies(bodies: dict[str, tuple[str, bytes]]) -> None:
    """Store bodies (mimetype, bytes) under their keys, one insert; kept ones stay as they are."""
    if not bodies:
        return
    table = PageRendering.__table__
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    now = int(time.time())
    rows = [dict(key=key, mimetype=mimetype, body=body, stored_at=now)
            for key, (mimetype, body) in sorted(bodies.items())]  # fmt: skip
    db.session.execute(insert(table).values(rows).on_conflict_do_nothing(index_elements=["key"]))


# Values kept per process by ``kept_copies``: past this many, they start over.
KEPT_VALUES = 256


def kept_copies(scopes: Iterable[str]) -> Callable[[Hashable, Callable[[], Any]], Any]:
    """A getter of values this process keeps while the scopes' versions stay as read now.

    The versions are read once a request (one small query, none when the
    page's own reading holds them: ``request_versions``), so a change made
    anywhere shows on the very next request in every process; what is kept
    must be plain data (no ORM objects), the same for every visitor.
    """
    versions, _latest = request_versions(scopes)
    stamp = tuple(sorted(versions.items()))
    store = current_app.extensions.setdefault("kirab.pagecache.kept", {})

    def kept(name: Hashable, build: Callable[[], Any]) -> Any:
        key = (name, stamp)
        if key not in store:
            if len(store) >= KEPT_VALUES:
                store.clear()
            store[key] = build()
        return store[key]

    return kept


def shows_now() -> bool:
    """Whether a page of the relay's position shows the present (no ``at`` asked for)."""
    return "at" not in request.args


def cached_page(
    scopes: Callable[..., Iterable[str]], *, clocked: bool | Callable[[], bool] = False
):
    """Serve a public view's anonymous GETs from the store, with validators and 304s.

    ``scopes`` gets the view's arguments and names the data scopes the page
    shows; ``clocked`` pages (or those for which it returns True) show the
    present moment and are rendered afresh each minute. Logged-in people get
    the view itself, untouched.
    """

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not anonymous_get():
                return view(*args, **kwargs)
            # The minute is taken first: what the scopes work out (who holds the flags now)
            # is then never older than the minute the page is kept for.
            now = clock.now()
            page = Page(scopes(*args, **kwargs), clocked, now)
            tag = page.matched_tag()
            if tag is not None:
                return page.finish(Response(status=304), tag)
            stored = _stored(page.key)
            if stored is not None:
                mimetype, body = stored
                return page.finish(Response(body, mimetype=mimetype))
            response = current_app.make_response(view(*args, **kwargs))
            if not _keepable(response):
                return response
            _keep(page.key, response)
            return page.finish(response)

        return wrapper

    return decorate
