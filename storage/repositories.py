"""Repositories: the ports of bot/services/ports.py on SQLAlchemy."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import utcnow
from bot.domain.people import Organisation, Person
from bot.domain.reference import OrgType
from bot.domain.workshops import Workshop
from storage.models import ConsentRefusalRow, OrganisationRow, PersonRow, WorkshopRow


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
