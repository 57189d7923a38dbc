"""Gunicorn settings that keep personal feed tokens out of its logs.

Use it when serving Kirab::

    gunicorn -c python:kirab.gunicorn_conf --workers 4 --bind 127.0.0.1:8000 'kirab:create_app()'

The access log (on standard output) and the error log mask
``/calendar/<token>.ics`` in every field: request line, path, referrer,
headers and environment.
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from kirab.logmask import add_mask, mask_tokens


class MaskingLogger(Logger):
    """Gunicorn's logger, with personal feed tokens masked."""

    def setup(self, cfg) -> None:
        """Set up as usual, then filter both logs (also after a configuration reload)."""
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            add_mask(log)

    def atoms(self, resp, req, environ, request_time) -> dict:
        """The access log's fields, every text in them masked."""
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            name: mask_tokens(value) if isinstance(value, str) else value
            for name, value in atoms.items()
        }


logger_class = MaskingLogger
accesslog = "-"
