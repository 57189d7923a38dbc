"""The share card of an event: a PNG picture for link previews (``og:image``).

Messengers such as WhatsApp show the picture a page names in ``og:image``
when a link is shared. The card says what the page says at a glance: the
title, the date, the time with its zone (WIB/WITA/WIT), the venue and the
host, under the relay's mark. It is drawn by Pillow with DejaVu Sans, which
is bundled in ``kirab/data/fonts`` (Bitstream Vera licence, beside it), so
every server draws it alike without fonts of its own.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from flask_babel import gettext as _
from PIL import Image, ImageDraw, ImageFont

from kirab.i18n import local_date, local_time

FONTS = Path(__file__).resolve().parent.parent / "data" / "fonts"
WIDTH, HEIGHT = 1200, 630  # the size link previews expect (1.91:1)
MARGIN = 64
RED, INK, GREY, WHITE = "#b3001b", "#1d1d1f", "#555b61", "#ffffff"
TITLE_LINES = 3


@cache
def font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    """The bundled DejaVu Sans at ``size`` pixels."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(FONTS / name), size)


def wrapped(draw: ImageDraw.ImageDraw, text: str, face, width: int, lines: int) -> list[str]:
    """``text`` broken into at most ``lines`` lines of ``width`` pixels, the last cut with "…"."""
    result: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if draw.textlength(candidate, font=face) <= width or not current:
            current = candidate
            continue
        result.append(current)
        current = word
    if current:
        result.append(current)
    if len(result) > lines:
        result = result[:lines]
        last = result[-1]
        while last and draw.textlength(last + "…", font=face) > width:
            last = last[:-1]
        result[-1] = last.rstrip() + "…"
    return [fitted(draw, line, face, width) for line in result]


def fitted(draw: ImageDraw.ImageDraw, text: str, face, width: int) -> str:
    """``text`` cut with "…" where it would pass ``width`` pixels (one very long word)."""
    if draw.textlength(text, font=face) <= width:
        return text
    while text and draw.textlength(text + "…", font=face) > width:
        text = text[:-1]
    return text + "…"


def draw_mark(draw: ImageDraw.ImageDraw) -> None:
    """The relay's mark: a red band with a pataka (a flag on its pole) and the relay's name."""
    draw.rectangle((0, 0, WIDTH, 120), fill=RED)
    draw.rectangle((MARGIN, 24, MARGIN + 6, 100), fill=WHITE)
    draw.polygon([(MARGIN + 6, 26), (MARGIN + 62, 42), (MARGIN + 6, 58)], fill=WHITE)
    draw.text((MARGIN + 90, 60), "KIRAB PEMILU", font=font(44, bold=True), fill=WHITE, anchor="lm")


def card_lines(event) -> list[tuple[str, str]]:
    """The lines under the title: (label, text) for the date, the time, the venue and the host."""
    zone = event.timezone
    clock = f"{local_time(event.starts_at, zone)} \u2013 {local_time(event.ends_at, zone)}"
    lines = [(_("When"), local_date(event.starts_at, zone)), ("", clock)]
    if event.venue_name:
        lines.append((_("Where"), event.venue_name))
    lines.append((_("Host"), event.stop.office.name))
    return lines


def share_card(event) -> bytes:
    """The event's share card as PNG bytes, in the current language."""
    image = Image.new("RGB", (WIDTH, HEIGHT), WHITE)
    draw = ImageDraw.Draw(image)
    draw_mark(draw)
    top = 160
    if event.status == "cancelled":
        label = _("Cancelled").upper()
        face = font(30, bold=True)
        right = MARGIN + draw.textlength(label, font=face) + 24
        draw.rectangle((MARGIN, top, right, top + 48), outline=RED, width=3)
        draw.text((MARGIN + 12, top + 24), label, font=face, fill=RED, anchor="lm")
        top += 68
    title_face = font(56, bold=True)
    for line in wrapped(draw, event.title, title_face, WIDTH - 2 * MARGIN, TITLE_LINES):
        draw.text((MARGIN, top), line, font=title_face, fill=INK)
        top += 68
    top += 16
    body = font(34)
    for label, text in card_lines(event):
        if top > HEIGHT - 56:
            break
        draw.text((MARGIN, top), label, font=font(26), fill=GREY)
        draw.text((MARGIN + 200, top - 4), fitted(draw, text, body, WIDTH - 2 * MARGIN - 200),
                  font=body, fill=INK)  # fmt: skip
        top += 50
    draw.rectangle((0, HEIGHT - 12, WIDTH, HEIGHT), fill=RED)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
