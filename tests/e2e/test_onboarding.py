"""Onboarding end to end: a real bot process, the fake Bot API over HTTP, people in three languages."""

from __future__ import annotations

import json

import pytest

from bot.fakeapi import FakePerson, FakeTelegram
from tests.e2e.harness import BotProcess, alerted, query, saw

pytestmark = pytest.mark.asyncio(loop_scope="module")

# The visible texts each language shows (Quechua falls back to Spanish where not yet translated).
TEXT = {
    "es": {
        "lang": "Español", "accept": "✅ Acepto", "refuse": "No acepto",
        "name_q": "¿Cuál es tu nombre completo?",
        "region_q": "¿En qué región", "type_q": "¿A quién representas?", "ngo": "ONG u organización de base",
        "org_q": "Escribe el nombre de tu organización", "phone_q": "número de celular", "skip": "Omitir",
        "saved": "Tu perfil está guardado", "menu": "Menú principal", "notice": "Ley N° 29733",
    },
    "en": {
        "lang": "English", "accept": "✅ I accept", "refuse": "I do not accept",
        "name_q": "What is your full name?",
        "region_q": "Which region", "type_q": "Whom do you represent?",
        "ngo": "NGO or grassroots organisation",
        "org_q": "Type the name of your organisation", "phone_q": "mobile number", "skip": "Skip",
        "saved": "Your profile is saved", "menu": "Main menu", "notice": "Ley N° 29733",
    },
}  # fmt: skip
TEXT["qu"] = {**TEXT["es"], "lang": "Runa Simi"}


async def begin(person: FakePerson, lang: str) -> None:
    await person.send("/start")
    await saw(person, "Participa")
    await person.press(TEXT[lang]["lang"])
    await saw(person, TEXT[lang]["notice"])
    await person.press(TEXT[lang]["accept"])
    await saw(person, TEXT[lang]["name_q"])


async def onboard(person: FakePerson, lang: str, name: str, organisation: str | None = "Red Muqui") -> None:
    await begin(person, lang)
    await person.send(name)
    await saw(person, TEXT[lang]["region_q"])
    await person.press("Arequipa")
    await saw(person, TEXT[lang]["type_q"])
    await person.press(TEXT[lang]["ngo"])
    await saw(person, TEXT[lang]["org_q"])
    await person.send(organisation)
    await saw(person, TEXT[lang]["phone_q"])
    await person.share_contact(phone="+51 987 654 321")
    await saw(person, TEXT[lang]["saved"])
    await saw(person, TEXT[lang]["menu"])


@pytest.mark.parametrize("lang", ["es", "en", "qu"])
async def test_full_onboarding(
    lang: str, telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    person = telegram.person(new_user_id, "Ana", language_code="es-PE")
    await onboard(person, lang, "Ana Quispe Mamani")
    assert person.reply_keyboard is None  # the share-contact keyboard is gone
    rows = query(
        bot_process.database_url,
        "select p.full_name, p.region_code, p.org_type_code, o.name, p.phone, p.locale, p.consent_version "
        "from people p join organisations o on o.id = p.organisation_id where p.telegram_id = ?",
        new_user_id,
    )
    assert rows == [("Ana Quispe Mamani", "04", "ong", "Red Muqui", "+51987654321", lang, 1)]


async def test_quechua_speaker_is_greeted_in_quechua_where_translated(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    person = telegram.person(new_user_id, "Rosa", language_code="qu")
    await person.send("/idioma")
    assert (await saw(person, "Simiykita akllay")).button_texts == ["Español", "English", "Runa Simi"]


async def test_refusing_consent_stores_only_a_refusal(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    before = query(bot_process.database_url, "select count(*) from consent_refusals")[0][0]
    person = telegram.person(new_user_id, "Luis", language_code="en")
    await person.send("/start")
    await saw(person, "Participa")
    await person.press("English")
    await saw(person, "Ley N° 29733")
    await person.press("I do not accept")
    await saw(person, "We keep no data about you")
    assert query(
        bot_process.database_url, "select count(*) from people where telegram_id = ?", new_user_id
    ) == [(0,)]
    assert query(bot_process.database_url, "select count(*) from consent_refusals")[0][0] == before + 1
    assert query(
        bot_process.database_url, "select count(*) from fsm_states where key like ?", f"%:{new_user_id}:%"
    )[0][0] in (0, 1)
    state = query(
        bot_process.database_url, "select state, data from fsm_states where key like ?", f"%:{new_user_id}:%"
    )
    # SQLite hands JSON back as text, PostgreSQL as the decoded value
    assert all(
        row[0] is None and (row[1] if isinstance(row[1], dict) else json.loads(row[1])) == {} for row in state
    )


async def test_start_twice_shows_the_menu(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    person = telegram.person(new_user_id, "Ana")
    await onboard(person, "es", "Ana")
    await person.send("/start")
    menu = await saw(person, "Menú principal")
    assert "👤 Mi perfil" in menu.button_texts
    await person.expect_nothing()


async def test_cancel_in_the_middle_keeps_the_answers(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    person = telegram.person(new_user_id, "Ana")
    await begin(person, "es")
    await person.send("Ana Cancela")
    await saw(person, "¿En qué región")
    await person.press("San Martín")
    await saw(person, "¿A quién representas?")
    await person.send("/cancelar")
    await saw(person, "Lo que ya respondiste queda guardado")
    await person.send("/start")
    await saw(person, "¿A quién representas?")  # resumes where it was: name and region kept
    await person.press("A título personal")
    await saw(person, "número de celular")
    await person.tap("Omitir")
    await saw(person, "¡Listo, Ana Cancela!")
    rows = query(
        bot_process.database_url,
        "select full_name, region_code, org_type_code, organisation_id, phone from people "
        "where telegram_id = ?",
        new_user_id,
    )
    assert rows == [("Ana Cancela", "22", "personal", None, None)]


async def test_markup_and_emoji_in_a_name_are_shown_literally(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    person = telegram.person(new_user_id, "Ana")
    name = "<b>Ana</b> & Co 🌟"
    await onboard(person, "es", name, organisation="<i>Colectivo</i> 🌱")
    assert any(m.text == f"¡Listo, {name}! Tu perfil está guardado." for m in person.messages)
    await person.press("👤 Mi perfil")
    profile = await saw(person, "Tu perfil")
    assert f"Nombre: {name}" in profile.text and "Organización: <i>Colectivo</i> 🌱" in profile.text


async def test_organisation_spelled_differently_is_matched(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    first = telegram.person(new_user_id, "Ana")
    await onboard(first, "es", "Ana", organisation="Asociación Civil Transparencia")
    second = telegram.person(new_user_id + 50_000, "Beto")
    await begin(second, "es")
    await second.send("Beto")
    await saw(second, "¿En qué región")
    await second.press("Lima")
    await saw(second, "¿A quién representas?")
    await second.press("ONG u organización de base")
    await saw(second, "Escribe el nombre de tu organización")
    await second.send("  ASOCIACION civil   transparéncia ")
    matched = await saw(second, "Te vinculamos con")
    assert "Asociación Civil Transparencia" in matched.text
    await saw(second, "número de celular")
    await second.tap("Omitir")
    await saw(second, "Tu perfil está guardado")
    rows = query(
        bot_process.database_url,
        "select count(distinct organisation_id) from people where telegram_id in (?, ?)",
        new_user_id,
        new_user_id + 50_000,
    )
    assert rows == [(1,)]
    assert query(
        bot_process.database_url,
        "select count(*) from organisations where name_key = 'asociacion civil transparencia'",
    ) == [(1,)]


async def test_similar_organisation_is_offered(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    first = telegram.person(new_user_id, "Ana")
    await onboard(first, "es", "Ana", organisation="Centro de Estudios Amazónicos")
    second = telegram.person(new_user_id + 50_000, "Beto")
    await begin(second, "es")
    await second.send("Beto")
    await saw(second, "¿En qué región")
    await second.press("Lima")
    await saw(second, "¿A quién representas?")
    await second.press("ONG u organización de base")
    await saw(second, "Escribe el nombre de tu organización")
    await second.send("Centro Estudios Amazonicos")
    offer = await saw(second, "¿Tu organización es alguna de estas?")
    assert "Centro de Estudios Amazónicos" in offer.button_texts
    await second.press("Centro de Estudios Amazónicos")
    await saw(second, "número de celular")


async def test_a_huge_answer_is_refused_and_nothing_is_lost(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    person = telegram.person(new_user_id, "Ana", language_code="en")
    await begin(person, "en")
    await person.send("x" * 5000)
    refusal = await saw(person, "too long")
    assert "100" in refusal.text
    await person.send("Ana Long")
    await saw(person, "Which region")
    await person.press("Arequipa")
    await saw(person, "Whom do you represent?")
    await person.press("Academia")
    await saw(person, "Type the name of your organisation")
    await person.send("Universidad " * 450)
    await saw(person, "too long")
    await person.send("Universidad Nacional de San Agustín")
    await saw(person, "mobile number")
    await person.tap("Skip")
    await saw(person, "All set, Ana Long!")
    rows = query(
        bot_process.database_url,
        "select p.full_name, p.region_code, o.name from people p "
        "join organisations o on o.id = p.organisation_id where telegram_id = ?",
        new_user_id,
    )
    assert rows == [("Ana Long", "04", "Universidad Nacional de San Agustín")]


async def test_wrong_kind_of_answer_gets_a_hint_and_the_question_again(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    person = telegram.person(new_user_id, "Ana")
    await begin(person, "es")
    await person.send_photo(b"\x89PNG fake")
    await saw(person, "responde con un mensaje de texto")
    await person.send("Ana")
    await saw(person, "¿En qué región")
    await person.send("Arequipa")  # typed where a button is expected
    await saw(person, "elige una opción con los botones")
    again = await saw(person, "¿En qué región")
    assert "Arequipa" in again.button_texts
    await person.send("/inexistente")
    await saw(person, "No conozco ese comando")
    await saw(person, "¿En qué región")
    await person.press_callback("region:99")  # a forged region
    await alerted(person, "ya no está vigente")
    await person.press("Arequipa")
    await saw(person, "¿A quién representas?")
    await person.press_callback("orgtype:xx")
    await alerted(person, "ya no está vigente")
    await person.press(TEXT["es"]["ngo"])
    await saw(person, "Escribe el nombre de tu organización")
    await person.send("Red")
    await saw(person, "número de celular")
    await person.send("987654321")  # typed instead of shared
    await saw(person, "Comparte tu propio número")
    await person.share_contact(phone="+51999999999", user_id=new_user_id + 1)  # someone else's contact
    await saw(person, "Comparte tu propio número")
    await person.tap("Omitir")
    await saw(person, "Tu perfil está guardado")


async def test_language_can_change_in_the_middle(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    person = telegram.person(new_user_id, "Ana")
    await begin(person, "es")
    await person.send("Ana")
    await saw(person, "¿En qué región")
    await person.send("/idioma")
    await saw(person, "Elige tu idioma")
    await person.press("English")
    await saw(person, "I will write to you in English")
    await saw(person, "Which region")  # the pending question again, now in English
    assert query(
        bot_process.database_url, "select locale from people where telegram_id = ?", new_user_id
    ) == [("en",)]
    scoped = [c for (scope, _lang), c in telegram.commands.items() if str(new_user_id) in scope]
    assert scoped and any(c["description"] == "Change language" for c in scoped[-1])


async def test_help_lists_every_command_and_commands_are_published(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    person = telegram.person(new_user_id, "Ana", language_code="en")
    await person.send("/ayuda")
    help_text = (await saw(person, "What you can do in Participa")).text
    for command in (
        "/start",
        "/idioma",
        "/cancelar",
        "/ayuda",
        "/privacidad",
        "/misdatos",
        "/borrarmisdatos",
    ):
        assert command in help_text
    published = {lang: cmds for (scope, lang), cmds in telegram.commands.items() if '"default"' in scope}
    assert {"es", "en", "qu"} <= set(published)
    assert {c["command"] for c in published["en"]} >= {"start", "idioma", "ayuda", "cancelar"}
    assert any(c["description"] == "Cambiar de idioma" for c in published["es"])


async def test_my_data_and_erasure(telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int) -> None:
    person = telegram.person(new_user_id, "Ana")
    await onboard(person, "es", "Ana Datos")
    await person.send("/misdatos")
    document = await saw(person, "todo lo que Participa guarda")
    data = json.loads(document.file_bytes)
    assert data["perfil"]["nombre"] == "Ana Datos" and data["perfil"]["celular"] == "+51987654321"
    assert data["perfil"]["region"] == "Arequipa" and data["consentimiento"]["version_del_aviso"] == 1
    await person.send("/borrarmisdatos")
    await saw(person, "¿Seguro")
    await person.press("Sí, borrar mis datos")
    await saw(person, "Borramos tus datos")
    assert query(
        bot_process.database_url, "select count(*) from people where telegram_id = ?", new_user_id
    ) == [(0,)]
    await person.send("/start")
    await saw(person, "Primero, elige tu idioma")  # starts again as new


async def test_profile_can_be_corrected(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    person = telegram.person(new_user_id, "Ana")
    await onboard(person, "es", "Ana")
    await person.press("👤 Mi perfil")
    await saw(person, "Tu perfil")
    await person.press("✏️ Región")
    await saw(person, "¿En qué región")
    await person.press("Cusco")
    await saw(person, "Tu perfil está guardado")
    rows = query(
        bot_process.database_url,
        "select full_name, region_code, phone from people where telegram_id = ?",
        new_user_id,
    )
    assert rows == [("Ana", "08", "+51987654321")]


async def test_group_messages_get_a_private_chat_note(
    telegram: FakeTelegram, bot_process: BotProcess
) -> None:
    group = telegram.group(chat_id=-100777, title="Mesa de trabajo")
    member = telegram.person(9999, "Ana")
    await group.send(member, "/start")
    note = await saw(group, "chats privados")
    assert note.chat_id == -100777
