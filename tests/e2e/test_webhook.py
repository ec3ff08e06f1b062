"""Webhook mode on SQLite: the secret, /healthz, a resent update handled once, SIGTERM mid-conversation."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiohttp import ClientSession

from bot.config import Settings
from bot.fakeapi import DEFAULT_TOKEN, FakeTelegram
from bot.webhook import webhook_secret
from tests.databases import Databases
from tests.e2e.harness import BotProcess, query, saw
from tests.e2e.test_onboarding import begin, onboard
from tests.e2e.webhook import SECRET, WebhookBot, handled_counts

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def telegram() -> AsyncIterator[FakeTelegram]:
    # Resends for up to a minute, as Telegram keeps resending an update it got no answer for.
    async with FakeTelegram(webhook_retry_delay=0.2, webhook_max_retries=300) as server:
        yield server


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def webhook_bot(
    telegram: FakeTelegram, tmp_path_factory: pytest.TempPathFactory, databases: Databases
) -> AsyncIterator[WebhookBot]:
    folder = tmp_path_factory.mktemp("webhook")
    bot = WebhookBot(telegram, databases.new(folder), folder / "bot.log")
    await bot.start()
    yield bot
    await bot.stop()


def _start_update(update_id: int, user_id: int) -> dict[str, object]:
    user = {"id": user_id, "is_bot": False, "first_name": "Eva", "language_code": "es"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "Eva"},
            "from": user,
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def test_a_conversation_over_the_webhook(
    telegram: FakeTelegram, webhook_bot: WebhookBot, new_user_id: int
) -> None:
    assert telegram.webhook_url == f"{webhook_bot.url}/telegram"
    person = telegram.person(new_user_id, "Ana")
    await onboard(person, "es", "Ana Webhook")
    rows = query(webhook_bot.database_url, "select full_name from people where telegram_id = ?", new_user_id)
    assert rows == [("Ana Webhook",)]
    assert set(handled_counts(webhook_bot).values()) == {1}


async def test_the_secret_token_is_checked(webhook_bot: WebhookBot, new_user_id: int) -> None:
    update = _start_update(800_000_001, new_user_id)
    async with ClientSession() as http:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            async with http.post(f"{webhook_bot.url}/telegram", json=update, headers=headers) as response:
                assert response.status == 403
    assert 800_000_001 not in handled_counts(webhook_bot)


async def test_healthz_checks_the_database(webhook_bot: WebhookBot) -> None:
    async with ClientSession() as http, http.get(f"{webhook_bot.url}/healthz") as response:
        assert response.status == 200
        assert await response.json() == {"status": "ok"}


async def test_a_resent_update_is_handled_once(
    telegram: FakeTelegram, webhook_bot: WebhookBot, new_user_id: int
) -> None:
    person = telegram.person(new_user_id, "Eva")
    update = _start_update(800_000_002, new_user_id)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with ClientSession() as http:
        for _ in range(3):  # Telegram got no answer the first times: it sends the same update again
            async with http.post(f"{webhook_bot.url}/telegram", json=update, headers=headers) as response:
                assert response.status == 200
    await saw(person, "Participa")
    await person.expect_nothing(timeout=0.5)
    outcomes = [outcome for uid, outcome in webhook_bot.update_outcomes() if uid == 800_000_002]
    assert outcomes == ["handled", "duplicate", "duplicate"]


async def test_the_secret_is_derived_from_the_token_when_not_given() -> None:
    derived = webhook_secret(Settings(bot_token=DEFAULT_TOKEN, _env_file=None))
    assert derived == webhook_secret(
        Settings(bot_token=DEFAULT_TOKEN, _env_file=None)
    )  # same on every instance
    assert DEFAULT_TOKEN not in derived and len(derived) == 64
    assert (
        webhook_secret(Settings(bot_token=DEFAULT_TOKEN, webhook_secret="given", _env_file=None)) == "given"
    )


@pytest.mark.parametrize("mode", ["webhook", "polling"])
async def test_sigterm_mid_conversation_loses_nothing(
    mode: str,
    telegram: FakeTelegram,
    tmp_path_factory: pytest.TempPathFactory,
    databases: Databases,
    new_user_id: int,
) -> None:
    folder = tmp_path_factory.mktemp(f"sigterm-{mode}")
    database_url = databases.new(folder)
    make = WebhookBot if mode == "webhook" else BotProcess
    bot = make(telegram, database_url, folder / "bot.log")
    await bot.start()
    person = telegram.person(new_user_id, "Rosa")
    await begin(person, "es")
    await person.send("Rosa Mamani")  # and at once the platform stops the instance
    await asyncio.sleep(0.05)
    await bot.stop()
    assert bot.process is not None and bot.process.returncode == 0, bot.log()
    assert '"message": "stopped"' in bot.log()
    await bot.start()  # the next deploy takes the conversation up where it was
    try:
        await saw(person, "¿En qué región", timeout=20)
        await person.press("Arequipa")
        await saw(person, "¿A quién representas?")
        await person.press("ONG u organización de base")
        await saw(person, "Escribe el nombre de tu organización")
        await person.send("Red Muqui")
        await saw(person, "número de celular")
        await person.share_contact(phone="+51 987 654 321")
        await saw(person, "Tu perfil está guardado")
    finally:
        await bot.stop()
    assert bot.process.returncode == 0
    rows = query(database_url, "select full_name from people where telegram_id = ?", new_user_id)
    assert rows == [("Rosa Mamani",)]
