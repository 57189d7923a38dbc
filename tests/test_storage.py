"""Uploads kept where every app server reads them: in the database.

Show 7 of "Integrity under concurrency and faults": two app servers on one
database, with upload folders of their own; a scan uploaded through one is
served by the other.
"""

from __future__ import annotations

import hashlib
import http.client
import re
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from kirab import create_app
from kirab.database import db
from kirab.relay.handovers import file_key
from kirab.relay.models import Handover
from kirab.relay.stops import relink_handovers
from kirab.storage import StorageSettingError, StoredFile, check_storage_setting
from tests.conftest import CSRF_FIELD, TEST_PASSWORD, app_config, served_over_http
from tests.factories import at, handover_into, image_bytes, make_file, make_route, make_user

STORED_FILES_REVISION = "0008"


def make_handover() -> Handover:
    """A new route from Kabupaten Karawang to Kabupaten Bekasi, and its one handover."""
    route = make_route(
        [
            ("32.15", at("2023-11-07 09:00"), at("2023-11-13 09:00")),
            ("32.16", at("2023-11-13 09:00"), None),
        ]
    )
    relink_handovers(route, route.stops)
    db.session.flush()
    return handover_into(route.stops[1])


class Visitor:
    """Someone using one served app over HTTP, keeping its cookies."""

    def __init__(self, base: str):
        self.netloc = urlsplit(base).netloc
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes = b"", content_type: str = ""):
        """Send a request; (status, headers, body)."""
        connection = http.client.HTTPConnection(self.netloc, timeout=15)
        headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}
        if content_type:
            headers["Content-Type"] = content_type
        try:
            connection.request(method, path, body=body or None, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _sep, rest = cookie.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, response.headers, data

    def csrf_token(self, path: str) -> str:
        """The CSRF token of the form on ``path``."""
        _status, _headers, page = self.request("GET", path)
        match = CSRF_FIELD.search(page.decode())
        assert match, f"no CSRF field on {path}"
        return match.group(1) or match.group(2)

    def post(self, path: str, fields: dict[str, str], files: dict | None = None):
        """Post a form (multipart when it carries files)."""
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            .encode()
            for name, value in fields.items()
        ]  # fmt: skip
        for name, (filename, data) in (files or {}).items():
            head = (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
            )
            parts.append(head.encode() + data + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request("POST", path, body, f"multipart/form-data; boundary={boundary}")

    def log_in(self, email: str) -> None:
        """Log in through the login form."""
        token = self.csrf_token("/login")
        fields = {"email": email, "password": TEST_PASSWORD, "csrf_token": token}
        status, _headers, _body = self.post("/login", fields)
        assert status == 302


def test_a_scan_uploaded_through_one_server_is_served_by_the_other(app, migrated, tmp_path):
    """Show 7: two app servers, one database, upload folders of their own."""
    organizer = make_user("organizer", regions=["32.16"])
    handover = make_handover()
    db.session.commit()
    email, page = organizer.email, f"/manage/handovers/{handover.id}"
    scan = image_bytes("JPEG", (60, 40))
    folders = [tmp_path / "first", tmp_path / "second"]
    with (
        served_over_http(migrated, UPLOAD_FOLDER=str(folders[0])) as first,
        served_over_http(migrated, UPLOAD_FOLDER=str(folders[1])) as second,
    ):
        uploader = Visitor(first)
        uploader.log_in(email)
        fields = {"csrf_token": uploader.csrf_token(page), "kind": "scan"}
        status, _headers, _body = uploader.post(
            f"{page}/files", fields, {"file": ("berita-acara.jpg", scan)}
        )
        assert status == 302

        viewer = Visitor(second)
        viewer.log_in(email)
        _status, _headers, html = viewer.request("GET", page)
        links = re.findall(r"/manage/handover-files/\d+", html.decode())
        assert len(set(links)) == 1
        status, headers, served = viewer.request("GET", links[0])
        assert (status, headers["Content-Type"], served) == (200, "image/jpeg", scan)
        assert headers["Cache-Control"] == "private, no-store"

        anonymous = Visitor(second)
        status, _headers, _body = anonymous.request("GET", links[0])
        assert status == 302  # to the login page, never the file
    assert not any(path.is_file() for folder in folders for path in folder.rglob("*"))


def test_a_storage_setting_that_cannot_be_used_is_refused_at_start_with_a_reason(migrated):
    assert check_storage_setting(None) == check_storage_setting(" database ") == "database"
    assert check_storage_setting("s3://kirab-uploads/scans/") == "s3://kirab-uploads/scans"
    with pytest.raises(StorageSettingError, match="does not name a bucket"):
        create_app(app_config(migrated, UPLOAD_STORAGE="s3://Kirab_Uploads/scans"))
    with pytest.raises(StorageSettingError, match="not a storage Kirab knows"):
        check_storage_setting("/srv/kirab/uploads")


def test_upgrading_moves_the_upload_folder_into_the_database_and_back(app, tmp_path):
    """Files of earlier versions, found in the upload folder, are copied in; the
    downgrade writes them back before dropping the table."""
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    handover = make_handover()
    scan, photo = image_bytes("JPEG", (30, 20)), image_bytes("PNG")
    kept = make_file(handover, kind="scan", data=scan)
    lost = make_file(handover, kind="photo", data=photo)
    db.session.commit()
    kept_key, lost_key = file_key(kept), file_key(lost)
    db.session.remove()
    directory = app.extensions["migrate"].directory
    before = ScriptDirectory(directory).get_revision(STORED_FILES_REVISION).down_revision
    try:
        downgrade(directory=directory, revision=before)
        assert not inspect(db.engine).has_table("stored_files")
        assert (tmp_path / kept_key).read_bytes() == scan
        assert (tmp_path / lost_key).read_bytes() == photo
        (tmp_path / lost_key).unlink()  # a file the folder no longer holds is not invented
    finally:
        upgrade(directory=directory)
    stored = db.session.execute(db.select(StoredFile)).scalar_one()
    assert (stored.key, stored.content, stored.size) == (kept_key, scan, len(scan))
    assert (stored.sha256, stored.content_type) == (hashlib.sha256(scan).hexdigest(), "image/jpeg")
    assert Path(tmp_path / kept_key).is_file()  # left on disk: the operator removes the folder
