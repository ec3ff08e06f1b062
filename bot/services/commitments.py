"""Reading the draft commitments and giving structured (SMART) feedback on them.

Rules kept here, whatever the button pressed says:
- feedback is taken only on a commitment's current version, while its consultation is open, and
  never on a withdrawn commitment: otherwise a refusal (ConsultationNotOpen, ConsultationClosed,
  VersionChanged, CommitmentWithdrawn) and nothing is saved;
- one opinion per person and version; saving again replaces it and the earlier answers go to the
  history;
- someone who gives an opinion on a commitment SGP has already decided on is told the decision too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from bot.domain.clock import utcnow
from bot.domain.commitments import (
    Answers,
    Channel,
    CommitmentCard,
    CommitmentWithdrawn,
    Consultation,
    Feedback,
    Phase,
    VersionChanged,
)
from bot.domain.errors import ConsentRequired, InvalidInput, NotFound
from bot.domain.people import Person
from bot.domain.reference import Theme
from bot.services.dispositions import commitment_disposition_message
from bot.services.ports import UnitOfWork

PAGE_SIZE = 5


@dataclass(frozen=True, slots=True)
class Overview:
    counts: dict[str, int]  # every theme, in the published order
    consultation: Consultation | None  # the one to tell people about (open, else next, else last)


@dataclass(frozen=True, slots=True)
class Page:
    theme: str
    cards: list[CommitmentCard]
    page: int  # from 0
    pages: int
    total: int


@dataclass(frozen=True, slots=True)
class Reading:
    card: CommitmentCard
    phase: Phase
    own: Feedback | None  # the reader's opinion on the current version
    can_decide: bool  # an SGP administrator: may record the disposition


@dataclass(frozen=True, slots=True)
class Saved:
    card: CommitmentCard
    feedback: Feedback
    created: bool  # False: an earlier opinion was replaced (and kept in the history)


def _theme(code: str) -> str:
    try:
        return Theme(code).value
    except ValueError:
        raise InvalidInput("theme", "unknown") from None


def relevant_consultation(consultations: list[Consultation], now: datetime) -> Consultation | None:
    """The consultation to announce: the open one closing first, else the next to open, else the last."""
    open_ = [c for c in consultations if c.phase(now) is Phase.OPEN]
    if open_:
        return min(open_, key=lambda c: c.closes_at)
    pending = [c for c in consultations if c.phase(now) is Phase.PENDING]
    if pending:
        return min(pending, key=lambda c: c.opens_at)
    return max(consultations, key=lambda c: c.closes_at, default=None)


async def overview(uow: UnitOfWork, now: datetime | None = None) -> Overview:
    counts = await uow.commitments.count_by_theme()
    consultation = relevant_consultation(await uow.commitments.consultations(), now or utcnow())
    return Overview({theme.value: counts.get(theme.value, 0) for theme in Theme}, consultation)


async def theme_page(uow: UnitOfWork, theme: str, page: int, page_size: int = PAGE_SIZE) -> Page:
    """One page of a theme's commitments; a page past the end shows the last one."""
    theme = _theme(theme)
    total = (await uow.commitments.count_by_theme()).get(theme, 0)
    pages = max(1, math.ceil(total / page_size))
    page = min(max(page, 0), pages - 1)
    cards = await uow.commitments.cards_of_theme(theme, page * page_size, page_size)
    return Page(theme=theme, cards=cards, page=page, pages=pages, total=total)


async def read_commitment(
    uow: UnitOfWork, telegram_id: int, commitment_id: int, now: datetime | None = None
) -> Reading:
    card = await uow.commitments.card(commitment_id)
    if card is None:
        raise NotFound("commitment")
    if card.commitment.withdrawn:
        raise CommitmentWithdrawn()
    person = await uow.people.get_by_telegram_id(telegram_id)
    own = await uow.feedback.of_person(person.id, card.version.id) if person else None
    roles = await uow.roles.of(telegram_id)
    return Reading(card=card, phase=card.consultation.phase(now or utcnow()), own=own, can_decide=roles.admin)


async def _participant(uow: UnitOfWork, telegram_id: int) -> Person:
    person = await uow.people.get_by_telegram_id(telegram_id)
    if person is None or not person.profile_complete:
        raise ConsentRequired()
    return person


async def _open_card(uow: UnitOfWork, commitment_id: int, version_id: int, now: datetime) -> CommitmentCard:
    card = await uow.commitments.card(commitment_id)
    if card is None:
        raise NotFound("commitment")
    if card.commitment.withdrawn:
        raise CommitmentWithdrawn()
    if card.version.id != version_id:
        raise VersionChanged()
    card.consultation.require_open(now)
    return card


async def begin_feedback(
    uow: UnitOfWork, telegram_id: int, commitment_id: int, version_id: int, now: datetime | None = None
) -> tuple[CommitmentCard, Feedback | None]:
    """Before the first question (or an edit): may this person give an opinion now? Their saved one."""
    person = await _participant(uow, telegram_id)
    card = await _open_card(uow, commitment_id, version_id, now or utcnow())
    return card, await uow.feedback.of_person(person.id, version_id)


async def check_open(
    uow: UnitOfWork, commitment_id: int, version_id: int, now: datetime | None = None
) -> CommitmentCard:
    """At every step: the commitment is still consulted in this version (raises otherwise)."""
    return await _open_card(uow, commitment_id, version_id, now or utcnow())


async def save_feedback(
    uow: UnitOfWork,
    telegram_id: int,
    commitment_id: int,
    version_id: int,
    answers: Answers,
    now: datetime | None = None,
) -> Saved:
    """Save the person's opinion on the version, or replace it (the earlier answers go to history)."""
    now = now or utcnow()
    person = await _participant(uow, telegram_id)
    card = await _open_card(uow, commitment_id, version_id, now)
    if not answers.complete:
        raise InvalidInput("answers", "incomplete")
    existing = await uow.feedback.of_person(person.id, version_id)
    if existing is None:
        feedback = await uow.feedback.add(
            person.id,
            version_id,
            Channel.TELEGRAM,
            answers,
            now,
            region_code=person.region_code,
            org_type=person.org_type.value if person.org_type else None,
        )
    else:
        feedback = await uow.feedback.replace(existing.id, answers, now)
    if card.commitment.disposition is not None:  # decided already: this person hears it too, once
        await uow.outbox.enqueue([commitment_disposition_message(card, person.id, person.telegram_id)])
    await uow.commit()
    return Saved(card=card, feedback=feedback, created=existing is None)
