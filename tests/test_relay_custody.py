"""Where the pataka is: the pure rules over stop windows."""

from datetime import timedelta

from kirab.relay.custody import (
    FINISHED,
    HOLDING,
    IN_TRANSIT,
    NOT_STARTED,
    Window,
    holds,
    position_at,
)
from tests.factories import at

KUPANG = Window(1, at("2023-03-01 09:00", "Asia/Makassar"), at("2023-03-07 10:00", "Asia/Makassar"))
# The next stop receives at 09:00 WIB, which is the same instant as 10:00 WITA.
SURABAYA = Window(2, at("2023-03-07 09:00"), at("2023-03-13 09:00"))
JAKARTA = Window(3, at("2023-03-14 09:00"), None)
ROUTE = [KUPANG, SURABAYA, JAKARTA]


def test_before_the_first_stop_the_route_has_not_started():
    position = position_at(ROUTE, KUPANG.receives_at - timedelta(seconds=1))
    assert position.state == NOT_STARTED
    assert position.holder is None and position.next == KUPANG


def test_windows_are_half_open_at_the_exact_handover_instant():
    handover = SURABAYA.receives_at
    assert handover == KUPANG.hands_over_at  # 10:00 WITA is 09:00 WIB
    just_before = position_at(ROUTE, handover - timedelta(microseconds=1))
    assert just_before.state == HOLDING and just_before.holder == KUPANG
    assert just_before.next == SURABAYA
    at_handover = position_at(ROUTE, handover)
    assert at_handover.holder == SURABAYA and at_handover.next == JAKARTA
    assert not holds(KUPANG, handover) and holds(SURABAYA, handover)


def test_a_gap_is_transit():
    position = position_at(ROUTE, at("2023-03-13 20:00"))
    assert position.state == IN_TRANSIT
    assert position.holder is None and position.next == JAKARTA


def test_the_last_stop_keeps_the_flags():
    position = position_at(ROUTE, at("2030-01-01 00:00"))
    assert position.state == FINISHED
    assert position.holder == JAKARTA and position.next is None
    assert position_at(ROUTE, JAKARTA.receives_at).state == FINISHED


def test_an_empty_route_has_not_started():
    position = position_at([], at("2023-03-01 00:00"))
    assert position.state == NOT_STARTED and position.holder is None and position.next is None


def test_a_single_stop_route():
    only = Window(9, at("2023-05-01 09:00"), None)
    assert position_at([only], at("2023-04-30 00:00")).next == only
    assert position_at([only], at("2023-05-02 00:00")).holder == only
