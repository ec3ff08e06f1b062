"""/exportar and /estadisticas end to end: a real bot process, the fake Bot API, a known database."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from bot.fakeapi import FakeTelegram
from tests import report_fixture as fx
from tests.e2e.harness import BotProcess, add_people, alerted, grant, query, saw

pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    # The fixture writes its known counts with sqlite3; the same views, exports and statistics are
    # checked on PostgreSQL by tests/test_exports_pg.py.
    pytest.mark.skipif(
        os.environ.get("TEST_DATABASE") == "postgres", reason="chat reports e2e run on SQLite"
    ),
]


@pytest.fixture(scope="module")
def populated(bot_process: BotProcess) -> str:
    fx.populate(Path(bot_process.database_url.split(":///", 1)[1]))
    return bot_process.database_url


def person_with_role(
    url: str, telegram: FakeTelegram, telegram_id: int, role: str | None, region: str = "13"
):
    add_people(url, telegram, range(telegram_id, telegram_id + 1), region=region)
    if role:
        grant(url, telegram_id, role, region if role == "organiser" else None)
    return telegram.person(telegram_id, f"Persona {telegram_id}")


async def test_admin_exports_a_dataset_as_a_document_and_it_is_audited(
    telegram: FakeTelegram, bot_process: BotProcess, populated: str, new_user_id: int
) -> None:
    admin = person_with_role(populated, telegram, new_user_id, "sgp_admin")
    await admin.send("/exportar")
    await saw(admin, "¿Qué datos quieres exportar?")
    await admin.press("Opiniones")
    await saw(admin, "¿en qué formato?")
    await admin.press("CSV (Excel, LibreOffice)")
    await saw(admin, "Preparando el archivo de Opiniones")
    document = await saw(admin, "Opiniones: 6 filas.")
    assert document.kind == "document" and document.file_name == "opiniones.csv"
    rows = list(csv.reader(io.StringIO(document.file_bytes.decode("utf-8-sig"))))
    expected = query(populated, "SELECT id, comentario FROM v_feedback WHERE oculto = 0 ORDER BY id")
    assert [(int(r[0]), r[-3]) for r in rows[1:]] == [
        (i, "'" + c if c[0] in "=+-@\t" else c) for i, c in expected
    ]
    audit = query(
        populated, "SELECT actor_telegram_id, target, details FROM audit_log WHERE action = 'export'"
    )
    assert (new_user_id, "feedback") in [(actor, target) for actor, target, _ in audit]
    assert json.loads(audit[-1][2])["format"] == "csv"

    await admin.send("/exportar")
    await saw(admin, "¿Qué datos quieres exportar?")
    await admin.press("Talleres")
    await saw(admin, "¿en qué formato?")
    await admin.press("JSON")
    document = await saw(admin, "Talleres: 3 filas.")
    assert [w["taller_codigo"] for w in json.loads(document.file_bytes)] == [
        "taller-ll",
        "taller-sm",
        "mesa-lima",
    ]


async def test_others_cannot_export_and_forged_buttons_change_nothing(
    telegram: FakeTelegram, bot_process: BotProcess, populated: str, new_user_id: int
) -> None:
    organiser = person_with_role(populated, telegram, new_user_id, "organiser")
    before = query(populated, "SELECT COUNT(*) FROM audit_log")
    await organiser.send("/exportar")
    await saw(organiser, "solo para la administración de la SGP")
    await organiser.press_callback("exp:participants:csv")
    await alerted(organiser, "solo para la administración de la SGP")
    await organiser.press_callback("exp:secretos:csv")
    await alerted(organiser, "Ese botón ya no es válido")
    await organiser.press_callback("exp:feedback:exe")
    await alerted(organiser, "Ese botón ya no es válido")
    assert query(populated, "SELECT COUNT(*) FROM audit_log") == before


async def test_statistics_for_an_organiser_are_restricted_to_their_regions(
    telegram: FakeTelegram, bot_process: BotProcess, populated: str, new_user_id: int
) -> None:
    organiser = person_with_role(populated, telegram, new_user_id, "organiser", region="22")
    await organiser.send("/estadisticas")
    tables = await saw(organiser, "Cuadro 4")
    assert "Regiones: San Martín" in tables.text and "La Libertad" not in tables.text
    assert "Total (%)" in tables.text and "Organización de la Sociedad Civil" in tables.text
    photos = [await saw(organiser, f"Cuadro {n}") for n in range(1, 5)]
    assert all(p.kind == "photo" and p.file_bytes.startswith(b"\x89PNG") for p in photos)

    participant = person_with_role(populated, telegram, new_user_id + 500, None)
    await participant.send("/estadisticas")
    await saw(participant, "para quienes organizan talleres")


async def test_a_file_past_the_upload_limit_gets_a_clear_message(
    telegram: FakeTelegram, bot_process: BotProcess, populated: str, new_user_id: int, tmp_path: Path
) -> None:
    small = BotProcess(telegram, populated, tmp_path / "bot.log", EXPORT_MAX_BYTES="200")
    await bot_process.stop()
    await small.start()
    try:
        admin = person_with_role(populated, telegram, new_user_id, "sgp_admin")
        await admin.send("/exportar")
        await saw(admin, "¿Qué datos quieres exportar?")
        await admin.press("Inscripciones")
        await saw(admin, "¿en qué formato?")
        await admin.press("Excel (XLSX)")
        refusal = await saw(admin, "más de lo que Telegram deja enviar")
        assert "participa export registrations --format xlsx" in refusal.text
    finally:
        await small.stop()
        await bot_process.start()
