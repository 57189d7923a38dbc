"""Helpers of the notification tests: changes recorded by hand, a real SMTP server, the worker.

``record_change`` writes an ``AgendaChange`` and sends ``change_recorded`` as
the recording code does, inside the caller's transaction.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from aiosmtpd.controller import Controller

import kirab
from kirab.changes.models import AgendaChange, AgendaChangeEvent
from kirab.changes.signals import change_recorded
from kirab.database import db
from kirab.notifications.models import Delivery, DeliveryStatus
from tests.conftest import BASE_URL

PROJECT = Path(kirab.__file__).resolve().parent.parent
# How long a test waits for the worker before it gives up (the issue grants it a minute).
PATIENCE = 60.0


def record_change(kind: str, stop, changes, occurred_at=None) -> AgendaChange:
    """Record a change of ``stop``'s agenda: ``changes`` is (event, old start, old end) tuples.

    The events carry their new state already; the change keeps old and new.
    """
    change = AgendaChange(kind=kind, stop_id=stop.id, region_code=stop.region_code)
    if occurred_at is not None:
        change.occurred_at = occurred_at
    for event, old_starts, old_ends in changes:
        change.events.append(
            AgendaChangeEvent(
                event_id=event.id, title=event.title, old_starts_at=old_starts,
                old_ends_at=old_ends, new_starts_at=event.starts_at, new_ends_at=event.ends_at,
                old_venue=event.venue_name or "", new_venue=event.venue_name or "",
                reason=event.cancel_reason or "",
            )
        )  # fmt: skip
    db.session.add(change)
    db.session.flush()
    change_recorded.send(change)
    return change


class Inbox:
    """What the SMTP server received: parsed messages, each with its envelope."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.lock = threading.Lock()
        self.refuse: set[str] = set()
        # Once this many messages arrived, the next one is kept but not answered until
        # ``release``: its sender is cut short after the server has it.
        self.hold_after: int | None = None
        self.released = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        """Refuse the addresses listed in ``refuse`` for good (550), take the others."""
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        """Keep the message."""
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), parsed))
            hold = self.hold_after is not None and len(self.messages) == self.hold_after + 1
        while hold and not self.released.is_set():
            await asyncio.sleep(0.05)
        return "250 Message accepted"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        """Messages for ``address``."""
        with self.lock:
            return [message for rcpt, message in self.messages if address in rcpt]


class SMTPServer:
    """An aiosmtpd server on a fixed free port of 127.0.0.1 that can go away and come back."""

    def __init__(self) -> None:
        self.inbox = Inbox()
        self.port = free_port()
        self.controller: Controller | None = None

    def start(self) -> None:
        """Listen (again) on the same port."""
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        """Stop listening: connections are refused until ``start``."""
        self.inbox.released.set()
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def url(self) -> str:
        """``KIRAB_MAIL_URL`` of this server (plain SMTP, no TLS)."""
        return f"smtp://127.0.0.1:{self.port}"


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def smtp_server():
    """A running SMTP server for one test."""
    server = SMTPServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def worker_environment(database_url: str, mail_url: str) -> dict[str, str]:
    """The environment of a worker process on the test database."""
    env = dict(os.environ)
    env.update(
        KIRAB_DATABASE_URL=database_url,
        KIRAB_MAIL_URL=mail_url,
        KIRAB_SECRET_KEY="test-secret-key",
        KIRAB_BASE_URL=BASE_URL,
        KIRAB_ENV="testing",
        KIRAB_NOTIFY_POLL_SECONDS="0.2",
        KIRAB_NOTIFY_RETRY_SECONDS="0.5",
        KIRAB_NOTIFY_CLAIM_SECONDS="3",
        KIRAB_MAIL_FROM="Kirab Pemilu <kirab@kirab.test.example>",
        PYTHONPATH=str(PROJECT),
    )
    return env


def start_worker(database_url: str, mail_url: str, log_path: Path) -> subprocess.Popen:
    """``flask --app kirab worker`` as a process of its own."""
    with log_path.open("ab") as log:  # the process keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "kirab", "worker"],
            cwd=PROJECT,
            env=worker_environment(database_url, mail_url),
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def stop_worker(process: subprocess.Popen, *, kill: bool = False) -> None:
    """End a worker: SIGKILL (nothing cleaned up) or SIGTERM, and wait for it."""
    if process.poll() is None:
        process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
    process.wait(timeout=30)


@contextmanager
def worker_process(database_url: str, mail_url: str, log_path: Path):
    """A running worker for the length of the block."""
    process = start_worker(database_url, mail_url, log_path)
    try:
        yield process
    finally:
        stop_worker(process)


def wait_for(condition, patience: float = PATIENCE, what: str = "the worker") -> None:
    """Poll ``condition`` until it holds; fail after ``patience`` seconds."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not finish within {patience:.0f} s")


def outbox_empty() -> bool:
    """Whether no delivery is left pending (each one sent or refused)."""
    db.session.rollback()  # see what the worker committed
    pending = db.session.execute(
        db.select(Delivery.id).where(Delivery.status == DeliveryStatus.PENDING)
    ).first()
    return pending is None
