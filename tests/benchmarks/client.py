"""A small HTTP/1.1 client for the national benchmark: keep-alive, cookies kept by hand.

The benchmark talks to gunicorn on 127.0.0.1 over plain HTTP while the app
runs with ``KIRAB_ENV=production``, whose cookies are marked ``Secure``: a
browser (or ``http.cookiejar``) would never send them back over HTTP, so this
client keeps them itself. Requests carry no ``Accept-Encoding`` but
``identity`` (http.client's default), so every body arrives uncompressed.
"""

from __future__ import annotations

import http.client
import re
import time
import uuid
from dataclasses import dataclass
from email.message import Message
from html.parser import HTMLParser
from urllib.parse import urlencode

# Seconds a request may take before the benchmark gives up on it (the export takes longest).
REQUEST_TIMEOUT = 600
HOST = "127.0.0.1"


@dataclass
class Reply:
    """One response, read whole, and how long it took (send to last byte)."""

    status: int
    headers: Message
    body: bytes
    seconds: float


class Client:
    """One keep-alive connection to the server, with the cookies it was given."""

    def __init__(self, port: int, timeout: float = REQUEST_TIMEOUT):
        self.port = port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None

    def close(self) -> None:
        """Close the connection (a new one opens on the next request)."""
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def _send(self, method: str, path: str, body: bytes | None, headers: dict[str, str]):
        if self.connection is None:
            self.connection = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
        headers = dict(headers)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.connection.request(method, path, body=body, headers=headers)
        return self.connection.getresponse()

    def open(self, method: str, path: str, body: bytes | None = None, headers=None):
        """Send a request and return the response unread (for streaming downloads).

        A keep-alive connection the server closed meanwhile is reopened once.
        """
        try:
            return self._send(method, path, body, headers or {})
        except (http.client.RemoteDisconnected, ConnectionError, http.client.CannotSendRequest):
            self.close()
            return self._send(method, path, body, headers or {})

    def request(self, method: str, path: str, body: bytes | None = None, headers=None) -> Reply:
        """Send a request, read the whole body, keep the cookies set."""
        start = time.perf_counter()
        response = self.open(method, path, body, headers)
        data = response.read()
        seconds = time.perf_counter() - start
        self.keep_cookies(response.headers)
        if response.will_close:
            self.close()
        return Reply(response.status, response.headers, data, seconds)

    def get(self, path: str, **headers: str) -> Reply:
        """GET ``path``."""
        return self.request("GET", path, headers=headers)

    def post_form(self, path: str, fields: list[tuple[str, str]]) -> Reply:
        """POST ``fields`` as a form, urlencoded."""
        body = urlencode(fields).encode()
        return self.request(
            "POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"}
        )

    def post_file(self, path: str, fields: list[tuple[str, str]], name: str, data: bytes) -> Reply:
        """POST ``fields`` and one file (field ``name``) as multipart/form-data."""
        boundary = uuid.uuid4().hex
        parts = []
        for key, value in fields:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{name}.csv"\r\nContent-Type: text/csv\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        return self.request("POST", path, b"".join(parts), headers)

    def keep_cookies(self, headers: Message) -> None:
        """Keep what ``Set-Cookie`` sets, forget what it expires (Secure or not)."""
        for header in headers.get_all("Set-Cookie") or ():
            pair, _, attributes = header.partition(";")
            name, _, value = pair.strip().partition("=")
            expired = re.search(r"max-age=0\b|expires=[^;]*19[67]\d", attributes, re.I)
            if expired or not value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value


class FormReader(HTMLParser):
    """The forms of a page with the values a browser would submit unchanged."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.select: str | None = None
        self.options: list[tuple[str, bool]] = []
        self.textarea: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        """Collect inputs, selected options and text areas of the current form."""
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attributes.get("action") or "", "fields": []})
        elif not self.forms:
            return
        elif tag == "input":
            self.input(attributes)
        elif tag == "select":
            self.select, self.options = attributes.get("name"), []
        elif tag == "option" and self.select:
            self.options.append((attributes.get("value") or "", "selected" in attributes))
        elif tag == "textarea":
            self.textarea, self.text = attributes.get("name"), []

    def input(self, attributes: dict) -> None:
        """One input's value, if a browser would send it."""
        kind = (attributes.get("type") or "text").lower()
        name = attributes.get("name")
        if not name or kind in ("submit", "button", "file", "reset", "image"):
            return
        if kind in ("checkbox", "radio") and "checked" not in attributes:
            return
        self.forms[-1]["fields"].append((name, attributes.get("value") or ""))

    def handle_data(self, data):
        """Text inside a text area."""
        if self.textarea:
            self.text.append(data)

    def handle_endtag(self, tag):
        """Close a select (its selected options, or the first) or a text area."""
        if tag == "select" and self.select and self.forms:
            chosen = [value for value, selected in self.options if selected]
            if not chosen and self.options:
                chosen = [self.options[0][0]]
            self.forms[-1]["fields"].extend((self.select, value) for value in chosen)
            self.select = None
        elif tag == "textarea" and self.textarea and self.forms:
            self.forms[-1]["fields"].append((self.textarea, "".join(self.text).lstrip("\n")))
            self.textarea = None


def form_with(page: bytes, field: str, action: str | None = None) -> list[tuple[str, str]]:
    """The fields of the page's first form that has ``field`` (and the ``action`` given).

    The page's own forms post to the page itself (no action); the language and
    logout forms of every page name theirs.
    """
    reader = FormReader()
    reader.feed(page.decode("utf-8", errors="replace"))
    for form in reader.forms:
        if action in (None, form["action"]) and any(name == field for name, _ in form["fields"]):
            return form["fields"]
    raise ValueError(f"no form with a field {field!r} on the page")


def log_in(port: int, email: str, password: str) -> Client:
    """A client logged in through the login form; ValueError when the login is refused."""
    client = Client(port)
    fields = dict(form_with(client.get("/login").body, "password"))
    fields.update(email=email, password=password)
    reply = client.post_form("/login", list(fields.items()))
    if reply.status != 302:
        raise ValueError(f"the login of {email} was refused ({reply.status})")
    return client
