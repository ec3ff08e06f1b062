"""Trust end to end: re-consent, erasure, roles in the chat, errors, floods, the update log."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.fakeapi import FakeTelegram
from tests.databases import Databases
from tests.e2e.harness import BotProcess, grant, query, saw
from tests.e2e.test_onboarding import onboard

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def bot_process(
    telegram: FakeTelegram, tmp_path_factory: pytest.TempPathFactory, databases: Databases
) -> AsyncIterator[BotProcess]:
    """This module's bot keeps the product's flood limit (20 updates in 10 s), which it tests."""
    folder = tmp_path_factory.mktemp("e2e-trust")
    process = BotProcess(telegram, databases.new(folder), folder / "bot.log", FLOOD_LIMIT="20")
    await process.start()
    yield process
    await process.stop()
    databases.drop(process.database_url)


async def test_a_new_notice_asks_consent_again_before_anything_else(
    telegram: FakeTelegram, tmp_path: Path, databases: Databases
) -> None:
    url = databases.new(tmp_path)
    first = BotProcess(telegram, url, tmp_path / "v1.log")
    await first.start()
    person = telegram.person(8101, "Ana")
    try:
        await onboard(person, "es", "Ana Versión")
    finally:
        await first.stop()
    second = BotProcess(telegram, url, tmp_path / "v2.log", PRIVACY_NOTICE_VERSION="2")
    await second.start()
    try:
        await person.send("/ayuda")  # anything else first asks the new notice
        await saw(person, "Ley N° 29733")
        await person.send("/misdatos")  # rights can be exercised without agreeing
        document = await saw(person, "todo lo que Participa guarda")
        assert json.loads(document.file_bytes)["consentimiento"]["version_del_aviso"] == 1
        await person.press("✅ Acepto")
        await saw(person, "Menú principal")  # the profile is complete: straight to the menu
        await person.send("/privacidad")
        notice = await saw(person, "Diste tu permiso")
        assert "versión 2" in notice.text
    finally:
        await second.stop()
    assert query(url, "select consent_version from people where telegram_id = 8101") == [(2,)]


async def test_erasure_leaves_no_personal_data(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    person = telegram.person(new_user_id, "Ana")
    await onboard(person, "es", "Nombre Para Borrar")
    await person.send("/borrarmisdatos")
    await saw(person, "¿Seguro")
    await person.press("Sí, borrar mis datos")
    await saw(person, "Borramos tus datos")
    rows = query(bot_process.database_url, "select * from people where full_name = 'Nombre Para Borrar'")
    assert rows == []
    assert query(
        bot_process.database_url, "select count(*) from people where telegram_id = ?", new_user_id
    ) == [(0,)]
    assert query(
        bot_process.database_url,
        "select count(*) from people where phone = '+51987654321' and erased_at is not null",
    ) == [(0,)]
    assert query(
        bot_process.database_url, "select count(*) from deliveries where chat_id = ?", new_user_id
    ) == [(0,)]
    # Every export reads one of the views: none of them, nor the log, holds the name or the phone.
    views = [
        name
        for (name,) in query(
            bot_process.database_url,
            "select table_name from information_schema.views where table_schema = 'public'"
            if bot_process.database_url.startswith("postgresql")
            else "select name from sqlite_master where type = 'view'",
        )
    ]
    assert len(views) >= 7
    for view in views:
        rows = str(query(bot_process.database_url, f"select * from {view}"))
        assert "Nombre Para Borrar" not in rows and "987654321" not in rows, view
    assert "Nombre Para Borrar" not in bot_process.log(tail=None)
    await person.send("/start")  # starts again as new
    await saw(person, "Primero, elige tu idioma")


async def test_roles_in_the_chat_are_for_administrators_only(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    admin = telegram.person(new_user_id, "Sara")
    grant(bot_process.database_url, new_user_id, "sgp_admin")
    outsider = telegram.person(new_user_id + 1, "Omar")
    await outsider.send(f"/roles dar {new_user_id + 1} sgp")
    await saw(outsider, "solo para la administración de la SGP")
    await admin.send(f"/roles dar {new_user_id + 1} organizador San Martin")
    await saw(admin, "rol actualizado")
    assert query(
        bot_process.database_url, "select role, region_code from roles where telegram_id = ?", new_user_id + 1
    ) == [("organiser", "22")]
    menus = [c for (scope, _lang), c in telegram.commands.items() if str(new_user_id + 1) in scope]
    assert (
        menus
        and "difundir" in {c["command"] for c in menus[-1]}
        and "roles" not in {c["command"] for c in menus[-1]}
    )
    await admin.send("/roles")
    listing = await saw(admin, "Roles")
    assert f"{new_user_id + 1}: organización de talleres (San Martín)" in listing.text
    await admin.send("/roles dar x y")
    await saw(admin, "Para cambiar roles")
    actions = query(
        bot_process.database_url,
        "select actor_telegram_id, action from audit_log where target = ?",
        str(new_user_id + 1),
    )
    assert actions == [(new_user_id, "role.grant")]


async def test_a_failure_is_reported_and_nothing_is_lost(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    person = telegram.person(new_user_id, "Ana")
    await person.send("/start")
    await saw(person, "Primero, elige tu idioma")
    await person.press("Español")
    await saw(person, "Ley N° 29733")
    await person.press("✅ Acepto")
    await saw(person, "¿Cuál es tu nombre completo?")
    telegram.fail_next("sendMessage", 500, "Internal Server Error", chat_id=new_user_id)
    await person.send("Ana Falla")
    await saw(person, "Algo falló de nuestro lado")
    await person.send("/start")
    await saw(person, "¿En qué región")  # the name was kept


async def test_a_flood_is_ignored_after_one_notice(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    person = telegram.person(new_user_id, "Ana")
    for n in range(40):  # this module's bot allows 20 updates in 10 s
        await person.send(f"hola {n}")
    await saw(person, "Vas muy rápido")
    await asyncio.sleep(1.5)
    notices = [m for m in person.messages if "Vas muy rápido" in m.text]
    assert len(notices) == 1
    throttled = [line for line in bot_process.log(tail=None).splitlines() if '"outcome": "throttled"' in line]
    assert len(throttled) >= 20  # 40 updates in about a second: the 20 allowed are answered, the rest not


async def test_update_log_lines_hold_no_personal_data(bot_process: BotProcess) -> None:
    lines = [line for line in bot_process.log(tail=None).splitlines() if '"latency_ms"' in line]
    assert lines
    for line in lines:
        record = json.loads(line)
        assert {"update_id", "kind", "latency_ms", "outcome"} <= record.keys()
        assert "Ana" not in line and "Nombre Para Borrar" not in line and "987654321" not in line
