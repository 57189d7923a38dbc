"""Sending through the SMTP server of ``KIRAB_MAIL_URL``.

``smtp://user:pass@host:587`` speaks STARTTLS when the server offers it;
``smtps://user:pass@host:465`` is TLS from the first byte. The password
never reaches a log: errors are told by the server's answer only.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

# Seconds to wait on the mail server: connecting, and each answer.
TIMEOUT = 20


class MailSettingError(ValueError):
    """``KIRAB_MAIL_URL`` cannot be used."""


class Refused(Exception):
    """The server refused the mail for good (5xx): an address that bounces or is refused."""


class Unavailable(Exception):
    """The server could not be reached or answered for now (4xx, a broken connection)."""


@dataclass(frozen=True)
class MailServer:
    """Where and how to send: the parts of ``KIRAB_MAIL_URL``."""

    host: str
    port: int
    implicit_tls: bool
    username: str = ""
    password: str = ""

    def __repr__(self) -> str:  # the password stays out of every repr and traceback
        scheme = "smtps" if self.implicit_tls else "smtp"
        return f"MailServer({scheme}://{self.username or ''}@{self.host}:{self.port})"

    @property
    def safe_url(self) -> str:
        """The URL without its password, for messages."""
        scheme = "smtps" if self.implicit_tls else "smtp"
        user = f"{self.username}@" if self.username else ""
        return f"{scheme}://{user}{self.host}:{self.port}"


def parse_mail_url(url: str) -> MailServer:
    """Read ``smtp://`` or ``smtps://`` URLs; anything else is refused."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise MailSettingError("KIRAB_MAIL_URL must look like smtp://user:pass@host:587")
    implicit = parts.scheme == "smtps"
    try:
        port = parts.port or (465 if implicit else 587)
    except ValueError as error:
        raise MailSettingError("KIRAB_MAIL_URL has a port that is not a number") from error
    return MailServer(
        host=parts.hostname,
        port=port,
        implicit_tls=implicit,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
    )


def _connect(server: MailServer) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if server.implicit_tls:
        connection = smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT, context=context)
    else:
        connection = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT)
        connection.ehlo()
        if connection.has_extn("starttls"):
            connection.starttls(context=context)
            connection.ehlo()
    if server.username:
        connection.login(server.username, server.password)
    return connection


def send(server: MailServer, message: EmailMessage) -> None:
    """Hand one message to the server; ``Refused`` or ``Unavailable`` when it did not take it."""
    try:
        connection = _connect(server)
    except smtplib.SMTPAuthenticationError as error:
        raise Unavailable(f"login refused: {error.smtp_code}") from None
    except (OSError, smtplib.SMTPException) as error:
        raise Unavailable(
            f"cannot reach {server.host}:{server.port}: {type(error).__name__}"
        ) from None
    try:
        connection.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _text in error.recipients.values()]
        detail = "; ".join(
            f"{code} {text.decode(errors='replace')}" for code, text in error.recipients.values()
        )
        if all(code >= 500 for code in codes):
            raise Refused(detail) from None
        raise Unavailable(detail) from None
    except smtplib.SMTPResponseException as error:
        detail = f"{error.smtp_code} {error.smtp_error.decode(errors='replace')}"
        if error.smtp_code >= 500:
            raise Refused(detail) from None
        raise Unavailable(detail) from None
    except (OSError, smtplib.SMTPException) as error:
        raise Unavailable(f"{type(error).__name__} while sending") from None
    finally:
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            connection.close()
