"""Storage on a real database (SQLite, or PostgreSQL with TEST_DATABASE=postgres): migrations,
repositories, the FSM storage, loading."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta

import pytest
from aiogram.fsm.storage.base import StorageKey
from alembic import command
from sqlalchemy import event, func, inspect, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.demo import demo_workshops
from bot.domain.people import ProfileInput
from bot.domain.reference import OrgType
from bot.services import onboarding
from bot.services.loading import RecordError, load_workshops
from handlers.states import Onboarding
from storage.db import autocommit_engine, create_engine, session_factory
from storage.fsm import SqlStorage
from storage.migrate import alembic_config, upgrade
from storage.models import Base, ConsentRefusalRow, OrganisationRow, PersonRow, WorkshopRow
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


async def test_migrations_match_the_models(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        regions = (await connection.execute(text("select count(*) from regions"))).scalar()
        themes = (await connection.execute(text("select name from themes order by position"))).scalars().all()
    assert set(Base.metadata.tables) <= tables
    assert regions == 25
    assert themes == [
        "Salud",
        "Educación",
        "Infraestructura",
        "Saneamiento",
        "Ambiente",
        "Seguridad ciudadana",
    ]


async def test_migrating_twice_is_harmless(engine: AsyncEngine) -> None:
    await upgrade(engine)


async def test_every_migration_goes_down_and_up_again(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(lambda c: command.downgrade(alembic_config(c), "base"))
    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert tables <= {"alembic_version"}
    await upgrade(engine)
    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        regions = (await connection.execute(text("select count(*) from regions"))).scalar()
    assert set(Base.metadata.tables) <= tables and regions == 25


async def test_profile_round_trip(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with SqlUnitOfWork(sessions) as uow:
        await onboarding.accept_consent(uow, 555, "en", 1, NOW)
        await onboarding.save_profile(
            uow, 555, ProfileInput("Ana <b>", "22", OrgType.ONG, organisation_name="Red Muqui", phone="+5190")
        )
    async with SqlUnitOfWork(sessions) as uow:
        person = await onboarding.get_person(uow, 555)
    assert person is not None
    assert (
        person.full_name,
        person.region_code,
        person.org_type,
        person.organisation_name,
        person.phone,
    ) == ("Ana <b>", "22", OrgType.ONG, "Red Muqui", "+5190")
    assert person.consent_at == NOW and person.locale == "en"


async def test_unit_of_work_rolls_back_unless_committed(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with SqlUnitOfWork(sessions) as uow:
        await uow.people.add(1, "es", 1, NOW)  # no commit
    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.people.get_by_telegram_id(1) is None


async def test_refusal_row_has_no_identity(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with SqlUnitOfWork(sessions) as uow:
        await onboarding.refuse_consent(uow, 1, NOW)
    assert set(ConsentRefusalRow.__table__.columns.keys()) == {"id", "notice_version", "refused_at"}
    async with sessions() as session:
        assert (await session.execute(select(func.count()).select_from(PersonRow))).scalar() == 0
        assert (await session.execute(select(func.count()).select_from(ConsentRefusalRow))).scalar() == 1


async def test_organisation_key_is_unique_in_the_database(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session:
        session.add(OrganisationRow(name="A", name_key="a", type_code="ong", created_at=NOW))
        session.add(OrganisationRow(name="a.", name_key="a", type_code="ong", created_at=NOW))
        with pytest.raises(IntegrityError):
            await session.commit()


async def test_fsm_state_survives_a_new_engine(database_url: str, engine: AsyncEngine) -> None:
    key = StorageKey(bot_id=1, chat_id=42, user_id=42)
    storage = SqlStorage(engine)
    assert await storage.get_state(key) is None and await storage.get_data(key) == {}
    await storage.set_state(key, Onboarding.region)
    await storage.update_data(key, {"profile": {"name": "Ana"}})
    await storage.update_data(key, {"locale": "qu"})
    other_engine = create_engine(database_url)  # as after a restart
    try:
        again = SqlStorage(other_engine)
        assert await again.get_state(key) == Onboarding.region.state
        assert await again.get_data(key) == {"profile": {"name": "Ana"}, "locale": "qu"}
        await again.set_state(key, None)
        assert await again.get_state(key) is None
        assert await again.get_data(key) == {"profile": {"name": "Ana"}, "locale": "qu"}
        await again.forget(key)
        assert await again.get_data(key) == {}
    finally:
        await other_engine.dispose()
    assert await storage.get_state(StorageKey(bot_id=1, chat_id=43, user_id=43)) is None


async def test_fsm_storage_of_webhook_instances_reads_what_another_one_wrote(engine: AsyncEngine) -> None:
    """Behind a webhook a conversation may alternate between instances: no instance trusts memory."""
    key = StorageKey(bot_id=1, chat_id=44, user_id=44)
    first, second = SqlStorage(engine), SqlStorage(engine)
    await first.set_state(key, Onboarding.name)
    assert await second.get_state(key) == Onboarding.name.state
    await second.set_state(key, Onboarding.region)
    await second.update_data(key, {"name": "Ana"})
    assert await first.get_state(key) == Onboarding.region.state
    assert await first.get_data(key) == {"name": "Ana"}


async def test_fsm_storage_of_the_polling_process_reads_from_memory(engine: AsyncEngine) -> None:
    key = StorageKey(bot_id=1, chat_id=45, user_id=45)
    storage = SqlStorage(engine)
    storage.remember(2)
    await storage.set_state(key, Onboarding.name)
    await storage.update_data(key, {"name": "Ana", "answers": {"a": 1}})
    statements: list[str] = []

    def seen(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        assert await storage.get_state(key) == Onboarding.name.state
        data = await storage.get_data(key)
        data["answers"]["a"] = 2  # a copy: changing it changes nothing stored
        assert await storage.get_data(key) == {"name": "Ana", "answers": {"a": 1}}
        assert statements == []
        await storage.set_state(key, Onboarding.region)  # written through
        assert len(statements) == 1 and await storage.get_state(key) == Onboarding.region.state
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)
    assert await SqlStorage(engine).get_data(key) == {"name": "Ana", "answers": {"a": 1}}
    for chat in (46, 47):  # the least recently used conversation leaves memory, not the database
        await storage.get_state(StorageKey(bot_id=1, chat_id=chat, user_id=chat))
    assert len(storage._cache) == 2 and await storage.get_state(key) == Onboarding.region.state


async def _after(first: Awaitable[object], then: Awaitable[object]) -> None:
    await first
    await then


async def test_fsm_storage_writes_once_per_update_and_before_the_bot_speaks(engine: AsyncEngine) -> None:
    key = StorageKey(bot_id=1, chat_id=48, user_id=48)
    storage = SqlStorage(engine, writer=autocommit_engine(engine))
    other = SqlStorage(engine)  # another instance, reading the table
    statements: list[str] = []

    def seen(*args: object) -> None:
        if str(args[2]).startswith("INSERT"):
            statements.append(str(args[2]))

    event.listen(storage._writer.sync_engine, "before_cursor_execute", seen)
    try:
        async with storage.staging():
            await storage.set_state(key, Onboarding.name)
            await storage.update_data(key, {"name": "Ana"})
            assert await storage.get_state(key) == Onboarding.name.state  # this update sees its own
            assert await storage.get_data(key) == {"name": "Ana"}
            assert statements == [] and await other.get_state(key) is None
            await storage.flush()  # what `_WriteBeforeSpeaking` does before a Bot API call
            assert len(statements) == 1 and await other.get_data(key) == {"name": "Ana"}
            await storage.set_state(key, Onboarding.region)
            later = asyncio.create_task(asyncio.sleep(0.01))
            leftover = asyncio.create_task(_after(later, storage.set_state(key, Onboarding.phone)))
        assert len(statements) == 2 and await other.get_state(key) == Onboarding.region.state
        await leftover  # a task the update started and that outlived it writes straight away
        assert len(statements) == 3 and await other.get_state(key) == Onboarding.phone.state
        async with storage.staging():
            await storage.update_data(key, {"phone": "+51 1"})
            await storage.forget(key)  # erased meanwhile: nothing held back comes back
        assert await other.get_data(key) == {} and len(statements) == 3
    finally:
        event.remove(storage._writer.sync_engine, "before_cursor_execute", seen)
        await storage.close()


async def test_fsm_storage_memory_never_runs_ahead_of_a_failed_write(engine: AsyncEngine, tmp_path) -> None:
    key = StorageKey(bot_id=1, chat_id=49, user_id=49)
    broken = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'x.db'}")  # cannot be opened
    storage = SqlStorage(engine, writer=broken)
    storage.remember(2)
    assert await storage.get_state(key) is None  # now in memory
    with pytest.raises(OperationalError):
        await storage.set_state(key, Onboarding.name)
    assert await storage.get_state(key) is None
    await storage.close()


async def test_conversations_are_in_the_database_unless_redis_is_configured(engine: AsyncEngine) -> None:
    from aiogram.fsm.storage.memory import SimpleEventIsolation
    from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage

    from bot.app import CHAT_LOCK_SECONDS, make_state
    from bot.config import load_settings

    default = make_state(load_settings(_env_file=None, redis_url=""), engine)
    assert isinstance(default.storage, SqlStorage) and isinstance(default.isolation, SimpleEventIsolation)
    assert default.redis is None
    shared = make_state(load_settings(_env_file=None, redis_url="redis://127.0.0.1:9/0"), engine)  # lazy
    assert isinstance(shared.storage, RedisStorage) and isinstance(shared.isolation, RedisEventIsolation)
    assert shared.isolation.lock_kwargs == {"timeout": CHAT_LOCK_SECONDS}  # not aiogram's 60 s
    assert shared.redis is shared.storage.redis
    await shared.storage.close()
    await default.storage.close()


async def test_loading_workshops_is_idempotent(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    records = demo_workshops()
    async with SqlUnitOfWork(sessions) as uow:
        first = await load_workshops(uow, records)
    async with SqlUnitOfWork(sessions) as uow:
        second = await load_workshops(uow, records)
    moved = [dict(r) for r in records]
    moved[0]["starts_at"] = moved[0]["starts_at"] + timedelta(days=1)
    moved[0]["ends_at"] = moved[0]["ends_at"] + timedelta(days=1)
    async with SqlUnitOfWork(sessions) as uow:
        third = await load_workshops(uow, moved)
    assert (first.created, second.unchanged, third.updated, third.unchanged) == (4, 4, 1, 3)
    async with sessions() as session:
        rows = (await session.execute(select(WorkshopRow).order_by(WorkshopRow.starts_at))).scalars().all()
    assert [row.region_code for row in rows] == ["13", "22", "04", "15"]
    assert rows[0].starts_at == moved[0]["starts_at"]


async def test_a_bad_record_names_itself_and_stores_nothing(engine: AsyncEngine) -> None:
    records = demo_workshops()
    records[2] = {**records[2], "capacity": 0}
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        with pytest.raises(RecordError, match="record 3: capacity"):
            await load_workshops(uow, records)
    async with session_factory(engine)() as session:
        assert (await session.execute(select(func.count()).select_from(WorkshopRow))).scalar() == 0


async def test_models_and_migrations_agree(engine: AsyncEngine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    def differences(connection: object) -> list:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    async with engine.connect() as connection:
        assert await connection.run_sync(differences) == []
