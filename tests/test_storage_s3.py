"""Uploads kept in S3-compatible storage (``KIRAB_UPLOAD_STORAGE=s3://bucket/prefix``).

An S3 server (moto's) runs inside the test on a free port of 127.0.0.1,
with dummy credentials in the standard AWS environment variables. Show 7
of "Integrity under concurrency and faults" with S3: two app servers on one
database, a scan uploaded through one is served by the other, its bytes in
the bucket and not in the database; a stalled or absent S3 is answered in
time, clearly; and show 8: a backup holds the objects and a restore puts
them back.
"""

from __future__ import annotations

import http.client
import io
import re
import socket
import tarfile
import time

import boto3
import pytest
from moto.server import ThreadedMotoServer

from kirab.backup import restore_backup
from kirab.backup_databases import BackupError
from kirab.database import db
from kirab.relay.handovers import file_key
from kirab.relay.models import HandoverFile
from kirab.storage import StoredFile, file_store
from tests.conftest import extra_app, served_over_http
from tests.factories import image_bytes, make_file, make_user
from tests.faultproxy import FaultProxy
from tests.test_backup import scratch_database
from tests.test_storage import Visitor, make_handover

BUCKET, PREFIX = "kirab-uploads", "election/2024"
STORAGE = f"s3://{BUCKET}/{PREFIX}"
# What a refused upload or download may take at most: two attempts of a one-second limit,
# and room for a busy machine.
ANSWER_WITHIN = 10


def free_port() -> int:
    """A port of 127.0.0.1 nobody listens on (as soon as this returns)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def s3(monkeypatch, tmp_path):
    """An S3 server with an empty bucket; yields (endpoint URL, a client of it)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    # Nothing of the machine's own AWS set-up is read.
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    # moto keeps its buckets in the process: each test starts from none.
    reset = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    reset.request("POST", "/moto-api/reset")
    assert reset.getresponse().status == 200
    reset.close()
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    try:
        yield endpoint, client
    finally:
        server.stop()


def objects(client, prefix: str = PREFIX) -> dict[str, bytes]:
    """Every object of the bucket under ``prefix``, by name."""
    listed = client.list_objects_v2(Bucket=BUCKET, Prefix=f"{prefix}/").get("Contents", [])
    return {
        item["Key"]: client.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
        for item in listed
    }


def upload(visitor: Visitor, page: str, data: bytes):
    """Post ``data`` as the handover's signed scan; (status, body, seconds taken)."""
    fields = {"csrf_token": visitor.csrf_token(page), "kind": "scan"}
    started = time.monotonic()
    status, _headers, body = visitor.post(
        f"{page}/files", fields, {"file": ("berita-acara.jpg", data)}
    )
    return status, body.decode(), time.monotonic() - started


def organizer_and_page() -> tuple[str, str]:
    """An organizer's email and the page of a new handover they may record."""
    organizer = make_user("organizer", regions=["32.16"])
    handover = make_handover()
    db.session.commit()
    return organizer.email, f"/manage/handovers/{handover.id}"


def test_a_scan_uploaded_through_one_server_is_served_by_the_other_from_s3(app, migrated, s3):
    endpoint, client = s3
    email, page = organizer_and_page()
    scan = image_bytes("JPEG", (60, 40))
    settings = {"UPLOAD_STORAGE": STORAGE, "S3_ENDPOINT_URL": endpoint}
    with (
        served_over_http(migrated, **settings) as first,
        served_over_http(migrated, **settings) as second,
    ):
        uploader = Visitor(first)
        uploader.log_in(email)
        status, _body, _seconds = upload(uploader, page, scan)
        assert status == 302

        viewer = Visitor(second)
        viewer.log_in(email)
        _status, _headers, html = viewer.request("GET", page)
        links = re.findall(r"/manage/handover-files/\d+", html.decode())
        assert len(set(links)) == 1
        status, headers, served = viewer.request("GET", links[0])
        assert (status, headers["Content-Type"], served) == (200, "image/jpeg", scan)

    stored = db.session.execute(db.select(HandoverFile)).scalars().one()
    key = file_key(stored)
    assert objects(client) == {f"{PREFIX}/{key}": scan}
    assert db.session.execute(db.select(StoredFile).where(StoredFile.key == key)).first() is None


def test_a_stalled_s3_is_answered_in_seconds_and_stores_nothing(app, migrated, s3):
    endpoint, client = s3
    email, page = organizer_and_page()
    scan = image_bytes("JPEG", (60, 40))
    port = int(endpoint.rsplit(":", 1)[1])
    proxy = FaultProxy("127.0.0.1", port)
    settings = {
        "UPLOAD_STORAGE": STORAGE,
        "S3_ENDPOINT_URL": f"http://127.0.0.1:{proxy.port}",
        "S3_TIMEOUT": 1,
    }
    try:
        with served_over_http(migrated, **settings) as served:
            visitor = Visitor(served)
            visitor.log_in(email)
            assert upload(visitor, page, scan)[0] == 302
            _status, _headers, html = visitor.request("GET", page)
            link = re.findall(r"/manage/handover-files/\d+", html.decode())[0]

            proxy.stall()
            status, body, seconds = upload(visitor, page, image_bytes("PNG", (9, 9)))
            assert (status, seconds < ANSWER_WITHIN) == (422, True)
            assert "penyimpanan berkasnya" in body
            started = time.monotonic()
            status, headers, body = visitor.request("GET", link)
            assert (status, time.monotonic() - started < ANSWER_WITHIN) == (503, True)
            assert headers["Retry-After"] and b"penyimpanan berkasnya" in body

            proxy.refuse()
            status, body, seconds = upload(visitor, page, image_bytes("PNG", (9, 9)))
            assert (status, seconds < ANSWER_WITHIN) == (422, True)
            assert visitor.request("GET", link)[0] == 503

            proxy.restore()
            status, _headers, served_scan = visitor.request("GET", link)
            assert (status, served_scan) == (200, scan)
    finally:
        proxy.close()
    db.session.expire_all()
    # The refused uploads left no record. A write the app gave up on may still have reached
    # the server: an orphan object that no record names, never a record without its object.
    stored = db.session.execute(db.select(HandoverFile)).scalars().one()
    assert objects(client)[f"{PREFIX}/{file_key(stored)}"] == scan


def test_a_closed_port_refuses_the_upload_on_its_form(app, migrated, s3):
    email, page = organizer_and_page()
    settings = {
        "UPLOAD_STORAGE": STORAGE,
        "S3_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}",
        "S3_TIMEOUT": 1,
    }
    with served_over_http(migrated, **settings) as served:
        visitor = Visitor(served)
        visitor.log_in(email)
        status, body, seconds = upload(visitor, page, image_bytes("JPEG", (20, 20)))
    assert (status, seconds < ANSWER_WITHIN) == (422, True)
    assert "penyimpanan berkasnya" in body
    assert db.session.execute(db.select(HandoverFile)).first() is None


def test_objects_follow_the_transaction(app, s3):
    """Written before the commit and removed by a rollback; deleted only after a commit."""
    endpoint, client = s3
    app.config.update(UPLOAD_STORAGE=STORAGE, S3_ENDPOINT_URL=endpoint)
    store = file_store(app.config)
    db.session.execute(db.select(HandoverFile.id))  # as a service's flush, begins the transaction
    store.put("handovers/1/undone.png", b"undone", "image/png")
    assert list(objects(client)) == [f"{PREFIX}/handovers/1/undone.png"]
    db.session.rollback()
    assert objects(client) == {}

    store.put("handovers/1/kept.png", b"kept", "image/png")
    db.session.commit()
    db.session.execute(db.select(HandoverFile.id))
    store.delete("handovers/1/kept.png")
    assert store.get("handovers/1/kept.png") == b"kept"  # the record may still be restored
    db.session.rollback()
    assert store.get("handovers/1/kept.png") == b"kept"
    store.delete("handovers/1/kept.png")
    db.session.commit()
    assert store.get("handovers/1/kept.png") is None
    assert objects(client) == {}


def test_a_backup_holds_the_objects_and_a_restore_puts_them_back(app, migrated, s3, tmp_path):
    endpoint, client = s3
    app.config.update(UPLOAD_STORAGE=STORAGE, S3_ENDPOINT_URL=endpoint)
    handover = make_handover()
    scan, photo = image_bytes("JPEG", (80, 60)), image_bytes("PNG", (30, 20))
    make_file(handover, kind="scan", data=scan)
    make_file(handover, kind="photo", data=photo)
    db.session.commit()
    kept = objects(client)
    assert len(kept) == 2 and set(kept.values()) == {scan, photo}
    archive = tmp_path / "kirab.backup"
    made = app.test_cli_runner().invoke(args=["backup", str(archive)])
    assert made.exit_code == 0, made.output
    assert "2 uploaded files" in made.output
    with tarfile.open(archive) as tar:
        assert {"uploads/1", "uploads/2"} <= set(tar.getnames())

    # A new machine: a new database, the objects under another prefix of the bucket.
    elsewhere = {"UPLOAD_STORAGE": f"s3://{BUCKET}/restored", "S3_ENDPOINT_URL": endpoint}
    with scratch_database(migrated) as scratch:
        with extra_app(scratch) as without_s3:
            refused = without_s3.test_cli_runner().invoke(args=["restore", str(archive)])
            assert refused.exit_code == 1
            assert "uploads were kept in S3-compatible storage" in refused.output
        with extra_app(scratch, **elsewhere) as other:
            restored = other.test_cli_runner().invoke(args=["restore", str(archive)])
            assert restored.exit_code == 0, restored.output
            assert objects(client, "restored") == {
                name.replace(PREFIX, "restored", 1): data for name, data in kept.items()
            }
            store = file_store(other.config)
            uploads = db.session.execute(db.select(HandoverFile)).scalars().all()
            assert {store.get(file_key(upload)) for upload in uploads} == {scan, photo}


def test_a_damaged_upload_in_the_archive_is_refused_before_anything_changes(
    app, migrated, s3, tmp_path
):
    endpoint, client = s3
    app.config.update(UPLOAD_STORAGE=STORAGE, S3_ENDPOINT_URL=endpoint)
    make_file(make_handover(), kind="scan", data=image_bytes("JPEG", (20, 20)))
    db.session.commit()
    archive = tmp_path / "kirab.backup"
    assert app.test_cli_runner().invoke(args=["backup", str(archive)]).exit_code == 0
    damaged = tmp_path / "damaged.backup"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == "uploads/1":
                data = data[:-1] + bytes([data[-1] ^ 1])
            target.addfile(member, io.BytesIO(data))
    before = objects(client)
    with pytest.raises(BackupError, match="checksum of handovers/"):
        restore_backup(
            db.engine.url, damaged, known=lambda _r: True, force=True, store=file_store(app.config)
        )
    assert objects(client) == before
