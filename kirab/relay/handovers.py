"""Recording handovers: actual time, checklist, signatories, and the files kept with them.

Recording the actual time moves the receiving stop's ``receives_at`` and the
giving stop's ``hands_over_at`` to it, so every reader of custody (home,
``/route``, the status API) follows what really happened.
"""

from __future__ import annotations

import secrets
import warnings
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from PIL import Image
from pypdf import PdfReader

from kirab import clock
from kirab.audit.services import check_version, record
from kirab.database import db
from kirab.errors import DomainError
from kirab.regions.models import Party, PartyScope
from kirab.relay.models import FILE_KINDS, Handover, HandoverFile
from kirab.relay.rules import RuleBroken, record_actual
from kirab.relay.signals import window_changing
from kirab.relay.stops import TEXT_MAX, VENUE_MAX, lock_route, problem_message, windows_of
from kirab.storage import FileStore
from kirab.text import clean_text

NATIONAL_FLAG, KPU_PATAKA, KOTAK_HITAM = "national_flag", "kpu_pataka", "kotak_hitam"
ITEM_LABELS = {
    NATIONAL_FLAG: _l("The national flag (Merah Putih)"),
    KPU_PATAKA: _l("The KPU pataka"),
    KOTAK_HITAM: _l("The black box (kotak hitam)"),
}
ACEH = "11"
SIGNATORY_FIELDS = ("giving_name", "giving_title", "receiving_name", "receiving_title")
SIGNATORY_MAX = 120

# Content types accepted for uploads, by what the content turns out to be.
IMAGE_TYPES = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
PDF_TYPE = ("application/pdf", "pdf")


def party_key(number: int) -> str:
    """The checklist key of a party's flag."""
    return f"party:{number}"


def handover_parties(handover: Handover) -> list[Party]:
    """The parties whose flags travel: the national ones, and Aceh's within Aceh."""
    codes = (handover.from_stop.region_code, handover.to_stop.region_code)
    in_aceh = any(code == ACEH or code.startswith(ACEH + ".") for code in codes)
    scopes = (PartyScope.NATIONAL, PartyScope.ACEH) if in_aceh else (PartyScope.NATIONAL,)
    return list(
        db.session.execute(
            db.select(Party).where(Party.scope.in_(scopes)).order_by(Party.number)
        ).scalars()
    )


def checklist_keys(handover: Handover) -> list[str]:
    """Every item a handover's checklist can tick, in the order printed."""
    keys = [NATIONAL_FLAG, KPU_PATAKA]
    keys += [party_key(party.number) for party in handover_parties(handover)]
    return [*keys, KOTAK_HITAM]


def _move_stops_to(handover: Handover, moment: datetime) -> None:
    """Make the handover's two stops meet at ``moment``, within the rules."""
    giving, receiving = handover.from_stop, handover.to_stop
    try:
        new_giving, new_receiving = record_actual(*windows_of([giving, receiving]), moment)
    except RuleBroken as error:
        names = [giving.office.name, receiving.office.name]
        raise DomainError(problem_message(error.problem, names), "actual_date") from None
    for stop, window in ((giving, new_giving), (receiving, new_receiving)):
        window_changing.send(
            stop,
            receives_at=window.receives_at,
            hands_over_at=window.hands_over_at,
            field="actual_date",
            recorded=True,
        )
    giving.hands_over_at = new_giving.hands_over_at
    receiving.receives_at = new_receiving.receives_at


def record_handover(
    handover: Handover,
    *,
    actor,
    actual_at: datetime | None,
    venue: str,
    items: dict[str, bool],
    signatories: dict[str, str],
    notes: str,
    expected_version: int | None = None,
) -> Handover:
    """Record what happened at a handover; an actual time moves both stops to it.

    Clearing the actual time puts both stops back at the planned time. The
    route is locked first: the stops' times and the handover are read after
    any change of the route that was under way. With ``expected_version``, a
    record saved since then is refused with ``StaleEdit``.
    """
    lock_route(handover.from_stop.route)
    check_version(handover, expected_version)
    venue = clean_text(venue, "venue", VENUE_MAX)
    notes = clean_text(notes, "notes", TEXT_MAX, multiline=True)
    known = set(checklist_keys(handover))
    unknown = set(items) - known
    if unknown:
        raise DomainError(_("The checklist has an unknown item."), "items")
    cleaned = {}
    for key in SIGNATORY_FIELDS:
        cleaned[key] = clean_text(signatories.get(key), key, SIGNATORY_MAX)
    if actual_at is not None and actual_at > clock.now():
        raise DomainError(_("A handover cannot be recorded before it takes place."), "actual_date")
    before = handover.actual_at
    if actual_at != before:
        _move_stops_to(handover, actual_at or handover.planned_at)
    handover.actual_at = actual_at
    handover.venue = venue
    handover.items = {key: bool(items.get(key)) for key in checklist_keys(handover)}
    handover.signatories = cleaned
    handover.notes = notes
    db.session.flush()
    record(
        actor,
        "handover.record",
        handover,
        actual_at=actual_at,
        previous_actual_at=before,
        venue=venue,
        items=[key for key, ticked in handover.items.items() if ticked],
        signatories=cleaned,
    )
    return handover


@dataclass(frozen=True)
class Checked:
    """An upload whose content has been identified."""

    content_type: str
    extension: str


def identify(data: bytes) -> Checked:
    """What an upload really is, read from its content; refuse anything else.

    PDF files must start with ``%PDF-`` and parse with at least one page
    (pypdf); images must be JPEG, PNG or WebP that Pillow can verify, and no
    decompression bombs.
    """
    refused = DomainError(_("Only images (JPEG, PNG, WebP) and PDF files can be uploaded."), "file")
    if data.startswith(b"%PDF-"):
        try:
            if len(PdfReader(BytesIO(data)).pages) < 1:
                raise refused
        except DomainError:
            raise
        except Exception:  # noqa: BLE001 (any parse failure means it is not a PDF)
            raise refused from None
        return Checked(*PDF_TYPE)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data)) as image:
                kind = image.format
                image.verify()
    except Exception:  # noqa: BLE001 (Pillow raises many kinds for bad images)
        raise refused from None
    if kind not in IMAGE_TYPES:
        raise refused
    return Checked(*IMAGE_TYPES[kind])


def store_file(
    handover: Handover,
    *,
    actor,
    kind: str,
    filename: str,
    stream: BinaryIO,
    store: FileStore,
    max_bytes: int,
) -> HandoverFile:
    """Check an upload and keep it in ``store``, where every app server reads it."""
    if kind not in FILE_KINDS:
        raise DomainError(_("Choose whether the file is the signed scan or a photo."), "kind")
    data = stream.read(max_bytes + 1)
    if not data:
        raise DomainError(_("Choose a file to upload."), "file")
    if len(data) > max_bytes:
        raise DomainError(
            _("The file is too large; at most %(mb)d MB.", mb=max_bytes // (1024 * 1024)),
            "file",
        )
    checked = identify(data)
    stored_name = f"{secrets.token_hex(16)}.{checked.extension}"
    original = Path((filename or "").replace("\\", "/")).name[:200]
    upload = HandoverFile(
        handover=handover,
        kind=kind,
        original_name=original,
        stored_name=stored_name,
        content_type=checked.content_type,
        size=len(data),
        uploaded_by_id=getattr(actor, "id", None),
    )
    db.session.add(upload)
    db.session.flush()
    store.put(file_key(upload), data, checked.content_type)
    record(
        actor,
        "handover.file",
        handover,
        file=upload.id,
        kind=kind,
        content_type=checked.content_type,
        size=len(data),
    )
    return upload


def file_key(upload: HandoverFile) -> str:
    """The key an uploaded file is kept under (the path earlier versions kept it at)."""
    return f"handovers/{upload.handover_id}/{upload.stored_name}"
