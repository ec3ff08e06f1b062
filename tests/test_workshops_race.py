"""Capacity under real concurrency: 300 people register at once for a 40-seat workshop.

Each registration is its own unit of work on one engine, all started together with asyncio.gather,
as 300 updates handled at once would be. Runs on the tests' database: SQLite, or PostgreSQL with
TEST_DATABASE=postgres.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.people import ProfileInput
from bot.domain.reference import OrgType
from bot.domain.workshops import RegistrationStatus
from bot.services import onboarding, workshops
from bot.services.loading import load_workshops
from storage.db import create_engine, session_factory
from storage.uow import SqlUnitOfWork

PEOPLE, SEATS, CANCELLATIONS = 300, 40, 10
NOW = datetime.now(UTC).replace(microsecond=0)
POLICY = workshops.Policy(reminder_offsets=(86400, 7200), offer_hours=24)


def race_workshop() -> dict[str, object]:
    starts = NOW + timedelta(days=10)
    return {
        "code": "mesa-nacional-race",
        "kind": "mesa_nacional",
        "region": "15",
        "title": "Mesa nacional",
        "themes": ["salud"],
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=4),
        "venue": {"name": "PCM", "address": "Calle Schell 310, Miraflores"},
        "capacity": SEATS,
        "registration_opens_at": NOW - timedelta(days=1),
        "registration_closes_at": starts - timedelta(days=1),
    }


@pytest_asyncio.fixture
async def race_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=20, max_overflow=20)
    yield engine
    await engine.dispose()


async def _people(engine: AsyncEngine, count: int) -> list[int]:
    sessions = session_factory(engine)
    ids = [700_000 + n for n in range(count)]
    for telegram_id in ids:
        async with SqlUnitOfWork(sessions) as uow:
            await onboarding.accept_consent(uow, telegram_id, "es", 1, NOW)
            await onboarding.save_profile(
                uow, telegram_id, ProfileInput(f"Persona {telegram_id}", "15", OrgType.PERSONAL)
            )
    return ids


async def _rows(engine: AsyncEngine, sql: str, **params: object) -> list[tuple]:
    async with engine.connect() as connection:
        return [tuple(row) for row in (await connection.execute(text(sql), params)).all()]


async def test_300_people_at_once_for_40_seats(race_engine: AsyncEngine) -> None:
    engine = race_engine
    sessions = session_factory(engine)
    async with SqlUnitOfWork(sessions) as uow:
        await load_workshops(uow, [race_workshop()], now=NOW)
    workshop_id = (await _rows(engine, "select id from workshops where code = 'mesa-nacional-race'"))[0][0]
    people = await _people(engine, PEOPLE)

    async def one(telegram_id: int) -> workshops.Outcome:
        async with SqlUnitOfWork(sessions) as uow:
            return await workshops.register(
                uow, telegram_id, workshop_id, waitlist=True, policy=POLICY, now=NOW
            )

    outcomes = await asyncio.gather(*(one(telegram_id) for telegram_id in people))

    by_status = await _rows(
        engine,
        "select status, count(*) from registrations where workshop_id = :w group by status order by status",
        w=workshop_id,
    )
    assert dict(by_status) == {"confirmada": SEATS, "en_espera": PEOPLE - SEATS}
    confirmed = [o for o in outcomes if o.registration.status is RegistrationStatus.CONFIRMADA]
    waiting = [o for o in outcomes if o.registration.status is RegistrationStatus.EN_ESPERA]
    assert len(confirmed) == SEATS and len(waiting) == PEOPLE - SEATS
    # Arrival order: every seat went to someone who came before everyone waiting, and the waiting
    # list is numbered 1..260 in the order the database took the registrations.
    assert max(o.registration.seq for o in confirmed) < min(o.registration.seq for o in waiting)
    by_seq = sorted(waiting, key=lambda o: o.registration.seq)
    assert [o.position for o in by_seq] == list(range(1, PEOPLE - SEATS + 1))
    seqs = await _rows(engine, "select seq from registrations where workshop_id = :w", w=workshop_id)
    assert len({seq for (seq,) in seqs}) == PEOPLE  # no two arrivals share a number
    assert await _rows(engine, "select count(*) from deliveries where kind = 'reminder'") == [(SEATS * 2,)]
    thresholds = await _rows(engine, "select count(*) from deliveries where kind = 'threshold'")
    assert thresholds == [(0,)]  # no organiser in Lima and no SGP administrator in this database

    # Ten people give up their seat at once: exactly ten offers, to the first ten waiting.
    async def give_up(outcome: workshops.Outcome) -> None:
        async with SqlUnitOfWork(sessions) as uow:
            telegram_id = people[outcomes.index(outcome)]
            await workshops.cancel(uow, telegram_id, outcome.registration.id, policy=POLICY, now=NOW)

    await asyncio.gather(*(give_up(o) for o in confirmed[:CANCELLATIONS]))
    offered = await _rows(
        engine, "select id from registrations where status = 'ofrecida' and workshop_id = :w", w=workshop_id
    )
    first_ten = {o.registration.id for o in by_seq[:CANCELLATIONS]}
    assert {row[0] for row in offered} == first_ten
    offers = await _rows(
        engine, "select count(*), count(distinct dedupe_key) from deliveries where kind = 'offer'"
    )
    assert offers == [(CANCELLATIONS, CANCELLATIONS)]
    held = await _rows(
        engine,
        "select count(*) from registrations where workshop_id = :w and status in ('confirmada', 'ofrecida')",
        w=workshop_id,
    )
    assert held == [(SEATS,)]
    withdrawn = await _rows(
        engine, "select count(*) from deliveries where kind = 'reminder' and status = 'omitido'"
    )
    assert withdrawn == [(CANCELLATIONS * 2,)]


async def test_the_database_refuses_a_seat_beyond_capacity(race_engine: AsyncEngine) -> None:
    """The guard under the services: a direct INSERT past the capacity is refused by the database."""
    engine = race_engine
    sessions = session_factory(engine)
    record = {**race_workshop(), "capacity": 1}
    async with SqlUnitOfWork(sessions) as uow:
        await load_workshops(uow, [record], now=NOW)
    people = await _people(engine, 2)
    workshop_id = (await _rows(engine, "select id from workshops"))[0][0]
    person_ids = [row[0] for row in await _rows(engine, "select id from people order by id")]
    async with SqlUnitOfWork(sessions) as uow:
        await workshops.register(uow, people[0], workshop_id, policy=POLICY, now=NOW)
    with pytest.raises((IntegrityError, DBAPIError), match="capacity"):
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "insert into registrations (workshop_id, person_id, status, seq, created_at, updated_at) "
                    "values (:w, :p, 'confirmada', 99, :now, :now)"
                ),
                {"w": workshop_id, "p": person_ids[1], "now": NOW},
            )
    with pytest.raises((IntegrityError, DBAPIError), match="capacity"):
        async with engine.begin() as connection:
            await connection.execute(
                text("update workshops set capacity = 0 where id = :w"), {"w": workshop_id}
            )
