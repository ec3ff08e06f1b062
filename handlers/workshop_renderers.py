"""The outbox messages of the workshops feature, rendered at send time in the recipient's language.

Payloads carry ids and plain values (handed over by bot/services/workshops.py); a reminder or an
offer is checked against the database when it is sent, and skipped if it no longer applies (the
registration was cancelled, the offer answered, the workshop moved or cancelled).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram.utils.i18n import get_i18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.render import Rendered, Skip, renderer
from bot.domain.workshops import Workshop, WorkshopKind
from bot.services import workshops as service
from handlers import workshop_keyboards as keyboards
from handlers import workshop_views as texts
from storage.uow import SqlUnitOfWork

_sessions: async_sessionmaker[AsyncSession] | None = None


def bind(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Give the renderers the database, to check at send time that a message still applies."""
    global _sessions
    _sessions = sessions


async def _still_applies(kind: str, payload: dict[str, Any]) -> None:
    if _sessions is None:
        return
    async with SqlUnitOfWork(_sessions) as uow:
        if not await service.still_applies(uow, kind, payload):
            raise Skip(f"{kind} no longer applies")


def _moment(value: Any) -> datetime:
    return datetime.fromisoformat(str(value))


def _workshop(payload: dict[str, Any]) -> Workshop:
    """The workshop as the payload describes it (only what the texts use)."""
    starts = _moment(payload["starts_at"])
    return Workshop(
        id=int(payload["workshop_id"]),
        code=str(payload.get("code", "")),
        kind=WorkshopKind.TALLER_REGIONAL,
        region_code=str(payload.get("region", "")),
        title=str(payload["title"]),
        themes=list(payload.get("themes") or []),
        starts_at=starts,
        ends_at=_moment(payload.get("ends_at", payload["starts_at"])),
        venue_name=str(payload.get("venue_name", "")),
        venue_address=str(payload.get("venue_address", "")),
        latitude=None,
        longitude=None,
        capacity=int(payload.get("capacity", 1)),
        registration_opens_at=starts,
        registration_closes_at=starts,
    )


def _locale() -> str:
    return get_i18n().current_locale


@renderer("announce")
async def render_announce(payload: dict[str, Any], item: Any) -> Rendered:
    workshop = _workshop(payload)
    return Rendered(
        text=texts.announcement(workshop, _locale()), reply_markup=keyboards.announcement(workshop.id or 0)
    )


@renderer("reminder")
async def render_reminder(payload: dict[str, Any], item: Any) -> Rendered:
    await _still_applies("reminder", payload)
    return Rendered(
        text=texts.reminder(_workshop(payload), _locale()),
        reply_markup=keyboards.reminder(int(payload["registration_id"])),
    )


@renderer("offer")
async def render_offer(payload: dict[str, Any], item: Any) -> Rendered:
    await _still_applies("offer", payload)
    return Rendered(
        text=texts.offer(_workshop(payload), _moment(payload["deadline"]), _locale()),
        reply_markup=keyboards.offer(int(payload["registration_id"])),
    )


@renderer("offer_expired")
async def render_offer_expired(payload: dict[str, Any], item: Any) -> Rendered:
    return Rendered(text=texts.offer_expired(_workshop(payload)))


@renderer("workshop_cancelled")
async def render_cancelled(payload: dict[str, Any], item: Any) -> Rendered:
    return Rendered(text=texts.workshop_cancelled_notice(_workshop(payload), _locale()))


@renderer("workshop_moved")
async def render_moved(payload: dict[str, Any], item: Any) -> Rendered:
    waiting = payload.get("status") == "en_espera"
    return Rendered(
        text=texts.workshop_moved_notice(_workshop(payload), _moment(payload["previous"]), _locale(), waiting)
    )


@renderer("threshold")
async def render_threshold(payload: dict[str, Any], item: Any) -> Rendered:
    return Rendered(
        text=texts.threshold(
            _workshop(payload), int(payload["percent"]), int(payload["confirmed"]), int(payload["capacity"])
        )
    )
