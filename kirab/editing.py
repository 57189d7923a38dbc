"""Edit forms that carry the version of the record they were opened at.

A save over a newer version is refused (409); the form then tells what
changed meanwhile, from a digest of each value as the form first showed it,
and keeps the person's own changes.
"""

from __future__ import annotations

import hashlib
import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, ValidationError

from kirab.errors import StaleEdit
from kirab.forms import KirabForm
from kirab.i18n import local_datetime


def fingerprint(value: object) -> str:
    """A short digest of a field's value, the same for a filled form and the same value posted.

    Whitespace is collapsed (browsers post line breaks as CR LF) and lists
    are sorted, so only a real change of the value changes the digest.
    """
    if isinstance(value, (list, tuple, set)):
        text = "\x1f".join(sorted(str(item) for item in value))
    else:
        text = " ".join(str(value).split()) if value is not None else ""
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def parse_fingerprints(text: str | None) -> dict[str, str]:
    """The digests a form was opened with (``name:digest,...``); anything garbled is ignored."""
    pairs = (item.partition(":") for item in (text or "").split(",")[:100])
    return {name: digest for name, _colon, digest in pairs if name and digest}


class VersionedForm(KirabForm):
    """A form that edits a record, carrying the version it was opened at.

    ``version`` is checked by the service (a newer record is refused with
    409); ``opened`` holds a digest of each field as it was shown, so a
    refusal can tell which fields someone else changed meanwhile.
    """

    version = HiddenField()
    opened = HiddenField()
    # Values edited on the page outside WTForms fields (a checklist), with their names.
    extra_labels: dict[str, object] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.extra_values: dict[str, object] = {}

    def tracked(self) -> dict[str, object]:
        """The values the form edits, by name: its fields and its extra values."""
        fields = {
            name: field.data
            for name, field in self._fields.items()
            if name not in ("csrf_token", "version", "opened")
        }
        return {**fields, **self.extra_values}

    def labels(self) -> dict[str, str]:
        """The names people see for the tracked values."""
        labels = {name: str(field.label.text) for name, field in self._fields.items()}
        return {**labels, **{name: str(label) for name, label in self.extra_labels.items()}}

    def open_at(self, version: int) -> None:
        """Mark the form as showing the record at ``version``, with its values as filled."""
        self.version.data = str(version)
        self.opened.data = ",".join(
            f"{name}:{fingerprint(value)}" for name, value in self.tracked().items()
        )

    def validate_version(self, field) -> None:
        """A version that is not a positive number means the form was not opened here."""
        if not re.fullmatch(r"[0-9]{1,9}", field.data or "") or int(field.data) == 0:
            raise ValidationError(
                _l("This form is incomplete or out of date. Reload the page and try again.")
            )

    def validate(self, extra_validators=None) -> bool:
        """Validate; a bad version is shown for the form as a whole (the field is hidden)."""
        valid = super().validate(extra_validators)
        self.form_errors.extend(self.version.errors)
        return valid

    def expected_version(self) -> int:
        """The version the form was opened at (valid once the form validated)."""
        return int(self.version.data)

    def reconcile(self, current: VersionedForm, error: StaleEdit, timezone: str) -> None:
        """Answer a stale save: say what changed meanwhile, keep the person's own changes.

        ``current`` is filled from the record as it is now. A field the
        person left alone takes the newer value; one they changed keeps
        their input. The form then carries the newer version, so saving
        again after a look applies their changes over the others'.
        """
        opened, mine, now = parse_fingerprints(self.opened.data), self.tracked(), current.tracked()
        labels = self.labels()
        changed, refreshed = [], False
        for name, value in now.items():
            if name not in opened or opened[name] == fingerprint(value):
                continue
            changed.append(labels.get(name, name))
            if fingerprint(mine.get(name)) != opened[name]:
                continue
            refreshed = True
            if name in self._fields:
                self._fields[name].data = value
                self._fields[name].raw_data = []
            else:
                self.extra_values[name] = value
        self.form_errors.append(stale_message(error, changed, timezone, refreshed=refreshed))
        self.version.data, self.opened.data = current.version.data, current.opened.data


def stale_message(error: StaleEdit, changed: list[str], timezone: str, *, refreshed: bool) -> str:
    """Who saved meanwhile and when, what they changed, and what to do now."""
    parts = [error.message]
    if error.saved_by and error.saved_at:
        parts.append(_("Saved by %(name)s at %(time)s.", name=error.saved_by,
                       time=local_datetime(error.saved_at, timezone)))  # fmt: skip
    elif error.saved_at:
        parts.append(_("Saved at %(time)s.", time=local_datetime(error.saved_at, timezone)))
    if changed:
        parts.append(_("Changed meanwhile: %(fields)s.", fields=", ".join(changed)))
    if refreshed:
        parts.append(_("Fields you left alone now show the newer values; check and save again."))
    else:
        parts.append(_("Check the form and save again."))
    return " ".join(parts)
