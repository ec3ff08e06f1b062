"""Loading records from files (`participa load`): parsed and validated here, stored idempotently."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.clock import LIMA
from bot.domain.errors import InvalidInput
from bot.domain.workshops import Workshop, WorkshopKind, WorkshopStatus
from bot.services.ports import UnitOfWork


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


class RecordError(Exception):
    """A record of the file is wrong: which one, which field, why."""

    def __init__(self, index: int, field: str, reason: str) -> None:
        super().__init__(f"record {index + 1}: {field}: {reason}")


def _moment(value: Any, field: str) -> datetime:
    """A date-time from the file; without an offset it is read as Lima time."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidInput(field, "not a date-time (YYYY-MM-DD HH:MM)") from None
    if not isinstance(value, datetime):
        raise InvalidInput(field, "not a date-time (YYYY-MM-DD HH:MM)")
    return value.replace(tzinfo=LIMA) if value.tzinfo is None else value


def parse_workshop(record: dict[str, Any]) -> Workshop:
    try:
        venue = record.get("venue") or {}
        return Workshop(
            code=str(record["code"]),
            kind=WorkshopKind(record["kind"]),
            region_code=str(record["region"]).zfill(2),
            title=str(record["title"]),
            themes=[str(theme) for theme in record.get("themes", [])],
            starts_at=_moment(record["starts_at"], "starts_at"),
            ends_at=_moment(record["ends_at"], "ends_at"),
            venue_name=str(venue["name"]),
            venue_address=str(venue["address"]),
            latitude=float(venue["latitude"]) if venue.get("latitude") is not None else None,
            longitude=float(venue["longitude"]) if venue.get("longitude") is not None else None,
            capacity=int(record["capacity"]),
            registration_opens_at=_moment(record["registration_opens_at"], "registration_opens_at"),
            registration_closes_at=_moment(record["registration_closes_at"], "registration_closes_at"),
            status=WorkshopStatus(record.get("status", WorkshopStatus.PROGRAMADO)),
            description=record.get("description"),
        ).validate()
    except KeyError as exc:
        raise InvalidInput(str(exc.args[0]), "missing") from None
    except (TypeError, ValueError) as exc:
        raise InvalidInput("record", str(exc)) from None


async def load_workshops(uow: UnitOfWork, records: list[dict[str, Any]]) -> LoadReport:
    """Create or update workshops by code: loading the same file twice changes nothing."""
    workshops = []
    for index, record in enumerate(records):
        try:
            workshops.append(parse_workshop(record))
        except InvalidInput as exc:
            raise RecordError(index, exc.field, exc.reason) from None
    report = LoadReport()
    for workshop in workshops:
        outcome = await uow.workshops.upsert(workshop)
        setattr(report, outcome, getattr(report, outcome) + 1)
    await uow.commit()
    return report
