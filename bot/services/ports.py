"""The narrow interfaces the services need from storage; `storage/` implements them, tests fake them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from bot.domain.commitments import (
    Answers,
    Channel,
    Commitment,
    CommitmentCard,
    CommitmentText,
    CommitmentVersion,
    Consultation,
    Feedback,
    HistoryEntry,
    Proposal,
)
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


class CommitmentRepository(Protocol):
    """Consultations, commitments and their versions."""

    async def upsert_consultation(self, consultation: Consultation) -> str:
        """Store by code; return "created", "updated" or "unchanged"."""
        ...

    async def consultation_by_code(self, code: str) -> Consultation | None: ...

    async def consultations(self) -> list[Consultation]: ...

    async def get(self, commitment_id: int) -> Commitment | None: ...

    async def get_by_code(self, code: str) -> Commitment | None: ...

    async def add(self, commitment: Commitment, at: datetime) -> Commitment: ...

    async def update(self, commitment: Commitment) -> None: ...

    async def add_version(
        self, commitment_id: int, number: int, text: CommitmentText, consultation_id: int, at: datetime
    ) -> CommitmentVersion: ...

    async def version(self, version_id: int) -> CommitmentVersion | None: ...

    async def versions(self, commitment_id: int) -> list[CommitmentVersion]:
        """Oldest first."""
        ...

    async def card(self, commitment_id: int) -> CommitmentCard | None:
        """The commitment with its current (highest) version and that version's consultation."""
        ...

    async def count_by_theme(self) -> dict[str, int]:
        """Commitments in consultation (not withdrawn) by theme code."""
        ...

    async def cards_of_theme(self, theme: str, offset: int, limit: int) -> list[CommitmentCard]:
        """A theme's commitments in consultation, by code."""
        ...


class FeedbackRepository(Protocol):
    async def get(self, feedback_id: int) -> Feedback | None: ...

    async def of_person(self, person_id: int, version_id: int) -> Feedback | None: ...

    async def by_external_id(self, external_id: str) -> Feedback | None: ...

    async def add(
        self,
        person_id: int | None,
        version_id: int,
        channel: Channel,
        answers: Answers,
        at: datetime,
        *,
        region_code: str | None = None,
        org_type: str | None = None,
        external_id: str | None = None,
    ) -> Feedback: ...

    async def replace(self, feedback_id: int, answers: Answers, at: datetime) -> Feedback:
        """New answers for an opinion; the earlier ones go to its history."""
        ...

    async def overwrite(self, feedback: Feedback) -> None:
        """Store an imported contribution's new values as they are (no history: it is a re-import)."""
        ...

    async def history(self, feedback_id: int) -> list[HistoryEntry]: ...

    async def set_hidden(self, feedback_id: int, hidden: bool, at: datetime, by: int | None) -> None: ...

    async def contributors(self, commitment_id: int) -> list[tuple[int, int]]:
        """(person id, Telegram id) of everyone with an opinion on any version, each once."""
        ...

    async def count_by_theme_and_channel(self) -> dict[tuple[str, str], int]: ...

    async def comments(self, commitment_id: int, offset: int, limit: int) -> tuple[list[Feedback], int]:
        """Opinions with a comment on any version of the commitment, newest first, and how many there are."""
        ...


class ProposalRepository(Protocol):
    async def get(self, proposal_id: int) -> Proposal | None: ...

    async def by_external_id(self, external_id: str) -> Proposal | None: ...

    async def add(self, proposal: Proposal) -> Proposal:
        """Store a new proposal (its id is given by the database)."""
        ...

    async def overwrite(self, proposal: Proposal) -> None:
        """Store new values by id (an imported contribution's re-import, or a disposition)."""
        ...

    async def set_hidden(self, proposal_id: int, hidden: bool, at: datetime, by: int | None) -> None: ...

    async def count_by_theme_and_channel(self) -> dict[tuple[str, str], int]: ...


class UnitOfWork(Protocol):
    people: PeopleRepository
    organisations: OrganisationRepository
    consents: ConsentRepository
    workshops: WorkshopRepository
    roles: RoleRepository
    audit: AuditRepository
    outbox: OutboxRepository
    commitments: CommitmentRepository
    feedback: FeedbackRepository
    proposals: ProposalRepository

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...
