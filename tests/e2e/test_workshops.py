"""Workshops end to end: a real bot process, the fake Bot API over HTTP, people and organisers.

The bot runs with short times (offers held 7 seconds, checked every half second, a reminder 100
seconds before the start) so the waiting list and reminders can be watched within a test.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from icalendar import Calendar

from bot.domain.clock import LIMA
from bot.fakeapi import FakePerson, FakeTelegram, SeenMessage
from bot.services.loading import load_workshops
from bot.services.workshops import Policy
from storage.db import create_engine, session_factory
from storage.uow import SqlUnitOfWork
from tests.databases import Databases, as_utc
from tests.e2e.harness import BotProcess, alerted, execute, query, saw
from tests.e2e.test_onboarding import onboard

pytestmark = pytest.mark.asyncio(loop_scope="module")

OFFER_HOURS = 0.002  # 7.2 seconds
POLICY = Policy(reminder_offsets=(86400, 7200, 100), offer_hours=OFFER_HOURS)


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def bot_process(
    telegram: FakeTelegram, tmp_path_factory: pytest.TempPathFactory, databases: Databases
) -> AsyncIterator[BotProcess]:
    folder = tmp_path_factory.mktemp("e2e-workshops")
    process = BotProcess(
        telegram,
        databases.new(folder),
        folder / "bot.log",
        OFFER_HOURS=str(OFFER_HOURS),
        OFFER_CHECK_SECONDS="0.5",
        REMINDER_OFFSETS="24h,2h,100s",
    )
    await process.start()
    yield process
    await process.stop()


def record(code: str, region: str = "04", capacity: int = 20, starts_in: timedelta = timedelta(days=5),
           **extra: Any) -> dict[str, Any]:  # fmt: skip
    now = datetime.now(UTC)
    starts = (now + starts_in).astimezone(LIMA).replace(microsecond=0)
    return {
        "code": code,
        "kind": "taller_regional",
        "region": region,
        "title": f"Taller {code}",
        "themes": ["salud", "ambiente"],
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=4),
        "venue": {"name": "Auditorio del Gobierno Regional", "address": "Av. Unión 200, Arequipa",
                  "latitude": -16.3927, "longitude": -71.5375},
        "capacity": capacity,
        "registration_opens_at": now - timedelta(days=1),
        "registration_closes_at": starts,
        **extra,
    }  # fmt: skip


async def load(process: BotProcess, *records: dict[str, Any]) -> None:
    """What `participa load workshops FILE` does, on the bot's database."""
    engine = create_engine(process.database_url)
    try:
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            await load_workshops(uow, list(records), policy=POLICY)
    finally:
        await engine.dispose()


def workshop_id(process: BotProcess, code: str) -> int:
    return query(process.database_url, "select id from workshops where code = ?", code)[0][0]


def registration(process: BotProcess, code: str, telegram_id: int) -> tuple[int, str, str | None]:
    rows = query(
        process.database_url,
        "select r.id, r.status, r.attended_at from registrations r join people p on p.id = r.person_id "
        "join workshops w on w.id = r.workshop_id where w.code = ? and p.telegram_id = ? order by r.id desc",
        code,
        telegram_id,
    )
    return rows[0] if rows else (0, "none", None)


def grant(process: BotProcess, telegram_id: int, role: str, region: str | None) -> None:
    execute(
        process.database_url,
        "insert into roles (telegram_id, role, region_code, granted_at) values (?, ?, ?, ?)",
        telegram_id,
        role,
        region,
        datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" "),
    )


async def received(person: FakePerson, fragment: str, timeout: float = 15.0) -> SeenMessage:
    """Wait for a message containing `fragment` among all the person has (outbox messages arrive on
    their own, whatever the person does meanwhile)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in person.messages:
            if fragment in message.text:
                return message
        await asyncio.sleep(0.05)
    raise AssertionError(f"never received {fragment!r}; got: {[m.text[:60] for m in person.messages]}")


async def eventually(read: Any, timeout: float = 5.0) -> Any:
    """Wait until `read()` gives a value (the bot commits right after it answers)."""
    deadline = time.monotonic() + timeout
    while (value := read()) is None:
        if time.monotonic() > deadline:
            raise AssertionError("the value never appeared")
        await asyncio.sleep(0.05)
    return value


async def participant(telegram: FakeTelegram, user_id: int, name: str) -> FakePerson:
    person = telegram.person(user_id, name.split()[0])
    await onboard(person, "es", name)  # region Arequipa (04)
    return person


async def test_browse_register_calendar_and_cancel(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    await load(
        bot_process,
        record("taller-browse-lima", region="15", capacity=30, starts_in=timedelta(days=2)),
        record("taller-browse-aqp", region="04", capacity=12, starts_in=timedelta(days=6)),
    )
    ana = await participant(telegram, new_user_id, "Ana Browse")
    await ana.send("/talleres")
    listing = await saw(ana, "Próximos talleres")
    # Her region's workshop first, although the Lima one is sooner; seats left; Lima time.
    assert listing.text.index("Taller taller-browse-aqp") < listing.text.index("Taller taller-browse-lima")
    assert "quedan 12 cupos" in listing.text and "quedan 30 cupos" in listing.text
    assert "(hora de Lima)" in listing.text
    starts = as_utc(
        query(bot_process.database_url, "select starts_at from workshops where code = 'taller-browse-aqp'")[
            0
        ][0]
    )
    assert starts.astimezone(LIMA).strftime("%H:%M") in listing.text  # shown in Lima time

    await ana.press(lambda text: text.endswith("Taller taller-browse-aqp"))
    venue = await saw(ana, "Auditorio del Gobierno Regional")
    assert venue.kind == "venue" and venue.venue["location"]["latitude"] == pytest.approx(-16.3927)
    detail = await saw(ana, "Inscripciones hasta")
    assert {"✅ Inscribirme", "📅 Calendario"} <= set(detail.button_texts)

    await ana.press("📅 Calendario")
    document = await saw(ana, "a tu calendario")
    assert document.kind == "document" and document.file_name == "taller-browse-aqp.ics"
    calendar = Calendar.from_ical(document.file_bytes)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["America/Lima"]
    event = calendar.walk("VEVENT")[0]
    assert str(event["UID"]) == "taller-browse-aqp@participa.gob.pe"
    assert event["DTSTART"].params["TZID"] == "America/Lima"
    assert event.decoded("DTSTART") == starts
    assert "Av. Unión 200" in str(event["LOCATION"])

    await ana.press("✅ Inscribirme", message_id=detail.message_id)
    confirmation = await saw(ana, "está confirmada")
    assert "Av. Unión 200" in confirmation.text and "/misinscripciones" in confirmation.text
    assert registration(bot_process, "taller-browse-aqp", new_user_id)[1] == "confirmada"
    reg_id = registration(bot_process, "taller-browse-aqp", new_user_id)[0]
    pending_reminders = (
        "select count(*) from deliveries "
        "where kind = 'reminder' and status = 'pendiente' and dedupe_key like ?"
    )
    assert query(bot_process.database_url, pending_reminders, f"reminder:{reg_id}:%") == [
        (3,)
    ]  # 24h, 2h, 100s

    await ana.send("/misinscripciones")
    mine = await saw(ana, "Mis inscripciones")
    assert "Tienes tu cupo confirmado" in mine.text
    await ana.press("1. Cancelar")
    await saw(ana, "cancelamos tu inscripción")
    assert registration(bot_process, "taller-browse-aqp", new_user_id)[1] == "cancelada"
    assert query(bot_process.database_url, pending_reminders, f"reminder:{reg_id}:%") == [(0,)]  # withdrawn


async def test_waiting_list_offer_accepted(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    await load(bot_process, record("taller-accept", capacity=1))
    first = await participant(telegram, new_user_id, "Rosa Primera")
    second = await participant(telegram, new_user_id + 50_000, "Beto Segundo")
    wid = workshop_id(bot_process, "taller-accept")
    await first.press_callback(f"ws:join:{wid}")
    await saw(first, "está confirmada")
    await second.press_callback(f"ws:join:{wid}")
    full = await saw(second, "ya no tiene cupos")
    await second.press("⏳ Unirme a la lista de espera", message_id=full.message_id)
    waiting = await saw(second, "lista de espera")
    assert "tu lugar es el 1" in waiting.text
    await second.send("/talleres")
    assert "lista de espera: 1 persona" in (await saw(second, "Próximos talleres")).text

    await first.press("Cancelar mi inscripción")
    await saw(first, "cancelamos tu inscripción")
    offer = await received(second, "Se liberó un cupo")
    assert offer.button_texts == ["✅ Aceptar", "Liberar"]
    await second.press("✅ Aceptar", message_id=offer.message_id)
    await saw(second, "está confirmada")
    assert registration(bot_process, "taller-accept", new_user_id + 50_000)[1] == "confirmada"


async def test_offer_expires_and_passes_on(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    await load(bot_process, record("taller-expire", capacity=1))
    wid = workshop_id(bot_process, "taller-expire")
    holder = await participant(telegram, new_user_id, "Ana Titular")
    slow = await participant(telegram, new_user_id + 50_000, "Luis Lento")
    next_one = await participant(telegram, new_user_id + 60_000, "Eva Siguiente")
    await holder.press_callback(f"ws:join:{wid}")
    await saw(holder, "está confirmada")
    for person, place in ((slow, 1), (next_one, 2)):
        await person.press_callback(f"ws:wait:{wid}")
        assert f"tu lugar es el {place}" in (await saw(person, "lista de espera")).text

    await holder.send("/misinscripciones")
    await saw(holder, "Mis inscripciones")
    await holder.press("1. Cancelar")
    offer = await received(slow, "Se liberó un cupo")
    assert registration(bot_process, "taller-expire", new_user_id + 60_000)[1] == "en_espera"
    # Luis does not answer: after the deadline he is told, and Eva is offered the seat.
    await received(slow, "venció y pasó a la siguiente persona", timeout=20)
    await received(next_one, "Se liberó un cupo", timeout=10)
    assert registration(bot_process, "taller-expire", new_user_id + 50_000)[1] == "vencida"
    assert registration(bot_process, "taller-expire", new_user_id + 60_000)[1] == "ofrecida"
    # His old button is stale now: a clear message, and nothing changes.
    await slow.press("✅ Aceptar", message_id=offer.message_id)
    await alerted(slow, "ya venció")
    assert registration(bot_process, "taller-expire", new_user_id + 60_000)[1] == "ofrecida"
    assert registration(bot_process, "taller-expire", new_user_id + 50_000)[1] == "vencida"


async def test_organiser_cancels_a_workshop_and_everyone_is_told(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    await load(bot_process, record("taller-cancel", capacity=1))
    wid = workshop_id(bot_process, "taller-cancel")
    seated = await participant(telegram, new_user_id, "Ana Sentada")
    waiting = await participant(telegram, new_user_id + 50_000, "Beto Espera")
    await seated.press_callback(f"ws:join:{wid}")
    await saw(seated, "está confirmada")
    await waiting.press_callback(f"ws:wait:{wid}")
    await saw(waiting, "lista de espera")

    organiser = telegram.person(new_user_id + 60_000, "Olga")
    grant(bot_process, organiser.id, "organiser", "04")
    await onboard(organiser, "es", "Olga Organizadora")
    await organiser.press_callback(f"wsadm:menu:{wid}")
    menu = await saw(organiser, "Gestionar taller")
    assert "Con cupo: 1 de 1 · En espera: 1" in menu.text
    await organiser.press("❌ Cancelar el taller", message_id=menu.message_id)
    await saw(organiser, "¿Seguro")
    await organiser.press("Sí, cancelar el taller")
    await saw(organiser, "cancelamos")
    for person in (seated, waiting):
        await received(person, "fue cancelado")
    assert query(bot_process.database_url, "select status from workshops where id = ?", wid) == [
        ("cancelado",)
    ]
    assert query(
        bot_process.database_url,
        "select count(*) from audit_log where action = 'workshop.cancel' and actor_telegram_id = ?",
        organiser.id,
    ) == [(1,)]
    # Registering for it now is refused with a clear message.
    await seated.press_callback(f"ws:join:{wid}")
    await alerted(seated, "fue cancelado")


async def test_a_date_changed_in_the_file_is_an_edit(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    original = record("taller-move", capacity=5)
    await load(bot_process, original)
    wid = workshop_id(bot_process, "taller-move")
    ana = await participant(telegram, new_user_id, "Ana Mueve")
    await ana.press_callback(f"ws:join:{wid}")
    await saw(ana, "está confirmada")
    reg_id = registration(bot_process, "taller-move", new_user_id)[0]
    await load(bot_process, original)  # the same file again: nothing changes, nobody is told
    moved = {**original, "starts_at": original["starts_at"] + timedelta(days=1),
             "ends_at": original["ends_at"] + timedelta(days=1)}  # fmt: skip
    await load(bot_process, moved)
    notice = await received(ana, "Cambio de fecha")
    assert "antes:" in notice.text
    reminders = query(
        bot_process.database_url,
        "select dedupe_key, status from deliveries where dedupe_key like ? order by id",
        f"reminder:{reg_id}:%",
    )
    assert [status for _, status in reminders] == ["omitido"] * 3 + ["pendiente"] * 3
    assert all(key.endswith(":v1") for key, status in reminders if status == "pendiente")
    assert query(bot_process.database_url, "select count(*) from deliveries where kind = 'workshop_moved' "
                 "and dedupe_key like ?", f"moved:{wid}:%") == [(1,)]  # fmt: skip


async def test_check_in_by_deep_link_and_twice(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    await load(bot_process, record("taller-checkin", capacity=2, starts_in=timedelta(minutes=30)))
    wid = workshop_id(bot_process, "taller-checkin")
    ana = await participant(telegram, new_user_id, "Ana Llega")
    walk_in = await participant(telegram, new_user_id + 50_000, "Beto Sin Inscripción")
    await ana.press_callback(f"ws:join:{wid}")
    await saw(ana, "está confirmada")

    organiser = telegram.person(new_user_id + 60_000, "Olga")
    grant(bot_process, organiser.id, "organiser", "04")
    await organiser.send("/asistencia")
    choice = await saw(organiser, "registrar la asistencia")
    await organiser.press("Taller taller-checkin", message_id=choice.message_id)
    qr = await saw(organiser, "Muestra este código QR")
    assert qr.kind == "photo" and qr.file_bytes.startswith(b"\x89PNG")
    code = query(bot_process.database_url, "select checkin_code from workshops where id = ?", wid)[0][0]
    link = f"https://t.me/participa_test_bot?start=asistencia-{code}"
    assert link in qr.text
    if shutil.which("zbarimg"):  # where the QR decoder is installed: the image encodes the link
        image = Path(bot_process.log_path.parent) / "qr.png"
        image.write_bytes(qr.file_bytes)
        decoder = await asyncio.create_subprocess_exec(
            "zbarimg",
            "-q",
            "--raw",
            str(image),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        assert (await decoder.communicate())[0].decode().strip() == link
    roster = await saw(organiser, "Presentes: 0 de 1")
    assert roster.button_texts == ["☐ Ana Llega"]

    await ana.send(f"/start asistencia-{code}")  # what Telegram sends when the link is opened
    await saw(ana, "Registramos tu asistencia")
    assert registration(bot_process, "taller-checkin", new_user_id)[2] is not None
    await ana.send(f"/start asistencia-{code}")
    await saw(ana, "ya estaba registrada")
    assert query(
        bot_process.database_url, "select count(*) from registrations where workshop_id = ?", wid
    ) == [(1,)]

    await walk_in.send(f"/start asistencia-{code}")  # not registered, a seat remains
    await saw(walk_in, "Te inscribimos")
    status, attended = registration(bot_process, "taller-checkin", new_user_id + 50_000)[1:]
    assert status == "confirmada" and attended is not None

    stranger = telegram.person(new_user_id + 70_000, "Nadie")
    await stranger.send(f"/start asistencia-{code}")  # no profile yet: told to finish it and scan again
    await saw(stranger, "primero necesitamos tu perfil")
    await saw(stranger, "elige tu idioma")
    other = await participant(telegram, new_user_id + 80_000, "Otra Persona")
    await other.send("/start asistencia-codigoinexistente")
    await saw(other, "no es válido")

    await organiser.send("/inscritos")
    choice = await saw(organiser, "personas inscritas")
    await organiser.press("Taller taller-checkin", message_id=choice.message_id)
    listing = await saw(organiser, "Con cupo: 2 de 2")
    assert "Presentes: 2" in listing.text and "Ana Llega" in listing.text and "✅" in listing.text


async def test_organiser_marks_attendance_from_the_list(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    await load(bot_process, record("taller-mark", capacity=3, starts_in=timedelta(minutes=20)))
    wid = workshop_id(bot_process, "taller-mark")
    ana = await participant(telegram, new_user_id, "Ana Marcada")
    await ana.press_callback(f"ws:join:{wid}")
    await saw(ana, "está confirmada")
    organiser = telegram.person(new_user_id + 60_000, "Olga")
    grant(bot_process, organiser.id, "organiser", "04")
    await organiser.send("/asistencia")
    await saw(organiser, "registrar la asistencia")
    await organiser.press_callback(f"wsadm:attendance:{wid}")
    await saw(organiser, "Presentes: 0 de 1")
    await organiser.press("☐ Ana Marcada")
    await alerted(organiser, "Asistencia registrada: Ana Marcada")
    assert registration(bot_process, "taller-mark", new_user_id)[2] is not None


async def test_organiser_of_another_region_is_refused(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    await load(
        bot_process,
        record("taller-region-aqp", region="04"),
        record("taller-region-lib", region="13"),
    )
    aqp = workshop_id(bot_process, "taller-region-aqp")
    organiser = telegram.person(new_user_id, "Lucho")
    grant(bot_process, organiser.id, "organiser", "13")  # La Libertad only
    await organiser.send("/inscritos")
    choice = await saw(organiser, "personas inscritas")
    assert "Taller taller-region-lib" in choice.button_texts
    assert "Taller taller-region-aqp" not in choice.button_texts
    for data in (
        f"wsadm:roster:{aqp}",
        f"wsadm:menu:{aqp}",
        f"wsadm:cancel_yes:{aqp}",
        f"wsadm:attendance:{aqp}",
    ):
        await organiser.press_callback(data)
        await alerted(organiser, "Solo el equipo organizador de la región")
    assert query(
        bot_process.database_url, "select status, checkin_code from workshops where id = ?", aqp
    ) == [("programado", None)]
    participant_only = telegram.person(new_user_id + 50_000, "Pepa")
    await participant_only.send("/inscritos")
    await saw(participant_only, "equipo organizador")


async def test_stale_and_forged_buttons_change_nothing(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    await load(bot_process, record("taller-forged", capacity=5))
    wid = workshop_id(bot_process, "taller-forged")
    owner = await participant(telegram, new_user_id, "Ana Dueña")
    intruder = await participant(telegram, new_user_id + 50_000, "Beto Intruso")
    await owner.press_callback(f"ws:join:{wid}")
    await saw(owner, "está confirmada")
    reg_id = registration(bot_process, "taller-forged", new_user_id)[0]

    await intruder.press_callback(f"reg:cancel:{reg_id}")  # someone else's registration
    await alerted(intruder, "no corresponde a tu cuenta")
    await intruder.press_callback(f"reg:accept:{reg_id}")
    await alerted(intruder, "no corresponde a tu cuenta")
    await intruder.press_callback("ws:view:999999")  # a workshop that does not exist
    await alerted(intruder, "ya no existe")
    await intruder.press_callback("ws:join:999999")
    await alerted(intruder, "ya no existe")
    await intruder.press_callback("reg:cancel:999999")
    await alerted(intruder, "ya no existe")
    await intruder.press_callback(f"ws:explode:{wid}")  # an action that does not exist
    await alerted(intruder, "ya no está vigente")
    await intruder.press_callback(f"present:{reg_id}")  # a participant marking attendance
    await alerted(intruder, "Solo el equipo organizador")
    assert registration(bot_process, "taller-forged", new_user_id)[1:] == ("confirmada", None)
    assert registration(bot_process, "taller-forged", new_user_id + 50_000)[1] == "none"

    await owner.press("Cancelar mi inscripción")
    await saw(owner, "cancelamos tu inscripción")
    await owner.press_callback(f"reg:cancel:{reg_id}")  # the same button again
    await alerted(owner, "ya no está activa")


async def test_announcements_once_and_avisos(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    listener = await participant(telegram, new_user_id, "Ana Avisos")
    quiet = await participant(telegram, new_user_id + 50_000, "Beto Silencio")
    await quiet.send("/avisos")
    await saw(quiet, "ya no te avisaremos")
    first = record("taller-announce-1")
    await load(bot_process, first)
    announcement = await received(listener, "Nuevo taller en Arequipa")
    assert "Taller taller-announce-1" in announcement.text and announcement.button_texts == [
        "Ver e inscribirme"
    ]
    await load(bot_process, first)  # loading the same file again announces nothing more
    wid = workshop_id(bot_process, "taller-announce-1")
    rows = query(bot_process.database_url, "select person_id from deliveries where kind = 'announce' "
                 "and dedupe_key like ?", f"announce:{wid}:%")  # fmt: skip
    quiet_id = query(bot_process.database_url, "select id from people where telegram_id = ?", quiet.id)[0][0]
    listener_id = query(bot_process.database_url, "select id from people where telegram_id = ?", listener.id)[
        0
    ][0]
    assert listener_id in {r[0] for r in rows} and quiet_id not in {r[0] for r in rows}
    assert len(rows) == len({r[0] for r in rows})
    await listener.press("Ver e inscribirme", message_id=announcement.message_id)
    await saw(listener, "Inscripciones hasta")
    await quiet.send("/avisos")
    await saw(quiet, "te avisaremos cuando se publique")


async def test_reminder_and_thresholds(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    organiser = telegram.person(new_user_id + 60_000, "Olga")
    grant(bot_process, organiser.id, "organiser", "22")
    await load(bot_process, record("taller-soon", region="22", capacity=2, starts_in=timedelta(seconds=115)))
    wid = workshop_id(bot_process, "taller-soon")
    ana = await participant(telegram, new_user_id, "Ana Pronto")
    await ana.press_callback(f"ws:join:{wid}")
    await saw(ana, "está confirmada")
    notice = await received(organiser, "llegó al 50 %")
    assert "1 de 2 cupos confirmados" in notice.text
    reminder = await received(ana, "Recordatorio", timeout=30)  # 100 s before the start
    assert "Av. Unión 200" in reminder.text and reminder.button_texts == ["Cancelar mi inscripción"]
    beto = await participant(telegram, new_user_id + 50_000, "Beto Pronto")
    await beto.press_callback(f"ws:join:{wid}")
    await saw(beto, "está confirmada")
    await received(organiser, "llegó al 100 %")
    notices = [m.text for m in organiser.messages if "taller-soon" in m.text]
    assert len(notices) == 3 and "llegó al 80 %" in " ".join(notices)  # 50, 80 and 100 %, once each


async def test_materials_links_and_a_file_uploaded_once(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int, tmp_path: Path
) -> None:
    guide = tmp_path / "guia-metodologica.pdf"
    guide.write_bytes(b"%PDF-1.4 guia metodologica")
    materials = [
        {"title": "Guía metodológica", "file": str(guide)},
        {"title": "Plan de Acción de Gobierno Abierto", "url": "https://www.gob.pe/plan-de-accion"},
    ]
    await load(bot_process, record("taller-materiales", materials=materials))
    wid = workshop_id(bot_process, "taller-materiales")
    ana = await participant(telegram, new_user_id, "Ana Lectora")
    await ana.press_callback(f"ws:view:{wid}")
    detail = await saw(ana, "Inscripciones hasta")
    await ana.press("📎 Materiales", message_id=detail.message_id)
    listing = await saw(ana, "Materiales de")
    assert listing.button_texts == ["📄 Guía metodológica", "🔗 Plan de Acción de Gobierno Abierto"]
    assert (
        listing.button("🔗 Plan de Acción de Gobierno Abierto")["url"] == "https://www.gob.pe/plan-de-accion"
    )
    await ana.press("📄 Guía metodológica")
    first = await saw(ana, "Guía metodológica")
    assert first.kind == "document" and first.file_bytes == guide.read_bytes()
    sql = (
        "select m.file_id from workshop_materials m join workshops w on w.id = m.workshop_id "
        "where w.code = 'taller-materiales' and m.position = 0"
    )
    stored = await eventually(lambda: query(bot_process.database_url, sql)[0][0])  # stored after sending
    assert stored == first.file_id
    await ana.press("📄 Guía metodológica", message_id=listing.message_id)
    again = await saw(ana, "Guía metodológica")
    assert again.kind == "document" and again.file_id == stored
    assert telegram.calls("sendDocument")[-1]["document"] == stored  # sent by file_id, not uploaded again


async def test_organiser_edits_seats_and_date_in_the_chat(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    await load(bot_process, record("taller-edit", region="13", capacity=1))
    wid = workshop_id(bot_process, "taller-edit")
    seated = await participant(telegram, new_user_id, "Ana Sentada")
    waiting = await participant(telegram, new_user_id + 50_000, "Beto Espera")
    await seated.press_callback(f"ws:join:{wid}")
    await saw(seated, "está confirmada")
    await waiting.press_callback(f"ws:wait:{wid}")
    await saw(waiting, "tu lugar es el 1")

    organiser = telegram.person(new_user_id + 60_000, "Lucía")
    grant(bot_process, organiser.id, "organiser", "13")
    await organiser.send("/talleres")
    listing = await saw(organiser, "Próximos talleres")
    assert "⚙️ Gestionar" in listing.button_texts
    row = next(row for row in listing.buttons if row[0]["text"].endswith("Taller taller-edit"))
    assert row[1]["text"] == "⚙️ Gestionar"  # the edit actions, for a workshop of the organiser's region
    await organiser.press_callback(row[1]["callback_data"], message_id=listing.message_id)
    menu = await saw(organiser, "Gestionar taller")
    await organiser.press("🔢 Cambiar cupos", message_id=menu.message_id)
    await saw(organiser, "nuevo número de cupos")
    await organiser.send("muchos")
    await saw(organiser, "solo un número entero")
    await organiser.send("2")
    await saw(organiser, "tiene ahora 2 cupos")
    await received(waiting, "Se liberó un cupo")  # the new seat goes to the waiting list
    await organiser.press("🔢 Cambiar cupos", message_id=menu.message_id)
    await saw(organiser, "nuevo número de cupos")
    await organiser.send("1")  # two people hold a seat (one confirmed, one offered): refused, asked again
    await saw(organiser, "No puedes dejar menos cupos que las personas que ya tienen uno (2)")
    await organiser.send("3")
    await saw(organiser, "tiene ahora 3 cupos")

    await organiser.press("🕒 Cambiar fecha y hora", message_id=menu.message_id)
    await saw(organiser, "nueva fecha y hora")
    await organiser.send("el martes")
    await saw(organiser, "No entendí la fecha")
    await organiser.send("01/01/2020 09:00")  # refused, and the question stays open
    await saw(organiser, "Esa fecha ya pasó")
    new_start = (datetime.now(LIMA) + timedelta(days=8)).replace(hour=10, minute=30, second=0, microsecond=0)
    await organiser.send(new_start.strftime("%d/%m/%Y %H:%M"))
    await saw(organiser, "ahora empieza el")
    for person in (seated, waiting):
        notice = await received(person, "Cambio de fecha")
        assert "10:30" in notice.text
    starts = query(bot_process.database_url, "select starts_at from workshops where id = ?", wid)[0][0]
    assert as_utc(starts) == new_start
    actions = query(
        bot_process.database_url,
        "select action from audit_log where actor_telegram_id = ? order by id",
        organiser.id,
    )
    assert actions == [("workshop.capacity",), ("workshop.capacity",), ("workshop.move",)]


async def test_erasing_ones_data_frees_the_seat_for_the_next_person(
    telegram: FakeTelegram, bot_process: BotProcess, new_user_id: int
) -> None:
    await load(bot_process, record("taller-erase", capacity=1))
    first = await participant(telegram, new_user_id, "Rosa Borrada")
    second = await participant(telegram, new_user_id + 50_000, "Beto Espera")
    wid = workshop_id(bot_process, "taller-erase")
    await first.press_callback(f"ws:join:{wid}")
    await saw(first, "está confirmada")
    await second.press_callback(f"ws:join:{wid}")
    full = await saw(second, "ya no tiene cupos")
    await second.press("⏳ Unirme a la lista de espera", message_id=full.message_id)
    await saw(second, "lista de espera")
    await first.send("/borrarmisdatos")
    await saw(first, "¿Seguro")
    await first.press("Sí, borrar mis datos")
    await saw(first, "Borramos tus datos")
    offer = await received(second, "Se liberó un cupo")
    assert offer.button_texts == ["✅ Aceptar", "Liberar"]
    assert query(
        bot_process.database_url, "select count(*) from people where full_name = 'Rosa Borrada'"
    ) == [(0,)]
    assert query(
        bot_process.database_url,
        "select r.status from registrations r join workshops w on w.id = r.workshop_id "
        "join people p on p.id = r.person_id where w.code = 'taller-erase' and p.erased_at is not null",
    ) == [("cancelada",)]
