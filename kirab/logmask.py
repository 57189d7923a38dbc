"""Keeping secret tokens in URLs out of every log the app writes or configures.

A personal feed's address is its only key (calendar apps send no login), so
``/calendar/<token>.ics`` is masked in log records, as is the signed code
of a self check-in link (``/events/<id>/check-in/<code>``),: the app's own logger,
werkzeug's request log (the development server) and gunicorn's logs
(see ``kirab/gunicorn_conf.py`` for its access log).
"""

from __future__ import annotations

import logging
import re

from flask import Flask

# Personal feed tokens, the signed codes of self check-in links, and unsubscribe tokens.
TOKEN_PATH = re.compile(r"(/calendar/|/check-in/|/unsubscribe/)[^/\s\"'?#<>]+")
# Loggers whose records may carry a request's path.
REQUEST_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


def mask_tokens(text: str) -> str:
    """``text`` with every personal feed token replaced by ``***``."""

    def masked(match: re.Match) -> str:
        suffix = ".ics" if match.group(0).endswith(".ics") else ""
        return f"{match.group(1)}***{suffix}"

    return TOKEN_PATH.sub(masked, text)


class FeedTokenFilter(logging.Filter):
    """Rewrite a record whose message shows a personal feed token."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the formatted message; never drop a record."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        masked = mask_tokens(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def add_mask(target: logging.Logger | logging.Handler) -> None:
    """Put the filter on a logger or handler once."""
    if not any(isinstance(existing, FeedTokenFilter) for existing in target.filters):
        target.addFilter(FeedTokenFilter())


def mask_app_logs(app: Flask) -> None:
    """Mask tokens in the app's logger, the request loggers, and whatever the root writes.

    A logger's filter sees only records logged to that logger, so the root
    logger's handlers get the filter too, for records of any other logger.
    """
    for logger in (app.logger, *map(logging.getLogger, REQUEST_LOGGERS)):
        add_mask(logger)
        for handler in logger.handlers:
            add_mask(handler)
    for handler in logging.getLogger().handlers:
        add_mask(handler)
