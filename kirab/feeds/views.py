"""Calendar feeds over HTTP, and the page where a person manages their personal feed."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.http import is_resource_modified

from kirab import clock
from kirab.compression import client_etag
from kirab.errors import bad_request
from kirab.events.filters import EventFilter, FilterError, parse_filters
from kirab.events.services import get_event
from kirab.feeds import links
from kirab.feeds.contents import feed_language, personal_parts, personal_spec, public_spec
from kirab.feeds.forms import FeedTokenForm
from kirab.feeds.storage import Feed, event_feed, get_feed
from kirab.feeds.tokens import feed_token_of, issue_token, user_for_token
from kirab.permissions import can_view_event
from kirab.qr import qr_svg
from kirab.submissions import create_once

bp = Blueprint("feeds", __name__)

CALENDAR_TYPE = "text/calendar; charset=utf-8"


def calendar_response(feed: Feed, *, private: bool = False, filename: str | None = None):
    """Answer with a feed: validators always, the body only when the client lacks it.

    Subscription feeds carry no Content-Disposition (Google's "add by URL"
    refuses attachments); the single-event download is one.
    """
    response = current_app.response_class(content_type=CALENDAR_TYPE)
    response.set_etag(feed.etag)
    response.last_modified = feed.last_modified
    response.headers["Cache-Control"] = "private, no-cache" if private else "public, no-cache"
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    if not_modified(feed, response):
        response.status_code = 304
        return response
    response.set_data(feed.body)
    return response


def not_modified(feed: Feed, response) -> bool:
    """Whether the client's copy is current: its ETag (plain or compressed) or its date.

    A matching tag is sent back as it came, so a client holding the gzip
    form keeps the gzip form's tag. If-None-Match, when sent, wins over
    If-Modified-Since.
    """
    matched = client_etag(feed.etag)
    if matched is not None:
        response.set_etag(matched)
        return True
    if request.if_none_match:
        return False
    return not is_resource_modified(request.environ, last_modified=feed.last_modified)


def serve(spec, **options):
    """Build or fetch a feed and answer with it; what building stored is saved with the request."""
    feed = get_feed(spec, feed_language(request.args), clock.now())
    return calendar_response(feed, **options)


@bp.get("/calendar.ics")
def calendar():
    """The feed of an agenda filter (the same parameters as ``/agenda``)."""
    try:
        event_filter = parse_filters(request.args)
    except FilterError as error:
        bad_request(error.message)
    return serve(public_spec(event_filter))


@bp.get("/events/<id:event_id>.ics")
def event_calendar(event_id: int):
    """One event to add to a calendar; drafts and deleted events are 404 for the public."""
    event = get_event(event_id)
    if event is None or not can_view_event(current_user, event):
        abort(404)
    feed = event_feed(event, feed_language(request.args))
    return calendar_response(feed, filename=f"kirab-{event.id}.ics")


@bp.get("/calendar/<token>.ics")
def personal(token: str):
    """A person's secret feed; an unknown token or a deactivated account is 404."""
    user = user_for_token(token)
    if user is None:
        abort(404)
    return serve(personal_spec(user), private=True)


@bp.after_request
def keep_tokens_private(response):
    """Personal feed addresses are secrets: never sent on as a referrer, never shared-cached."""
    if request.endpoint == "feeds.personal" or request.path.startswith("/calendar/"):
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "private, no-cache"
    if request.endpoint == "feeds.account":
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/account/calendar", methods=["GET", "POST"])
@login_required
def account():
    """The personal feed: what it holds, and a form that creates or resets it.

    The address is shown once, right after it is made; only its hash is kept.
    """
    form = FeedTokenForm()
    existing = feed_token_of(current_user)
    token = None
    status = 200
    if form.validate_on_submit():  # a POST with a valid CSRF token
        made: list[str] = []

        def issue() -> str:
            # Checked after the submission key, so a repeated first post is answered as the
            # first one was. The user itself, not the request's proxy: the audit log names
            # the object by its type.
            user = current_user._get_current_object()
            return issue_token(user, actor=user, now=clock.now(), confirmed=form.confirm.data)

        # A repeated post must not reset the address the first one has just shown.
        url = create_once(
            form, "feed.token", current_user, clock.now(), issue,
            lambda issued: made.append(issued) or url_for("feeds.account"),
        )  # fmt: skip
        if url is None:
            status = 400
        elif not made:
            return redirect(url)
        else:
            token = made[0]
            existing = feed_token_of(current_user)
    feed = links.personal_links(token) if token else None
    return render_template(
        "feeds/account.html", form=form, existing=existing, parts=personal_parts(current_user),
        feed=feed,
    ), status  # fmt: skip


@bp.app_template_global()
def feed_links(event_filter: EventFilter | None = None) -> links.FeedLinks:
    """Subscription links (https, webcal, QR code) of an agenda filter's feed."""
    return links.filter_links(event_filter or EventFilter())


@bp.app_template_global()
def event_feed_links(event) -> links.FeedLinks:
    """Subscription links of the feed of an event's region."""
    return links.filter_links(EventFilter(region=event.region))


# An inline SVG QR code of a feed address, for the subscribe links.
bp.add_app_template_global(qr_svg, "qr_code")
