"""Reading the demo commitments and giving SMART feedback, end to end (a real bot process, the fake
Bot API over HTTP). The demo is loaded with `participa load demo`; a theme page holds 2 commitments
(COMMITMENTS_PAGE_SIZE=2) so that paging shows on the demo's themes."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from bot.fakeapi import FakeTelegram
from tests.databases import Databases
from tests.e2e.consultation import (
    give_opinion,
    open_commitment,
    open_theme,
    participa,
    with_buttons,
)
from tests.e2e.harness import BotProcess, query, saw
from tests.e2e.test_onboarding import onboard

pytestmark = pytest.mark.asyncio(loop_scope="module")

DEMO_COUNTS = {
    "Salud": 2, "Educación": 4, "Infraestructura": 5, "Saneamiento": 2, "Ambiente": 3,
    "Seguridad ciudadana": 2,
}  # fmt: skip


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def bot_process(
    telegram: FakeTelegram, tmp_path_factory: pytest.TempPathFactory, databases: Databases
) -> AsyncIterator[BotProcess]:
    folder = tmp_path_factory.mktemp("e2e-commitments")
    url = databases.new(folder)
    await participa(url, "load", "demo")
    process = BotProcess(telegram, url, folder / "bot.log", COMMITMENTS_PAGE_SIZE="2", FLOOD_LIMIT="1000")
    await process.start()
    yield process
    await process.stop()


def feedback_rows(url: str, telegram_id: int) -> list[tuple]:
    return query(
        url,
        "select f.id, v.number, c.code, f.channel, f.support, f.especifico, f.medible, f.realizable, "
        "f.realista, f.plazos, f.comment, f.created_at, f.updated_at, f.version_id, f.hidden "
        "from feedback f join commitment_versions v on v.id = f.version_id "
        "join commitments c on c.id = v.commitment_id join people p on p.id = f.person_id "
        "where p.telegram_id = ? order by f.id",
        telegram_id,
    )


async def test_all_six_themes_with_their_counts(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    person = telegram.person(new_user_id, "Ana")
    await person.send("/compromisos")  # reading needs no profile
    overview = await with_buttons(person, "Salud (")
    assert (
        "La consulta «Consulta virtual de los compromisos en borrador» está abierta hasta el" in overview.text
    )
    assert overview.button_texts == [f"{theme} ({n})" for theme, n in DEMO_COUNTS.items()] + ["⬅️ Menú"]
    for theme, count in DEMO_COUNTS.items():
        await person.press(f"{theme} ({count})")
        page = await saw(person, theme)
        assert f"{count} compromisos" in page.text
        codes = set()
        while True:
            codes |= {text.split(" · ")[0] for text in page.button_texts if " · " in text}
            if "Siguiente ▶️" not in page.button_texts:
                break
            await person.press("Siguiente ▶️")
            page = await saw(person, theme)
        assert len(codes) == count
        await person.press("⬅️ Temas")
        await with_buttons(person, "Salud (")


async def test_a_theme_is_paginated(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    person = telegram.person(new_user_id, "Ana")
    first = await open_theme(person, "Infraestructura")
    assert "Página 1 de 3" in first.text
    assert next(b for b in first.button_texts if " · " in b).startswith("INF-01 ·")
    assert "◀️ Anterior" not in first.button_texts and "Siguiente ▶️" in first.button_texts
    await person.press("Siguiente ▶️")
    second = await saw(person, "Página 2 de 3")
    assert [b.split(" · ")[0] for b in second.button_texts if " · " in b] == ["INF-03", "INF-04"]
    assert "◀️ Anterior" in second.button_texts
    await person.press("Siguiente ▶️")
    third = await saw(person, "Página 3 de 3")
    assert [b.split(" · ")[0] for b in third.button_texts if " · " in b] == ["INF-05"]
    assert "Siguiente ▶️" not in third.button_texts
    await person.press("◀️ Anterior")
    await saw(person, "Página 2 de 3")
    assert third.message_id == second.message_id  # paging edits the same message


async def test_a_commitment_in_full(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    person = telegram.person(new_user_id, "Ana")
    detail = await open_commitment(person, "Educación", "EDU-03")
    text = detail.text
    for part in (
        "EDU-03 · Rendición de cuentas de los recursos que reciben las instituciones educativas",
        "Tema: Educación · Versión 1 · 🛡️ Anticorrupción",
        "Problema público", "Objetivo", "Actividades", "1. Diseñar un formato simple",
        "Entidad responsable\nMinisterio de Educación (MINEDU)",
        "Valores de Gobierno Abierto\n• Rendición de cuentas\n• Transparencia y acceso a la información",
        "La consulta «Consulta virtual de los compromisos en borrador» está abierta",
    ):  # fmt: skip
        assert part in text, part
    assert detail.button_texts == ["💬 Opinar", "⬅️ Volver"]  # no disposition button: not an administrator
    await person.press("⬅️ Volver")
    await saw(person, "Educación")


async def test_full_smart_feedback_then_edit_keeps_history(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    person = telegram.person(new_user_id, "Ana")
    await onboard(person, "es", "Ana Quispe")
    await person.press("📝 Compromisos")
    await with_buttons(person, "Salud (")
    await person.press("Salud (2)")
    await saw(person, "Salud")
    await person.press(re.compile(r"^SAL-01 ·"))
    await with_buttons(person, "💬 Opinar")
    await person.press("💬 Opinar")
    support_question = await saw(person, "1/7")
    assert support_question.button_texts == ["👍 De acuerdo", "✍️ De acuerdo con cambios", "👎 En desacuerdo"]
    await person.press("✍️ De acuerdo con cambios")
    specific = await saw(person, "2/7 · Específico")
    assert "¿Dice con claridad qué se hará y qué problema público atiende?" in specific.text
    assert specific.button_texts == ["Cumple", "En parte", "No cumple", "No sé"]
    hints = {
        3: "Medible", 4: "Realizable", 5: "Realista", 6: "Con plazos establecidos",
    }  # fmt: skip
    answers = ["Cumple", "En parte", "No cumple", "No sé", "Cumple"]
    await person.press(answers[0])
    for step, name in hints.items():
        question = await saw(person, f"{step}/7 · {name}")
        assert "?" in question.text.split("\n")[1]  # a one-line explanation of the criterion
        await person.press(answers[step - 2])
    await saw(person, "7/7 · Comentario")
    comment = "Falta precisar cuántos <b>establecimientos</b> & en qué regiones."
    await person.send(comment)
    summary = await saw(person, "Revisa tu opinión sobre SAL-01")
    for line in (
        "Apoyo: De acuerdo con cambios", "Específico: Cumple", "Medible: En parte", "Realizable: No cumple",
        "Realista: No sé", "Con plazos establecidos: Cumple", f"Comentario: {comment}",
    ):  # fmt: skip
        assert line in summary.text, line
    await person.press("✅ Confirmar")
    await saw(person, "¡Gracias! Guardamos tu opinión sobre SAL-01")

    rows = feedback_rows(bot_process.database_url, new_user_id)
    assert len(rows) == 1
    feedback_id, number, code, channel, *smart, saved_comment, created, updated, version_id, hidden = rows[0]
    assert (number, code, channel, saved_comment, hidden) == (1, "SAL-01", "telegram", comment, 0)
    assert smart == ["de_acuerdo_con_cambios", "cumple", "en_parte", "no_cumple", "no_se", "cumple"]
    assert created == updated and created
    assert query(
        bot_process.database_url,
        "select v.id from commitment_versions v join commitments c on c.id = v.commitment_id "
        "where c.code = 'SAL-01' and v.number = 1",
    ) == [(version_id,)]

    # The commitment now offers to edit the opinion; the summary comes with the saved answers.
    await person.press("📄 Volver al compromiso")
    detail = await with_buttons(person, "✏️ Editar mi opinión")
    assert "Diste tu opinión el" in detail.text
    await person.press("✏️ Editar mi opinión")
    summary = await saw(person, "Revisa tu opinión sobre SAL-01")
    assert "Medible: En parte" in summary.text
    await person.press("✏️ Medible")
    await saw(person, "3/7 · Medible")
    await person.press("Cumple")
    summary = await saw(person, "Revisa tu opinión sobre SAL-01")  # straight back to the summary
    assert "Medible: Cumple" in summary.text and "Realizable: No cumple" in summary.text
    await person.press("✏️ Apoyo")
    await saw(person, "1/7")
    await person.press("👍 De acuerdo")
    await saw(person, "Revisa tu opinión")
    await person.press("✏️ Comentario")
    await saw(person, "7/7")
    await person.press("Sin comentario")
    summary = await saw(person, "Revisa tu opinión")
    assert "Comentario: sin comentario" in summary.text
    await person.press("✅ Confirmar")
    await saw(person, "Actualizamos tu opinión sobre SAL-01")

    rows = feedback_rows(bot_process.database_url, new_user_id)
    assert len(rows) == 1 and rows[0][0] == feedback_id  # replaced, not added
    assert rows[0][4:11] == ("de_acuerdo", "cumple", "cumple", "no_cumple", "no_se", "cumple", None)
    assert rows[0][12] > rows[0][11]  # updated_at moved on, created_at kept
    history = query(
        bot_process.database_url,
        "select support, especifico, medible, realizable, realista, plazos, comment, answered_at, "
        "replaced_at from feedback_history where feedback_id = ?",
        feedback_id,
    )
    assert history == [
        ("de_acuerdo_con_cambios", "cumple", "en_parte", "no_cumple", "no_se", "cumple", comment, created,
         rows[0][12]),
    ]  # fmt: skip


async def test_a_comment_over_2000_characters_is_refused_and_nothing_is_lost(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    person = telegram.person(new_user_id, "Ana")
    await onboard(person, "es", "Ana Larga")
    await open_commitment(person, "Ambiente", "AMB-02")
    await person.press("💬 Opinar")
    await saw(person, "1/7")
    await person.press("👎 En desacuerdo")
    for step in range(2, 7):
        await saw(person, f"{step}/7")
        await person.press("No cumple")
    await saw(person, "7/7")
    await person.send("x" * 2001)
    refused = await saw(person, "2001 caracteres y el máximo es 2000")
    assert "tus respuestas anteriores siguen guardadas" in refused.text
    await person.send("y" * 2000)  # exactly the limit is fine
    summary = await saw(person, "Revisa tu opinión")
    assert "Apoyo: En desacuerdo" in summary.text and "Con plazos establecidos: No cumple" in summary.text
    await person.press("✅ Confirmar")
    await saw(person, "Guardamos tu opinión")
    rows = feedback_rows(bot_process.database_url, new_user_id)
    assert [(r[2], r[4], len(r[10])) for r in rows] == [("AMB-02", "en_desacuerdo", 2000)]


async def test_text_instead_of_a_button_repeats_the_question(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    person = telegram.person(new_user_id, "Ana")
    await onboard(person, "es", "Ana Texto")
    await open_commitment(person, "Saneamiento", "SAN-01")
    await person.press("💬 Opinar")
    await saw(person, "1/7")
    await person.press("👍 De acuerdo")
    await saw(person, "2/7")
    await person.send("me parece bien")
    await saw(person, "elige una opción con los botones")
    again = await saw(person, "2/7 · Específico")
    assert again.button_texts == ["Cumple", "En parte", "No cumple", "No sé"]
    await person.send("/cancelar")
    await saw(person, "Lo que ya respondiste queda guardado")
    # «Opinar» again goes on where it was: the support given is kept.
    await open_commitment(person, "Saneamiento", "SAN-01")
    await person.press("💬 Opinar")
    await saw(person, "2/7 · Específico")
    assert feedback_rows(bot_process.database_url, new_user_id) == []


async def test_a_proposal(telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int) -> None:
    person = telegram.person(new_user_id, "Rosa")
    await onboard(person, "es", "Rosa Proponente")  # region: Arequipa
    await person.press("💡 Proponer un compromiso")
    theme_question = await saw(person, "1/5")
    assert len(theme_question.button_texts) == 6
    await person.press("Saneamiento")
    region_question = await saw(person, "2/5")
    assert region_question.button_texts[0] == "📍 Arequipa (tu región)"
    await person.press("📍 Arequipa (tu región)")
    await saw(person, "3/5")
    await person.send("p" * 1001)
    await saw(person, "el máximo es 1000 caracteres")
    problem = "En los anexos de Cayma el agua llega <2 horas> al día & sin cloro."
    await person.send(problem)
    await saw(person, "4/5")
    await person.send("Instalar cloradores y publicar cada mes la calidad del agua por anexo.")
    await saw(person, "5/5")
    await person.send("/proponer")  # a command in the middle: the question is asked again, nothing lost
    await saw(person, "5/5")
    await person.press("No sé")
    summary = await saw(person, "Revisa tu propuesta")
    assert "Tema: Saneamiento" in summary.text and "Región: Arequipa" in summary.text
    assert problem in summary.text and "no indicada" in summary.text
    await person.press("✏️ Entidad")
    await saw(person, "5/5")
    await person.send("SEDAPAR y Municipalidad de Cayma")
    await saw(person, "Revisa tu propuesta")
    await person.press("✅ Enviar")
    saved = await saw(person, "Recibimos tu propuesta N°")
    number = int(re.search(r"N° (\d+)", saved.text).group(1))
    rows = query(
        bot_process.database_url,
        "select pr.id, pr.channel, pr.theme_code, pr.region_code, pr.problem, pr.responsible, "
        "pr.org_type_code, pr.hidden from proposals pr join people p on p.id = pr.person_id "
        "where p.telegram_id = ?",
        new_user_id,
    )
    assert rows == [(number, "telegram", "saneamiento", "04", problem, "SEDAPAR y Municipalidad de Cayma",
                     "ong", 0)]  # fmt: skip


async def test_english_speaker_sees_the_flow_in_english(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    person = telegram.person(new_user_id, "John", language_code="en")
    await onboard(person, "en", "John Smith")
    await person.send("/compromisos")
    overview = await with_buttons(person, "Health (")
    assert "Draft commitments" in overview.text
    await give_opinion_en(person)
    assert len(feedback_rows(bot_process.database_url, new_user_id)) == 1


async def give_opinion_en(person) -> None:  # type: ignore[no-untyped-def]
    await person.press("Health (2)")
    await saw(person, "Health")
    await person.press(re.compile(r"^SAL-02 ·"))
    await with_buttons(person, "💬 Give my opinion")
    await person.press("💬 Give my opinion")
    await saw(person, "1/7")
    await person.press("👍 I agree")
    await saw(person, "2/7 · Specific")
    for step in range(3, 8):
        await person.press("Meets it")
        await saw(person, f"{step}/7")
    await person.press("No comment")
    await saw(person, "Check your opinion")
    await person.press("✅ Confirm")
    await saw(person, "We saved your opinion")


async def test_give_opinion_helper_on_two_commitments(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    """One opinion per commitment version: two commitments, two rows; the menu still works after."""
    person = telegram.person(new_user_id, "Ana")
    await onboard(person, "es", "Ana Dos")
    await give_opinion(person, "Educación", "EDU-04")
    await give_opinion(person, "Infraestructura", "INF-05", comment="Incluir a Loreto.")
    rows = feedback_rows(bot_process.database_url, new_user_id)
    assert [(r[2], r[10]) for r in rows] == [("EDU-04", None), ("INF-05", "Incluir a Loreto.")]
