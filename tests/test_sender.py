"""The outbox sender against the fake Bot API: limits, retries, unreachable people, crash recovery."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import AnswerCallbackQuery, SendMessage, TelegramMethod
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import make_i18n
from bot.delivery.ratelimit import RateLimiter, ReplyCounter
from bot.delivery.render import Rendered, Skip, renderer
from bot.delivery.sender import Sender
from bot.domain.deliveries import Outgoing, Priority
from bot.fakeapi import DEFAULT_TOKEN, FakeTelegram, RateLimits
from storage.db import session_factory
from storage.models import DeliveryRow, PersonRow
from storage.outbox import OutboxStore
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


@renderer("test")
async def render_test(payload: dict, _item: object) -> Rendered:
    if payload.get("skip"):
        raise Skip("not any more")
    return Rendered(text=f"Hola {payload['n']}")


@pytest.fixture
async def server() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def bot(server: FakeTelegram) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(server.base_url))
    bot = Bot(DEFAULT_TOKEN, session=session)
    yield bot
    await session.close()


async def add_people(engine: AsyncEngine, server: FakeTelegram, ids: range) -> dict[int, int]:
    """People in the database and in the fake server; returns telegram id -> person id."""
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        people = {tid: (await uow.people.add(tid, "es", 1, NOW)).id for tid in ids}
        await uow.commit()
    for tid in ids:
        server.person(tid, f"P{tid}")
    return people


async def enqueue(engine: AsyncEngine, items: list[Outgoing]) -> None:
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        await uow.outbox.enqueue(items)
        await uow.commit()


def sender_for(bot: Bot, engine: AsyncEngine, rate: float = 1000.0, **kwargs: object) -> Sender:
    limiter = RateLimiter(rate, per_chat_interval=kwargs.pop("per_chat_interval", 0.0))
    return Sender(bot, OutboxStore(engine), make_i18n("es"), limiter, **kwargs)


async def drain(sender: Sender) -> None:
    """Send until nothing is due within 1.5 s (a 429's retry_after of 1 s is waited for)."""
    await sender.drain(within=1.5)


async def statuses(engine: AsyncEngine) -> dict[str, int]:
    async with session_factory(engine)() as session:
        rows = (await session.execute(select(DeliveryRow.status))).scalars().all()
    return {status: rows.count(status) for status in set(rows)}


async def test_each_delivered_once_and_blocked_people_marked(
    engine: AsyncEngine, server: FakeTelegram, bot: Bot
) -> None:
    people = await add_people(engine, server, range(100, 160))
    for blocked in (105, 106):
        server.block(blocked, notify=False)
    await enqueue(engine, [Outgoing(tid, "test", {"n": tid}, person_id=pid) for tid, pid in people.items()])
    # a second delivery to a blocked person is not even attempted once the first one failed
    await enqueue(engine, [Outgoing(105, "test", {"n": 0}, person_id=people[105])])
    await drain(sender_for(bot, engine))
    for tid in people:
        delivered = server.delivered.get(tid, [])
        assert delivered == ([] if tid in (105, 106) else [f"Hola {tid}"])
    assert await statuses(engine) == {"enviado": 58, "fallido": 2, "omitido": 1}
    async with session_factory(engine)() as session:
        unreachable = (
            await session.execute(select(PersonRow.telegram_id).where(~PersonRow.reachable))
        ).scalars()
        assert sorted(unreachable) == [105, 106]


async def test_rate_limits_are_respected(engine: AsyncEngine, server: FakeTelegram, bot: Bot) -> None:
    server.rate_limits = RateLimits(global_per_second=30, per_chat_per_second=1, per_chat_burst=1)
    people = await add_people(engine, server, range(200, 260))
    items = [Outgoing(tid, "test", {"n": tid}, person_id=pid) for tid, pid in people.items()]
    items += [Outgoing(200, "test", {"n": i}, person_id=people[200]) for i in range(3)]  # same chat, 3 more
    await enqueue(engine, items)
    await drain(sender_for(bot, engine, rate=25.0, per_chat_interval=1.1))
    assert server.stats["429"] == 0
    assert sum(len(texts) for texts in server.delivered.values()) == 63


async def test_429_is_honoured_and_the_message_arrives_once(
    engine: AsyncEngine, server: FakeTelegram, bot: Bot
) -> None:
    people = await add_people(engine, server, range(300, 303))
    server.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, chat_id=301)
    await enqueue(engine, [Outgoing(tid, "test", {"n": tid}, person_id=pid) for tid, pid in people.items()])
    sender = sender_for(bot, engine)
    started = asyncio.get_running_loop().time()
    await drain(sender)
    assert asyncio.get_running_loop().time() - started >= 1.0
    assert server.delivered[301] == ["Hola 301"] and sender.limiter.rate < 1000.0
    assert await statuses(engine) == {"enviado": 3}


async def test_server_errors_are_retried_then_failed(
    engine: AsyncEngine, server: FakeTelegram, bot: Bot
) -> None:
    people = await add_people(engine, server, range(400, 402))
    server.fail_next("sendMessage", 502, "Bad Gateway", chat_id=400, times=1)
    server.fail_next("sendMessage", 500, "Internal Server Error", chat_id=401, times=10)
    await enqueue(engine, [Outgoing(tid, "test", {"n": tid}, person_id=pid) for tid, pid in people.items()])
    sender = sender_for(bot, engine, max_attempts=2)
    async with session_factory(engine)() as session:  # no real waiting for the backoff in a test
        await drain(sender)
        await session.execute(update(DeliveryRow).values(not_before=datetime(2020, 1, 1, tzinfo=UTC)))
        await session.commit()
        await drain(sender)
        rows = {r.chat_id: r for r in (await session.execute(select(DeliveryRow))).scalars()}
    assert server.delivered.get(400) == ["Hola 400"] and rows[400].attempts == 2
    assert (
        rows[401].status == "fallido"
        and rows[401].attempts == 2
        and "Internal Server Error" in rows[401].last_error
    )


async def test_due_time_priority_withdrawal_and_skip(
    engine: AsyncEngine, server: FakeTelegram, bot: Bot
) -> None:
    people = await add_people(engine, server, range(500, 504))
    later = datetime.now(UTC) + timedelta(hours=1)
    await enqueue(
        engine,
        [
            Outgoing(500, "test", {"n": "bulk"}, person_id=people[500], priority=Priority.BULK),
            Outgoing(500, "test", {"n": "personal"}, person_id=people[500], priority=Priority.PERSONAL),
            Outgoing(501, "test", {"n": "later"}, person_id=people[501], not_before=later),
            Outgoing(502, "test", {"n": "withdrawn"}, person_id=people[502], dedupe_key="reminder:1:60"),
            Outgoing(503, "test", {"skip": True}, person_id=people[503]),
        ],
    )
    await enqueue(engine, [Outgoing(502, "test", {"n": "twice"}, dedupe_key="reminder:1:60")])  # deduplicated
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        assert await uow.outbox.withdraw(["reminder:1:60"]) == 1
        await uow.commit()
    await drain(sender_for(bot, engine, concurrency=1))
    assert server.delivered[500] == ["Hola personal", "Hola bulk"]
    assert 501 not in server.delivered and 502 not in server.delivered and 503 not in server.delivered
    assert await statuses(engine) == {"enviado": 2, "pendiente": 1, "omitido": 2}


async def test_crash_recovery_resends_what_was_in_flight(
    engine: AsyncEngine, server: FakeTelegram, bot: Bot
) -> None:
    people = await add_people(engine, server, range(600, 610))
    await enqueue(engine, [Outgoing(tid, "test", {"n": tid}, person_id=pid) for tid, pid in people.items()])
    store = OutboxStore(engine)
    in_flight = await store.claim("dead-host:1", limit=4)  # claimed, then the process died
    assert len(in_flight) == 4
    sender = sender_for(bot, engine, worker="dead-host:1")
    await sender.start()  # recovers the same worker's claims at once
    try:
        for _ in range(100):
            if sum(len(v) for v in server.delivered.values()) == 10:
                break
            await asyncio.sleep(0.05)
    finally:
        await sender.stop()
    assert all(server.delivered.get(tid) == [f"Hola {tid}"] for tid in people)


async def test_a_person_who_writes_again_becomes_reachable(engine: AsyncEngine) -> None:
    from bot.services.onboarding import came_back, get_person

    async with SqlUnitOfWork(session_factory(engine)) as uow:
        await uow.people.add(700, "es", 1, NOW)
        await uow.commit()
    await OutboxStore(engine).unreachable(700)
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        person = await get_person(uow, 700)
        assert person is not None and not person.reachable
        assert (await came_back(uow, person)).reachable
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        assert (await get_person(uow, 700)).reachable


async def test_a_button_press_answered_too_late_does_not_fail_the_update(bot: Bot) -> None:
    """Handled after Telegram's answer window (resent after an instance died): the handler goes on."""
    too_old = "Bad Request: query is too old and response timeout expired or query ID is invalid"

    async def refuse(_bot: Bot, method: TelegramMethod) -> object:
        raise TelegramBadRequest(method=method, message=too_old)

    counter = ReplyCounter(RateLimiter(1000, per_chat_interval=0.0))
    assert await counter(refuse, bot, AnswerCallbackQuery(callback_query_id="1")) is True
    with pytest.raises(TelegramBadRequest):  # anything else still fails the update
        await counter(refuse, bot, SendMessage(chat_id=1, text="Hola"))
