"""The narrow interfaces the services need from storage; `storage/` implements them, tests fake them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from bot.domain.broadcasts import Audience, Broadcast, BroadcastStatus, Progress
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
from bot.domain.workshops import (
    Counts,
    Registrant,
    Registration,
    RegistrationStatus,
    Workshop,
)
from bot.reports.stats import Counts as ReportCounts


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
        """Store by code; return "created", "updated" or "unchanged" (materials included)."""
        ...

    async def get(self, workshop_id: int) -> Workshop | None: ...

    async def get_by_code(self, code: str) -> Workshop | None: ...

    async def get_by_checkin_code(self, checkin_code: str) -> Workshop | None: ...

    async def upcoming(self, now: datetime) -> list[Workshop]:
        """Workshops not cancelled that end after `now`, soonest first."""
        ...

    async def lock(self, workshop_id: int) -> int | None:
        """Lock the workshop for a change of seats until commit, and take its next arrival number.
        None when the workshop does not exist."""
        ...

    async def bump_schedule(self, workshop_id: int) -> int:
        """The date changed: a new schedule version (reminders and notices of it are new)."""
        ...

    async def set_checkin_code(self, workshop_id: int, checkin_code: str) -> None: ...

    async def mark_announced(self, workshop_id: int, at: datetime) -> None: ...

    async def remember_file_id(self, material_id: int, file_id: str) -> None: ...

    async def announcement_recipients(self, region_code: str) -> list[tuple[int, int]]:
        """(person id, telegram id) of the people of the region who want announcements."""
        ...

    async def organisers_of(self, region_code: str) -> list[tuple[int, int | None]]:
        """(telegram id, person id or None) of the organisers of the region."""
        ...

    async def admins(self) -> list[tuple[int, int | None]]: ...


class RegistrationRepository(Protocol):
    async def add(
        self,
        workshop_id: int,
        person_id: int,
        status: RegistrationStatus,
        seq: int,
        now: datetime,
        offer_expires_at: datetime | None = None,
        attended_at: datetime | None = None,
    ) -> Registration: ...

    async def get(self, registration_id: int) -> Registration | None: ...

    async def active_of(self, workshop_id: int, person_id: int) -> Registration | None: ...

    async def of_person(self, person_id: int) -> list[Registration]:
        """The person's active registrations and attendances."""
        ...

    async def counts(self, workshop_ids: Sequence[int]) -> dict[int, Counts]: ...

    async def waiting(self, workshop_id: int, limit: int | None = None) -> list[Registrant]:
        """The waiting list in arrival order."""
        ...

    async def position(self, registration: Registration) -> int:
        """1 for the first on the waiting list."""
        ...

    async def set_status(
        self,
        registration_id: int,
        status: RegistrationStatus,
        now: datetime,
        offer_expires_at: datetime | None = None,
    ) -> None: ...

    async def mark_present(self, registration_id: int, now: datetime) -> bool:
        """Mark attendance once; False when it was already marked."""
        ...

    async def registrants(self, workshop_id: int) -> list[Registrant]:
        """Active registrations and attendances with the people behind them, in arrival order."""
        ...

    async def expired_offers(self, now: datetime) -> list[int]:
        """Ids of the workshops having offers whose deadline has passed."""
        ...

    async def seats_to_offer(self, now: datetime) -> list[int]:
        """Ids of the workshops to come with a free seat while people wait."""
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

    async def of_person(self, person_id: int) -> list[tuple[str, str, datetime | None, datetime]]:
        """(kind, status, sent at, created at) of every delivery to the person, oldest first."""
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

    async def all_of_person(self, person_id: int) -> list[Feedback]: ...

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

    async def all_of_person(self, person_id: int) -> list[Proposal]: ...

    async def by_external_id(self, external_id: str) -> Proposal | None: ...

    async def add(self, proposal: Proposal) -> Proposal:
        """Store a new proposal (its id is given by the database)."""
        ...

    async def overwrite(self, proposal: Proposal) -> None:
        """Store new values by id (an imported contribution's re-import, or a disposition)."""
        ...

    async def set_hidden(self, proposal_id: int, hidden: bool, at: datetime, by: int | None) -> None: ...

    async def count_by_theme_and_channel(self) -> dict[tuple[str, str], int]: ...


class StatsRepository(Protocol):
    """The counts behind the Cuadros (storage/stats.py); regions None: every region."""

    async def counts(
        self, regions: Sequence[str] | None = None, consultation: str | None = None, basis: str = "attended"
    ) -> ReportCounts: ...


class UnitOfWork(Protocol):
    people: PeopleRepository
    organisations: OrganisationRepository
    consents: ConsentRepository
    workshops: WorkshopRepository
    registrations: RegistrationRepository
    roles: RoleRepository
    audit: AuditRepository
    outbox: OutboxRepository
    audiences: AudienceRepository
    broadcasts: BroadcastRepository
    commitments: CommitmentRepository
    feedback: FeedbackRepository
    proposals: ProposalRepository
    stats: StatsRepository

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...
