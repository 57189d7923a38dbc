"""A local SMTP server that prints what it receives: ``make run`` without ``KIRAB_MAIL_URL``."""

from __future__ import annotations

import sys

from kirab.notifications.smtp import MailServer


def start_debugging_server(host: str = "127.0.0.1", port: int = 8025) -> MailServer:
    """Start aiosmtpd's Debugging handler in a thread; return where to send to it."""
    try:
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Debugging
    except ImportError as error:  # installed with the test extra, as make run does
        raise SystemExit("aiosmtpd is needed for the debugging mail server") from error
    controller = Controller(Debugging(sys.stdout), hostname=host, port=port)
    controller.start()
    return MailServer(host=host, port=port, implicit_tls=False)
