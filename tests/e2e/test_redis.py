"""Redis (REDIS_URL): conversation state outlives the process, and instances share one conversation.

Needs a Redis server: TEST_REDIS_URL (`.ci/run` and `scripts/services.sh` start one); skipped without.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage

from bot.app import CHAT_LOCK_SECONDS, App, create_app
from bot.config import load_settings
from bot.fakeapi import DEFAULT_TOKEN, FakeTelegram
from tests.databases import Databases
from tests.e2e.harness import BotProcess, query, saw

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def redis_url() -> AsyncIterator[str]:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("Redis not configured: set TEST_REDIS_URL (.ci/run starts a server)")
    from redis.asyncio import Redis

    client = Redis.from_url(url)
    await client.flushdb()  # a server of the tests' own: nothing left from an earlier run
    await client.aclose()
    yield url


async def redis_keys(url: str, pattern: str) -> list[str]:
    from redis.asyncio import Redis

    client = Redis.from_url(url, decode_responses=True)
    try:
        return sorted(await client.keys(pattern))
    finally:
        await client.aclose()


async def unlocked(url: str, key: str) -> None:
    for _ in range(200):
        if not await redis_keys(url, key):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{key} is still held")


async def test_conversation_state_survives_a_restart_with_redis(
    telegram: FakeTelegram, tmp_path: Path, databases: Databases, redis_url: str
) -> None:
    url = databases.new(tmp_path)
    first = BotProcess(telegram, url, tmp_path / "first.log", REDIS_URL=redis_url)
    await first.start()
    person = telegram.person(4601, "Rosa")
    try:
        await person.send("/start")
        await saw(person, "Participa")
        await person.press("Español")
        await saw(person, "Ley N° 29733")
        await person.press("✅ Acepto")
        await saw(person, "¿Cuál es tu nombre completo?")
        await person.send("Rosa Huamán")
        await saw(person, "¿En qué región")
        await unlocked(redis_url, "participa:4601:4601:default:lock")  # between two updates
    finally:
        await first.stop(kill=True)  # SIGKILL: nothing saved on the way out
    # The state is in Redis (a key per chat, user and destiny), not in the database.
    assert await redis_keys(redis_url, "participa:4601:4601:*") == [
        "participa:4601:4601:default:data",
        "participa:4601:4601:default:state",
    ]
    assert query(url, "select count(*) from fsm_states") == [(0,)]

    second = BotProcess(telegram, url, tmp_path / "second.log", REDIS_URL=redis_url)
    await second.start()
    try:
        await person.press("La Libertad")  # the button the first process sent
        await saw(person, "¿A quién representas?")
        await person.press("Entidad pública")
        await saw(person, "Escribe el nombre de tu organización")
        await person.send("Gobierno Regional de La Libertad")
        await saw(person, "número de celular")
        await person.tap("Omitir")
        await saw(person, "¡Listo, Rosa Huamán!")
    finally:
        await second.stop()
    assert query(
        url, "select full_name, region_code, org_type_code from people where telegram_id = 4601"
    ) == [("Rosa Huamán", "13", "entidad_publica")]


class TwoInstances:
    """Two dispatchers (as two instances would have) on one database and one Redis; each update
    the person sends goes to the other one than the previous."""

    def __init__(self, apps: list[App]) -> None:
        self.apps = apps
        self.offset = 0
        self.handled_by: list[int] = []

    async def deliver(self) -> None:
        for update in await self.apps[0].bot.get_updates(offset=self.offset, timeout=0):
            self.offset = update.update_id + 1
            instance = len(self.handled_by) % 2
            self.handled_by.append(instance)
            app = self.apps[instance]
            await app.dispatcher.feed_update(app.bot, update)


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def two(
    telegram: FakeTelegram, tmp_path_factory: pytest.TempPathFactory, databases: Databases, redis_url: str
) -> AsyncIterator[TwoInstances]:
    url = databases.new(tmp_path_factory.mktemp("two"))
    settings = load_settings(
        bot_token=DEFAULT_TOKEN, telegram_api_url=telegram.base_url, database_url=url, redis_url=redis_url,
        flood_limit=8,
    )  # fmt: skip
    apps = [await create_app(settings) for _ in range(2)]
    yield TwoInstances(apps)
    for app in apps:
        await app.close()


async def test_two_instances_sharing_redis_keep_one_conversation(
    telegram: FakeTelegram, two: TwoInstances
) -> None:
    for app in two.apps:
        assert isinstance(app.dispatcher.storage, RedisStorage)
        assert isinstance(app.dispatcher.fsm.events_isolation, RedisEventIsolation)
    person = telegram.person(4602, "Ana")

    async def step(action: object, expected: str) -> None:
        await action  # type: ignore[misc]
        await two.deliver()
        await saw(person, expected)

    await step(person.send("/start"), "Participa")
    await step(person.press("Español"), "Ley N° 29733")
    await step(person.press("✅ Acepto"), "¿Cuál es tu nombre completo?")
    await step(person.send("Ana Quispe"), "¿En qué región")
    await step(person.press("Arequipa"), "¿A quién representas?")
    await step(person.press("Entidad pública"), "Escribe el nombre de tu organización")
    await step(person.send("Municipalidad de Yura"), "número de celular")
    await step(person.tap("Omitir"), "¡Listo, Ana Quispe!")
    assert two.handled_by == [0, 1, 0, 1, 0, 1, 0, 1]  # every step went to the other instance
    rows = query(
        two.apps[0].settings.database_url,
        "select p.full_name, p.region_code, o.name from people p join organisations o "
        "on o.id = p.organisation_id where p.telegram_id = 4602",
    )
    assert rows == [("Ana Quispe", "04", "Municipalidad de Yura")]


async def test_a_chat_locked_by_one_instance_waits_on_the_other(
    telegram: FakeTelegram, two: TwoInstances
) -> None:
    person = telegram.person(4603, "Eva")
    await person.send("/ayuda")
    (update,) = await two.apps[0].bot.get_updates(offset=two.offset, timeout=0)
    two.offset = update.update_id + 1
    first, second = two.apps
    key = StorageKey(bot_id=telegram.bot_id, chat_id=4603, user_id=4603, destiny="default")
    async with first.dispatcher.fsm.events_isolation.lock(key):  # the first instance is at work
        handling = asyncio.create_task(second.dispatcher.feed_update(second.bot, update))
        await asyncio.sleep(0.5)
        assert not handling.done()  # the second one waits for the chat's lock
    await asyncio.wait_for(handling, 10)
    assert person.messages  # then handles it


async def test_a_chat_lock_expires_by_itself_when_its_holder_dies(
    telegram: FakeTelegram, two: TwoInstances
) -> None:
    isolation = two.apps[0].dispatcher.fsm.events_isolation
    assert isinstance(isolation, RedisEventIsolation)
    key = StorageKey(bot_id=telegram.bot_id, chat_id=4605, user_id=4605, destiny="default")
    name = isolation.key_builder.build(key, "lock")
    held = isolation.redis.lock(name, **isolation.lock_kwargs)  # as the lock an instance took
    assert await held.acquire(blocking=False)
    try:  # an instance killed now never releases it: Redis drops it within CHAT_LOCK_SECONDS
        assert 0 < await isolation.redis.pttl(name) <= CHAT_LOCK_SECONDS * 1000
    finally:
        await held.release()


async def test_the_flood_limit_is_shared_between_instances(telegram: FakeTelegram, two: TwoInstances) -> None:
    person = telegram.person(4604, "Luz")
    for n in range(12):  # 6 to each instance, 12 in all: over the limit of 8 only together
        await person.send(f"hola {n}")
    await two.deliver()
    await saw(person, "Vas muy rápido")
    notices = [m for m in person.messages if "Vas muy rápido" in m.text]
    assert len(notices) == 1
