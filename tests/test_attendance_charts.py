"""The reports' bar charts, read as SVG: titled axes, a value on every bar, whole names, a name."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from flask_babel import refresh

from kirab.attendance import charts

SVG = "{http://www.w3.org/2000/svg}"
LONG = "Penyerahan bendera Kirab Pemilu 2024 dari KPU Kabupaten Bekasi kepada KPU Kota Bekasi"
LABELS = [LONG, "Kampanye <damai> & tertib", "Kuningan", "Pawai"]
VALUES = [12345, 1234, 0, 7]
TICKS = {
    "id": ["0", "3.000", "6.000", "9.000", "12.000", "15.000"],
    "en": ["0", "3,000", "6,000", "9,000", "12,000", "15,000"],
}


def draw(app, lang: str, labels=LABELS, values=VALUES):
    """The chart as the report draws it, in ``lang``, parsed."""
    charts.drawn.cache_clear()
    category, value = {"id": ("Kegiatan", "Orang"), "en": ("Event", "People")}[lang]
    with app.test_request_context(f"/reports/attendance?lang={lang}"):
        markup = charts.bar_chart(
            "Kehadiran", labels, values, category_title=category, value_title=value
        )
    return ElementTree.fromstring(str(markup))  # noqa: S314 - our own markup


def texts(root, css_class: str) -> list[str]:
    """The whole text of every <text> of the class, its lines joined by spaces."""
    return [
        " ".join(part.strip() for part in element.itertext() if part.strip())
        for element in root.iter(f"{SVG}text")
        if css_class in element.get("class", "").split()
    ]


def category_labels(root) -> list[str]:
    """The category labels from the top of the chart down, each with its lines joined."""
    axis = root.find(f".//{SVG}g[@class='axis y']")
    guides = [(float(text.get("y")), text) for text in axis.iter(f"{SVG}text")]
    return [" ".join(text.itertext()) for _, text in sorted(guides, key=lambda pair: pair[0])]


@pytest.mark.parametrize(
    "lang, axes, values",
    [
        ("id", ["Orang", "Kegiatan"], ["12.345", "1.234", "0", "7"]),
        ("en", ["People", "Event"], ["12,345", "1,234", "0", "7"]),
    ],
)
def test_the_axes_are_titled_and_every_bar_carries_its_value(app, lang, axes, values):
    root = draw(app, lang)
    titles = [t for t in texts(root, "title") if "plot_title" not in t]
    assert [t for t in texts(root, "title") if t in axes] == axes
    assert "Kehadiran" in titles
    bars = root.findall(f".//{SVG}rect[@class='rect reactive tooltip-trigger']")
    assert len(bars) == len(VALUES)
    # One value per bar, in the language's number format, in the order of the rows (pygal
    # draws them bottom-up).
    assert texts(root, "value")[::-1] == values
    # The value axis's ticks are whole numbers in the same format, up past the longest bar.
    axis = root.find(f".//{SVG}g[@class='axis x always_show']")
    ticks = [text.text for text in axis.iter(f"{SVG}text")]
    assert ticks == TICKS[lang]


def test_category_names_are_whole_wrapped_not_cut(app):
    root = draw(app, "id")
    # Top to bottom, the rows in their order, every name whole (lines joined back).
    assert category_labels(root) == LABELS
    long_label = next(
        text for text in root.iter(f"{SVG}text") if "Penyerahan" in "".join(text.itertext())
    )
    lines = [tspan.text for tspan in long_label.iter(f"{SVG}tspan")]
    assert len(lines) > 1 and all(len(line) <= charts.LINE_CHARS for line in lines)
    # Text from the data stays text: nothing of a label became markup.
    assert not list(root.iter(f"{SVG}damai"))


def test_a_name_longer_than_the_lines_keeps_its_whole_text_as_its_title(app):
    name = "Kegiatan " + "sangat panjang " * 12
    root = draw(app, "id", [name, "Pendek"], [3, 4])
    shown = category_labels(root)[0]
    assert shown.endswith("…") and len(shown) < len(name)
    assert name in [title.text for title in root.iter(f"{SVG}title")]


def test_the_chart_is_one_named_image_without_script_or_inline_style(app):
    root = draw(app, "en")
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title[@id='{title_id}']").text == "Kehadiran"
    description = root.find(f"{SVG}desc[@id='{desc_id}']").text
    assert description.startswith("Bar chart: people for each of the first 4 rows of the table")
    # The page's policy allows no inline script or style, and nothing is loaded from elsewhere.
    tags = {element.tag for element in root.iter()}
    assert f"{SVG}script" not in tags and f"{SVG}style" not in tags
    assert not [element for element in root.iter() if "style" in element.attrib]
    assert "http" not in ElementTree.tostring(root, encoding="unicode").replace(
        "http://www.w3.org/2000/svg", ""
    )


def test_the_description_is_in_indonesian(app):
    root = draw(app, "id")
    desc_id = root.get("aria-labelledby").split()[1]
    assert root.find(f"{SVG}desc[@id='{desc_id}']").text.startswith(
        "Diagram batang: orang untuk setiap 4 baris pertama tabel"
    )


def test_only_the_first_rows_get_a_bar(app):
    labels = [f"Persinggahan {n}" for n in range(charts.CHART_BARS + 5)]
    root = draw(app, "id", labels, list(range(len(labels))))
    assert category_labels(root) == labels[: charts.CHART_BARS]
    assert len(texts(root, "value")) == charts.CHART_BARS


def test_a_chart_is_drawn_again_only_when_what_it_shows_changes(app):
    with app.test_request_context("/?lang=id"):
        charts.drawn.cache_clear()
        first = charts.bar_chart("T", ["A"], [1], category_title="K", value_title="O")
        assert charts.bar_chart("T", ["A"], [1], category_title="K", value_title="O") == first
        assert charts.bar_chart("T", ["A"], [2], category_title="K", value_title="O") != first
    with app.test_request_context("/?lang=en"):
        refresh()  # the locale is kept on the app context, which the test's fixture holds
        english = charts.bar_chart("T", ["A"], [1], category_title="K", value_title="O")
        assert english != first


def test_the_axis_titles_stay_whole_on_a_chart_of_one_bar(app):
    root = draw(app, "en", ["1. PKB"], [3])
    titles = texts(root, "title")
    assert "Event" in titles and "People" in titles, titles
