"""The sender's side of the outbox: claim due deliveries, record what happened to each.

Claiming is atomic: on PostgreSQL rows are locked with FOR UPDATE SKIP LOCKED, so several sender
processes never take the same delivery; on SQLite one writer at a time gives the same guarantee.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.domain.clock import utcnow
from bot.domain.deliveries import DeliveryStatus
from storage.db import session_factory
from storage.models import DeliveryRow, PersonRow

PENDIENTE, ENVIANDO = DeliveryStatus.PENDIENTE.value, DeliveryStatus.ENVIANDO.value


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    chat_id: int
    person_id: int | None
    kind: str
    payload: dict[str, Any]
    attempts: int
    locale: str | None
    broadcast_id: int | None


class OutboxStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.sessions = session_factory(engine)
        self.postgres = engine.dialect.name == "postgresql"

    async def claim(self, worker: str, limit: int, now: datetime | None = None) -> list[Claimed]:
        """Take up to `limit` due deliveries for `worker`, most urgent first.

        Deliveries to people known to be unreachable are set aside as omitido on the way.
        """
        now = now or utcnow()
        async with self.sessions.begin() as session:
            await self._omit_unreachable(session)
            due = (
                select(DeliveryRow.id)
                .where(DeliveryRow.status == PENDIENTE, DeliveryRow.not_before <= now)
                .order_by(DeliveryRow.priority, DeliveryRow.not_before, DeliveryRow.id)
                .limit(limit)
            )
            if self.postgres:
                due = due.with_for_update(skip_locked=True)
            ids = list((await session.execute(due)).scalars())
            if not ids:
                return []
            await session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id.in_(ids))
                .values(status=ENVIANDO, claimed_by=worker, claimed_at=now)
            )
            rows = await session.execute(
                select(DeliveryRow, PersonRow.locale)
                .outerjoin(PersonRow, PersonRow.id == DeliveryRow.person_id)
                .where(DeliveryRow.id.in_(ids))
                .order_by(DeliveryRow.priority, DeliveryRow.not_before, DeliveryRow.id)
            )
            return [
                Claimed(d.id, d.chat_id, d.person_id, d.kind, d.payload, d.attempts, locale, d.broadcast_id)
                for d, locale in rows
            ]

    async def _omit_unreachable(self, session: AsyncSession) -> None:
        unreachable = select(PersonRow.id).where(PersonRow.reachable.is_(False))
        await session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.status == PENDIENTE, DeliveryRow.person_id.in_(unreachable))
            .values(status=DeliveryStatus.OMITIDO.value, last_error="unreachable")
        )

    async def _set(self, delivery_id: int, **values: Any) -> None:
        async with self.sessions.begin() as session:
            await session.execute(update(DeliveryRow).where(DeliveryRow.id == delivery_id).values(**values))

    async def sent(self, delivery_id: int, message_id: int | None, attempts: int) -> None:
        await self._set(
            delivery_id, status=DeliveryStatus.ENVIADO.value, sent_at=utcnow(), attempts=attempts,
            telegram_message_id=message_id, last_error=None,  # claimed_by stays: who sent it
        )  # fmt: skip

    async def failed(self, delivery_id: int, reason: str, attempts: int) -> None:
        await self._set(
            delivery_id, status=DeliveryStatus.FALLIDO.value, last_error=reason[:300], attempts=attempts,
            claimed_by=None,
        )  # fmt: skip

    async def retry(self, delivery_id: int, reason: str, attempts: int, after: float) -> None:
        await self._set(
            delivery_id, status=PENDIENTE, last_error=reason[:300], attempts=attempts, claimed_by=None,
            not_before=utcnow() + timedelta(seconds=after),
        )  # fmt: skip

    async def omitted(self, delivery_id: int, reason: str) -> None:
        await self._set(
            delivery_id, status=DeliveryStatus.OMITIDO.value, last_error=reason[:300], claimed_by=None
        )

    async def unreachable(self, chat_id: int) -> None:
        """Telegram says this chat cannot be reached: the person is marked, and nothing more goes there."""
        async with self.sessions.begin() as session:
            await session.execute(
                update(PersonRow).where(PersonRow.telegram_id == chat_id).values(reachable=False)
            )
            await session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.chat_id == chat_id, DeliveryRow.status == PENDIENTE)
                .values(status=DeliveryStatus.OMITIDO.value, last_error="unreachable")
            )

    async def release(self, worker: str) -> int:
        """Give back what `worker` claimed and did not finish (graceful shutdown)."""
        async with self.sessions.begin() as session:
            result = await session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.status == ENVIANDO, DeliveryRow.claimed_by == worker)
                .values(status=PENDIENTE, claimed_by=None)
            )
            return result.rowcount

    async def recover(self, worker: str, stale_after: timedelta, now: datetime | None = None) -> int:
        """After a crash, deliveries left 'enviando' go back to pendiente and will be sent again
        (at-least-once). On SQLite there is only ever one sender, so every such delivery is its own;
        on PostgreSQL other senders may be alive, so only those of this worker name or claimed longer
        than `stale_after` ago are taken back. Their number is bounded by the senders' concurrency;
        it is returned for the log."""
        now = now or utcnow()
        condition = DeliveryRow.status == ENVIANDO
        if self.postgres:
            condition = and_(
                condition, or_(DeliveryRow.claimed_by == worker, DeliveryRow.claimed_at < now - stale_after)
            )
        async with self.sessions.begin() as session:
            result = await session.execute(
                update(DeliveryRow).where(condition).values(status=PENDIENTE, claimed_by=None)
            )
            return result.rowcount

    async def next_due(self) -> datetime | None:
        async with self.sessions() as session:
            query = select(func.min(DeliveryRow.not_before)).where(DeliveryRow.status == PENDIENTE)
            return (await session.execute(query)).scalar_one_or_none()

    async def counts(self, broadcast_id: int) -> dict[str, int]:
        async with self.sessions() as session:
            query = (
                select(DeliveryRow.status, func.count())
                .where(DeliveryRow.broadcast_id == broadcast_id)
                .group_by(DeliveryRow.status)
            )
            return {status: count for status, count in (await session.execute(query)).all()}

    async def failures(self, broadcast_id: int) -> dict[str, int]:
        async with self.sessions() as session:
            query = (
                select(DeliveryRow.last_error, func.count())
                .where(
                    DeliveryRow.broadcast_id == broadcast_id,
                    and_(
                        DeliveryRow.status.in_([DeliveryStatus.FALLIDO.value, DeliveryStatus.OMITIDO.value])
                    ),
                )
                .group_by(DeliveryRow.last_error)
            )
            return {reason or "": count for reason, count in (await session.execute(query)).all()}
