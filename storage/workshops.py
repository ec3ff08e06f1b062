"""Workshops and registrations on SQLAlchemy: the ports of bot/services/ports.py.

The services serialise every change of seats of a workshop through `SqlWorkshops.lock`: one UPDATE
of the workshop's row that takes its next arrival number. On PostgreSQL that UPDATE holds the row
lock until commit; on SQLite a write takes the database's one write lock (the driver begins the
transaction at the first write, so nothing was read before it from an older snapshot). Counting
the seats after it is therefore exact, and the database's triggers refuse an overflow anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import utcnow
from bot.domain.roles import Role
from bot.domain.workshops import (
    ACTIVE,
    Counts,
    Material,
    Registrant,
    Registration,
    RegistrationStatus,
    Workshop,
    WorkshopKind,
    WorkshopStatus,
)
from storage.models import (
    MaterialRow,
    OrganisationRow,
    PersonRow,
    RegistrationRow,
    RoleRow,
    WorkshopRow,
)

_FIELDS = (
    "kind", "region_code", "title", "themes", "starts_at", "ends_at", "venue_name", "venue_address",
    "latitude", "longitude", "capacity", "registration_opens_at", "registration_closes_at", "status",
    "description",
)  # fmt: skip
_ACTIVE = [status.value for status in ACTIVE]

# Built once: the workshop list, a workshop's page and registering read these at every view.
_COUNTS = (
    select(
        RegistrationRow.workshop_id,
        RegistrationRow.status,
        func.count(),
        func.count(RegistrationRow.attended_at),
    )
    .where(
        RegistrationRow.workshop_id.in_(bindparam("ids", expanding=True)),
        RegistrationRow.status.in_(_ACTIVE),
    )
    .group_by(RegistrationRow.workshop_id, RegistrationRow.status)
)
_ACTIVE_OF_PERSON = (
    select(RegistrationRow)
    .where(RegistrationRow.person_id == bindparam("person_id"), RegistrationRow.status.in_(_ACTIVE))
    .order_by(RegistrationRow.id)
)
_ACTIVE_OF = _ACTIVE_OF_PERSON.where(RegistrationRow.workshop_id == bindparam("workshop_id"))


def _workshop(row: WorkshopRow, materials: list[Material]) -> Workshop:
    return Workshop(
        id=row.id,
        code=row.code,
        kind=WorkshopKind(row.kind),
        region_code=row.region_code,
        title=row.title,
        themes=list(row.themes),
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        venue_name=row.venue_name,
        venue_address=row.venue_address,
        latitude=row.latitude,
        longitude=row.longitude,
        capacity=row.capacity,
        registration_opens_at=row.registration_opens_at,
        registration_closes_at=row.registration_closes_at,
        status=WorkshopStatus(row.status),
        description=row.description,
        materials=materials,
        schedule_version=row.schedule_version,
        checkin_code=row.checkin_code,
        announced_at=row.announced_at,
    )


def _material(row: MaterialRow) -> Material:
    return Material(title=row.title, url=row.url, path=row.path, id=row.id, file_id=row.file_id)


def _registration(row: RegistrationRow) -> Registration:
    return Registration(
        id=row.id,
        workshop_id=row.workshop_id,
        person_id=row.person_id,
        status=RegistrationStatus(row.status),
        seq=row.seq,
        created_at=row.created_at,
        offer_expires_at=row.offer_expires_at,
        attended_at=row.attended_at,
    )


class SqlWorkshops:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _materials(self, workshop_ids: Sequence[int]) -> dict[int, list[Material]]:
        found: dict[int, list[Material]] = {workshop_id: [] for workshop_id in workshop_ids}
        if not workshop_ids:
            return found
        query = (
            select(MaterialRow)
            .where(MaterialRow.workshop_id.in_(list(workshop_ids)))
            .order_by(MaterialRow.workshop_id, MaterialRow.position)
        )
        for row in (await self.session.execute(query)).scalars():
            found[row.workshop_id].append(_material(row))
        return found

    async def _one(self, *where: object) -> Workshop | None:
        row = (await self.session.execute(select(WorkshopRow).where(*where))).scalar_one_or_none()
        if row is None:
            return None
        return _workshop(row, (await self._materials([row.id]))[row.id])

    async def get(self, workshop_id: int) -> Workshop | None:
        return await self._one(WorkshopRow.id == workshop_id)

    async def get_by_code(self, code: str) -> Workshop | None:
        return await self._one(WorkshopRow.code == code)

    async def get_by_checkin_code(self, checkin_code: str) -> Workshop | None:
        return await self._one(WorkshopRow.checkin_code == checkin_code)

    async def upcoming(self, now: datetime) -> list[Workshop]:
        query = (
            select(WorkshopRow)
            .where(WorkshopRow.status != WorkshopStatus.CANCELADO.value, WorkshopRow.ends_at > now)
            .order_by(WorkshopRow.starts_at, WorkshopRow.id)
        )
        rows = list((await self.session.execute(query)).scalars())
        materials = await self._materials([row.id for row in rows])
        return [_workshop(row, materials[row.id]) for row in rows]

    async def upsert(self, workshop: Workshop) -> str:
        row = (
            await self.session.execute(select(WorkshopRow).where(WorkshopRow.code == workshop.code))
        ).scalar_one_or_none()
        values = {name: getattr(workshop, name) for name in _FIELDS}
        if row is None:
            row = WorkshopRow(
                code=workshop.code, updated_at=utcnow(), queue_seq=0, schedule_version=0, **values
            )
            self.session.add(row)
            await self.session.flush()
            await self._replace_materials(row.id, workshop.materials, [])
            workshop.id = row.id
            return "created"
        workshop.id = row.id
        old_materials = (await self._materials([row.id]))[row.id]
        same_fields = all(getattr(row, name) == value for name, value in values.items())
        same_materials = old_materials == workshop.materials
        if same_fields and same_materials:
            return "unchanged"
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = utcnow()
        if not same_materials:
            await self._replace_materials(row.id, workshop.materials, old_materials)
        await self.session.flush()
        return "updated"

    async def _replace_materials(self, workshop_id: int, new: list[Material], old: list[Material]) -> None:
        """New list of materials; a file already uploaded keeps its file_id."""
        known = {material.path: material.file_id for material in old if material.path and material.file_id}
        await self.session.execute(
            MaterialRow.__table__.delete().where(MaterialRow.workshop_id == workshop_id)
        )
        for position, material in enumerate(new):
            self.session.add(
                MaterialRow(
                    workshop_id=workshop_id,
                    position=position,
                    title=material.title,
                    url=material.url,
                    path=material.path,
                    file_id=known.get(material.path) if material.path else None,
                )
            )
        await self.session.flush()

    async def lock(self, workshop_id: int) -> int | None:
        statement = (
            update(WorkshopRow)
            .where(WorkshopRow.id == workshop_id)
            .values(queue_seq=WorkshopRow.queue_seq + 1)
            .returning(WorkshopRow.queue_seq)
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def bump_schedule(self, workshop_id: int) -> int:
        statement = (
            update(WorkshopRow)
            .where(WorkshopRow.id == workshop_id)
            .values(schedule_version=WorkshopRow.schedule_version + 1)
            .returning(WorkshopRow.schedule_version)
        )
        return (await self.session.execute(statement)).scalar_one()

    async def set_checkin_code(self, workshop_id: int, checkin_code: str) -> None:
        await self.session.execute(
            update(WorkshopRow).where(WorkshopRow.id == workshop_id).values(checkin_code=checkin_code)
        )

    async def mark_announced(self, workshop_id: int, at: datetime) -> None:
        await self.session.execute(
            update(WorkshopRow).where(WorkshopRow.id == workshop_id).values(announced_at=at)
        )

    async def remember_file_id(self, material_id: int, file_id: str) -> None:
        await self.session.execute(
            update(MaterialRow).where(MaterialRow.id == material_id).values(file_id=file_id)
        )

    async def announcement_recipients(self, region_code: str) -> list[tuple[int, int]]:
        query = (
            select(PersonRow.id, PersonRow.telegram_id)
            .where(
                PersonRow.region_code == region_code,
                PersonRow.announcements.is_(True),
                PersonRow.reachable.is_(True),
            )
            .order_by(PersonRow.id)
        )
        return [tuple(row) for row in (await self.session.execute(query)).all()]

    async def _role_chats(self, *where: object) -> list[tuple[int, int | None]]:
        query = (
            select(RoleRow.telegram_id, PersonRow.id)
            .outerjoin(PersonRow, PersonRow.telegram_id == RoleRow.telegram_id)
            .where(*where)
            .distinct()
            .order_by(RoleRow.telegram_id)
        )
        return [tuple(row) for row in (await self.session.execute(query)).all()]

    async def organisers_of(self, region_code: str) -> list[tuple[int, int | None]]:
        return await self._role_chats(
            RoleRow.role == Role.ORGANISER.value, RoleRow.region_code == region_code
        )

    async def admins(self) -> list[tuple[int, int | None]]:
        return await self._role_chats(RoleRow.role == Role.SGP_ADMIN.value)


class SqlRegistrations:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        workshop_id: int,
        person_id: int,
        status: RegistrationStatus,
        seq: int,
        now: datetime,
        offer_expires_at: datetime | None = None,
        attended_at: datetime | None = None,
    ) -> Registration:
        row = RegistrationRow(
            workshop_id=workshop_id,
            person_id=person_id,
            status=status.value,
            seq=seq,
            created_at=now,
            updated_at=now,
            offer_expires_at=offer_expires_at,
            attended_at=attended_at,
        )
        self.session.add(row)
        await self.session.flush()
        return _registration(row)

    async def get(self, registration_id: int) -> Registration | None:
        row = await self.session.get(RegistrationRow, registration_id, populate_existing=True)
        return _registration(row) if row else None

    async def active_of(self, workshop_id: int, person_id: int) -> Registration | None:
        found = await self.session.execute(_ACTIVE_OF, {"workshop_id": workshop_id, "person_id": person_id})
        row = found.scalar_one_or_none()
        return _registration(row) if row else None

    async def of_person(self, person_id: int) -> list[Registration]:
        found = await self.session.execute(_ACTIVE_OF_PERSON, {"person_id": person_id})
        return [_registration(row) for row in found.scalars()]

    async def counts(self, workshop_ids: Sequence[int]) -> dict[int, Counts]:
        found = {workshop_id: Counts() for workshop_id in workshop_ids}
        if not workshop_ids:
            return found
        tally: dict[int, dict[str, int]] = {workshop_id: {} for workshop_id in workshop_ids}
        counted = await self.session.execute(_COUNTS, {"ids": list(workshop_ids)})
        for workshop_id, status, count, present in counted.all():
            tally[workshop_id][status] = count
            tally[workshop_id]["present"] = tally[workshop_id].get("present", 0) + present
        for workshop_id, numbers in tally.items():
            found[workshop_id] = Counts(
                confirmed=numbers.get(RegistrationStatus.CONFIRMADA.value, 0),
                waiting=numbers.get(RegistrationStatus.EN_ESPERA.value, 0),
                offered=numbers.get(RegistrationStatus.OFRECIDA.value, 0),
                present=numbers.get("present", 0),
            )
        return found

    async def waiting(self, workshop_id: int, limit: int | None = None) -> list[Registrant]:
        query = self._registrants_query(workshop_id, [RegistrationStatus.EN_ESPERA.value])
        if limit is not None:
            query = query.limit(limit)
        return [
            Registrant(_registration(row), telegram_id, name, organisation)
            for row, telegram_id, name, organisation in (await self.session.execute(query)).all()
        ]

    async def position(self, registration: Registration) -> int:
        query = select(func.count()).where(
            RegistrationRow.workshop_id == registration.workshop_id,
            RegistrationRow.status == RegistrationStatus.EN_ESPERA.value,
            RegistrationRow.seq <= registration.seq,
        )
        return (await self.session.execute(query)).scalar_one()

    async def set_status(
        self,
        registration_id: int,
        status: RegistrationStatus,
        now: datetime,
        offer_expires_at: datetime | None = None,
    ) -> None:
        await self.session.execute(
            update(RegistrationRow)
            .where(RegistrationRow.id == registration_id)
            .values(status=status.value, updated_at=now, offer_expires_at=offer_expires_at)
        )

    async def mark_present(self, registration_id: int, now: datetime) -> bool:
        result = await self.session.execute(
            update(RegistrationRow)
            .where(RegistrationRow.id == registration_id, RegistrationRow.attended_at.is_(None))
            .values(attended_at=now, updated_at=now)
        )
        return result.rowcount == 1

    def _registrants_query(self, workshop_id: int, statuses: list[str]) -> Any:
        return (
            select(RegistrationRow, PersonRow.telegram_id, PersonRow.full_name, OrganisationRow.name)
            .join(PersonRow, PersonRow.id == RegistrationRow.person_id)
            .outerjoin(OrganisationRow, OrganisationRow.id == PersonRow.organisation_id)
            .where(RegistrationRow.workshop_id == workshop_id, RegistrationRow.status.in_(statuses))
            .order_by(RegistrationRow.seq)
        )

    async def registrants(self, workshop_id: int) -> list[Registrant]:
        query = self._registrants_query(workshop_id, _ACTIVE)
        return [
            Registrant(_registration(row), telegram_id, name, organisation)
            for row, telegram_id, name, organisation in (await self.session.execute(query)).all()
        ]

    async def expired_offers(self, now: datetime) -> list[int]:
        query = (
            select(RegistrationRow.workshop_id)
            .where(
                RegistrationRow.status == RegistrationStatus.OFRECIDA.value,
                RegistrationRow.offer_expires_at <= now,
            )
            .distinct()
        )
        return list((await self.session.execute(query)).scalars())

    async def seats_to_offer(self, now: datetime) -> list[int]:
        """Workshops to come with a free seat and people waiting (a seat freed without an offer,
        e.g. when a person's data was erased)."""
        holding = [RegistrationStatus.CONFIRMADA.value, RegistrationStatus.OFRECIDA.value]
        held = (
            select(func.count())
            .where(RegistrationRow.workshop_id == WorkshopRow.id, RegistrationRow.status.in_(holding))
            .scalar_subquery()
        )
        waiting = (
            select(RegistrationRow.id)
            .where(
                RegistrationRow.workshop_id == WorkshopRow.id,
                RegistrationRow.status == RegistrationStatus.EN_ESPERA.value,
            )
            .exists()
        )
        query = select(WorkshopRow.id).where(
            WorkshopRow.status == WorkshopStatus.PROGRAMADO.value,
            WorkshopRow.starts_at > now,
            waiting,
            held < WorkshopRow.capacity,
        )
        return list((await self.session.execute(query)).scalars())
