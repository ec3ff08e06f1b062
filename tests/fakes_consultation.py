"""In-memory fakes of the consultation's ports (commitments, feedback, proposals) and of the roles, audit
and outbox ports they use, for service tests without a database. Kept apart from tests/fakes.py so
that features growing the fakes in parallel do not collide."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.domain.commitments import (
    Answers,
    Channel,
    Commitment,
    CommitmentCard,
    CommitmentStatus,
    CommitmentText,
    CommitmentVersion,
    Consultation,
    Feedback,
    HistoryEntry,
    Proposal,
)
from bot.domain.deliveries import Outgoing
from bot.domain.roles import Role, Roles
from tests.fakes import FakePeople, FakeUnitOfWork


class FakeCommitments:
    def __init__(self) -> None:
        self.consultations_by_code: dict[str, Consultation] = {}
        self.rows: dict[int, Commitment] = {}
        self.version_rows: dict[int, CommitmentVersion] = {}

    async def upsert_consultation(self, consultation: Consultation) -> str:
        old = self.consultations_by_code.get(consultation.code)
        new_id = old.id if old else len(self.consultations_by_code) + 1
        self.consultations_by_code[consultation.code] = replace(consultation, id=new_id)
        if old is None:
            return "created"
        return "unchanged" if old == consultation else "updated"

    async def consultation_by_code(self, code: str) -> Consultation | None:
        return self.consultations_by_code.get(code)

    async def consultations(self) -> list[Consultation]:
        return list(self.consultations_by_code.values())

    def _consultation(self, consultation_id: int) -> Consultation:
        return next(c for c in self.consultations_by_code.values() if c.id == consultation_id)

    async def get(self, commitment_id: int) -> Commitment | None:
        found = self.rows.get(commitment_id)
        return replace(found) if found else None

    async def get_by_code(self, code: str) -> Commitment | None:
        return next((replace(c) for c in self.rows.values() if c.code == code), None)

    async def add(self, commitment: Commitment, at: datetime) -> Commitment:
        stored = replace(commitment, id=len(self.rows) + 1)
        self.rows[stored.id] = stored
        return replace(stored)

    async def update(self, commitment: Commitment) -> None:
        assert commitment.id in self.rows
        self.rows[commitment.id] = replace(commitment)

    async def add_version(
        self, commitment_id: int, number: int, text: CommitmentText, consultation_id: int, at: datetime
    ) -> CommitmentVersion:
        version = CommitmentVersion(
            len(self.version_rows) + 1, commitment_id, number, text, consultation_id, at
        )
        self.version_rows[version.id] = version
        return version

    async def version(self, version_id: int) -> CommitmentVersion | None:
        return self.version_rows.get(version_id)

    async def versions(self, commitment_id: int) -> list[CommitmentVersion]:
        return sorted(
            (v for v in self.version_rows.values() if v.commitment_id == commitment_id),
            key=lambda v: v.number,
        )

    async def card(self, commitment_id: int) -> CommitmentCard | None:
        commitment = self.rows.get(commitment_id)
        versions = await self.versions(commitment_id)
        if commitment is None or not versions:
            return None
        return CommitmentCard(
            replace(commitment), versions[-1], self._consultation(versions[-1].consultation_id)
        )

    async def count_by_theme(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for commitment in self.rows.values():
            if commitment.status is CommitmentStatus.BORRADOR:
                counts[commitment.theme] = counts.get(commitment.theme, 0) + 1
        return counts

    async def cards_of_theme(self, theme: str, offset: int, limit: int) -> list[CommitmentCard]:
        chosen = sorted(
            (c for c in self.rows.values() if c.theme == theme and c.status is CommitmentStatus.BORRADOR),
            key=lambda c: c.code,
        )[offset : offset + limit]
        return [card for c in chosen if (card := await self.card(c.id)) is not None]  # type: ignore[arg-type]


class FakeFeedback:
    def __init__(self, people: FakePeople, commitments: FakeCommitments) -> None:
        self.people = people
        self.commitments = commitments
        self.rows: dict[int, Feedback] = {}
        self.history_rows: list[HistoryEntry] = []
        self.hidden_by: dict[int, int | None] = {}

    def _telegram_id(self, person_id: int | None) -> int | None:
        return next((p.telegram_id for p in self.people.rows.values() if p.id == person_id), None)

    def _with_author(self, feedback: Feedback) -> Feedback:
        return replace(feedback, telegram_id=self._telegram_id(feedback.person_id))

    async def get(self, feedback_id: int) -> Feedback | None:
        found = self.rows.get(feedback_id)
        return self._with_author(found) if found else None

    async def of_person(self, person_id: int, version_id: int) -> Feedback | None:
        return next(
            (
                self._with_author(f)
                for f in self.rows.values()
                if (f.person_id, f.version_id) == (person_id, version_id)
            ),
            None,
        )

    async def by_external_id(self, external_id: str) -> Feedback | None:
        return next((f for f in self.rows.values() if f.external_id == external_id), None)

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
    ) -> Feedback:
        if person_id is not None:
            assert await self.of_person(person_id, version_id) is None, "unique (person, version)"
        feedback = Feedback(
            len(self.rows) + 1, person_id, version_id, channel, answers, at, at, False, region_code, org_type,
            external_id,
        )  # fmt: skip
        self.rows[feedback.id] = feedback
        return self._with_author(feedback)

    async def replace(self, feedback_id: int, answers: Answers, at: datetime) -> Feedback:
        old = self.rows[feedback_id]
        self.history_rows.append(HistoryEntry(feedback_id, old.answers, old.updated_at, at))
        self.rows[feedback_id] = replace(old, answers=answers, updated_at=at)
        return self._with_author(self.rows[feedback_id])

    async def overwrite(self, feedback: Feedback) -> None:
        self.rows[feedback.id] = replace(feedback, hidden=self.rows[feedback.id].hidden)

    async def history(self, feedback_id: int) -> list[HistoryEntry]:
        return [entry for entry in self.history_rows if entry.feedback_id == feedback_id]

    async def set_hidden(self, feedback_id: int, hidden: bool, at: datetime, by: int | None) -> None:
        self.rows[feedback_id] = replace(self.rows[feedback_id], hidden=hidden)
        self.hidden_by[feedback_id] = by

    async def contributors(self, commitment_id: int) -> list[tuple[int, int]]:
        found = set()
        for feedback in self.rows.values():
            version = self.commitments.version_rows[feedback.version_id]
            telegram_id = self._telegram_id(feedback.person_id)
            if version.commitment_id == commitment_id and feedback.person_id is not None and telegram_id:
                found.add((feedback.person_id, telegram_id))
        return sorted(found)

    async def comments(self, commitment_id: int, offset: int, limit: int) -> tuple[list[Feedback], int]:
        found = [
            self._with_author(f)
            for f in self.rows.values()
            if f.answers.comment
            and self.commitments.version_rows[f.version_id].commitment_id == commitment_id
        ]
        found.sort(key=lambda f: (f.updated_at, f.id), reverse=True)
        return found[offset : offset + limit], len(found)

    async def count_by_theme_and_channel(self) -> dict[tuple[str, str], int]:
        counts: dict[tuple[str, str], int] = {}
        for feedback in self.rows.values():
            version = self.commitments.version_rows[feedback.version_id]
            key = (self.commitments.rows[version.commitment_id].theme, feedback.channel.value)
            counts[key] = counts.get(key, 0) + 1
        return counts


class FakeProposals:
    def __init__(self, people: FakePeople) -> None:
        self.people = people
        self.rows: dict[int, Proposal] = {}

    async def get(self, proposal_id: int) -> Proposal | None:
        found = self.rows.get(proposal_id)
        if found is None:
            return None
        telegram_id = next(
            (p.telegram_id for p in self.people.rows.values() if p.id == found.person_id), None
        )
        return replace(found, telegram_id=telegram_id)

    async def by_external_id(self, external_id: str) -> Proposal | None:
        return next((p for p in self.rows.values() if p.external_id == external_id), None)

    async def add(self, proposal: Proposal) -> Proposal:
        stored = replace(proposal, id=len(self.rows) + 1)
        self.rows[stored.id] = stored
        return await self.get(stored.id)  # type: ignore[return-value]

    async def overwrite(self, proposal: Proposal) -> None:
        self.rows[proposal.id] = replace(proposal, hidden=self.rows[proposal.id].hidden)

    async def set_hidden(self, proposal_id: int, hidden: bool, at: datetime, by: int | None) -> None:
        self.rows[proposal_id] = replace(self.rows[proposal_id], hidden=hidden)

    async def count_by_theme_and_channel(self) -> dict[tuple[str, str], int]:
        counts: dict[tuple[str, str], int] = {}
        for proposal in self.rows.values():
            key = (proposal.theme, proposal.channel.value)
            counts[key] = counts.get(key, 0) + 1
        return counts


class FakeRoles:
    def __init__(self) -> None:
        self.admins: set[int] = set()

    async def of(self, telegram_id: int) -> Roles:
        return Roles(telegram_id=telegram_id, admin=telegram_id in self.admins)

    async def grant(self, telegram_id: int, role: Role, region: str | None) -> bool:
        self.admins.add(telegram_id)
        return True

    async def revoke(self, telegram_id: int, role: Role, region: str | None) -> bool:
        return False

    async def all(self) -> list[tuple[int, str, str | None]]:
        return [(telegram_id, "sgp_admin", None) for telegram_id in sorted(self.admins)]


class FakeAudit:
    def __init__(self) -> None:
        self.entries: list[tuple[int | None, str, str, dict[str, Any]]] = []

    async def record(self, actor: int | None, action: str, target: str, details: dict[str, Any]) -> None:
        self.entries.append((actor, action, target, details))


class FakeOutbox:
    """The outbox's contract: a delivery whose dedupe key exists already is skipped."""

    def __init__(self) -> None:
        self.items: list[Outgoing] = []

    async def enqueue(self, items: Sequence[Outgoing]) -> int:
        keys = {item.dedupe_key for item in self.items if item.dedupe_key}
        added = 0
        for item in items:
            if item.dedupe_key and item.dedupe_key in keys:
                continue
            self.items.append(item)
            keys.add(item.dedupe_key)
            added += 1
        return added

    async def withdraw(self, dedupe_keys: Sequence[str]) -> int:
        return 0


class ConsultationUnitOfWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self.commitments = FakeCommitments()
        self.feedback = FakeFeedback(self.people, self.commitments)
        self.proposals = FakeProposals(self.people)
        self.roles = FakeRoles()
        self.audit = FakeAudit()
        self.outbox = FakeOutbox()
