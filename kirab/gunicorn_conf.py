"""Gunicorn settings for Kirab: long downloads and imports kept alive, feed tokens out of the logs.

Use it when serving Kirab::

    gunicorn -c python:kirab.gunicorn_conf --workers 2 --bind 127.0.0.1:8000 'kirab:create_app()'

Workers are threaded (``gthread``): a worker's main loop keeps telling the
arbiter it is alive while its threads serve, so a relay export that streams
for minutes or an import of 50,000 rows is not killed by ``timeout``, which
then only catches a worker that hangs as a whole. ``graceful_timeout``
gives requests under way that long to finish on a restart.

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

# Threads share a worker's memory (feed copies, the database pool) and let a long
# export or import run beside quick pages instead of holding the whole worker.
worker_class = "gthread"
threads = 4
# Seconds without a sign of life before the arbiter restarts a worker. With gthread
# the main loop gives that sign while requests run, so this catches a hung worker,
# never a long download.
timeout = 120
# On a restart or reload, requests under way (an export, an import) get this long.
graceful_timeout = 120
# Seconds an idle keep-alive connection stays open: calendar apps and a proxy in
# front reuse connections; longer would tie up connection slots.
keepalive = 5
