"""Workshop rules without any framework: durations, thresholds, the registration window, materials."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.errors import InvalidInput
from bot.domain.workshops import (
    Counts,
    Material,
    Workshop,
    WorkshopKind,
    WorkshopStatus,
    parse_offsets,
    seats_left,
    thresholds_reached,
)

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def workshop(**changes: object) -> Workshop:
    values = {
        "code": "t", "kind": WorkshopKind.TALLER_REGIONAL, "region_code": "04", "title": "T", "themes": [],
        "starts_at": NOW + timedelta(days=2), "ends_at": NOW + timedelta(days=2, hours=4),
        "venue_name": "V", "venue_address": "A", "latitude": None, "longitude": None, "capacity": 10,
        "registration_opens_at": NOW - timedelta(days=1), "registration_closes_at": NOW + timedelta(days=1),
    }  # fmt: skip
    return Workshop(**{**values, **changes})


def test_offsets_accept_hours_minutes_and_seconds() -> None:
    assert parse_offsets("24h,2h") == (86400, 7200)
    assert parse_offsets(" 30m , 45s, 1.5h ") == (5400, 1800, 45)
    assert parse_offsets("") == ()
    for bad in ("2d", "h", "0s", "-1h"):
        with pytest.raises(ValueError):
            parse_offsets(bad)


@pytest.mark.parametrize(
    ("capacity", "confirmed", "reached"),
    [
        (10, 4, []),
        (10, 5, [50]),
        (10, 8, [50, 80]),
        (10, 10, [50, 80, 100]),
        (3, 2, [50]),
        (1, 1, [50, 80, 100]),
    ],
)
def test_thresholds(capacity: int, confirmed: int, reached: list[int]) -> None:
    assert thresholds_reached(capacity, confirmed) == reached


def test_seats_left_counts_offered_seats_as_taken() -> None:
    assert seats_left(10, Counts(confirmed=7, offered=2, waiting=5)) == 1
    assert seats_left(10, Counts(confirmed=10, waiting=3)) == 0


def test_registration_window() -> None:
    assert workshop().registration_state(NOW) == "open"
    assert workshop().registration_state(NOW - timedelta(days=2)) == "not_yet"
    assert workshop().registration_state(NOW + timedelta(days=1, minutes=1)) == "closed"
    assert workshop().registration_state(NOW + timedelta(days=3)) == "done"
    assert workshop(status=WorkshopStatus.CANCELADO).registration_state(NOW) == "cancelled"


def test_check_in_window() -> None:
    w = workshop()
    assert not w.checkin_open(NOW)
    assert w.checkin_open(w.starts_at - timedelta(hours=2))
    assert w.checkin_open(w.ends_at + timedelta(hours=2))
    assert not w.checkin_open(w.ends_at + timedelta(hours=4))
    assert not workshop(status=WorkshopStatus.CANCELADO).checkin_open(w.starts_at)


def test_materials_need_a_title_and_one_source() -> None:
    assert Material("Guía", url="https://www.gob.pe/guia.pdf").validate()
    assert Material("Guía", path="/tmp/guia.pdf").validate()
    for bad in (
        Material("", url="https://x.pe"),
        Material("Guía"),
        Material("Guía", url="https://x.pe", path="/tmp/x"),
        Material("Guía", url="javascript:alert(1)"),
    ):
        with pytest.raises(InvalidInput):
            bad.validate()


def test_equality_ignores_what_the_bot_keeps() -> None:
    """Loading the same file twice is "unchanged" whatever the bot stored beside it."""
    assert workshop(checkin_code="abc", schedule_version=3, id=7) == workshop()
    assert workshop(materials=[Material("A", url="https://a.pe")]) != workshop()
