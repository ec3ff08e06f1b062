"""Broadcast throughput against a server that enforces Telegram's limits.

    python bench/broadcast.py [--recipients 3000] [--rate 29]

Starts the fake Bot API with Telegram's limits on (30 messages/s overall, 1/s per chat with a burst
of 3), queues one broadcast to N people in a fresh SQLite outbox, runs the real sender until every
delivery is settled, and prints JSON: sustained rate, 429s answered, duplicates and missing.
Target (DESIGN.md section 4): at least 27 messages/s, 0, 0, 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

import handlers.broadcasts  # noqa: F401  (registers the broadcast renderer)
from bot.app import make_i18n
from bot.delivery.ratelimit import RateLimiter
from bot.delivery.sender import Sender
from bot.domain.deliveries import Outgoing
from bot.fakeapi import DEFAULT_TOKEN, FakeTelegram, RateLimits
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import PersonRow
from storage.outbox import OutboxStore
from storage.uow import SqlUnitOfWork

TEXT = "Recordatorio: el taller regional de Arequipa empieza mañana a las 9:00."


async def run(recipients: int, rate: float) -> dict[str, object]:
    folder = Path(tempfile.mkdtemp(prefix="participa-bench-"))
    engine = create_engine(f"sqlite+aiosqlite:///{folder / 'bench.db'}")
    await upgrade(engine)
    limits = RateLimits(global_per_second=30, per_chat_per_second=1, per_chat_burst=3)
    async with FakeTelegram(rate_limits=limits, record_requests=False) as server:
        now = datetime.now(UTC)
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            person = {"locale": "es", "consent_version": 1, "consent_at": now, "announcements": True,
                      "reachable": True, "created_at": now, "updated_at": now}  # fmt: skip
            uow.session.add_all(PersonRow(telegram_id=100_000 + n, **person) for n in range(recipients))
            await uow.session.flush()
            ids = (await uow.session.execute(PersonRow.__table__.select())).all()
            await uow.outbox.enqueue(
                [Outgoing(row.telegram_id, "broadcast", {"text": TEXT}, person_id=row.id) for row in ids]
            )
            await uow.commit()
        for n in range(recipients):
            server.person(100_000 + n, f"P{n}")
        session = AiohttpSession(api=TelegramAPIServer.from_base(server.base_url))
        sender = Sender(
            Bot(DEFAULT_TOKEN, session=session), OutboxStore(engine), make_i18n("es"), RateLimiter(rate)
        )
        started = time.perf_counter()
        await sender.drain()  # until every delivery is settled (a 429 leaves one due a little later)
        elapsed = time.perf_counter() - started
        delivered = {chat: texts.count(TEXT) for chat, texts in server.delivered.items()}
        await session.close()
        result = {
            "benchmark": "broadcast",
            "recipients": recipients,
            "configured_rate": rate,
            "seconds": round(elapsed, 2),
            "sustained_rate_per_s": round(sum(delivered.values()) / elapsed, 2),
            "429_answered": server.stats["429"],
            "duplicates": sum(count - 1 for count in delivered.values() if count > 1),
            "missing": sum(1 for n in range(recipients) if delivered.get(100_000 + n, 0) == 0),
            "target": {"min_rate_per_s": 27, "429_answered": 0, "duplicates": 0, "missing": 0},
        }
    await engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=3000)
    parser.add_argument("--rate", type=float, default=29.0, help="the sender's configured rate (SEND_RATE)")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.recipients, args.rate)), indent=2))


if __name__ == "__main__":
    main()
