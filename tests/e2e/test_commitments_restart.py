"""A restart of the bot process in the middle of the SMART steps goes on at the same step.

A module of its own: no other bot process polls this module's fake Telegram server meanwhile.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.fakeapi import FakePerson, FakeTelegram
from tests.databases import Databases
from tests.e2e.consultation import open_commitment, participa
from tests.e2e.harness import BotProcess, query, saw
from tests.e2e.test_onboarding import onboard

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_restart_in_the_middle_of_the_smart_steps_resumes_there(
    telegram: FakeTelegram, tmp_path: Path, databases: Databases
) -> None:
    url = databases.new(tmp_path)
    await participa(url, "load", "demo")
    first = BotProcess(telegram, url, tmp_path / "first.log")
    await first.start()
    person = telegram.person(4343, "Rosa")
    try:
        await onboard(person, "es", "Rosa Reinicio")
        await open_commitment(person, "Seguridad ciudadana", "SEG-01")
        await person.press("💬 Opinar")
        await saw(person, "1/7")
        await person.press("✍️ De acuerdo con cambios")
        await saw(person, "2/7")
        await person.press("En parte")
        await saw(person, "3/7 · Medible")
    finally:
        await first.stop(kill=True)  # SIGKILL: nothing saved on the way out

    second = BotProcess(telegram, url, tmp_path / "second.log")
    await second.start()
    try:
        await person.send("hola")  # typed after the restart: the pending question again
        await saw(person, "elige una opción")
        await saw(person, "3/7 · Medible")
        await person.press("No cumple")  # a button of the message sent before the restart works too
        await saw(person, "4/7 · Realizable")
        await answer_rest(person)
    finally:
        await second.stop()
    assert query(
        url,
        "select support, especifico, medible, realizable, realista, plazos, comment from feedback",
    ) == [("de_acuerdo_con_cambios", "en_parte", "no_cumple", "cumple", "cumple", "cumple", "Bien.")]


async def answer_rest(person: FakePerson) -> None:
    for step in (5, 6, 7):
        await person.press("Cumple")
        await saw(person, f"{step}/7")
    await person.send("Bien.")
    await saw(person, "Revisa tu opinión")
    await person.press("✅ Confirmar")
    await saw(person, "Guardamos tu opinión")
