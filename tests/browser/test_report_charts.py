"""The attendance report's charts in Chromium: named images that fit a phone and a desktop."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from kirab.attendance.models import AttendanceRecord, HeadcountTally
from kirab.database import db
from kirab.events.models import Event
from tests.browser.audit import audit

pytestmark = pytest.mark.browser

WIDTHS = (390, 1366)


@pytest.fixture
def counted(west_java):
    """The West Java week with a crowd at every event (thousands at the handovers) and people."""
    events = list(db.session.execute(db.select(Event).order_by(Event.starts_at)).scalars())
    for number, event in enumerate(events, start=1):
        crowd = 1250 * number if event.kind == "handover" else 17 * number
        db.session.add(HeadcountTally(
            event_id=event.id, counter="Utara", counter_key="utara", category="public",
            count=crowd, recorded_at=event.starts_at + timedelta(minutes=5)))  # fmt: skip
        for n in range(number % 4):
            db.session.add(AttendanceRecord(
                event_id=event.id, name=f"Tamu {n}", name_key=f"tamu{n}", affiliation_key="p1",
                category="party_rep", party_number=1, party_self_declared=n == 2,
                method="organizer",
                recorded_at=event.starts_at + timedelta(minutes=n)))  # fmt: skip
    db.session.commit()
    return events


def bars_fit(page, width: int) -> None:
    """At ``width`` the page does not scroll sideways and every chart lies inside the viewport."""
    page.set_viewport_size({"width": width, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # Each chart's edges, and the farthest left and right any of its text reaches (an SVG
    # clips what lies outside it: a cut label or value).
    for left, right, text_left, text_right in page.locator("svg.bar-chart").evaluate_all(
        """charts => charts.map(c => {
          const box = c.getBoundingClientRect();
          const texts = [...c.querySelectorAll("text")].map(t => t.getBoundingClientRect());
          return [box.left, box.right, Math.min(...texts.map(t => t.left)),
                  Math.max(...texts.map(t => t.right))];
        })"""
    ):
        assert 0 <= left < right <= width
        assert left <= text_left and text_right <= right


def test_the_report_chart_is_labelled_and_fits_a_phone_and_a_desktop(page, live_server, counted):
    page.goto(live_server + "/reports/attendance?by=event")
    chart = page.get_by_role("img", name=re.compile(r"^Kehadiran menurut kegiatan Diagram batang"))
    expect(chart).to_be_visible()
    # The axes are titled, each bar shows its value as the table does (1.234), names are whole.
    expect(chart.locator("text.title", has_text=re.compile(r"^Orang$"))).to_have_count(1)
    expect(chart.locator("text.title", has_text=re.compile(r"^Kegiatan$"))).to_have_count(1)
    values = chart.locator("text.value")
    expect(values).to_have_count(len(counted))
    shown = values.all_text_contents()  # SVG text has no innerText
    assert any(re.fullmatch(r"\d{1,3}(\.\d{3})+", value) for value in shown), shown
    table_totals = page.locator(".report-table tbody td:last-child").all_inner_texts()
    assert sorted(shown) == sorted(table_totals)
    labels = chart.locator(".axis.y text").evaluate_all(
        "texts => texts.map(t => [...t.querySelectorAll('tspan')]"
        ".map(s => s.textContent).join(' '))"
    )
    assert sorted(labels) == sorted(event.title for event in counted)
    for width in WIDTHS:
        bars_fit(page, width)
    audit(page)


def test_the_party_charts_in_english(page, live_server, counted):
    page.goto(live_server + "/reports/attendance?by=party&lang=en")
    for title in ("Confirmed", "Self-declared"):
        chart = page.get_by_role("img", name=re.compile(rf"^{title} Bar chart: people"))
        expect(chart).to_be_visible()
        expect(chart.locator("text.title", has_text=re.compile(r"^Party$"))).to_have_count(1)
        expect(chart.locator("text.title", has_text=re.compile(r"^People$"))).to_have_count(1)
    # The table stays the charts' text alternative.
    expect(page.get_by_role("columnheader", name="Self-declared")).to_be_visible()
    for width in WIDTHS:
        bars_fit(page, width)
    audit(page)
