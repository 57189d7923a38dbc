"""The reports' charts: labelled horizontal bar charts as inline SVG, drawn on the server by pygal.

pygal lays out the scale, the ticks, the bars, the printed values and the
axis titles. What it adds for its own browser script and inline styles is
taken out again (``finish``): the page's Content-Security-Policy allows no
inline script or style, so the chart is styled by the site's stylesheet
(``.bar-chart`` in static/css/kirab.css) and works without JavaScript. Inline,
the chart is one image to assistive technology (``role="img"``, named by its
title and description); the table under it holds the same figures as text.
"""

from __future__ import annotations

import textwrap
from functools import lru_cache
from xml.etree import ElementTree

import pygal
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from pygal.style import Style

from kirab.i18n import number

# The report's first rows that get a bar; the table shows them all.
CHART_BARS = 25
# A category label is wrapped at this many characters, on at most MAX_LINES lines.
LINE_CHARS = 22
MAX_LINES = 5
FONT_SIZE = 13
LINE_HEIGHT = 16
WIDTH = 380

# Sizes pygal measures its margins with; the stylesheet draws text at the same sizes.
STYLE = Style(
    font_family="system-ui, sans-serif",
    label_font_size=FONT_SIZE,
    major_label_font_size=FONT_SIZE,
    value_font_size=FONT_SIZE,
    title_font_size=15,
)
CONFIG = dict(
    style=STYLE,
    width=WIDTH,
    show_legend=False,
    print_values=True,
    print_values_position="top",
    print_zeroes=True,
    # Only pygal's own stylesheet (removed again in finish) and no script file.
    css=[],
    js=[],
    disable_xml_declaration=True,
    explicit_size=False,
    show_minor_y_labels=True,
    truncate_label=-1,  # pygal would cut ticks to its guess of their room ("3…")
    margin_right=64,  # room for the value printed after the longest bar ("123.456")
    spacing=8,
)


def count_text(value: float) -> str:
    """A count as the current language writes it (Indonesian: 1.234)."""
    return number(round(value))


def wrapped(label: str) -> list[str]:
    """A category label on lines short enough to leave the bars room; all of it, up to MAX_LINES."""
    lines = textwrap.wrap(label, LINE_CHARS, break_long_words=True) or [""]
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES]
        lines[-1] = lines[-1][: LINE_CHARS - 1] + "…"
    return lines


def title_room(text: str) -> int:
    """The height the upright category title needs, which pygal would otherwise wrap ("Part/y")."""
    return round(len(text) * 0.6 * STYLE.title_font_size) + 40


def whole_ticks(largest: int) -> list[int]:
    """About five whole-number ticks from 0 past ``largest`` (people come whole)."""
    step = max(1, -(-max(largest, 1) // 5))
    magnitude = 10 ** (len(str(step)) - 1)
    step = -(-step // magnitude) * magnitude
    return list(range(0, largest + step + 1, step))[:7]


def bar_chart(
    title: str, labels: list[str], values: list[int], *, category_title: str, value_title: str
) -> Markup:
    """A horizontal bar chart of the first CHART_BARS values, as SVG markup to put in the page.

    Each bar is named by its whole label (wrapped, not cut) and carries its
    value in the current language's number format; the axes are titled.
    """
    svg = drawn(
        str(get_locale()),
        title,
        tuple(labels[:CHART_BARS]),
        tuple(values[:CHART_BARS]),
        category_title,
        value_title,
    )
    return Markup(svg)  # noqa: S704 - ElementTree wrote it, escaping every label


# A chart is a function of what it shows: an event edited elsewhere leaves the
# charts of stops, dapil, kinds and parties as they were, and they are not redrawn.
@lru_cache(maxsize=64)
def drawn(
    language: str,
    title: str,
    labels: tuple[str, ...],
    values: tuple[int, ...],
    category_title: str,
    value_title: str,
) -> str:
    """The SVG of one chart in ``language`` (the request's, which gettext and number read)."""
    lines = [wrapped(label) for label in labels]
    row_lines = max((len(parts) for parts in lines), default=1)
    ticks = whole_ticks(max(values, default=0))
    chart = pygal.HorizontalBar(
        **CONFIG,
        title=title,
        x_title=value_title,
        y_title=category_title,
        height=120 + max(len(values) * (row_lines * LINE_HEIGHT + 14), title_room(category_title)),
        range=(0, ticks[-1]),
        y_labels=ticks,
        value_formatter=count_text,
    )
    chart.add_xml_filter(lambda root: finish(root, list(labels), lines, value_title))
    # pygal draws the first category at the bottom: reversed, the first row is on top.
    # It measures the label column by the longest line, which is then drawn line by line.
    chart.x_labels = [max(parts, key=len) for parts in reversed(lines)]
    chart.add(title, list(reversed(values)))
    return chart.render(is_unicode=True)


def finish(root, labels: list[str], lines: list[list[str]], value_title: str):
    """Take out pygal's script, styles and tooltips; name the chart; wrap the category labels."""
    for comment in [child for child in root if child.tag is ElementTree.Comment]:
        root.remove(comment)
    root.remove(root.find("defs"))
    chart_id = root.get("id")
    root.set("class", "bar-chart")
    root.set("role", "img")
    root.set("aria-labelledby", f"{chart_id}-title {chart_id}-desc")
    heading = root.find("title")
    heading.set("id", f"{chart_id}-title")
    description = ElementTree.Element("desc", id=f"{chart_id}-desc")
    description.text = _(
        "Bar chart: %(value)s for each of the first %(n)d rows of the table below,"
        " which gives the same figures.",
        value=value_title.lower(),  # mid-sentence
        n=len(labels),
    )
    root.insert(list(root).index(heading) + 1, description)
    graph = root.find("g")
    for overlay in graph.findall("g"):
        # The tooltip box is shown by pygal's script only, and its style attribute breaks the CSP.
        if "tooltip-overlay" in overlay.get("class", "") or overlay.get("class") == "plot overlay":
            graph.remove(overlay)
    for bar in graph.iter("g"):
        if bar.get("class") == "bar":
            for desc in bar.findall("desc"):
                bar.remove(desc)  # coordinates for pygal's tooltips, read by no one
    for value in graph.iter("text"):
        if value.get("class") == "value":
            value.set("text-anchor", "start")
    category_axis = graph.find("g[@class='plot']/g[@class='axis y']")
    if category_axis is not None:
        guides = category_axis.findall("g[@class='guides']")
        # pygal's guides run bottom-up, the reverse of the rows.
        for guide, label, parts in zip(guides, reversed(labels), reversed(lines), strict=False):
            wrap_label(guide, label, parts)
    return root


def wrap_label(guide, label: str, parts: list[str]) -> None:
    """Draw one category label as its lines, centred on its bar; the whole label as its title."""
    text = guide.find("text")
    for position in guide.findall("title"):
        guide.remove(position)  # pygal's position of the label, not its name
    text.text = None
    x = text.get("x")
    first = -(len(parts) - 1) / 2 * LINE_HEIGHT
    for index, part in enumerate(parts):
        shift = first if index == 0 else LINE_HEIGHT
        ElementTree.SubElement(text, "tspan", x=x, dy=f"{shift:g}").text = part
    if " ".join(parts) != " ".join(label.split()):
        ElementTree.SubElement(guide, "title").text = label
