"""Closing the loop, and moderation.

SGP records what became of a commitment or a proposal (incorporado, modificado, desestimado) and
why. Everyone who gave an opinion on any version of that commitment, or who proposed the proposal,
gets ONE message (an outbox delivery with a dedupe key per person), rendered in their language at
send time. A disposition is final: recording the same one again only reaches people who have not
been told yet; a different one is refused (AlreadyDecided).

Moderation hides an abusive comment or proposal: the row stays (hidden, hidden_at, hidden_by) and
leaves public and open-data exports; its author is told only that it was hidden.

Both are SGP administrators' actions (checked here with roles, never trusted from a button) or the
command line's (actor None), and both are written to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bot.domain.clock import utcnow
from bot.domain.commitments import (
    REASON_MAX,
    AlreadyDecided,
    Commitment,
    CommitmentCard,
    DecisionResult,
    Disposition,
    Feedback,
    Proposal,
    check_text,
)
from bot.domain.deliveries import Outgoing, Priority
from bot.domain.errors import InvalidInput, NotFound
from bot.services.ports import UnitOfWork
from bot.services.roles import audit

KIND_DISPOSITION = "disposition"
KIND_HIDDEN = "contribution_hidden"
PROPOSAL_SUMMARY_MAX = 120


class Target:
    COMMITMENT = "commitment"
    PROPOSAL = "proposal"


@dataclass(frozen=True, slots=True)
class Pending:
    """What an administrator is about to decide on, shown before they confirm."""

    target: str  # Target.COMMITMENT | Target.PROPOSAL
    id: int
    label: str  # the commitment's code, or the proposal's number
    title: str
    recipients: int


def parse_disposition(value: str) -> Disposition:
    try:
        return Disposition(value.strip().lower())
    except ValueError:
        raise InvalidInput("disposition", "unknown") from None


def proposal_summary(proposal: Proposal) -> str:
    text = proposal.proposal
    return text if len(text) <= PROPOSAL_SUMMARY_MAX else text[: PROPOSAL_SUMMARY_MAX - 1].rstrip() + "…"


def commitment_disposition_message(card: CommitmentCard, person_id: int, telegram_id: int) -> Outgoing:
    commitment = card.commitment
    assert commitment.disposition is not None
    return Outgoing(
        chat_id=telegram_id,
        person_id=person_id,
        kind=KIND_DISPOSITION,
        payload={
            "target": Target.COMMITMENT,
            "id": commitment.id,
            "code": commitment.code,
            "title": card.version.text.title,
            "disposition": commitment.disposition.value,
            "reason": commitment.disposition_reason,
        },
        dedupe_key=f"disposition:commitment:{commitment.id}:{person_id}",
        priority=Priority.NOTICE,
    )


def proposal_disposition_message(proposal: Proposal) -> Outgoing:
    assert proposal.disposition is not None and proposal.telegram_id is not None
    return Outgoing(
        chat_id=proposal.telegram_id,
        person_id=proposal.person_id,
        kind=KIND_DISPOSITION,
        payload={
            "target": Target.PROPOSAL,
            "id": proposal.id,
            "code": str(proposal.id),
            "title": proposal_summary(proposal),
            "disposition": proposal.disposition.value,
            "reason": proposal.disposition_reason,
        },
        dedupe_key=f"disposition:proposal:{proposal.id}",
        priority=Priority.NOTICE,
    )


async def _require_admin(uow: UnitOfWork, actor: int | None) -> None:
    if actor is not None:
        (await uow.roles.of(actor)).require_admin()


async def _commitment(uow: UnitOfWork, commitment: int | str) -> Commitment:
    found = (
        await uow.commitments.get(commitment)
        if isinstance(commitment, int)
        else await uow.commitments.get_by_code(commitment.strip())
    )
    if found is None:
        raise NotFound("commitment")
    return found


async def _proposal(uow: UnitOfWork, proposal_id: int) -> Proposal:
    found = await uow.proposals.get(proposal_id)
    if found is None:
        raise NotFound("proposal")
    return found


async def pending_decision(uow: UnitOfWork, actor: int, target: str, target_id: int) -> Pending:
    """For the chat: an administrator starts recording a disposition; refused if decided already."""
    await _require_admin(uow, actor)
    if target == Target.COMMITMENT:
        commitment = await _commitment(uow, target_id)
        if commitment.disposition is not None:
            raise AlreadyDecided(commitment.disposition, commitment.decided_at)
        card = await uow.commitments.card(target_id)
        assert card is not None and commitment.id is not None
        recipients = len(await uow.feedback.contributors(commitment.id))
        return Pending(target, commitment.id, commitment.code, card.version.text.title, recipients)
    if target == Target.PROPOSAL:
        proposal = await _proposal(uow, target_id)
        if proposal.disposition is not None:
            raise AlreadyDecided(proposal.disposition, proposal.decided_at)
        recipients = 1 if proposal.telegram_id is not None else 0
        return Pending(target, proposal.id, str(proposal.id), proposal_summary(proposal), recipients)
    raise InvalidInput("target", "unknown")


async def decide_commitment(
    uow: UnitOfWork,
    actor: int | None,
    commitment: int | str,
    disposition: str,
    reason: str,
    now: datetime | None = None,
) -> DecisionResult:
    """Record SGP's disposition on a commitment; each person who gave an opinion on it is told once."""
    await _require_admin(uow, actor)
    kind = parse_disposition(disposition)
    reason = check_text("reason", reason, REASON_MAX) or ""
    found = await _commitment(uow, commitment)
    assert found.id is not None
    recorded = found.disposition is None
    if not recorded and (found.disposition is not kind or found.disposition_reason != reason):
        raise AlreadyDecided(found.disposition, found.decided_at)  # type: ignore[arg-type]
    if recorded:
        found.disposition, found.disposition_reason, found.decided_at = kind, reason, now or utcnow()
        await uow.commitments.update(found)
    card = await uow.commitments.card(found.id)
    assert card is not None
    messages = [
        commitment_disposition_message(card, person_id, telegram_id)
        for person_id, telegram_id in await uow.feedback.contributors(found.id)
    ]
    notified = await uow.outbox.enqueue(messages)
    await audit(
        uow, actor, "commitment.disposition", found.code, disposition=kind.value, reason=reason,
        recorded=recorded, notified=notified,
    )  # fmt: skip
    await uow.commit()
    return DecisionResult(recorded=recorded, notified=notified)


async def decide_proposal(
    uow: UnitOfWork,
    actor: int | None,
    proposal_id: int,
    disposition: str,
    reason: str,
    now: datetime | None = None,
) -> DecisionResult:
    """Record SGP's disposition on a proposal; the person who proposed it is told once."""
    await _require_admin(uow, actor)
    kind = parse_disposition(disposition)
    reason = check_text("reason", reason, REASON_MAX) or ""
    proposal = await _proposal(uow, proposal_id)
    recorded = proposal.disposition is None
    if not recorded and (proposal.disposition is not kind or proposal.disposition_reason != reason):
        raise AlreadyDecided(proposal.disposition, proposal.decided_at)  # type: ignore[arg-type]
    if recorded:
        proposal = replace(proposal, disposition=kind, disposition_reason=reason, decided_at=now or utcnow())
        await uow.proposals.overwrite(proposal)
    notified = 0
    if proposal.telegram_id is not None:
        notified = await uow.outbox.enqueue([proposal_disposition_message(proposal)])
    await audit(
        uow, actor, "proposal.disposition", str(proposal.id), disposition=kind.value, reason=reason,
        recorded=recorded, notified=notified,
    )  # fmt: skip
    await uow.commit()
    return DecisionResult(recorded=recorded, notified=notified)


def _hidden_notice(dedupe_key: str, person_id: int | None, telegram_id: int, payload: dict) -> Outgoing:
    return Outgoing(
        chat_id=telegram_id,
        person_id=person_id,
        kind=KIND_HIDDEN,
        payload=payload,
        dedupe_key=dedupe_key,
        priority=Priority.NOTICE,
    )


@dataclass(frozen=True, slots=True)
class Comments:
    """A page of a commitment's comments, for an administrator to moderate."""

    commitment_id: int
    code: str
    feedback: list[Feedback]
    page: int
    pages: int
    total: int


async def comments_to_moderate(
    uow: UnitOfWork, actor: int, commitment_id: int, page: int = 0, page_size: int = 8
) -> Comments:
    """The comments given on a commitment (every version, hidden ones too), newest first: admins only."""
    await _require_admin(uow, actor)
    commitment = await _commitment(uow, commitment_id)
    _, total = await uow.feedback.comments(commitment_id, 0, 1)
    pages = max(1, -(-total // page_size))
    page = min(max(page, 0), pages - 1)
    found, total = await uow.feedback.comments(commitment_id, page * page_size, page_size)
    return Comments(commitment_id, commitment.code, found, page, pages, total)


async def hide_feedback(
    uow: UnitOfWork, actor: int | None, feedback_id: int, hidden: bool = True, now: datetime | None = None
) -> bool:
    """Hide (or show again) an opinion's comment. The author is told, once, only that it was hidden."""
    await _require_admin(uow, actor)
    feedback = await uow.feedback.get(feedback_id)
    if feedback is None:
        raise NotFound("feedback")
    if feedback.hidden is hidden:
        return False
    await uow.feedback.set_hidden(feedback_id, hidden, now or utcnow(), actor)
    if hidden and feedback.telegram_id is not None:
        version = await uow.commitments.version(feedback.version_id)
        commitment = await uow.commitments.get(version.commitment_id) if version else None
        payload = {
            "target": "feedback",
            "code": commitment.code if commitment else "",
            "title": version.text.title if version else "",
        }
        await uow.outbox.enqueue(
            [
                _hidden_notice(
                    f"hidden:feedback:{feedback_id}", feedback.person_id, feedback.telegram_id, payload
                )
            ]
        )
    await audit(uow, actor, "feedback.hide" if hidden else "feedback.show", str(feedback_id))
    await uow.commit()
    return True


async def hide_proposal(
    uow: UnitOfWork, actor: int | None, proposal_id: int, hidden: bool = True, now: datetime | None = None
) -> bool:
    """Hide (or show again) a proposal. The author is told, once, only that it was hidden."""
    await _require_admin(uow, actor)
    proposal = await _proposal(uow, proposal_id)
    if proposal.hidden is hidden:
        return False
    await uow.proposals.set_hidden(proposal_id, hidden, now or utcnow(), actor)
    if hidden and proposal.telegram_id is not None:
        payload = {"target": "proposal", "code": str(proposal.id), "title": proposal_summary(proposal)}
        await uow.outbox.enqueue(
            [
                _hidden_notice(
                    f"hidden:proposal:{proposal_id}", proposal.person_id, proposal.telegram_id, payload
                )
            ]
        )
    await audit(uow, actor, "proposal.hide" if hidden else "proposal.show", str(proposal_id))
    await uow.commit()
    return True
