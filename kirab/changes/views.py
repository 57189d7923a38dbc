"""The change log's public pages: ``/changes`` and its Atom feed ``/changes.atom``.

Both take the agenda's filters, answer a bad one with 400, and come from the
page cache: the validators follow the data versions of what they show, so a
change appears on the very next request and a feed reader's copy is a 304.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import get_locale

from kirab.changes.atom import atom_feed
from kirab.changes.queries import changes_query
from kirab.changes.wording import describe
from kirab.database import db
from kirab.errors import bad_request
from kirab.events.filters import EventFilter, FilterError, parse_filters
from kirab.events.views import filters_and_page
from kirab.feeds.contents import feed_language
from kirab.feeds.rendering import link
from kirab.pagecache import cached_page, filter_scopes

bp = Blueprint("changes", __name__)

ATOM_TYPE = "application/atom+xml; charset=utf-8"
# The feed holds the newest entries of its filter; older ones are on the pages of /changes.
FEED_ENTRIES = 50


@bp.get("/changes")
@cached_page(lambda: filter_scopes(request.args))
def changes_page():
    """The change log of the agenda a filter selects, newest first, a page at a time."""
    event_filter, page, per_page = filters_and_page()
    pagination = db.paginate(
        changes_query(event_filter), page=page, per_page=per_page, error_out=False
    )
    items = describe(pagination.items, lambda event_id: url_for("events.show", event_id=event_id))
    return render_template(
        "changes/index.html", filter=event_filter, pagination=pagination, items=items
    )


@bp.get("/changes.atom")
@cached_page(lambda: filter_scopes(request.args))
def changes_feed():
    """The newest entries of a filter as an Atom feed, in the language its address asks for."""
    try:
        event_filter = parse_filters(request.args)
    except FilterError as error:
        bad_request(error.message)
    lang = feed_language(request.args)
    changes = db.session.execute(changes_query(event_filter).limit(FEED_ENTRIES)).scalars()
    items = describe(list(changes), lambda event_id: link("events.show", lang, event_id=event_id))
    args = event_filter.as_args()
    body = atom_feed(
        items,
        lang=lang,
        self_url=link("changes.changes_feed", lang, **args),
        page_url=link("changes.changes_page", lang, **args),
    )
    return current_app.response_class(body, content_type=ATOM_TYPE)


@dataclass(frozen=True)
class ChangeLinks:
    """Where the change log of a filter is: its page and its feed."""

    page: str
    atom: str


@bp.app_template_global()
def change_links(event_filter: EventFilter | None = None) -> ChangeLinks:
    """The change log's page and Atom feed of an agenda filter, for the agenda and event pages.

    The feed speaks the page's language: a feed reader sends no cookie to keep it.
    """
    args = (event_filter or EventFilter()).as_args()
    return ChangeLinks(
        page=url_for("changes.changes_page", **args),
        atom=link("changes.changes_feed", str(get_locale()), **args),
    )


@bp.app_template_global()
def event_change_links(event) -> ChangeLinks:
    """The change log of an event's region (as its calendar links offer its region's feed)."""
    return change_links(EventFilter(region=event.region))
