"""What the reports list beside their counts: the stops, their provinces, the regions to filter by.

These change only with reference data (``global``) or the stops (``stops``),
not with an event or its attendance, so a process keeps them
(``kirab.pagecache.kept_copies``) while those two versions stay as read on
the request: a change to either shows on the very next request in every
process. One request reads the versions once for all the lists it uses.
"""

from __future__ import annotations

from flask import g, has_request_context
from markupsafe import Markup
from sqlalchemy import func

from kirab.database import db
from kirab.dataversions import GLOBAL, STOPS
from kirab.pagecache import kept_copies
from kirab.regions.models import Office, Region
from kirab.relay.models import Route, Stop

PROVINCE = func.substr(Office.region_code, 1, 2)


def kept():
    """The getter of values kept while reference data and stops stay as this request read them."""
    if not has_request_context():
        return kept_copies((GLOBAL, STOPS))
    if "kirab_report_lists" not in g:
        g.kirab_report_lists = kept_copies((GLOBAL, STOPS))
    return g.kirab_report_lists


def stop_provinces() -> dict[int, str]:
    """Each stop's province code."""
    return kept()("reports.stop_provinces", read_stop_provinces)


def read_stop_provinces() -> dict[int, str]:
    """Each stop's province code, read afresh (one query over the stops)."""
    query = db.select(Stop.id, PROVINCE).join(Office, Office.id == Stop.office_id)
    return dict(db.session.execute(query).all())


def stop_labels() -> list[tuple[int, str]]:
    """Every stop in route order with its label, "office (route)"."""
    return kept()("reports.stop_labels", read_stop_labels)


def read_stop_labels() -> list[tuple[int, str]]:
    """Every stop in route order with its label, read afresh (one query)."""
    stops = db.session.execute(
        db.select(Stop.id, Office.name, Route.name)
        .join(Office, Office.id == Stop.office_id)
        .join(Route, Route.id == Stop.route_id)
        .order_by(Route.position, Route.id, Stop.position)
    )
    return [(stop_id, f"{office} ({route})") for stop_id, office, route in stops]


OPTION = Markup('<option value="{}">{}</option>')
CHOSEN_OPTION = Markup('<option value="{}" selected>{}</option>')


def read_region_options() -> list[tuple[str, Markup, Markup]]:
    """Each region holding a stop, by code: its code, and its option plain and chosen."""
    regions = db.session.execute(
        db.select(Region.code, Region.name)
        .join(Office, Office.region_code == Region.code)
        .join(Stop, Stop.office_id == Office.id)
        .distinct()
        .order_by(Region.code)
    )
    return [
        (code, OPTION.format(code, name), CHOSEN_OPTION.format(code, name))
        for code, name in regions
    ]


def region_options(chosen: Region | None) -> Markup:
    """The options of the reports' region select: the regions holding a stop, the chosen marked.

    A few hundred options, escaped once per process, not once per page; a
    chosen region that holds no stop comes first, so the form still shows it.
    """
    options = kept()("reports.region_options", read_region_options)
    code = chosen.code if chosen is not None else None
    marked = [chosen_one if value == code else plain for value, plain, chosen_one in options]
    if chosen is not None and all(value != code for value, _plain, _chosen in options):
        marked.insert(0, CHOSEN_OPTION.format(code, chosen.name))
    return Markup("").join(marked)
