"""The planning rules over plain stop windows: overlap, gap, shift with cascade, swap."""

from datetime import timedelta

import pytest

from kirab.relay.custody import HOLDING, IN_TRANSIT, Window, position_at
from kirab.relay.rules import (
    ENDS_BEFORE_START,
    OPEN_END,
    OVERLAP,
    TOO_EARLY,
    TOO_LATE,
    Hosting,
    Problem,
    RuleBroken,
    double_hosting,
    record_actual,
    route_problems,
    shift_windows,
    swap_with_next,
    transit_gaps,
)
from tests.factories import at

DAY = timedelta(days=1)
KARAWANG = Window(2, at("2023-11-07 09:00"), at("2023-11-13 09:00"))
KAB_BEKASI = Window(3, at("2023-11-13 09:00"), at("2023-11-19 09:00"))
KOTA_BEKASI = Window(4, at("2023-11-19 09:00"), at("2023-11-25 09:00"))
KPU_RI = Window(5, at("2023-11-26 09:00"), None)
JALUR_VII = [KARAWANG, KAB_BEKASI, KOTA_BEKASI, KPU_RI]


def test_a_well_planned_route_has_no_problems():
    assert route_problems(JALUR_VII) == []


def test_overlapping_stops_are_refused_with_both_named():
    early = Window(4, at("2023-11-18 09:00"), at("2023-11-25 09:00"))
    problems = route_problems([KAB_BEKASI, early])
    assert problems == [Problem(OVERLAP, 1, 0)]


def test_half_open_windows_meeting_at_one_instant_do_not_overlap():
    assert KAB_BEKASI.hands_over_at == KOTA_BEKASI.receives_at
    assert route_problems([KAB_BEKASI, KOTA_BEKASI]) == []


def test_overlap_across_time_zones_is_judged_on_the_instant():
    # 10:00 WITA is 09:00 WIB: a WIB stop receiving at 09:00 meets a WITA one handing over at 10:00.
    makassar = Window(
        1, at("2023-03-01 09:00", "Asia/Makassar"), at("2023-03-07 10:00", "Asia/Makassar")
    )
    surabaya = Window(2, at("2023-03-07 09:00"), None)
    assert route_problems([makassar, surabaya]) == []
    too_soon = Window(2, at("2023-03-07 08:59"), None)
    assert route_problems([makassar, too_soon]) == [Problem(OVERLAP, 1, 0)]


def test_only_the_last_stop_may_keep_the_flags_and_windows_run_forwards():
    open_middle = Window(3, at("2023-11-13 09:00"), None)
    assert route_problems([open_middle, KOTA_BEKASI]) == [Problem(OPEN_END, 0)]
    backwards = Window(3, at("2023-11-13 09:00"), at("2023-11-13 09:00"))
    assert route_problems([backwards]) == [Problem(ENDS_BEFORE_START, 0)]


def test_a_gap_between_stops_is_transit():
    assert transit_gaps(JALUR_VII) == {3: DAY}
    position = position_at(JALUR_VII, at("2023-11-25 12:00"))
    assert position.state == IN_TRANSIT and position.next == KPU_RI


def test_shift_moves_the_stop_and_every_later_one_and_keeps_the_flags_longer_before():
    shifted = shift_windows(JALUR_VII, 1, DAY)
    karawang, kab_bekasi, kota_bekasi, kpu_ri = shifted
    # A late handover: Karawang keeps the flags one more day.
    assert karawang == Window(2, KARAWANG.receives_at, at("2023-11-14 09:00"))
    assert kab_bekasi == Window(3, at("2023-11-14 09:00"), at("2023-11-20 09:00"))
    assert kota_bekasi == Window(4, at("2023-11-20 09:00"), at("2023-11-26 09:00"))
    assert kpu_ri == Window(5, at("2023-11-27 09:00"), None)
    assert route_problems(shifted) == []


def test_shift_across_a_transit_gap_leaves_the_previous_stop_alone():
    shifted = shift_windows(JALUR_VII, 3, -timedelta(hours=12))
    assert shifted[:3] == JALUR_VII[:3]
    assert shifted[3].receives_at == at("2023-11-25 21:00")
    assert transit_gaps(shifted) == {3: timedelta(hours=12)}


def test_a_shift_that_would_overlap_or_empty_a_window_is_refused():
    with pytest.raises(RuleBroken) as broken:
        shift_windows(JALUR_VII, 3, -2 * DAY)
    assert broken.value.problem == Problem(OVERLAP, 3, 2)
    with pytest.raises(RuleBroken) as broken:
        shift_windows(JALUR_VII, 1, -6 * DAY)  # Karawang would hand over as it receives
    assert broken.value.problem == Problem(ENDS_BEFORE_START, 0)


def test_shifting_the_first_stop_moves_the_whole_route():
    shifted = shift_windows(JALUR_VII, 0, timedelta(hours=3))
    assert all(new.receives_at - old.receives_at == timedelta(hours=3)
               for old, new in zip(JALUR_VII, shifted, strict=True))  # fmt: skip


def test_swap_keeps_the_span_each_length_of_stay_and_the_transit():
    short = Window(9, at("2023-11-19 09:00"), at("2023-11-22 09:00"))  # three days
    swapped = swap_with_next([KARAWANG, KAB_BEKASI, short], 1)
    assert swapped[1] == Window(9, at("2023-11-13 09:00"), at("2023-11-16 09:00"))
    assert swapped[2] == Window(3, at("2023-11-16 09:00"), at("2023-11-22 09:00"))
    assert route_problems(swapped) == []
    with pytest.raises(RuleBroken):  # KPU RI keeps the flags: it cannot move up
        swap_with_next(JALUR_VII, 2)


def test_an_actual_handover_moves_both_stops_to_its_instant():
    late = at("2023-11-13 10:30")
    giving, receiving = record_actual(KARAWANG, KAB_BEKASI, late)
    assert giving.hands_over_at == late and receiving.receives_at == late
    route = [giving, receiving, KOTA_BEKASI]
    assert position_at(route, late - timedelta(seconds=1)).holder == giving
    assert position_at(route, late).holder == receiving
    with pytest.raises(RuleBroken) as broken:
        record_actual(KARAWANG, KAB_BEKASI, at("2023-11-07 09:00"))
    assert broken.value.problem.code == TOO_EARLY
    with pytest.raises(RuleBroken) as broken:
        record_actual(KARAWANG, KAB_BEKASI, at("2023-11-19 09:00"))
    assert broken.value.problem.code == TOO_LATE


def test_an_actual_handover_from_a_wita_stop_to_a_wib_stop():
    """Kupang (WITA) hands over to Surabaya (WIB) at 11:15 WITA, which is 10:15 WIB."""
    kupang = Window(
        1, at("2023-03-01 09:00", "Asia/Makassar"), at("2023-03-07 10:00", "Asia/Makassar")
    )
    surabaya = Window(2, at("2023-03-07 09:00"), at("2023-03-13 09:00"))
    actual = at("2023-03-07 11:15", "Asia/Makassar")
    giving, receiving = record_actual(kupang, surabaya, actual)
    assert receiving.receives_at == at("2023-03-07 10:15")
    route = [giving, receiving, Window(3, at("2023-03-14 09:00"), None)]
    assert position_at(route, at("2023-03-07 10:14")).holder == giving  # WIB clock
    at_handover = position_at(route, at("2023-03-07 10:15"))
    assert at_handover.state == HOLDING and at_handover.holder == receiving


def hosting(stop_id, office, route, start, end, last=False):
    """A stop's hosting window for the double-hosting rule."""
    return Hosting(stop_id, office, route, at(start), at(end) if end else None, last)


def test_one_office_hosting_two_routes_at_once_is_a_warning():
    stops = [
        hosting(1, 10, 1, "2023-11-13 09:00", "2023-11-19 09:00"),
        hosting(2, 10, 2, "2023-11-18 09:00", "2023-11-20 09:00"),
        hosting(3, 10, 3, "2023-11-19 09:00", "2023-11-21 09:00"),  # meets stop 1 at one instant
    ]
    assert double_hosting(stops) == [(1, 2), (2, 3)]


def test_routes_ending_together_at_kpu_ri_are_not_a_conflict():
    stops = [
        hosting(1, 1, 1, "2023-11-26 09:00", None, last=True),
        hosting(2, 1, 2, "2023-11-26 09:00", None, last=True),
        hosting(3, 1, 3, "2023-11-20 09:00", "2023-11-27 09:00"),
    ]
    assert double_hosting(stops) == [(1, 3), (2, 3)]
