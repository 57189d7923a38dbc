"""The mails of changes: in the person's language, times in each event's local time, with .ics.

A mail's Message-ID is made of its delivery's key, so every attempt of one
delivery is the same message to whoever receives it twice.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from kirab.changes.models import AgendaChange, AgendaChangeEvent, ChangeKind
from kirab.feeds.contents import Member, event_contents
from kirab.feeds.rendering import event_link, link
from kirab.feeds.storage import assemble
from kirab.i18n import local_datetime
from kirab.notifications.models import Delivery, DeliveryKind
from kirab.notifications.unsubscribe import unsubscribe_token

# The .ics of at most this many events rides along (a shift of a whole stop stays one file).
ICS_EVENTS = 100


def mail_domain() -> str:
    """The host of ``KIRAB_BASE_URL``: the right-hand side of every Message-ID."""
    return urlsplit(current_app.config["BASE_URL"]).hostname or "kirab.invalid"


def message_id(delivery: Delivery) -> str:
    """The delivery's stable Message-ID."""
    return f"<{delivery.key}@{mail_domain()}>"


def _when(item: AgendaChangeEvent, moment) -> str:
    return local_datetime(moment, item.event.timezone) if moment else "-"


def event_line(kind: str, item: AgendaChangeEvent) -> str:
    """What happened to one event, in the current language and its local time."""
    title = item.title
    if kind in (ChangeKind.MOVED, ChangeKind.SHIFTED):
        return _(
            "%(title)s moves from %(old)s to %(new)s.",
            title=title,
            old=_when(item, item.old_starts_at),
            new=_when(item, item.new_starts_at),
        )
    if kind == ChangeKind.VENUE:
        return _(
            "%(title)s (%(when)s) moves from %(old)s to %(new)s.",
            title=title,
            when=_when(item, item.new_starts_at),
            old=item.old_venue or "-",
            new=item.new_venue or "-",
        )
    if kind == ChangeKind.CANCELLED:
        line = _(
            "%(title)s (%(when)s) is cancelled.", title=title, when=_when(item, item.old_starts_at)
        )
        return line + (" " + _("Reason: %(reason)s", reason=item.reason) if item.reason else "")
    if kind == ChangeKind.WITHDRAWN:
        return _("%(title)s (%(when)s) is no longer on the agenda.", title=title,
                 when=_when(item, item.old_starts_at))  # fmt: skip
    return _("New on the agenda: %(title)s, %(when)s, %(venue)s.", title=title,
             when=_when(item, item.new_starts_at), venue=item.new_venue or "-")  # fmt: skip


def change_heading(change: AgendaChange) -> str:
    """A change in a few words, for the subject and the digest's headings."""
    count = len(change.events)
    if change.kind == ChangeKind.SHIFTED or count > 1:
        return ngettext("%(num)d event moved", "%(num)d events moved", count)
    title = change.events[0].title if change.events else ""
    headings = {
        ChangeKind.CREATED: _("New: %(title)s", title=title),
        ChangeKind.MOVED: _("New time: %(title)s", title=title),
        ChangeKind.VENUE: _("New venue: %(title)s", title=title),
        ChangeKind.CANCELLED: _("Cancelled: %(title)s", title=title),
        ChangeKind.WITHDRAWN: _("Withdrawn: %(title)s", title=title),
    }
    return headings.get(change.kind, title)


def change_text(change: AgendaChange, lang: str) -> list[str]:
    """The lines of one change: each event's line and the link to its page."""
    lines = []
    for item in change.events:
        lines.append("- " + event_line(change.kind, item))
        if change.kind != ChangeKind.WITHDRAWN:
            lines.append("  " + event_link(item.event_id, lang))
    return lines


def changes_of(delivery: Delivery) -> list[AgendaChange]:
    """The changes a mail tells: its own, or those its digest gathered."""
    if delivery.kind == DeliveryKind.DIGEST:
        return [held.change for held in delivery.bundled if held.change is not None]
    return [delivery.change] if delivery.change is not None else []


def calendar_of(changes: list[AgendaChange], lang: str) -> bytes | None:
    """One .ics with the events the changes concern and that are still on the agenda."""
    events, seen = [], set()
    for change in changes:
        for item in change.events:
            event = item.event
            if event.id in seen or not event.is_public:
                continue
            seen.add(event.id)
            events.append(event)
    if not events:
        return None
    contents = event_contents(events[0], lang)
    contents.members = [
        Member(event.id, event.sequence, event.updated_at, event.timezone)
        for event in events[:ICS_EVENTS]
    ]
    return assemble(contents)


def build_message(delivery: Delivery, lang: str, sender: str) -> EmailMessage:
    """The delivery's mail, ready for SMTP."""
    changes = changes_of(delivery)
    user = delivery.user
    unsubscribe_url = link("notifications.unsubscribe", lang, token=unsubscribe_token(user))
    with force_locale(lang):
        message = EmailMessage()
        if delivery.kind == DeliveryKind.DIGEST:
            subject = ngettext(
                "Kirab agenda: %(num)d change today", "Kirab agenda: %(num)d changes today",
                len(changes),
            )  # fmt: skip
        else:
            subject = _("Kirab agenda: %(what)s", what=change_heading(changes[0]))
        message["Subject"] = subject
        message["From"] = sender
        message["To"] = formataddr((user.name, user.email))
        message["Message-ID"] = message_id(delivery)
        message["Date"] = format_datetime(delivery.created_at)
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message["Auto-Submitted"] = "auto-generated"
        message["Content-Language"] = lang
        lines = [_("The agenda of Kirab Pemilu changed:"), ""]
        for change in changes:
            if delivery.kind == DeliveryKind.DIGEST:
                lines.append(change_heading(change))
            lines += [*change_text(change, lang), ""]
        lines += [
            _("You receive this mail because you follow these events on Kirab."),
            _("Stop these mails in one click: %(url)s", url=unsubscribe_url),
            _("Choose what reaches you: %(url)s", url=link("notifications.account", lang)),
        ]
        message.set_content("\n".join(lines))
        calendar = calendar_of(changes, lang)
    if calendar is not None:
        message.add_attachment(
            calendar, maintype="text", subtype="calendar", filename="kirab.ics",
            params={"method": "PUBLISH"},
        )  # fmt: skip
    return message
