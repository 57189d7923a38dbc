"""What every template can use: the language, the user's rights, link helpers."""

from __future__ import annotations

from flask import Flask
from flask_babel import get_locale

from kirab import permissions
from kirab.events.cards import card_texts
from kirab.events.labels import kind_label, status_label
from kirab.events.models import KINDS
from kirab.fresh_fields import fresh_fields
from kirab.main.offline import page_made_at
from kirab.urls import current_url


def register_context(app: Flask) -> None:
    """Install the template globals."""
    from kirab.attendance.event_page import register_event_page
    from kirab.attendance.forms import category_label, method_label
    from kirab.converters import IdConverter
    from kirab.submissions import new_submission_key

    app.url_map.converters["id"] = IdConverter
    app.jinja_env.globals.update(
        current_url=current_url,
        card_texts=card_texts,
        kind_label=kind_label,
        status_label=status_label,
        event_kinds=KINDS,
        can_manage_users=permissions.can_manage_users,
        can_read_audit=permissions.can_read_audit,
        is_committee=permissions.is_committee,
        can_edit_event=permissions.can_edit_event,
        can_plan_routes=permissions.can_plan_routes,
        can_record_attendance=permissions.can_record_attendance,
        can_read_attendance=permissions.can_read_attendance,
        can_read_all_attendance=permissions.can_read_all_attendance,
        can_erase_attendance=permissions.can_erase_attendance,
        category_label=category_label,
        method_label=method_label,
        submission_key=new_submission_key,
        page_made_at=page_made_at,
        fresh_fields=fresh_fields,
    )
    register_event_page(app)

    @app.context_processor
    def language():
        return {"current_lang": str(get_locale() or "id")}
