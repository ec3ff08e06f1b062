"""/difundir end to end, with the fake server enforcing Telegram's limits (30/s, 1/s per chat)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from bot.fakeapi import FakePerson, FakeTelegram, RateLimits
from tests.databases import Databases
from tests.e2e.harness import BotProcess, add_people, alerted, grant, query, saw

pytestmark = pytest.mark.asyncio(loop_scope="module")

ORGANISER, OTHER_ORGANISER, PARTICIPANT = 7001, 7002, 7003


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def limited(telegram: FakeTelegram) -> FakeTelegram:
    telegram.rate_limits = RateLimits(global_per_second=30, per_chat_per_second=1, per_chat_burst=3)
    return telegram


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def running(
    limited: FakeTelegram, tmp_path_factory: pytest.TempPathFactory, databases: Databases
) -> AsyncIterator[BotProcess]:
    folder = tmp_path_factory.mktemp("broadcast")
    url = databases.new(folder)
    grant(url, ORGANISER, "organiser", "04")
    grant(url, ORGANISER, "organiser", "13")
    grant(url, OTHER_ORGANISER, "organiser", "22")
    # The default 25 messages/s; on PostgreSQL a restarted bot takes back its dead predecessor's
    # deliveries in flight once their claim is a second old (two minutes in production).
    process = BotProcess(limited, url, folder / "bot.log", CLAIM_STALE_SECONDS="1")
    await process.start()
    yield process
    await process.stop()


async def compose(organiser: FakePerson, region: str, text: str) -> None:
    await organiser.send("/difundir")
    await saw(organiser, "¿A quiénes quieres escribir?")
    await organiser.press("Todas las personas de una región")
    await saw(organiser, "Todas las personas de una región")
    await organiser.press(region)
    await saw(organiser, "Escribe el mensaje")
    await organiser.send(text)
    await saw(organiser, "¿Lo envío?")


async def test_broadcast_to_500_arrives_once_each_with_no_429(
    limited: FakeTelegram, running: BotProcess
) -> None:
    add_people(running.database_url, limited, range(10_000, 10_500), region="04")
    add_people(
        running.database_url, limited, range(10_500, 10_510), region="04", announcements=False
    )  # opted out
    add_people(running.database_url, limited, range(10_510, 10_520), region="22")  # another region
    for blocked in range(10_000, 10_005):
        limited.block(blocked, notify=False)
    organiser = limited.person(ORGANISER, "Olga")
    await compose(organiser, "Arequipa", "Recuerden: el <b>taller</b> empieza a las 9 & puntual.")
    assert "Se enviará a 500 personas" in organiser.messages[-1].text
    await organiser.press("📣 Enviar")
    await saw(organiser, "Enviando")
    throttled_before = limited.stats[
        "429"
    ]  # the organiser's own quick clicks may have met the per-chat limit
    report = await saw(organiser, "Difusión terminada", timeout=60)
    assert "Enviados: 495 de 500" in report.text and "bloquearon el bot" in report.text
    for tid in range(10_005, 10_500):
        assert limited.delivered.get(tid) == ["Recuerden: el <b>taller</b> empieza a las 9 & puntual."]
    for tid in [*range(10_000, 10_005), *range(10_500, 10_520)]:
        assert tid not in limited.delivered
    assert limited.stats["429"] == throttled_before  # the broadcast itself met no 429
    blocked = query(running.database_url, "select count(*) from people where not reachable")
    assert blocked == [(5,)]


async def test_a_stopped_broadcast_stops(limited: FakeTelegram, running: BotProcess) -> None:
    add_people(running.database_url, limited, range(20_000, 20_300), region="04")
    organiser = limited.person(ORGANISER, "Olga")
    await compose(organiser, "Arequipa", "Mensaje largo que vamos a detener")
    await organiser.press("📣 Enviar")
    await saw(organiser, "Enviando")
    await organiser.press("⏹ Detener")
    await alerted(organiser, "Detenido")
    report = await saw(organiser, "Difusión detenida", timeout=30)

    def sent() -> int:
        return sum(
            texts.count("Mensaje largo que vamos a detener")
            for chat, texts in limited.delivered.items()
            if chat != ORGANISER  # the organiser saw a preview
        )

    stopped_at = sent()
    assert stopped_at < 795 and f"Enviados: {stopped_at} de 800" in report.text  # 500 + 300 in Arequipa
    assert "detenidos antes de enviarse" in report.text
    await asyncio.sleep(2)
    assert sent() == stopped_at


async def test_only_organisers_of_the_region(limited: FakeTelegram, running: BotProcess) -> None:
    participant = limited.person(PARTICIPANT, "Pía")
    await participant.send("/difundir")
    await saw(participant, "es para quienes organizan talleres")
    other = limited.person(OTHER_ORGANISER, "Óscar")
    await other.send("/difundir")
    await saw(other, "¿A quiénes quieres escribir?")
    await other.press("Todas las personas de una región")
    options = await saw(other, "Todas las personas de una región")
    assert options.button_texts == ["San Martín"]
    await other.press_callback("bct:04")  # forged: Arequipa is not his region
    await alerted(other, "solo para quienes organizan talleres en esa región")
    await participant.press_callback("bc:stop:1")  # a participant forging a stop button
    await alerted(participant, "solo para quienes organizan")
    assert query(running.database_url, "select stopped_at from broadcasts where id = 1") == [(None,)]


async def test_killed_mid_broadcast_finishes_after_restart(
    limited: FakeTelegram, running: BotProcess
) -> None:
    add_people(running.database_url, limited, range(30_000, 30_300), region="13")
    organiser = limited.person(ORGANISER, "Olga")
    await compose(organiser, "La Libertad", "Sobrevive a un reinicio")
    before = len(limited.calls("sendMessage"))
    await organiser.press("📣 Enviar")
    await saw(organiser, "Enviando")
    await limited.wait_for_call("sendMessage", count=before + 60, timeout=30)  # some sent, most not yet
    await running.stop(kill=True)
    await running.start()
    await saw(organiser, "Difusión terminada", timeout=60)
    counts = [
        limited.delivered.get(tid, []).count("Sobrevive a un reinicio") for tid in range(30_000, 30_300)
    ]
    assert min(counts) == 1  # no one missing
    assert sum(counts) - len(counts) <= 8  # at most the sender's concurrency was in flight at the kill
