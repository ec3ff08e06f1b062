"""Workshops on a real SQLite file: materials, loading edits, the registration constraints, migrations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.people import ProfileInput
from bot.domain.reference import OrgType
from bot.domain.workshops import Refused, RegistrationStatus
from bot.services import onboarding, workshops
from bot.services.loading import RecordError, load_workshops
from storage.db import session_factory
from storage.migrate import alembic_config, upgrade
from storage.uow import SqlUnitOfWork

NOW = datetime.now(UTC).replace(microsecond=0)
POLICY = workshops.Policy(reminder_offsets=(86400,), offer_hours=24)


def record(**extra: object) -> dict[str, object]:
    starts = NOW + timedelta(days=10)
    return {
        "code": "taller-arequipa",
        "kind": "taller_regional",
        "region": "04",
        "title": "Taller regional: Arequipa",
        "themes": ["salud"],
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=4),
        "venue": {"name": "Auditorio", "address": "Av. Unión 200"},
        "capacity": 2,
        "registration_opens_at": NOW - timedelta(days=1),
        "registration_closes_at": starts - timedelta(days=1),
        **extra,
    }


async def load(engine: AsyncEngine, records: list[dict[str, object]], base: Path | None = None) -> str:
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        report = await load_workshops(uow, records, base, policy=POLICY, now=NOW)
    return f"{report.created}/{report.updated}/{report.unchanged}"


async def people(engine: AsyncEngine, *telegram_ids: int) -> None:
    for telegram_id in telegram_ids:
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            await onboarding.accept_consent(uow, telegram_id, "es", 1, NOW)
            await onboarding.save_profile(uow, telegram_id, ProfileInput("Ana", "04", OrgType.PERSONAL))


async def test_materials_load_idempotently_and_keep_their_file_id(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    (tmp_path / "guia.pdf").write_bytes(b"%PDF-1.4 guia")
    materials = [
        {"title": "Guía metodológica", "file": "guia.pdf"},
        {"title": "Plan de Acción 2017-2019", "url": "https://www.gob.pe/plan"},
    ]
    assert await load(engine, [record(materials=materials)], tmp_path) == "1/0/0"
    assert await load(engine, [record(materials=materials)], tmp_path) == "0/0/1"
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        stored = await uow.workshops.get_by_code("taller-arequipa")
        assert [m.title for m in stored.materials] == ["Guía metodológica", "Plan de Acción 2017-2019"]
        assert stored.materials[0].path == str((tmp_path / "guia.pdf").resolve())
        await workshops.remember_material_file(uow, stored.materials[0].id, "BQACAgEAAxkBAAI-guia")
    more = [*materials, {"title": "Ficha de aportes", "url": "https://www.gob.pe/ficha"}]
    assert await load(engine, [record(materials=more)], tmp_path) == "0/1/0"
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        stored = await uow.workshops.get_by_code("taller-arequipa")
    assert [m.file_id for m in stored.materials] == ["BQACAgEAAxkBAAI-guia", None, None]  # not uploaded again


async def test_a_missing_material_file_names_the_record(engine: AsyncEngine, tmp_path: Path) -> None:
    with pytest.raises(RecordError, match="record 1: materials: file not found"):
        await load(engine, [record(materials=[{"title": "Guía", "file": "no-existe.pdf"}])], tmp_path)


async def test_one_active_registration_per_person_and_workshop(engine: AsyncEngine) -> None:
    await load(engine, [record()])
    await people(engine, 1)
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        outcome = await workshops.register(uow, 1, 1, policy=POLICY, now=NOW)
        await workshops.cancel(uow, 1, outcome.registration.id, policy=POLICY, now=NOW)
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        again = await workshops.register(uow, 1, 1, policy=POLICY, now=NOW)  # a new row, a new arrival
        assert again.registration.id != outcome.registration.id
        assert again.registration.seq > outcome.registration.seq
    async with engine.begin() as connection:
        person = (await connection.execute(text("select id from people"))).scalar()
        with pytest.raises(IntegrityError):
            await connection.execute(
                text(
                    "insert into registrations (workshop_id, person_id, status, seq, created_at, updated_at) "
                    "values (1, :p, 'en_espera', 50, :now, :now)"
                ),
                {"p": person, "now": NOW},
            )


async def test_what_the_sender_checks_at_send_time(engine: AsyncEngine) -> None:
    await load(engine, [record()])
    await people(engine, 1)
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        outcome = await workshops.register(uow, 1, 1, policy=POLICY, now=NOW)
    payload = {"registration_id": outcome.registration.id, "workshop_id": 1, "schedule_version": 0}
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        assert await workshops.still_applies(uow, "reminder", payload)
        assert not await workshops.still_applies(uow, "reminder", {**payload, "schedule_version": 1})
        assert not await workshops.still_applies(uow, "offer", payload)
        await workshops.cancel(uow, 1, outcome.registration.id, policy=POLICY, now=NOW)
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        assert not await workshops.still_applies(uow, "reminder", payload)
        registration = await uow.registrations.get(outcome.registration.id)
    assert registration.status is RegistrationStatus.CANCELADA


async def test_a_seat_freed_by_erasure_goes_to_the_waiting_list(engine: AsyncEngine) -> None:
    from bot.services import privacy

    await load(engine, [record(capacity=1)])
    await people(engine, 1, 2)
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        await workshops.register(uow, 1, 1, policy=POLICY, now=NOW)
        waiting = await workshops.register(uow, 2, 1, waitlist=True, policy=POLICY, now=NOW)
        await privacy.erase(uow, 1)  # the registration goes with the person
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        await workshops.expire_offers(uow, policy=POLICY, now=NOW)
        await workshops.expire_offers(uow, policy=POLICY, now=NOW)  # idempotent
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        offered = await uow.registrations.get(waiting.registration.id)
    assert offered.status is RegistrationStatus.OFRECIDA
    async with engine.connect() as connection:
        offers = (
            await connection.execute(text("select count(*) from deliveries where kind = 'offer'"))
        ).scalar()
    assert offers == 1


async def test_a_refusal_lets_go_of_the_lock_at_once(engine: AsyncEngine) -> None:
    """The handler answers after a refusal, still inside its unit of work: the workshop's lock (on
    SQLite, the database's write lock) must already be released, or every other write would wait."""
    import asyncio

    await load(engine, [record(capacity=1)])
    await people(engine, 1, 2, 3)
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        await workshops.register(uow, 1, 1, policy=POLICY, now=NOW)
    async with SqlUnitOfWork(session_factory(engine)) as refused:
        with pytest.raises(Refused, match="full"):
            await workshops.register(refused, 2, 1, policy=POLICY, now=NOW)
        async with SqlUnitOfWork(session_factory(engine)) as other:  # while the first is still open
            outcome = await asyncio.wait_for(
                workshops.register(other, 3, 1, waitlist=True, policy=POLICY, now=NOW), timeout=5
            )
    assert outcome.position == 1


async def test_migration_0003_goes_down_and_up(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(lambda c: command.downgrade(alembic_config(c), "0002"))
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert "registrations" not in tables
    await upgrade(engine)
    async with engine.connect() as connection:
        if connection.dialect.name == "postgresql":  # one trigger function per table guards capacity
            triggers = await connection.execute(text("select trigger_name from information_schema.triggers"))
            expected = {"registrations_capacity", "workshops_capacity"}
        else:
            triggers = await connection.execute(text("select name from sqlite_master where type = 'trigger'"))
            expected = {
                "registrations_capacity_insert",
                "registrations_capacity_update",
                "workshops_capacity_update",
            }
        assert set(triggers.scalars()) == expected
