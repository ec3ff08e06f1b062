"""On PostgreSQL, several sender processes share one outbox: each delivery is claimed by one only."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.deliveries import Outgoing
from bot.fakeapi import FakeTelegram
from storage.db import session_factory
from storage.models import DeliveryRow
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


async def test_two_sender_processes_deliver_2000_without_duplicates(pg_engine: AsyncEngine) -> None:
    async with FakeTelegram() as server:
        async with SqlUnitOfWork(session_factory(pg_engine)) as uow:
            items = []
            for telegram_id in range(50_000, 52_000):
                person = await uow.people.add(telegram_id, "es", 1, NOW)
                server.person(telegram_id, f"P{telegram_id}")
                items.append(Outgoing(telegram_id, "broadcast", {"text": f"Hola {telegram_id}"}, person.id))
            await uow.outbox.enqueue(items)
            await uow.commit()
        url = pg_engine.url.render_as_string(hide_password=False)
        workers = [
            await asyncio.create_subprocess_exec(
                sys.executable, "-m", "tests.pg.sender_worker", url, server.base_url, f"worker-{n}"
            )
            for n in (1, 2)
        ]
        assert [await asyncio.wait_for(w.wait(), 120) for w in workers] == [0, 0]
        duplicates = [chat for chat, texts in server.delivered.items() if len(texts) != 1]
        assert duplicates == [] and len(server.delivered) == 2000
    async with session_factory(pg_engine)() as session:
        by_status = dict(
            (
                await session.execute(select(DeliveryRow.status, func.count()).group_by(DeliveryRow.status))
            ).all()
        )
        senders = dict(
            (
                await session.execute(
                    select(DeliveryRow.claimed_by, func.count()).group_by(DeliveryRow.claimed_by)
                )
            ).all()
        )
    assert by_status == {"enviado": 2000}
    assert set(senders) == {"worker-1", "worker-2"}  # both took part
