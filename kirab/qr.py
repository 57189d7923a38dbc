"""QR codes of Kirab's own links, drawn on the server as inline SVG."""

from __future__ import annotations

from functools import lru_cache

import segno
from markupsafe import Markup, escape

# A page's code is drawn once per process: the drawing depends only on the link and label.
QR_KEPT = 512


@lru_cache(maxsize=QR_KEPT)
def qr_svg(url: str, label: str, *, fit: bool = False) -> Markup:
    """A QR code of ``url`` as inline SVG, labelled for screen readers.

    ``fit`` draws it without a fixed size, so it fills its container (a
    printed poster); otherwise it has a size of its own for a page.
    """
    code = segno.make(url, error="m")
    if fit:
        svg = code.svg_inline(scale=1, border=2, omitsize=True, svgclass="qr-code")
    else:
        svg = code.svg_inline(scale=4, svgclass="qr", lineclass=None)
    # segno writes the SVG itself (paths only, no text of ours); the label is escaped.
    labelled = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
    return Markup(labelled)  # noqa: S704
