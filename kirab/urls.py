"""Links: absolute ones from ``KIRAB_BASE_URL``, and safe links back to the current page."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from flask import current_app, request, url_for

# Query parameters a page keeps in its own links; anything else is dropped.
KEPT_PARAMS = (
    "region", "dapil", "kind", "route", "from", "to", "page", "per_page", "lang", "at", "view",
    "month", "by", "q", "name", "person", "type", "object", "action",
)  # fmt: skip
# Characters a return address must not hold (see safe_next).
UNSAFE_IN_NEXT = re.compile(r"[\x00-\x1f\x7f\\]")


def absolute_url(endpoint: str, **values) -> str:
    """The absolute address of ``endpoint`` under the configured base URL, never the Host."""
    return current_app.config["BASE_URL"] + url_for(endpoint, **values)


# A number no id reaches, put in a link once and replaced by each id (see id_links).
ID_MARK = 987654321


def id_links(endpoint: str, key: str, *, absolute: bool = True) -> Callable[[int], str]:
    """``absolute_url(endpoint, key=id)`` for many ids: built once, each id put in its place.

    Building a link through the URL map costs far more than formatting a
    string, and a list of 500 events wants 500 of them. Without
    ``absolute`` the links are paths, as ``url_for`` gives them.
    """
    build = absolute_url if absolute else url_for
    head, _mark, tail = build(endpoint, **{key: ID_MARK}).partition(str(ID_MARK))
    return lambda number: f"{head}{int(number)}{tail}"


def current_url(**changes) -> str:
    """The current path with its known query parameters, some changed (None removes one)."""
    args = [
        (key, value)
        for key, value in request.args.items(multi=True)
        if key in KEPT_PARAMS and key not in changes
    ]
    for key, value in changes.items():
        if value is None:
            continue
        values = value if isinstance(value, (list, tuple)) else [value]
        args.extend((key, str(item)) for item in values)
    query = urlencode(args)
    return request.path + ("?" + query if query else "")


def safe_next(target: str | None) -> str:
    """A local path to return to; anything pointing elsewhere becomes the home page.

    Backslashes and control characters are refused too: a line break would
    split the Location header, and browsers read a backslash as a slash and
    drop tabs and line breaks, so ``/`` and a tab before ``/example.org``
    would lead away.
    """
    home = url_for("main.home")
    if not target or not target.startswith("/") or target.startswith("//"):
        return home
    if UNSAFE_IN_NEXT.search(target):
        return home
    try:
        parts = urlsplit(target)
    except ValueError:  # a malformed address (an unclosed "[")
        return home
    if parts.scheme or parts.netloc:
        return home
    return target
