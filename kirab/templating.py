"""What every template can use: the language, the user's rights, link helpers."""

from __future__ import annotations

from flask import Flask, request, url_for
from flask_babel import get_locale

from kirab import permissions
from kirab.events.labels import kind_label, status_label
from kirab.events.models import KINDS


def url_with(**changes) -> str:
    """The current URL with some query parameters changed (None removes one)."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def register_context(app: Flask) -> None:
    """Install the template globals."""
    from kirab.attendance.forms import category_label, method_label, new_submission_key
    from kirab.converters import IdConverter

    app.url_map.converters["id"] = IdConverter
    app.jinja_env.globals.update(
        url_with=url_with,
        kind_label=kind_label,
        status_label=status_label,
        event_kinds=KINDS,
        can_manage_users=permissions.can_manage_users,
        can_read_audit=permissions.can_read_audit,
        is_committee=permissions.is_committee,
        can_edit_event=permissions.can_edit_event,
        can_record_attendance=permissions.can_record_attendance,
        can_read_attendance=permissions.can_read_attendance,
        can_read_all_attendance=permissions.can_read_all_attendance,
        can_erase_attendance=permissions.can_erase_attendance,
        category_label=category_label,
        method_label=method_label,
        submission_key=new_submission_key,
    )

    @app.context_processor
    def language():
        return {"current_lang": str(get_locale() or "id")}
