"""Repositories: the ports of bot/services/ports.py on SQLAlchemy."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import utcnow
from bot.domain.deliveries import DeliveryStatus, Outgoing
from bot.domain.people import Organisation, Person
from bot.domain.reference import OrgType
from bot.domain.roles import Role, Roles
from bot.domain.workshops import Workshop
from storage.models import (
    AuditRow,
    ConsentRefusalRow,
    DeliveryRow,
    OrganisationRow,
    PersonRow,
    RoleRow,
    WorkshopRow,
)


def _person(row: PersonRow, organisation_name: str | None) -> Person:
    return Person(
        id=row.id,
        telegram_id=row.telegram_id,
        locale=row.locale,
        consent_version=row.consent_version,
        consent_at=row.consent_at,
        full_name=row.full_name,
        region_code=row.region_code,
        org_type=OrgType(row.org_type_code) if row.org_type_code else None,
        organisation_id=row.organisation_id,
        organisation_name=organisation_name,
        phone=row.phone,
        announcements=row.announcements,
        reachable=row.reachable,
    )


def _organisation(row: OrganisationRow) -> Organisation:
    return Organisation(id=row.id, name=row.name, org_type=OrgType(row.type_code))


class SqlPeople:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_by_telegram_id(self, telegram_id: int) -> Person | None:
        query = (
            select(PersonRow, OrganisationRow.name)
            .outerjoin(OrganisationRow, OrganisationRow.id == PersonRow.organisation_id)
            .where(PersonRow.telegram_id == telegram_id)
        )
        found = (await self.session.execute(query)).first()
        return _person(found[0], found[1]) if found else None

    async def add(self, telegram_id: int, locale: str, consent_version: int, consent_at: datetime) -> Person:
        row = PersonRow(
            telegram_id=telegram_id,
            locale=locale,
            consent_version=consent_version,
            consent_at=consent_at,
            announcements=True,
            reachable=True,
            created_at=consent_at,
            updated_at=consent_at,
        )
        self.session.add(row)
        await self.session.flush()
        return _person(row, None)

    async def update(self, person: Person) -> None:
        row = await self.session.get(PersonRow, person.id)
        if row is None:
            raise LookupError(person.id)
        row.locale = person.locale
        row.consent_version = person.consent_version
        row.consent_at = person.consent_at
        row.full_name = person.full_name
        row.region_code = person.region_code
        row.org_type_code = person.org_type.value if person.org_type else None
        row.organisation_id = person.organisation_id
        row.phone = person.phone
        row.announcements = person.announcements
        row.reachable = person.reachable
        row.updated_at = utcnow()
        await self.session.flush()

    async def delete(self, person_id: int) -> None:
        await self.session.execute(delete(PersonRow).where(PersonRow.id == person_id))


class SqlOrganisations:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, organisation_id: int) -> Organisation | None:
        row = await self.session.get(OrganisationRow, organisation_id)
        return _organisation(row) if row else None

    async def find_by_key(self, key: str, org_type: OrgType) -> Organisation | None:
        query = select(OrganisationRow).where(
            OrganisationRow.name_key == key, OrganisationRow.type_code == org_type.value
        )
        row = (await self.session.execute(query)).scalar_one_or_none()
        return _organisation(row) if row else None

    async def names_of_type(self, org_type: OrgType, limit: int) -> list[Organisation]:
        query = (
            select(OrganisationRow)
            .where(OrganisationRow.type_code == org_type.value)
            .order_by(OrganisationRow.id)
            .limit(limit)
        )
        return [_organisation(row) for row in (await self.session.execute(query)).scalars()]

    async def add(self, name: str, key: str, org_type: OrgType, created_at: datetime) -> Organisation:
        row = OrganisationRow(name=name, name_key=key, type_code=org_type.value, created_at=created_at)
        self.session.add(row)
        await self.session.flush()
        return _organisation(row)


class SqlConsents:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record_refusal(self, notice_version: int, at: datetime) -> None:
        self.session.add(ConsentRefusalRow(notice_version=notice_version, refused_at=at))
        await self.session.flush()


_WORKSHOP_FIELDS = (
    "kind", "region_code", "title", "themes", "starts_at", "ends_at", "venue_name", "venue_address",
    "latitude", "longitude", "capacity", "registration_opens_at", "registration_closes_at", "status",
    "description",
)  # fmt: skip


class SqlWorkshops:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert(self, workshop: Workshop) -> str:
        row = (
            await self.session.execute(select(WorkshopRow).where(WorkshopRow.code == workshop.code))
        ).scalar_one_or_none()
        values = {name: getattr(workshop, name) for name in _WORKSHOP_FIELDS}
        if row is None:
            self.session.add(WorkshopRow(code=workshop.code, updated_at=utcnow(), **values))
            await self.session.flush()
            return "created"
        if all(getattr(row, name) == value for name, value in values.items()):
            return "unchanged"
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = utcnow()
        await self.session.flush()
        return "updated"


def dialect_insert(session: AsyncSession) -> Any:
    """INSERT with ON CONFLICT support for the session's engine."""
    return postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert


class SqlRoles:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of(self, telegram_id: int) -> Roles:
        rows = (
            await self.session.execute(
                select(RoleRow.role, RoleRow.region_code).where(RoleRow.telegram_id == telegram_id)
            )
        ).all()
        return Roles(
            telegram_id=telegram_id,
            admin=any(role == Role.SGP_ADMIN for role, _ in rows),
            organiser_regions=frozenset(region for role, region in rows if role == Role.ORGANISER and region),
        )

    async def grant(self, telegram_id: int, role: Role, region: str | None) -> bool:
        query = select(RoleRow.id).where(
            RoleRow.telegram_id == telegram_id,
            RoleRow.role == role.value,
            RoleRow.region_code.is_(None) if region is None else RoleRow.region_code == region,
        )
        if (await self.session.execute(query)).first():
            return False
        self.session.add(
            RoleRow(telegram_id=telegram_id, role=role.value, region_code=region, granted_at=utcnow())
        )
        await self.session.flush()
        return True

    async def revoke(self, telegram_id: int, role: Role, region: str | None) -> bool:
        statement = delete(RoleRow).where(RoleRow.telegram_id == telegram_id, RoleRow.role == role.value)
        if region is not None:
            statement = statement.where(RoleRow.region_code == region)
        return (await self.session.execute(statement)).rowcount > 0

    async def all(self) -> list[tuple[int, str, str | None]]:
        query = select(RoleRow.telegram_id, RoleRow.role, RoleRow.region_code).order_by(
            RoleRow.telegram_id, RoleRow.role, RoleRow.region_code
        )
        return [tuple(row) for row in (await self.session.execute(query)).all()]


class SqlAudit:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, actor: int | None, action: str, target: str, details: dict[str, Any]) -> None:
        self.session.add(
            AuditRow(at=utcnow(), actor_telegram_id=actor, action=action, target=target, details=details)
        )
        await self.session.flush()


class SqlOutbox:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.added = 0  # so the update's middleware can wake the sender once the work is committed

    async def enqueue(self, items: Sequence[Outgoing]) -> int:
        if not items:
            return 0
        now = utcnow()
        rows = [
            {
                "chat_id": item.chat_id,
                "person_id": item.person_id,
                "kind": item.kind,
                "payload": item.payload,
                "dedupe_key": item.dedupe_key,
                "broadcast_id": item.broadcast_id,
                "priority": int(item.priority),
                "not_before": item.not_before or now,
                "status": DeliveryStatus.PENDIENTE.value,
                "attempts": 0,
                "created_at": now,
            }
            for item in items
        ]
        # The Core table, not the ORM entity: an ORM insert of a single row returns no rowcount.
        statement = dialect_insert(self.session)(DeliveryRow.__table__).on_conflict_do_nothing(
            index_elements=["dedupe_key"]
        )
        result = await self.session.execute(statement, rows)
        added = max(result.rowcount, 0)
        self.added += added
        return added

    async def withdraw(self, dedupe_keys: Sequence[str]) -> int:
        if not dedupe_keys:
            return 0
        statement = (
            update(DeliveryRow)
            .where(
                DeliveryRow.dedupe_key.in_(list(dedupe_keys)), DeliveryRow.status == DeliveryStatus.PENDIENTE
            )
            .values(status=DeliveryStatus.OMITIDO.value, last_error="withdrawn")
        )
        return (await self.session.execute(statement)).rowcount
