"""Workshop services with in-memory fakes: the rules of registration, the waiting list and its
offers, reminders, check-in, organisers' permissions and edits, announcements."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.errors import NotFound
from bot.domain.people import Person
from bot.domain.reference import OrgType
from bot.domain.roles import Forbidden, Role
from bot.domain.workshops import Refused, RegistrationStatus, WorkshopStatus
from bot.services import workshops
from bot.services.loading import load_workshops
from tests.fakes import FakeUnitOfWork

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
POLICY = workshops.Policy(reminder_offsets=(86400, 7200), offer_hours=24)
CONFIRMADA, EN_ESPERA, OFRECIDA = (
    RegistrationStatus.CONFIRMADA,
    RegistrationStatus.EN_ESPERA,
    RegistrationStatus.OFRECIDA,
)


def record(code: str = "taller-arequipa", region: str = "04", capacity: int = 2, days: int = 10) -> dict:
    starts = NOW + timedelta(days=days)
    return {
        "code": code,
        "kind": "taller_regional",
        "region": region,
        "title": f"Taller {code}",
        "themes": ["salud"],
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=4),
        "venue": {"name": "Auditorio", "address": "Av. Unión 200"},
        "capacity": capacity,
        "registration_opens_at": NOW - timedelta(days=5),
        "registration_closes_at": starts - timedelta(days=1),
    }


async def setup(capacity: int = 2, people: int = 4, **extra: object) -> tuple[FakeUnitOfWork, int]:
    uow = FakeUnitOfWork()
    for n in range(1, people + 1):
        uow.people.rows[n] = Person(
            n, n, "es", 1, NOW, full_name=f"Persona {n}", region_code="04", org_type=OrgType.PERSONAL
        )
    await load_workshops(uow, [{**record(capacity=capacity), **extra}], policy=POLICY, now=NOW)
    return uow, uow.workshops.rows["taller-arequipa"].id


async def register(
    uow: FakeUnitOfWork, telegram_id: int, workshop_id: int, **kw: object
) -> workshops.Outcome:
    return await workshops.register(
        uow, telegram_id, workshop_id, waitlist=True, policy=POLICY, now=NOW, **kw
    )


async def test_seats_then_the_waiting_list_in_arrival_order() -> None:
    uow, wid = await setup(capacity=2)
    outcomes = [await register(uow, n, wid) for n in (1, 2, 3, 4)]
    assert [o.registration.status for o in outcomes] == [CONFIRMADA, CONFIRMADA, EN_ESPERA, EN_ESPERA]
    assert [o.position for o in outcomes] == [None, None, 1, 2]
    again = await register(uow, 3, wid)
    assert again.already and again.position == 1  # tapping twice changes nothing


async def test_a_full_workshop_asks_before_the_waiting_list() -> None:
    uow, wid = await setup(capacity=1)
    await register(uow, 1, wid)
    with pytest.raises(Refused) as refused:
        await workshops.register(uow, 2, wid, policy=POLICY, now=NOW)
    assert refused.value.reason == "full" and refused.value.details == {"waiting": 0}
    assert await uow.registrations.active_of(wid, 2) is None


@pytest.mark.parametrize(
    ("moment", "reason"),
    [
        (NOW - timedelta(days=6), "not_yet"),
        (NOW + timedelta(days=9, hours=1), "closed"),
        (NOW + timedelta(days=10, hours=1), "done"),
    ],
)
async def test_registration_window(moment: datetime, reason: str) -> None:
    uow, wid = await setup()
    with pytest.raises(Refused, match=reason):
        await workshops.register(uow, 1, wid, policy=POLICY, now=moment)


async def test_reminders_at_the_offsets_skipping_those_past() -> None:
    uow, wid = await setup()
    policy = workshops.Policy(reminder_offsets=(30 * 86400, 86400, 7200), offer_hours=24)
    outcome = await workshops.register(uow, 1, wid, policy=policy, now=NOW)
    reminders = uow.outbox.pending("reminder")
    rid = outcome.registration.id
    assert [r.dedupe_key for r in reminders] == [f"reminder:{rid}:86400:v0", f"reminder:{rid}:7200:v0"]
    starts = outcome.workshop.starts_at
    assert [r.not_before for r in reminders] == [starts - timedelta(days=1), starts - timedelta(hours=2)]
    assert all(r.chat_id == 1 and r.payload["registration_id"] == rid for r in reminders)


async def test_cancelling_offers_the_seat_to_the_first_waiting() -> None:
    uow, wid = await setup(capacity=1)
    first = await register(uow, 1, wid)
    await register(uow, 2, wid)
    await register(uow, 3, wid)
    await workshops.cancel(uow, 1, first.registration.id, policy=POLICY, now=NOW)
    assert uow.registrations.rows[first.registration.id].status is RegistrationStatus.CANCELADA
    assert not uow.outbox.pending("reminder")  # withdrawn
    offers = uow.outbox.pending("offer")
    assert [o.chat_id for o in offers] == [2]
    offered = await uow.registrations.active_of(wid, 2)
    assert offered.status is OFRECIDA and offered.offer_expires_at == NOW + timedelta(hours=24)
    assert (await uow.registrations.active_of(wid, 3)).status is EN_ESPERA


async def test_an_offer_never_outlives_the_start() -> None:
    uow, wid = await setup(capacity=1)
    first = await register(uow, 1, wid)
    await register(uow, 2, wid)
    late = uow.workshops.rows["taller-arequipa"].starts_at - timedelta(hours=3)
    await workshops.cancel(uow, 1, first.registration.id, policy=POLICY, now=late)
    assert (await uow.registrations.active_of(wid, 2)).offer_expires_at == late + timedelta(hours=3)


async def test_accepting_an_offer_confirms_and_schedules_reminders() -> None:
    uow, wid = await setup(capacity=1)
    first = await register(uow, 1, wid)
    second = await register(uow, 2, wid)
    await workshops.cancel(uow, 1, first.registration.id, policy=POLICY, now=NOW)
    outcome = await workshops.accept_offer(uow, 2, second.registration.id, policy=POLICY, now=NOW)
    assert outcome.registration.status is CONFIRMADA
    assert [r.chat_id for r in uow.outbox.pending("reminder")] == [2, 2]


async def test_an_unanswered_offer_passes_on_once() -> None:
    uow, wid = await setup(capacity=1)
    first = await register(uow, 1, wid)
    second = await register(uow, 2, wid)
    await register(uow, 3, wid)
    await workshops.cancel(uow, 1, first.registration.id, policy=POLICY, now=NOW)
    later = NOW + timedelta(hours=25)
    assert await workshops.expire_offers(uow, policy=POLICY, now=later) == 1
    assert await workshops.expire_offers(uow, policy=POLICY, now=later) == 0  # idempotent
    assert uow.registrations.rows[second.registration.id].status is RegistrationStatus.VENCIDA
    assert [o.chat_id for o in uow.outbox.pending("offer_expired")] == [2]
    assert [o.chat_id for o in uow.outbox.pending("offer")] == [2, 3]
    with pytest.raises(Refused, match="offer_expired"):
        await workshops.accept_offer(uow, 2, second.registration.id, policy=POLICY, now=later)


async def test_a_seat_freed_without_an_offer_is_offered_by_the_periodic_job() -> None:
    uow, wid = await setup(capacity=1)
    first = await register(uow, 1, wid)
    await register(uow, 2, wid)
    del uow.registrations.rows[first.registration.id]  # as when a person erases their data
    assert await workshops.expire_offers(uow, policy=POLICY, now=NOW) == 0
    assert (await uow.registrations.active_of(wid, 2)).status is OFRECIDA
    assert [o.chat_id for o in uow.outbox.pending("offer")] == [2]


async def test_accepting_too_late_passes_the_seat_on_at_once() -> None:
    uow, wid = await setup(capacity=1)
    first = await register(uow, 1, wid)
    second = await register(uow, 2, wid)
    await register(uow, 3, wid)
    await workshops.cancel(uow, 1, first.registration.id, policy=POLICY, now=NOW)
    with pytest.raises(Refused, match="offer_expired"):
        await workshops.accept_offer(
            uow, 2, second.registration.id, policy=POLICY, now=NOW + timedelta(days=2)
        )
    assert (await uow.registrations.active_of(wid, 3)).status is OFRECIDA


async def test_releasing_an_offer_offers_it_to_the_next() -> None:
    uow, wid = await setup(capacity=1)
    first = await register(uow, 1, wid)
    second = await register(uow, 2, wid)
    await register(uow, 3, wid)
    await workshops.cancel(uow, 1, first.registration.id, policy=POLICY, now=NOW)
    await workshops.decline_offer(uow, 2, second.registration.id, policy=POLICY, now=NOW)
    assert (await uow.registrations.active_of(wid, 3)).status is OFRECIDA
    with pytest.raises(Refused, match="not_offered"):
        await workshops.decline_offer(uow, 2, second.registration.id, policy=POLICY, now=NOW)


async def test_someone_elses_registration_is_refused_and_untouched() -> None:
    uow, wid = await setup()
    mine = await register(uow, 1, wid)
    for action in (workshops.cancel, workshops.accept_offer, workshops.decline_offer):
        with pytest.raises(Forbidden):
            await action(uow, 2, mine.registration.id, policy=POLICY, now=NOW)
    with pytest.raises(NotFound):
        await workshops.cancel(uow, 1, 999, policy=POLICY, now=NOW)
    assert uow.registrations.rows[mine.registration.id].status is CONFIRMADA


async def test_organisers_hear_of_50_80_and_100_percent_once() -> None:
    uow, wid = await setup(capacity=5, people=6)
    await uow.roles.grant(900, Role.ORGANISER, "04")
    await uow.roles.grant(901, Role.ORGANISER, "13")  # another region: not told
    for n in range(1, 6):
        await register(uow, n, wid)
    notices = uow.outbox.pending("threshold")
    assert [(n.chat_id, n.payload["percent"]) for n in notices] == [(900, 50), (900, 80), (900, 100)]
    await workshops.cancel(uow, 5, (await uow.registrations.active_of(wid, 5)).id, policy=POLICY, now=NOW)
    await register(uow, 6, wid)
    assert len(uow.outbox.pending("threshold")) == 3  # never twice


async def test_check_in_marks_once_and_registers_a_walk_in() -> None:
    uow, wid = await setup(capacity=2)
    await register(uow, 1, wid)
    roles = await uow.roles.of(900)
    await uow.roles.grant(900, Role.ORGANISER, "04")
    roles = await uow.roles.of(900)
    code = (await workshops.attendance_code(uow, roles, wid)).checkin_code
    assert code and (await workshops.attendance_code(uow, roles, wid)).checkin_code == code
    during = uow.workshops.rows["taller-arequipa"].starts_at + timedelta(minutes=10)
    assert (await workshops.check_in(uow, 1, code, policy=POLICY, now=during)).outcome == "marked"
    assert (await workshops.check_in(uow, 1, code, policy=POLICY, now=during)).outcome == "already"
    assert (await workshops.check_in(uow, 2, code, policy=POLICY, now=during)).outcome == "registered"
    with pytest.raises(Refused, match="no_seats"):
        await workshops.check_in(uow, 3, code, policy=POLICY, now=during)
    with pytest.raises(Refused, match="checkin_closed"):
        await workshops.check_in(uow, 3, code, policy=POLICY, now=NOW)
    with pytest.raises(NotFound):
        await workshops.check_in(uow, 1, "forged-code", policy=POLICY, now=during)
    assert (await uow.registrations.counts([wid]))[wid].present == 2


async def test_organisers_act_only_in_their_regions() -> None:
    uow, wid = await setup()
    await uow.roles.grant(901, Role.ORGANISER, "13")
    other = await uow.roles.of(901)
    participant = await uow.roles.of(1)
    for roles in (other, participant):
        with pytest.raises(Forbidden):
            await workshops.roster(uow, roles, wid)
        with pytest.raises(Forbidden):
            await workshops.cancel_workshop(uow, roles, wid, policy=POLICY, now=NOW)
        with pytest.raises(Forbidden):
            await workshops.change_capacity(uow, roles, wid, 50, policy=POLICY, now=NOW)
    assert uow.workshops.rows["taller-arequipa"].status is WorkshopStatus.PROGRAMADO
    await uow.roles.grant(902, Role.SGP_ADMIN, None)
    assert (await workshops.roster(uow, await uow.roles.of(902), wid)).workshop.id == wid


async def test_capacity_changes_offer_seats_or_are_refused_below_taken() -> None:
    uow, wid = await setup(capacity=2)
    await uow.roles.grant(900, Role.ORGANISER, "04")
    roles = await uow.roles.of(900)
    for n in (1, 2, 3, 4):
        await register(uow, n, wid)
    with pytest.raises(Refused, match="capacity_below"):
        await workshops.change_capacity(uow, roles, wid, 1, policy=POLICY, now=NOW)
    await workshops.change_capacity(uow, roles, wid, 3, policy=POLICY, now=NOW)
    assert [o.chat_id for o in uow.outbox.pending("offer")] == [3]
    assert uow.audit.entries[-1][1] == "workshop.capacity"


async def test_moving_a_workshop_tells_everyone_and_moves_reminders() -> None:
    uow, wid = await setup(capacity=1)
    await uow.roles.grant(900, Role.ORGANISER, "04")
    first = await register(uow, 1, wid)
    await register(uow, 2, wid)
    new_start = NOW + timedelta(days=12)
    moved = await workshops.change_schedule(
        uow, await uow.roles.of(900), wid, new_start, policy=POLICY, now=NOW
    )
    assert moved.starts_at == new_start and moved.ends_at == new_start + timedelta(hours=4)
    assert sorted(n.chat_id for n in uow.outbox.pending("workshop_moved")) == [1, 2]
    rid = first.registration.id
    assert [r.dedupe_key for r in uow.outbox.pending("reminder")] == [
        f"reminder:{rid}:86400:v1",
        f"reminder:{rid}:7200:v1",
    ]
    assert uow.outbox.pending("reminder")[0].not_before == new_start - timedelta(days=1)


async def test_cancelling_a_workshop_tells_registered_and_waiting() -> None:
    uow, wid = await setup(capacity=1)
    await uow.roles.grant(900, Role.ORGANISER, "04")
    await register(uow, 1, wid)
    await register(uow, 2, wid)
    await workshops.cancel_workshop(uow, await uow.roles.of(900), wid, policy=POLICY, now=NOW)
    assert sorted(n.chat_id for n in uow.outbox.pending("workshop_cancelled")) == [1, 2]
    assert not uow.outbox.pending("reminder")
    with pytest.raises(Refused, match="cancelled"):
        await register(uow, 3, wid)


async def test_a_new_workshop_is_announced_once_to_those_who_want_it() -> None:
    uow = FakeUnitOfWork()
    for n, region, wants in ((1, "04", True), (2, "04", False), (3, "13", True)):
        uow.people.rows[n] = Person(n, n, "es", 1, NOW, "P", region, OrgType.PERSONAL, announcements=wants)
    await load_workshops(uow, [record()], policy=POLICY, now=NOW)
    await load_workshops(uow, [record()], policy=POLICY, now=NOW)
    changed = {**record(), "capacity": 30}
    await load_workshops(uow, [changed], policy=POLICY, now=NOW)
    assert [a.chat_id for a in uow.outbox.pending("announce")] == [1]


async def test_announcements_toggle() -> None:
    uow, _ = await setup()
    assert await workshops.toggle_announcements(uow, 1) is False
    assert await workshops.toggle_announcements(uow, 1) is True


async def test_list_puts_the_persons_region_first() -> None:
    uow = FakeUnitOfWork()
    person = Person(1, 1, "es", 1, NOW, "P", "13", OrgType.PERSONAL)
    uow.people.rows[1] = person
    await load_workshops(uow, [record("a", "04", days=3), record("b", "13", days=9)], policy=POLICY, now=NOW)
    infos = await workshops.upcoming(uow, person, now=NOW)
    assert [i.workshop.code for i in infos] == ["b", "a"]
    assert [i.seats_left for i in infos] == [2, 2]


async def test_the_loader_refuses_fewer_seats_than_taken() -> None:
    from bot.services.loading import RecordError

    uow, wid = await setup(capacity=2)
    await register(uow, 1, wid)
    await register(uow, 2, wid)
    with pytest.raises(RecordError, match="capacity"):
        await load_workshops(uow, [record(capacity=1)], policy=POLICY, now=NOW)


def test_policy_defaults() -> None:
    assert workshops.Policy().offer_time == timedelta(hours=24)
    assert replace(workshops.Policy(), offer_hours=0.5).offer_time == timedelta(minutes=30)
