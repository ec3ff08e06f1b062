from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from bot.fakeapi import FakeTelegram
from tests.databases import Databases
from tests.e2e.harness import BotProcess

_user_ids = itertools.count(2000)


@pytest.fixture
def new_user_id() -> int:
    return next(_user_ids)


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(bot_username="participa_test_bot") as server:
        yield server


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def bot_process(
    telegram: FakeTelegram, tmp_path_factory: pytest.TempPathFactory, databases: Databases
) -> AsyncIterator[BotProcess]:
    """One bot process per test module (each test uses people of its own)."""
    folder = tmp_path_factory.mktemp("e2e")
    process = BotProcess(telegram, databases.new(folder), folder / "bot.log")
    await process.start()
    yield process
    await process.stop()
    databases.drop(process.database_url)
