"""Handovers: actual times that drive custody, checklist and signatories, berita acara, files."""

from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfWriter
from sqlalchemy import func

from kirab.audit.models import AuditEntry
from kirab.database import db
from kirab.relay.handovers import checklist_keys, file_key, identify
from kirab.relay.models import Handover, HandoverFile, Route, Stop
from kirab.storage import file_store
from tests.conftest import UPLOAD_FOLDER, csrf_token, login, opened_form
from tests.factories import at, image_bytes, make_jalur_vii, make_user


@pytest.fixture
def jalur(app) -> Route:
    """Jalur VII with its handovers and events, committed; "now" is after the relay.

    Recording a handover time in the future is refused, so the tests pin the
    clock rather than depend on the day they run.
    """
    app.config["FIXED_NOW"] = at("2023-12-01 09:00")
    route = make_jalur_vii()
    db.session.commit()
    return route


def stop_of(code: str) -> Stop:
    """The Jalur VII stop hosted by the office of ``code``."""
    route = db.session.execute(db.select(Route).where(Route.name == "Jalur VII")).scalar_one()
    return next(stop for stop in route.stops if stop.region_code == code)


def handover_into(code: str) -> Handover:
    """The Jalur VII handover into the stop of ``code``."""
    return db.session.execute(
        db.select(Handover).where(Handover.to_stop_id == stop_of(code).id)
    ).scalar_one()


def pdf_bytes(pages: int = 1) -> bytes:
    """A real PDF with blank pages."""
    writer = PdfWriter()
    for _page in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def post_handover(client, handover: Handover, **fields):
    """Post the handover form."""
    url = f"/manage/handovers/{handover.id}"
    data = {**opened_form(client, url), **fields}
    return client.post(url, data=data)


def status(client, moment: str) -> dict:
    """Jalur VII's entry of the relay status at a moment."""
    return client.get("/api/v1/relay/status", query_string={"at": moment}).json["routes"][0]


def test_a_recorded_late_handover_drives_custody_everywhere(client, jalur):
    """Karawang hands over at 10.30 WIB instead of 09.00: status, /route and home follow."""
    organizer = make_user("organizer", regions=["32.16"])
    db.session.commit()
    handover = handover_into("32.16")
    audited = db.session.scalar(db.select(func.max(AuditEntry.id)))
    login(client, organizer)
    response = post_handover(
        client, handover, actual_date="2023-11-13", actual_time="10:30",
        venue="Plaza Pemda Kabupaten Bekasi", items=["national_flag", "kpu_pataka", "party:1"],
        giving_name="Ketua KPU Kabupaten Karawang", giving_title="Ketua",
        receiving_name="Ali Rido", receiving_title="Ketua KPU Kabupaten Bekasi", notes="Lancar",
    )  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    handover = handover_into("32.16")
    assert handover.actual_at == at("2023-11-13 10:30")
    assert handover.planned_at == at("2023-11-13 09:00")
    assert stop_of("32.16").receives_at == at("2023-11-13 10:30")
    assert stop_of("32.15").hands_over_at == at("2023-11-13 10:30")
    assert handover.items["party:1"] is True and handover.items["kotak_hitam"] is False
    assert handover.signatories["receiving_name"] == "Ali Rido"

    before = status(client, "2023-11-13T10:29:59+07:00")
    assert before["holder"]["region_code"] == "32.15"
    assert before["next"]["handover_at"] == "2023-11-13T10:30:00+07:00"
    after = status(client, "2023-11-13T10:30:00+07:00")
    assert after["holder"]["region_code"] == "32.16"
    assert after["holder"]["since"] == "2023-11-13T10:30:00+07:00"
    # The same instant told in UTC.
    assert status(client, "2023-11-13T03:30:00+00:00")["holder"]["region_code"] == "32.16"

    route_page = client.get("/route?at=2023-11-13T10:15").get_data(as_text=True)
    assert 'aria-current="step"' in route_page
    current = route_page.split('aria-current="step"')[1]
    assert current.split("</h3>")[0].strip().startswith("><h3>KPU Kabupaten Karawang") or \
        "KPU Kabupaten Karawang" in current.split("</li>")[0]  # fmt: skip
    later = client.get("/route?at=2023-11-15T12:00").get_data(as_text=True)
    assert "Senin, 13 November 2023, 10.30 WIB" in later
    assert "Serah terima tercatat" in later
    assert "Ali Rido" not in later  # signatories are not public
    home = client.get("/?at=2023-11-13T10:15").get_data(as_text=True)
    assert "KPU Kabupaten Karawang" in home.split('class="position')[1]

    # The one entry the request wrote (the demo's plan has its own).
    [entry] = db.session.execute(
        db.select(AuditEntry).where(AuditEntry.action == "handover.record", AuditEntry.id > audited)
    ).scalars()
    assert entry.user_id == organizer.id
    assert entry.details["actual_at"] == "2023-11-13T10:30:00+07:00"


def test_clearing_the_actual_time_goes_back_to_the_plan(client, jalur):
    admin = make_user("admin")
    db.session.commit()
    login(client, admin)
    handover = handover_into("32.16")
    post_handover(client, handover, actual_date="2023-11-13", actual_time="11:00")
    db.session.expire_all()
    assert stop_of("32.16").receives_at == at("2023-11-13 11:00")
    assert post_handover(client, handover, actual_date="", actual_time="").status_code == 302
    db.session.expire_all()
    assert stop_of("32.16").receives_at == at("2023-11-13 09:00")
    assert stop_of("32.15").hands_over_at == at("2023-11-13 09:00")
    assert status(client, "2023-11-13T09:00:00+07:00")["holder"]["region_code"] == "32.16"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"actual_date": "2023-11-13"}, "tanggal dan waktunya"),
        ({"actual_date": "2023-11-31", "actual_time": "10:00"}, ""),
        ({"actual_date": "2023-11-06", "actual_time": "10:00"}, "sebelum KPU Kabupaten Karawang"),
        ({"actual_date": "2023-11-20", "actual_time": "10:00"}, "geser persinggahan"),
        ({"actual_date": "2099-01-01", "actual_time": "10:00"}, "sebelum berlangsung"),
        ({"items": ["party:99"]}, "tidak dikenal"),
        ({"receiving_name": "x" * 121}, ""),
        ({"notes": "x" * 2001}, ""),
    ],
)
def test_bad_handover_input_is_refused_and_changes_nothing(client, jalur, fields, message):
    admin = make_user("admin")
    db.session.commit()
    login(client, admin)
    response = post_handover(client, handover_into("32.16"), **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert handover_into("32.16").actual_at is None
    assert stop_of("32.16").receives_at == at("2023-11-13 09:00")


def test_only_organizers_of_either_office_record_a_handover(client, jalur):
    outsider = make_user("organizer", regions=["35"])
    karawang = make_user("organizer", regions=["32.15"])
    observer = make_user("observer")
    db.session.commit()
    handover = handover_into("32.16")
    for user, expected in ((outsider, 403), (observer, 403), (karawang, 302)):
        login(client, user)
        response = post_handover(client, handover, venue="Plaza", notes="<script>alert(1)</script>")
        assert response.status_code == expected
    login(client, observer)
    page = client.get(f"/manage/handovers/{handover.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)" in page and "<script>alert(1)" not in page


def test_the_checklist_has_the_national_flag_pataka_every_party_and_the_black_box(app, jalur):
    keys = checklist_keys(handover_into("32.16"))
    assert keys[:2] == ["national_flag", "kpu_pataka"] and keys[-1] == "kotak_hitam"
    assert [key for key in keys if key.startswith("party:")] == [
        f"party:{n}" for n in (*range(1, 18), 24)
    ]


def test_the_berita_acara_of_karawang_to_kabupaten_bekasi(client, jalur):
    """Show 4: the printable page, with the date in words, in Indonesian."""
    observer = make_user("observer")
    db.session.commit()
    handover = handover_into("32.16")
    handover.signatories = {"receiving_name": "Ali Rido", "receiving_title": "Ketua"}
    handover.items = {"national_flag": True, "kpu_pataka": True}
    db.session.commit()
    login(client, observer)
    response = client.get(f"/manage/handovers/{handover.id}/berita-acara?lang=en")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="id">' in page
    assert "BERITA ACARA SERAH TERIMA" in page
    assert (
        "Pada hari ini Senin tanggal tiga belas bulan November tahun dua ribu dua puluh tiga"
        in page
    )
    assert "pukul 09.00 WIB" in page
    assert "KPU Kabupaten Karawang" in page and "KPU Kabupaten Bekasi" in page
    assert "PIHAK PERTAMA" in page and "Ali Rido" in page
    assert "Bendera Merah Putih" in page and "Bendera Pataka KPU" in page
    assert "css/print.css" in page


def upload(client, handover: Handover, data: bytes, name: str, kind: str = "scan"):
    """Post a file to a handover."""
    url = f"/manage/handovers/{handover.id}"
    return client.post(
        f"{url}/files",
        data={"csrf_token": csrf_token(client, url), "kind": kind, "file": (BytesIO(data), name)},
    )


def stored_files() -> list[HandoverFile]:
    """Every file record."""
    return list(db.session.execute(db.select(HandoverFile)).scalars())


def test_scans_and_photos_are_checked_by_content_and_kept_out_of_static(app, client, jalur):
    """Show 4: not an image or PDF, or too large, is refused with a message."""
    organizer = make_user("organizer", regions=["32.16"])
    db.session.commit()
    handover = handover_into("32.16")
    login(client, organizer)

    refusals = [
        (b"just some text, not a picture", "foto.png"),
        (b"<html><script>alert(1)</script></html>", "scan.pdf"),
        (b"%PDF-1.7\nthis is not really a PDF", "scan.pdf"),
        (image_bytes("GIF"), "foto.gif"),
        (b"MZ\x90\x00" + b"\x00" * 200, "berita-acara.jpg"),
    ]
    for data, name in refusals:
        response = upload(client, handover, data, name)
        assert response.status_code == 422, name
        assert "Hanya gambar (JPEG, PNG, WebP) dan berkas PDF" in response.get_data(as_text=True)
    too_large = image_bytes("PNG") + b"\x00" * (5 * 1024 * 1024)
    with upload(client, handover, too_large, "besar.png") as response:
        assert response.status_code == 422
        assert "Berkas terlalu besar; paling besar 5 MB." in response.get_data(as_text=True)
        response.request.input_stream.close()  # the test client's spooled body
    empty = upload(client, handover, b"", "kosong.pdf")
    assert empty.status_code == 422
    assert stored_files() == []

    # A JPEG named .pdf is a JPEG: the content decides, not the name.
    assert upload(client, handover, pdf_bytes(), "berita-acara.pdf").status_code == 302
    assert upload(client, handover, image_bytes("JPEG"), "foto.pdf", "photo").status_code == 302
    scan, photo = stored_files()
    assert (scan.content_type, photo.content_type) == ("application/pdf", "image/jpeg")
    assert photo.stored_name.endswith(".jpg") and photo.original_name == "foto.pdf"
    # Kept in the database, where every app server reads them, not on this machine's disk.
    for kept, data in ((scan, pdf_bytes()), (photo, image_bytes("JPEG"))):
        assert file_store(app.config).get(file_key(kept)) == data
        assert not (
            Path(UPLOAD_FOLDER) / "handovers" / str(handover.id) / kept.stored_name
        ).exists()
    static = Path(__file__).resolve().parent.parent / "static"
    assert not any(static.rglob(photo.stored_name))

    with client.get(f"/manage/handover-files/{photo.id}") as served:
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert served.data == file_store(app.config).get(file_key(photo))
    with client.get(f"/manage/handover-files/{scan.id}") as pdf:
        assert pdf.mimetype == "application/pdf"
        assert "attachment" in pdf.headers["Content-Disposition"]


def test_the_public_sees_only_that_the_handover_was_recorded(client, jalur):
    admin = make_user("admin")
    rep = make_user("party_rep", party=1, regions=["32.16"])
    db.session.commit()
    handover = handover_into("32.16")
    login(client, admin)
    upload(client, handover, image_bytes("PNG"), "upacara.png", "photo")
    post_handover(client, handover, actual_date="2023-11-13", actual_time="09:15",
                  receiving_name="Ali Rido")  # fmt: skip
    photo = stored_files()[0]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    page = client.get("/route?at=2023-11-15T12:00").get_data(as_text=True)
    assert "Serah terima tercatat" in page and "09.15 WIB" in page
    assert "upacara.png" not in page and "handover-files" not in page and "Ali Rido" not in page
    assert client.get(f"/manage/handover-files/{photo.id}").status_code == 302
    assert client.get(f"/manage/handovers/{handover.id}/berita-acara").status_code == 302
    login(client, rep)
    assert client.get(f"/manage/handover-files/{photo.id}").status_code == 403
    assert client.get(f"/manage/handovers/{handover.id}").status_code == 403


def test_identify_reads_the_content_not_the_name(app):
    assert identify(pdf_bytes(2)).content_type == "application/pdf"
    assert identify(image_bytes("PNG")).content_type == "image/png"
    assert identify(image_bytes("WEBP")).content_type == "image/webp"
