"""Loading records from files (`participa load`): parsed and validated here, stored idempotently."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.domain.clock import LIMA, utcnow
from bot.domain.errors import InvalidInput
from bot.domain.workshops import Material, Refused, Workshop, WorkshopKind, WorkshopStatus
from bot.services.ports import UnitOfWork
from bot.services.workshops import Policy, announce, save_edit


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


def _materials(items: Any, base_dir: Path | None) -> list[Material]:
    """`materials: [{title: ..., url: https://...}, {title: ..., file: guia.pdf}]`; a file's path is
    read relative to the loaded file's folder, and must exist."""
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise InvalidInput("materials", "expected a list of {title, url} or {title, file}")
    materials = []
    for item in items:
        path = item.get("file")
        if path is not None:
            resolved = Path(str(path)).expanduser()
            if not resolved.is_absolute() and base_dir is not None:
                resolved = base_dir / resolved
            if not resolved.is_file():
                raise InvalidInput("materials", f"file not found: {resolved}")
            path = str(resolved.resolve())
        url = item.get("url")
        materials.append(
            Material(title=str(item.get("title") or ""), url=str(url) if url else None, path=path).validate()
        )
    return materials


def parse_workshop(record: dict[str, Any], base_dir: Path | None = None) -> Workshop:
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
            materials=_materials(record.get("materials"), base_dir),
        ).validate()
    except KeyError as exc:
        raise InvalidInput(str(exc.args[0]), "missing") from None
    except (TypeError, ValueError) as exc:
        raise InvalidInput("record", str(exc)) from None


async def load_workshops(
    uow: UnitOfWork,
    records: list[dict[str, Any]],
    base_dir: Path | None = None,
    policy: Policy | None = None,
    now: datetime | None = None,
) -> LoadReport:
    """Create or update workshops by code: loading the same file twice changes nothing.

    A new workshop is announced to its region; an edit tells the people registered what changed
    (a new date moves their reminders, a cancellation withdraws them). All in one transaction: a
    bad record stores nothing.
    """
    now = now or utcnow()
    policy = policy or Policy()
    workshops = []
    for index, record in enumerate(records):
        try:
            workshops.append(parse_workshop(record, base_dir))
        except InvalidInput as exc:
            raise RecordError(index, exc.field, exc.reason) from None
    report = LoadReport()
    for index, workshop in enumerate(workshops):
        old = await uow.workshops.get_by_code(workshop.code)
        if old is None:
            await uow.workshops.upsert(workshop)
            report.created += 1
            await announce(uow, workshop, now)
            continue
        try:
            stored, outcome = await save_edit(uow, old, workshop, policy=policy, now=now)
        except Refused as exc:
            taken = exc.details.get("taken")
            raise RecordError(index, "capacity", f"less than the {taken} seats already taken") from None
        setattr(report, outcome, getattr(report, outcome) + 1)
        if outcome == "updated":
            await announce(uow, stored, now)
    await uow.commit()
    return report
