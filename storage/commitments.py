"""Repositories of draft commitments, feedback and proposals (the ports of bot/services/ports.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import utcnow
from bot.domain.commitments import (
    SMART,
    Answers,
    Channel,
    Commitment,
    CommitmentCard,
    CommitmentStatus,
    CommitmentText,
    CommitmentVersion,
    Consultation,
    Disposition,
    Feedback,
    HistoryEntry,
    OpenGovValue,
    Proposal,
    Rating,
    Support,
)
from storage.models import (
    CommitmentRow,
    CommitmentVersionRow,
    ConsultationRow,
    FeedbackHistoryRow,
    FeedbackRow,
    PersonRow,
    ProposalRow,
)

_DRAFT = CommitmentStatus.BORRADOR.value


def _consultation(row: ConsultationRow) -> Consultation:
    return Consultation(
        code=row.code, title=row.title, opens_at=row.opens_at, closes_at=row.closes_at, id=row.id
    )


def _commitment(row: CommitmentRow) -> Commitment:
    return Commitment(
        code=row.code,
        theme=row.theme_code,
        anticorruption=row.anticorruption,
        status=CommitmentStatus(row.status),
        disposition=Disposition(row.disposition) if row.disposition else None,
        disposition_reason=row.disposition_reason,
        decided_at=row.decided_at,
        id=row.id,
    )


def _version(row: CommitmentVersionRow) -> CommitmentVersion:
    return CommitmentVersion(
        id=row.id,
        commitment_id=row.commitment_id,
        number=row.number,
        text=CommitmentText(
            title=row.title,
            problem=row.problem,
            objective=row.objective,
            activities=tuple(row.activities),
            responsible=row.responsible,
            values=tuple(OpenGovValue(value) for value in row.og_values),
        ),
        consultation_id=row.consultation_id,
        created_at=row.created_at,
    )


def _answers(row: FeedbackRow | FeedbackHistoryRow) -> Answers:
    ratings = {c: Rating(getattr(row, c.value)) for c in SMART if getattr(row, c.value)}
    return Answers(
        support=Support(row.support) if row.support else None, ratings=ratings, comment=row.comment
    )


def _answer_columns(answers: Answers) -> dict[str, str | None]:
    columns: dict[str, str | None] = {c.value: (r.value if (r := answers.rating(c)) else None) for c in SMART}
    columns["support"] = answers.support.value if answers.support else None
    columns["comment"] = answers.comment
    return columns


def _feedback(row: FeedbackRow, telegram_id: int | None) -> Feedback:
    return Feedback(
        id=row.id,
        person_id=row.person_id,
        version_id=row.version_id,
        channel=Channel(row.channel),
        answers=_answers(row),
        created_at=row.created_at,
        updated_at=row.updated_at,
        hidden=row.hidden,
        region_code=row.region_code,
        org_type=row.org_type_code,
        external_id=row.external_id,
        telegram_id=telegram_id,
    )


def _proposal(row: ProposalRow, telegram_id: int | None) -> Proposal:
    return Proposal(
        id=row.id,
        person_id=row.person_id,
        channel=Channel(row.channel),
        theme=row.theme_code,
        region_code=row.region_code,
        problem=row.problem,
        proposal=row.proposal,
        responsible=row.responsible,
        created_at=row.created_at,
        org_type=row.org_type_code,
        disposition=Disposition(row.disposition) if row.disposition else None,
        disposition_reason=row.disposition_reason,
        decided_at=row.decided_at,
        hidden=row.hidden,
        external_id=row.external_id,
        telegram_id=telegram_id,
    )


def _current_versions():  # type: ignore[no-untyped-def]
    """Each commitment's highest version number."""
    return (
        select(CommitmentVersionRow.commitment_id, func.max(CommitmentVersionRow.number).label("number"))
        .group_by(CommitmentVersionRow.commitment_id)
        .subquery()
    )


# Commitments with their current version and its consultation, built once: a card is read at every
# step of someone's feedback.
_CURRENT = _current_versions()
_CARDS = (
    select(CommitmentRow, CommitmentVersionRow, ConsultationRow)
    .join(_CURRENT, _CURRENT.c.commitment_id == CommitmentRow.id)
    .join(
        CommitmentVersionRow,
        (CommitmentVersionRow.commitment_id == CommitmentRow.id)
        & (CommitmentVersionRow.number == _CURRENT.c.number),
    )
    .join(ConsultationRow, ConsultationRow.id == CommitmentVersionRow.consultation_id)
)
_CARD = _CARDS.where(CommitmentRow.id == bindparam("commitment_id"))
# The themes' menu, at every /compromisos.
_DRAFTS_BY_THEME = (
    select(CommitmentRow.theme_code, func.count())
    .where(CommitmentRow.status == _DRAFT)
    .group_by(CommitmentRow.theme_code)
)


class SqlCommitments:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- consultations
    async def upsert_consultation(self, consultation: Consultation) -> str:
        row = (
            await self.session.execute(
                select(ConsultationRow).where(ConsultationRow.code == consultation.code)
            )
        ).scalar_one_or_none()
        values = {
            "title": consultation.title,
            "opens_at": consultation.opens_at,
            "closes_at": consultation.closes_at,
        }
        if row is None:
            self.session.add(ConsultationRow(code=consultation.code, updated_at=utcnow(), **values))
            await self.session.flush()
            return "created"
        if all(getattr(row, name) == value for name, value in values.items()):
            return "unchanged"
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = utcnow()
        await self.session.flush()
        return "updated"

    async def consultation_by_code(self, code: str) -> Consultation | None:
        row = (
            await self.session.execute(select(ConsultationRow).where(ConsultationRow.code == code))
        ).scalar_one_or_none()
        return _consultation(row) if row else None

    async def consultations(self) -> list[Consultation]:
        rows = (
            await self.session.execute(select(ConsultationRow).order_by(ConsultationRow.opens_at))
        ).scalars()
        return [_consultation(row) for row in rows]

    # -- commitments
    async def get(self, commitment_id: int) -> Commitment | None:
        row = await self.session.get(CommitmentRow, commitment_id)
        return _commitment(row) if row else None

    async def get_by_code(self, code: str) -> Commitment | None:
        row = (
            await self.session.execute(select(CommitmentRow).where(CommitmentRow.code == code))
        ).scalar_one_or_none()
        return _commitment(row) if row else None

    async def add(self, commitment: Commitment, at: datetime) -> Commitment:
        row = CommitmentRow(
            code=commitment.code,
            theme_code=commitment.theme,
            anticorruption=commitment.anticorruption,
            status=commitment.status.value,
            disposition=commitment.disposition.value if commitment.disposition else None,
            disposition_reason=commitment.disposition_reason,
            decided_at=commitment.decided_at,
            created_at=at,
            updated_at=at,
        )
        self.session.add(row)
        await self.session.flush()
        return _commitment(row)

    async def update(self, commitment: Commitment) -> None:
        row = await self.session.get(CommitmentRow, commitment.id)
        if row is None:
            raise LookupError(commitment.id)
        row.theme_code = commitment.theme
        row.anticorruption = commitment.anticorruption
        row.status = commitment.status.value
        row.disposition = commitment.disposition.value if commitment.disposition else None
        row.disposition_reason = commitment.disposition_reason
        row.decided_at = commitment.decided_at
        row.updated_at = utcnow()
        await self.session.flush()

    # -- versions
    async def add_version(
        self, commitment_id: int, number: int, text: CommitmentText, consultation_id: int, at: datetime
    ) -> CommitmentVersion:
        row = CommitmentVersionRow(
            commitment_id=commitment_id,
            number=number,
            title=text.title,
            problem=text.problem,
            objective=text.objective,
            activities=list(text.activities),
            responsible=text.responsible,
            og_values=[value.value for value in text.values],
            consultation_id=consultation_id,
            created_at=at,
        )
        self.session.add(row)
        await self.session.flush()
        return _version(row)

    async def version(self, version_id: int) -> CommitmentVersion | None:
        row = await self.session.get(CommitmentVersionRow, version_id)
        return _version(row) if row else None

    async def versions(self, commitment_id: int) -> list[CommitmentVersion]:
        query = (
            select(CommitmentVersionRow)
            .where(CommitmentVersionRow.commitment_id == commitment_id)
            .order_by(CommitmentVersionRow.number)
        )
        return [_version(row) for row in (await self.session.execute(query)).scalars()]

    # -- reading
    async def card(self, commitment_id: int) -> CommitmentCard | None:
        found = (await self.session.execute(_CARD, {"commitment_id": commitment_id})).first()
        if found is None:
            return None
        return CommitmentCard(_commitment(found[0]), _version(found[1]), _consultation(found[2]))

    async def count_by_theme(self) -> dict[str, int]:
        return {theme: count for theme, count in (await self.session.execute(_DRAFTS_BY_THEME)).all()}

    async def cards_of_theme(self, theme: str, offset: int, limit: int) -> list[CommitmentCard]:
        query = (
            _CARDS.where(CommitmentRow.theme_code == theme, CommitmentRow.status == _DRAFT)
            .order_by(CommitmentRow.code)
            .offset(offset)
            .limit(limit)
        )
        return [
            CommitmentCard(_commitment(c), _version(v), _consultation(k))
            for c, v, k in (await self.session.execute(query)).all()
        ]


class SqlFeedback:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _select(self):  # type: ignore[no-untyped-def]
        return select(FeedbackRow, PersonRow.telegram_id).outerjoin(
            PersonRow, PersonRow.id == FeedbackRow.person_id
        )

    async def _one(self, *conditions: object) -> Feedback | None:
        found = (await self.session.execute(self._select().where(*conditions))).first()
        return _feedback(found[0], found[1]) if found else None

    async def get(self, feedback_id: int) -> Feedback | None:
        return await self._one(FeedbackRow.id == feedback_id)

    async def of_person(self, person_id: int, version_id: int) -> Feedback | None:
        return await self._one(FeedbackRow.person_id == person_id, FeedbackRow.version_id == version_id)

    async def all_of_person(self, person_id: int) -> list[Feedback]:
        rows = await self.session.execute(
            self._select().where(FeedbackRow.person_id == person_id).order_by(FeedbackRow.id)
        )
        return [_feedback(row, telegram_id) for row, telegram_id in rows]

    async def by_external_id(self, external_id: str) -> Feedback | None:
        return await self._one(FeedbackRow.external_id == external_id)

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
        row = FeedbackRow(
            person_id=person_id,
            version_id=version_id,
            channel=channel.value,
            hidden=False,
            region_code=region_code,
            org_type_code=org_type,
            external_id=external_id,
            created_at=at,
            updated_at=at,
            **_answer_columns(answers),
        )
        self.session.add(row)
        await self.session.flush()
        return await self.get(row.id)  # type: ignore[return-value]

    async def replace(self, feedback_id: int, answers: Answers, at: datetime) -> Feedback:
        row = await self.session.get(FeedbackRow, feedback_id)
        if row is None:
            raise LookupError(feedback_id)
        earlier = {name: getattr(row, name) for name in _answer_columns(answers)}
        self.session.add(
            FeedbackHistoryRow(feedback_id=row.id, answered_at=row.updated_at, replaced_at=at, **earlier)
        )
        for name, value in _answer_columns(answers).items():
            setattr(row, name, value)
        row.updated_at = at
        await self.session.flush()
        return await self.get(feedback_id)  # type: ignore[return-value]

    async def overwrite(self, feedback: Feedback) -> None:
        await self.session.execute(
            update(FeedbackRow)
            .where(FeedbackRow.id == feedback.id)
            .values(
                version_id=feedback.version_id,
                channel=feedback.channel.value,
                region_code=feedback.region_code,
                org_type_code=feedback.org_type,
                created_at=feedback.created_at,
                updated_at=feedback.updated_at,
                **_answer_columns(feedback.answers),
            )
        )

    async def history(self, feedback_id: int) -> list[HistoryEntry]:
        query = (
            select(FeedbackHistoryRow)
            .where(FeedbackHistoryRow.feedback_id == feedback_id)
            .order_by(FeedbackHistoryRow.id)
        )
        return [
            HistoryEntry(row.feedback_id, _answers(row), row.answered_at, row.replaced_at)
            for row in (await self.session.execute(query)).scalars()
        ]

    async def set_hidden(self, feedback_id: int, hidden: bool, at: datetime, by: int | None) -> None:
        await self.session.execute(
            update(FeedbackRow)
            .where(FeedbackRow.id == feedback_id)
            .values(hidden=hidden, hidden_at=at if hidden else None, hidden_by=by if hidden else None)
        )

    async def contributors(self, commitment_id: int) -> list[tuple[int, int]]:
        query = (
            select(PersonRow.id, PersonRow.telegram_id)
            .join(FeedbackRow, FeedbackRow.person_id == PersonRow.id)
            .join(CommitmentVersionRow, CommitmentVersionRow.id == FeedbackRow.version_id)
            .where(CommitmentVersionRow.commitment_id == commitment_id)
            .distinct()
            .order_by(PersonRow.id)
        )
        return [
            (person_id, telegram_id) for person_id, telegram_id in (await self.session.execute(query)).all()
        ]

    async def comments(self, commitment_id: int, offset: int, limit: int) -> tuple[list[Feedback], int]:
        versions = select(CommitmentVersionRow.id).where(CommitmentVersionRow.commitment_id == commitment_id)
        condition = (FeedbackRow.version_id.in_(versions), FeedbackRow.comment.is_not(None))
        total = (
            await self.session.execute(select(func.count()).select_from(FeedbackRow).where(*condition))
        ).scalar()
        query = (
            self._select().where(*condition).order_by(FeedbackRow.updated_at.desc(), FeedbackRow.id.desc())
        )
        rows = (await self.session.execute(query.offset(offset).limit(limit))).all()
        return [_feedback(row, telegram_id) for row, telegram_id in rows], total or 0

    async def count_by_theme_and_channel(self) -> dict[tuple[str, str], int]:
        query = (
            select(CommitmentRow.theme_code, FeedbackRow.channel, func.count())
            .join(CommitmentVersionRow, CommitmentVersionRow.id == FeedbackRow.version_id)
            .join(CommitmentRow, CommitmentRow.id == CommitmentVersionRow.commitment_id)
            .group_by(CommitmentRow.theme_code, FeedbackRow.channel)
        )
        return {(theme, channel): n for theme, channel, n in (await self.session.execute(query)).all()}


class SqlProposals:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _one(self, *conditions: object) -> Proposal | None:
        query = (
            select(ProposalRow, PersonRow.telegram_id)
            .outerjoin(PersonRow, PersonRow.id == ProposalRow.person_id)
            .where(*conditions)
        )
        found = (await self.session.execute(query)).first()
        return _proposal(found[0], found[1]) if found else None

    async def get(self, proposal_id: int) -> Proposal | None:
        return await self._one(ProposalRow.id == proposal_id)

    async def by_external_id(self, external_id: str) -> Proposal | None:
        return await self._one(ProposalRow.external_id == external_id)

    async def all_of_person(self, person_id: int) -> list[Proposal]:
        query = select(ProposalRow).where(ProposalRow.person_id == person_id).order_by(ProposalRow.id)
        return [_proposal(row, None) for row in (await self.session.execute(query)).scalars()]

    @staticmethod
    def _values(proposal: Proposal) -> dict[str, object]:
        return {
            "person_id": proposal.person_id,
            "channel": proposal.channel.value,
            "theme_code": proposal.theme,
            "region_code": proposal.region_code,
            "org_type_code": proposal.org_type,
            "problem": proposal.problem,
            "proposal": proposal.proposal,
            "responsible": proposal.responsible,
            "disposition": proposal.disposition.value if proposal.disposition else None,
            "disposition_reason": proposal.disposition_reason,
            "decided_at": proposal.decided_at,
            "external_id": proposal.external_id,
            "created_at": proposal.created_at,
        }

    async def add(self, proposal: Proposal) -> Proposal:
        row = ProposalRow(hidden=False, **self._values(proposal))
        self.session.add(row)
        await self.session.flush()
        return await self.get(row.id)  # type: ignore[return-value]

    async def overwrite(self, proposal: Proposal) -> None:
        await self.session.execute(
            update(ProposalRow).where(ProposalRow.id == proposal.id).values(**self._values(proposal))
        )

    async def set_hidden(self, proposal_id: int, hidden: bool, at: datetime, by: int | None) -> None:
        await self.session.execute(
            update(ProposalRow)
            .where(ProposalRow.id == proposal_id)
            .values(hidden=hidden, hidden_at=at if hidden else None, hidden_by=by if hidden else None)
        )

    async def count_by_theme_and_channel(self) -> dict[tuple[str, str], int]:
        query = select(ProposalRow.theme_code, ProposalRow.channel, func.count()).group_by(
            ProposalRow.theme_code, ProposalRow.channel
        )
        return {(theme, channel): n for theme, channel, n in (await self.session.execute(query)).all()}
