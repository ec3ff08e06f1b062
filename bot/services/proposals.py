"""Proposals of new commitments (/proponer): theme, region, the problem, the proposal, who should do it."""

from __future__ import annotations

from datetime import datetime

from bot.domain.clock import utcnow
from bot.domain.commitments import (
    PROBLEM_MAX,
    PROPOSAL_MAX,
    RESPONSIBLE_MAX,
    Channel,
    Proposal,
    ProposalInput,
    check_text,
)
from bot.domain.errors import ConsentRequired, InvalidInput
from bot.domain.people import validate_region
from bot.domain.reference import Theme
from bot.services.ports import UnitOfWork


def validate_theme(code: str) -> str:
    try:
        return Theme(code).value
    except ValueError:
        raise InvalidInput("theme", "unknown") from None


def validate_problem(value: str) -> str:
    return check_text("problem", value, PROBLEM_MAX) or ""


def validate_proposal(value: str) -> str:
    return check_text("proposal", value, PROPOSAL_MAX) or ""


def validate_responsible(value: str | None) -> str | None:
    return check_text("responsible", value, RESPONSIBLE_MAX, required=False)


async def submit_proposal(
    uow: UnitOfWork, telegram_id: int, data: ProposalInput, now: datetime | None = None
) -> Proposal:
    """Store a person's proposal (every part checked again here: the conversation is not trusted)."""
    person = await uow.people.get_by_telegram_id(telegram_id)
    if person is None or not person.profile_complete:
        raise ConsentRequired()
    proposal = await uow.proposals.add(
        Proposal(
            id=0,
            person_id=person.id,
            channel=Channel.TELEGRAM,
            theme=validate_theme(data.theme),
            region_code=validate_region(data.region_code or person.region_code or ""),
            problem=validate_problem(data.problem or ""),
            proposal=validate_proposal(data.proposal),
            responsible=validate_responsible(data.responsible),
            created_at=now or utcnow(),
            org_type=person.org_type.value if person.org_type else None,
            telegram_id=person.telegram_id,
        )
    )
    await uow.commit()
    return proposal
