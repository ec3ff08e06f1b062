"""A restart of the bot process in the middle of the profile resumes where it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.fakeapi import FakeTelegram
from tests.databases import Databases
from tests.e2e.harness import BotProcess, query, saw

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_killed_in_the_middle_of_the_profile(
    telegram: FakeTelegram, tmp_path: Path, databases: Databases
) -> None:
    url = databases.new(tmp_path)
    first = BotProcess(telegram, url, tmp_path / "first.log")
    await first.start()
    person = telegram.person(4242, "Rosa", language_code="qu")
    try:
        await person.send("/start")
        await saw(person, "Participa")
        await person.press("Runa Simi")
        await saw(person, "Ley N° 29733")
        await person.press("✅ Acepto")
        await saw(person, "¿Cuál es tu nombre completo?")
        await person.send("Rosa Huamán")
        await saw(person, "¿En qué región")
    finally:
        await first.stop(kill=True)  # SIGKILL: no chance to save anything on the way out

    second = BotProcess(telegram, url, tmp_path / "second.log")
    await second.start()
    try:
        await person.press("La Libertad")  # the button sent by the first process
        await saw(person, "¿A quién representas?")
        await person.press("Entidad pública")
        await saw(person, "Escribe el nombre de tu organización")
        await person.send("Gobierno Regional de La Libertad")
        await saw(person, "número de celular")
        await person.tap("Omitir")
        await saw(person, "¡Listo, Rosa Huamán!")
    finally:
        await second.stop()
    assert query(url, "select full_name, region_code, org_type_code, locale from people") == [
        ("Rosa Huamán", "13", "entidad_publica", "qu")
    ]
