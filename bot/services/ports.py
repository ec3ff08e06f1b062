"""The narrow interfaces the services need from storage; `storage/` implements them, tests fake them."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.domain.people import Organisation, Person
from bot.domain.reference import OrgType
from bot.domain.workshops import Workshop


class PeopleRepository(Protocol):
    async def get_by_telegram_id(self, telegram_id: int) -> Person | None: ...

    async def add(
        self, telegram_id: int, locale: str, consent_version: int, consent_at: datetime
    ) -> Person: ...

    async def update(self, person: Person) -> None: ...

    async def delete(self, person_id: int) -> None: ...


class OrganisationRepository(Protocol):
    async def get(self, organisation_id: int) -> Organisation | None: ...

    async def find_by_key(self, key: str, org_type: OrgType) -> Organisation | None: ...

    async def names_of_type(self, org_type: OrgType, limit: int) -> list[Organisation]: ...

    async def add(self, name: str, key: str, org_type: OrgType, created_at: datetime) -> Organisation: ...


class ConsentRepository(Protocol):
    async def record_refusal(self, notice_version: int, at: datetime) -> None: ...


class WorkshopRepository(Protocol):
    async def upsert(self, workshop: Workshop) -> str:
        """Store by code; return "created", "updated" or "unchanged"."""
        ...


class UnitOfWork(Protocol):
    people: PeopleRepository
    organisations: OrganisationRepository
    consents: ConsentRepository
    workshops: WorkshopRepository

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...
