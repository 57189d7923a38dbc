"""Large bodies compressed when the client accepts it, with validators that stay right.

Flask-Compress compresses feeds, API answers and CSV exports for clients
that send ``Accept-Encoding``. Static files are left to the proxy in front
(they are few, small and cacheable), since Flask-Compress reads a sent file
without closing it. A compressed body is
another representation, so its strong ETag gets the coding appended
(``"abc:gzip"``) and every response says ``Vary: Accept-Encoding``. A client
revalidates with the tag it was given; :func:`client_etag` lets a view
recognise its own tag in either form and answer 304 without building or
compressing the body.

Streamed responses (the exports) are compressed as they stream, chunk by
chunk: memory stays flat, and a transfer cut short also cuts the compressed
stream, so the client still sees a broken download.

HTML pages are left uncompressed on purpose: they carry the CSRF token and
the person's own data beside text others can put there, the mix that
compression-length attacks (BREACH) read secrets from.
"""

from __future__ import annotations

from flask import Flask, request
from flask_compress import Compress

compress = Compress()

ALGORITHMS = ["zstd", "br", "gzip", "deflate"]
# Data bodies worth compressing; no text/html (see above), no static files.
MIMETYPES = ["text/calendar", "text/csv", "application/json"]


def init_compression(app: Flask) -> None:
    """Compress large data bodies for clients that accept it, streamed ones as they stream."""
    app.config.setdefault("COMPRESS_MIMETYPES", MIMETYPES)
    app.config.setdefault("COMPRESS_ALGORITHM", ALGORITHMS)
    # gzip streams as well as the others; many clients (calendar apps, scripts) know only it.
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ALGORITHMS)
    app.config.setdefault("COMPRESS_STREAMS", True)
    app.config.setdefault("COMPRESS_MIN_SIZE", 1000)
    compress.init_app(app)


def accepted(coding: str) -> bool:
    """Whether this request's Accept-Encoding accepts ``coding``."""
    return request.accept_encodings[coding] > 0


def client_etag(etag: str) -> str | None:
    """The tag of If-None-Match naming our ``etag``, plain or compressed; None if none does.

    A compressed tag counts only while the client still accepts its coding,
    so it is the representation this request would get that is current.
    """
    if_none_match = request.if_none_match
    if if_none_match.star_tag:
        return etag
    for tag in if_none_match.as_set():
        if tag == etag:
            return tag
        base, _sep, coding = tag.rpartition(":")
        if base == etag and coding in ALGORITHMS and accepted(coding):
            return tag
    return None
