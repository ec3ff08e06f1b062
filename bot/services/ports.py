"""The narrow interfaces the services need from storage; `storage/` implements them, tests fake them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from bot.domain.deliveries import Outgoing
from bot.domain.people import Organisation, Person
from bot.domain.reference import OrgType
from bot.domain.roles import Role, Roles
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


class RoleRepository(Protocol):
    async def of(self, telegram_id: int) -> Roles: ...

    async def grant(self, telegram_id: int, role: Role, region: str | None) -> bool: ...

    async def revoke(self, telegram_id: int, role: Role, region: str | None) -> bool: ...

    async def all(self) -> list[tuple[int, str, str | None]]: ...


class AuditRepository(Protocol):
    async def record(self, actor: int | None, action: str, target: str, details: dict[str, Any]) -> None: ...


class OutboxRepository(Protocol):
    async def enqueue(self, items: Sequence[Outgoing]) -> int:
        """Add deliveries in the caller's transaction; one whose dedupe_key exists is skipped.
        Returns how many were added."""
        ...

    async def withdraw(self, dedupe_keys: Sequence[str]) -> int:
        """Pending deliveries with these keys become omitido (a cancelled reminder)."""
        ...


class UnitOfWork(Protocol):
    people: PeopleRepository
    organisations: OrganisationRepository
    consents: ConsentRepository
    workshops: WorkshopRepository
    roles: RoleRepository
    audit: AuditRepository
    outbox: OutboxRepository

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...
