"""The narrow interfaces the services need from storage; `storage/` implements them, tests fake them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from bot.domain.broadcasts import Audience, Broadcast, BroadcastStatus, Progress
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

    async def erase(self, person_id: int, at: datetime) -> None:
        """Remove every personal datum (Telegram id, name, phone, organisation link, followed themes,
        deliveries received); what the person contributed stays, anonymous."""
        ...


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


class AudienceRepository(Protocol):
    async def workshop_region(self, workshop_id: str) -> str | None: ...

    async def workshops(
        self, regions: frozenset[str] | None, now: datetime
    ) -> list[tuple[int, str, datetime]]:
        """Upcoming, not cancelled workshops (id, title, start) in these regions (None: all)."""
        ...

    async def recipients(self, audience: Audience, regions: frozenset[str] | None) -> list[tuple[int, int]]:
        """(person id, telegram id) of everyone the audience reaches; `regions` None = anywhere."""
        ...


class BroadcastRepository(Protocol):
    async def add(
        self, author: int, audience: Audience, text: str, photo: str | None, document: str | None, total: int
    ) -> Broadcast: ...

    async def get(self, broadcast_id: int) -> Broadcast | None: ...

    async def stop(self, broadcast_id: int, at: datetime) -> int: ...

    async def finish(self, broadcast_id: int, status: BroadcastStatus, at: datetime) -> None: ...

    async def progress(self, broadcast_id: int) -> Progress: ...

    async def set_progress_message(self, broadcast_id: int, chat_id: int, message_id: int) -> None: ...

    async def active(self) -> list[Broadcast]: ...


class UnitOfWork(Protocol):
    people: PeopleRepository
    organisations: OrganisationRepository
    consents: ConsentRepository
    workshops: WorkshopRepository
    roles: RoleRepository
    audit: AuditRepository
    outbox: OutboxRepository
    audiences: AudienceRepository
    broadcasts: BroadcastRepository

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...
