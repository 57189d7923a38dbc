"""Planning journeys in a real browser: shifting a stop, printing a berita acara."""

import re
from io import BytesIO

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from kirab.database import db
from kirab.relay.handovers import checklist_keys
from tests.browser.audit import audit
from tests.conftest import TEST_PASSWORD
from tests.factories import handover_into, make_user, stop_of

pytestmark = pytest.mark.browser


def log_in(page, live_server, role: str) -> None:
    """Make a user of ``role`` and log them in through the login form."""
    user = make_user(role)
    db.session.commit()
    page.goto(live_server + "/login")
    audit(page)
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Kata sandi").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page).to_have_url(re.compile(r"/manage$"))
    audit(page)


def test_an_admin_shifts_a_stop_after_a_preview_and_the_public_route_follows(
    page, live_server, west_java
):
    """Show 5: preview, confirm, and the public route page shows the new dates."""
    log_in(page, live_server, "admin")
    page.get_by_role("link", name="Perencanaan kirab").click()
    audit(page)
    page.get_by_role("link", name="Jalur VII").click()
    # Only stops are numbered (by their position); the handovers between them are not.
    handover_row = page.locator("ol.plan > li.plan-handover").first
    assert handover_row.evaluate("li => getComputedStyle(li).listStyleType") == "none"
    expect(page.get_by_role("button", name="Pindah ke bawah").first).to_be_visible()
    audit(page)
    stop = page.locator("li.plan-stop", has_text="KPU Kabupaten Bekasi")
    stop.get_by_role("link", name="Geser").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Geser KPU Kabupaten Bekasi")
    audit(page)

    page.get_by_label("Geser sebanyak").fill("1")
    page.get_by_label("Satuan").select_option("days")
    page.get_by_role("button", name="Pratinjau").click()
    preview = page.locator("section.preview")
    expect(preview.get_by_role("heading", name="Yang akan bergeser")).to_be_visible()
    expect(preview.get_by_role("row", name=re.compile("KPU Kota Bekasi"))).to_contain_text(
        "Senin, 20 November 2023, 09.00 WIB"
    )
    expect(preview.get_by_text("Pawai Kirab Pemilu Dapil 7", exact=False)).to_be_visible()
    audit(page)

    # Nothing has moved yet: the public page still shows the plan.
    public = page.context.new_page()
    public.goto(live_server + "/route")
    kota = public.locator("li.stop", has_text="KPU Kota Bekasi")
    expect(kota).to_contain_text("Minggu, 19 November 2023, 09.00 WIB")
    audit(public)

    page.get_by_role("button", name="Konfirmasi pergeseran").click()
    expect(page.get_by_text("telah digeser", exact=False)).to_be_visible()
    audit(page)

    public.reload()
    kab = public.locator("li.stop", has_text="KPU Kabupaten Bekasi")
    expect(kab).to_contain_text("Selasa, 14 November 2023, 09.00 WIB")
    expect(kota).to_contain_text("Senin, 20 November 2023, 09.00 WIB")
    expect(public.locator("li.stop", has_text="KPU RI")).to_contain_text(
        "Senin, 27 November 2023, 09.00 WIB"
    )
    public.close()


def test_the_berita_acara_prints_on_one_a4_page(page, live_server, west_java, app):
    """Show 4: the minutes of Karawang -> Kabupaten Bekasi fit one A4 page, fully ticked."""
    handover = handover_into(stop_of(west_java, "32.16"))
    handover.items = dict.fromkeys(checklist_keys(handover), True)
    handover.signatories = {
        "giving_name": "Ketua KPU Kabupaten Karawang",
        "giving_title": "Ketua KPU Kabupaten Karawang",
        "receiving_name": "Ali Rido",
        "receiving_title": "Ketua KPU Kabupaten Bekasi",
    }
    handover.notes = "Disaksikan Pj Bupati Bekasi dan Forkopimda."
    db.session.commit()

    log_in(page, live_server, "observer")
    page.goto(f"{live_server}/manage/handovers/{handover.id}/berita-acara")
    expect(page.get_by_text("Pada hari ini Senin tanggal tiga belas bulan November tahun dua "
                            "ribu dua puluh tiga", exact=False)).to_be_visible()  # fmt: skip
    audit(page)
    pdf = page.pdf(format="A4", print_background=False)
    reader = PdfReader(BytesIO(pdf))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "BERITA ACARA SERAH TERIMA" in text and "Ali Rido" in text
    assert "Kembali ke serah terima" not in text  # the screen-only links are not printed
