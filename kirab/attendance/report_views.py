"""Public attendance reports: totals per event, stop, dapil, kind or party, never names."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from markupsafe import Markup

from kirab.attendance import charts, report_lists, report_parts, reports
from kirab.attendance.pages import bp
from kirab.errors import bad_request
from kirab.events.filters import FilterError, parse_filters
from kirab.events.labels import kind_label
from kirab.pagecache import cached_page, filter_scopes
from kirab.params import whole_number
from kirab.regions.models import Region

REPORT_PAGE = 100
MATRIX_PAGE = 50


def report_filter():
    """The agenda filters of a report, or 400."""
    try:
        return parse_filters(request.args)
    except FilterError as error:
        bad_request(error.message)


def page_number() -> int:
    """The page asked for (1 when absent or malformed)."""
    number = whole_number(request.args.get("page", "1"))
    return number if number is not None and 0 < number < 1_000_000 else 1


@bp.get("/reports/attendance")
@cached_page(lambda: filter_scopes(request.args, attendance=True))
def report():
    """Attendance totals per event, stop, dapil, kind or party, with a chart; never names."""
    by = request.args.get("by", reports.EVENT)
    if by not in reports.GROUPINGS:
        bad_request(_("by must be one of: %(values)s.", values=", ".join(reports.GROUPINGS)))
    event_filter = report_filter()
    counted, parties = counts(event_filter, by)
    kinds = reports.by_kind(event_filter, kind_label, counted)
    totals = reports.ReportRow(
        None,
        _("All events"),
        sum(r.events for r in kinds),
        sum(r.named for r in kinds),
        sum(r.crowd for r in kinds),
    )
    current_page = page_number()
    if by == reports.EVENT:
        rows = reports.by_event(
            event_filter, limit=REPORT_PAGE, offset=(current_page - 1) * REPORT_PAGE
        )
    elif by == reports.STOP:
        rows = reports.by_stop(event_filter, counted)
    elif by == reports.DAPIL:
        rows = reports.by_dapil(event_filter, _("No single dapil"), counted)
    elif by == reports.KIND:
        rows = kinds
    else:
        rows = reports.by_party(event_filter, parties)
    pages = max(1, -(-totals.events // REPORT_PAGE)) if by == reports.EVENT else 1
    return render_template(
        "reports/attendance.html",
        by=by,
        groupings=reports.GROUPINGS,
        grouping_label=grouping_label,
        rows=rows,
        totals=totals,
        charts=report_charts(by, rows),
        chart_bars=charts.CHART_BARS,
        filter=event_filter,
        page=current_page,
        pages=pages,
    )


def report_charts(by: str, rows: list[reports.ReportRow]) -> list:
    """The report's bar charts: people per row; for parties, confirmed and self-declared apart."""
    if not rows:
        return []
    labels = [r.label for r in rows]
    axes = {
        "category_title": grouping_label(by).capitalize(),
        "value_title": _("People"),
    }
    if by == reports.PARTY:
        return [
            charts.bar_chart(_("Confirmed"), labels, [r.confirmed for r in rows], **axes),
            charts.bar_chart(_("Self-declared"), labels, [r.self_declared for r in rows], **axes),
        ]
    title = _("Attendance by %(grouping)s", grouping=grouping_label(by))
    return [charts.bar_chart(title, labels, [r.total for r in rows], **axes)]


def counts(event_filter, by: str) -> tuple[reports.Counted, dict | None]:
    """The counts a report adds up: its cells, and for the party grouping the parties' sums.

    Without a filter they come from the provinces' stored parts (only a
    changed province is counted again, the parties' sums only for the party
    grouping); with one, from one pass over the events in scope (the totals
    by kind and the rows by stop or dapil alike).
    """
    if event_filter.is_empty:
        return report_parts.national_counts(parties=by == reports.PARTY)
    keys = {reports.STOP: reports.STOP_ID, reports.DAPIL: reports.DAPIL_ID}.get(by)
    return reports.cells(
        event_filter, (reports.KIND_KEY, keys) if keys else (reports.KIND_KEY,)
    ), None


def grouping_label(by: str) -> str:
    """The name of a report grouping in the current language."""
    labels = {
        reports.EVENT: _("event"),
        reports.STOP: _("stop"),
        reports.DAPIL: _("dapil"),
        reports.KIND: _("kind"),
        reports.PARTY: _("party"),
    }
    return labels[by]


@bp.get("/reports/attendance/parties")
@cached_page(lambda: filter_scopes(request.args, attendance=True))
def party_matrix():
    """Which parties attended which events, confirmed and self-declared apart."""
    event_filter = report_filter()
    current_page = page_number()
    # Without a filter the events are counted from the provinces' parts the reports share.
    total = report_parts.national_total() if event_filter.is_empty else None
    matrix, total = reports.party_matrix(
        event_filter, limit=MATRIX_PAGE, offset=(current_page - 1) * MATRIX_PAGE, total=total
    )
    return render_template(
        "reports/parties.html",
        matrix=matrix,
        filter=event_filter,
        page=current_page,
        pages=max(1, -(-total // MATRIX_PAGE)),
    )


@bp.app_template_global()
def report_region_options(chosen: Region | None) -> Markup:
    """The options of the reports' region select (kept per process, see report_lists)."""
    return report_lists.region_options(chosen)


@bp.app_template_global()
def matrix_cells(cells: list[tuple[int, int] | None], empty: Markup) -> Markup:
    """One event's cells of the party matrix: confirmed and self-declared (``*``), or ``empty``.

    A page has about a thousand cells; written here at once they cost a
    tenth of what the template's loop did (an escape and a branch per value).
    """
    written = []
    for cell in cells:
        if cell is None:
            written.append(empty)
            continue
        confirmed, declared = int(cell[0]), int(cell[1])
        shown = f'<span class="confirmed">{confirmed}</span>' if confirmed else ""
        if declared:
            shown += f' <span class="self-declared">{declared}*</span>'
        written.append(f'<td class="attended">{shown}</td>')
    return Markup("".join(written))  # noqa: S704 - whole numbers and the template's own markup
