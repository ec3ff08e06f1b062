"""Workshops: the list, registration within capacity, the waiting list and its offers, reminders,
check-in, and what organisers do with their workshops.

Every change of seats of a workshop runs under `uow.workshops.lock(workshop_id)` (one UPDATE of the
workshop row that also hands out the next arrival number), so with any number of people registering
at once the seats are counted exactly; the database's triggers refuse an overflow anyway.

Every message that is not the direct answer to the person acting (reminders, offers, notices to the
people registered, announcements, notices to organisers) goes into the outbox in the same
transaction as the change it is about.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.domain.clock import utcnow
from bot.domain.deliveries import Outgoing, Priority
from bot.domain.errors import ConsentRequired, NotFound
from bot.domain.people import Person
from bot.domain.roles import Forbidden, Roles
from bot.domain.workshops import (
    HOLDING,
    Counts,
    Material,
    Refused,
    Registrant,
    Registration,
    RegistrationStatus,
    Workshop,
    WorkshopStatus,
    thresholds_reached,
)
from bot.services.ports import UnitOfWork
from bot.services.roles import audit

CONFIRMADA = RegistrationStatus.CONFIRMADA
EN_ESPERA = RegistrationStatus.EN_ESPERA
OFRECIDA = RegistrationStatus.OFRECIDA


@dataclass(frozen=True, slots=True)
class Policy:
    """The configurable times: reminder offsets before the start (seconds) and the offer deadline."""

    reminder_offsets: tuple[int, ...] = (86400, 7200)
    offer_hours: float = 24.0

    @property
    def offer_time(self) -> timedelta:
        return timedelta(hours=self.offer_hours)


@dataclass(frozen=True, slots=True)
class WorkshopInfo:
    workshop: Workshop
    counts: Counts
    mine: Registration | None = None
    position: int | None = None  # on the waiting list, when `mine` is waiting

    @property
    def seats_left(self) -> int:
        return max(0, self.workshop.capacity - self.counts.holding)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a registration action did: the registration as it is now, and its place in the queue."""

    workshop: Workshop
    registration: Registration
    position: int | None = None
    already: bool = False


# --------------------------------------------------------------------------- keys and payloads


def reminder_key(registration_id: int, seconds: int, version: int) -> str:
    return f"reminder:{registration_id}:{seconds}:v{version}"


def _when(moment: datetime) -> str:
    return moment.isoformat()


def _about(workshop: Workshop) -> dict[str, object]:
    """What every message about a workshop needs, as plain values (rendered at send time)."""
    return {
        "workshop_id": workshop.id,
        "code": workshop.code,
        "title": workshop.title,
        "region": workshop.region_code,
        "starts_at": _when(workshop.starts_at),
        "ends_at": _when(workshop.ends_at),
        "venue_name": workshop.venue_name,
        "venue_address": workshop.venue_address,
    }


def _reminders(
    workshop: Workshop, registration_id: int, chat_id: int, person_id: int, now: datetime, policy: Policy
) -> list[Outgoing]:
    items = []
    for seconds in policy.reminder_offsets:
        due = workshop.starts_at - timedelta(seconds=seconds)
        if due <= now:
            continue  # an offset already past is skipped
        items.append(
            Outgoing(
                chat_id=chat_id,
                person_id=person_id,
                kind="reminder",
                payload={
                    **_about(workshop),
                    "registration_id": registration_id,
                    "seconds": seconds,
                    "schedule_version": workshop.schedule_version,
                },
                not_before=due,
                dedupe_key=reminder_key(registration_id, seconds, workshop.schedule_version),
                priority=Priority.NOTICE,
            )
        )
    return items


def _reminder_keys(workshop: Workshop, registration_id: int, policy: Policy) -> list[str]:
    return [reminder_key(registration_id, s, workshop.schedule_version) for s in policy.reminder_offsets]


# --------------------------------------------------------------------------- helpers


async def _participant(uow: UnitOfWork, telegram_id: int) -> Person:
    person = await uow.people.get_by_telegram_id(telegram_id)
    if person is None:
        raise ConsentRequired()
    if not person.profile_complete:
        raise Refused("profile")
    return person


async def _workshop(uow: UnitOfWork, workshop_id: int) -> Workshop:
    workshop = await uow.workshops.get(workshop_id)
    if workshop is None:
        raise NotFound("workshop")
    return workshop


async def _lock(uow: UnitOfWork, workshop_id: int) -> int:
    seq = await uow.workshops.lock(workshop_id)
    if seq is None:
        await uow.rollback()
        raise NotFound("workshop")
    return seq


async def _own_registration(uow: UnitOfWork, person: Person, registration_id: int) -> Registration:
    """A registration named by a button: it must exist and be the person's own."""
    registration = await uow.registrations.get(registration_id)
    if registration is None:
        raise NotFound("registration")
    if registration.person_id != person.id:
        raise Forbidden("registration of another person")
    return registration


async def _counts(uow: UnitOfWork, workshop_id: int) -> Counts:
    return (await uow.registrations.counts([workshop_id]))[workshop_id]


async def _notify_thresholds(uow: UnitOfWork, workshop: Workshop, before: int | None = None) -> None:
    """Tell the region's organisers (SGP if the region has none) at 50, 80 and 100 % once each.

    `before`: the confirmed count before this change, when known: nothing to do unless a threshold
    is crossed (the dedupe keys make each notice exist once anyway)."""
    counts = await _counts(uow, workshop.id)
    reached = thresholds_reached(workshop.capacity, counts.confirmed)
    if not reached or (before is not None and reached == thresholds_reached(workshop.capacity, before)):
        return
    chats = await uow.workshops.organisers_of(workshop.region_code) or await uow.workshops.admins()
    await uow.outbox.enqueue(
        [
            Outgoing(
                chat_id=telegram_id,
                person_id=person_id,
                kind="threshold",
                payload={
                    **_about(workshop),
                    "percent": pct,
                    "confirmed": counts.confirmed,
                    "capacity": workshop.capacity,
                },
                dedupe_key=f"threshold:{workshop.id}:{pct}:{telegram_id}",
                priority=Priority.NOTICE,
            )
            for pct in reached
            for telegram_id, person_id in chats
        ]
    )


async def _fill(uow: UnitOfWork, workshop: Workshop, now: datetime, policy: Policy) -> list[Registrant]:
    """Offer the free seats to the first people on the waiting list. The caller holds the lock."""
    if workshop.status is not WorkshopStatus.PROGRAMADO or now >= workshop.starts_at:
        return []
    counts = await _counts(uow, workshop.id)
    free = workshop.capacity - counts.holding
    if free <= 0 or counts.waiting == 0:
        return []
    deadline = min(now + policy.offer_time, workshop.starts_at)
    offered = await uow.registrations.waiting(workshop.id, limit=free)
    for registrant in offered:
        registration = registrant.registration
        await uow.registrations.set_status(registration.id, OFRECIDA, now, offer_expires_at=deadline)
    await uow.outbox.enqueue(
        [
            Outgoing(
                chat_id=registrant.telegram_id,
                person_id=registrant.registration.person_id,
                kind="offer",
                payload={
                    **_about(workshop),
                    "registration_id": registrant.registration.id,
                    "deadline": _when(deadline),
                },
                dedupe_key=f"offer:{registrant.registration.id}",
                priority=Priority.PERSONAL,
            )
            for registrant in offered
        ]
    )
    return offered


async def _confirm(
    uow: UnitOfWork, workshop: Workshop, registration_id: int, chat_id: int, person_id: int, now: datetime,
    policy: Policy, confirmed_before: int | None = None,
) -> None:  # fmt: skip
    """After a registration became confirmed: its reminders, and the organisers' thresholds."""
    await uow.outbox.enqueue(_reminders(workshop, registration_id, chat_id, person_id, now, policy))
    await _notify_thresholds(uow, workshop, confirmed_before)


# --------------------------------------------------------------------------- participants


def _region_first(person: Person | None) -> object:
    region = person.region_code if person else None
    return lambda info: (info.workshop.region_code != region, info.workshop.starts_at, info.workshop.id)


async def upcoming(uow: UnitOfWork, person: Person | None, now: datetime | None = None) -> list[WorkshopInfo]:
    """The workshops to come (cancelled ones left out), the person's region first, then by date."""
    now = now or utcnow()
    workshops = [w for w in await uow.workshops.upcoming(now) if w.status is WorkshopStatus.PROGRAMADO]
    counts = await uow.registrations.counts([w.id for w in workshops])
    mine = {r.workshop_id: r for r in await uow.registrations.of_person(person.id)} if person else {}
    infos = [WorkshopInfo(w, counts[w.id], mine.get(w.id)) for w in workshops]
    return sorted(infos, key=_region_first(person))


async def detail(uow: UnitOfWork, workshop_id: int, person: Person | None) -> WorkshopInfo:
    workshop = await _workshop(uow, workshop_id)
    counts = await _counts(uow, workshop_id)
    mine = await uow.registrations.active_of(workshop_id, person.id) if person else None
    position = await uow.registrations.position(mine) if mine and mine.status is EN_ESPERA else None
    return WorkshopInfo(workshop, counts, mine, position)


async def register(
    uow: UnitOfWork,
    telegram_id: int,
    workshop_id: int,
    *,
    waitlist: bool = False,
    policy: Policy = Policy(),
    now: datetime | None = None,
) -> Outcome:
    """Register the person: a seat if one is free, else (when `waitlist`) the end of the waiting list.

    Without `waitlist`, a full workshop raises Refused("full") so the person can choose to wait.
    """
    now = now or utcnow()
    person = await _participant(uow, telegram_id)
    workshop = await _workshop(uow, workshop_id)
    state = workshop.registration_state(now)
    if state != "open":
        raise Refused(state)
    seq = await _lock(uow, workshop_id)  # from here on, no one else changes this workshop's seats
    existing = await uow.registrations.active_of(workshop_id, person.id)
    if existing is not None:
        position = await uow.registrations.position(existing) if existing.status is EN_ESPERA else None
        await uow.rollback()  # let go of the workshop's lock before anything else
        return Outcome(workshop, existing, position, already=True)
    counts = await _counts(uow, workshop_id)
    if counts.holding < workshop.capacity:
        registration = await uow.registrations.add(workshop_id, person.id, CONFIRMADA, seq, now)
        await _confirm(
            uow, workshop, registration.id, person.telegram_id, person.id, now, policy, counts.confirmed
        )
        position = None
    elif waitlist:
        registration = await uow.registrations.add(workshop_id, person.id, EN_ESPERA, seq, now)
        position = await uow.registrations.position(registration)
    else:
        await uow.rollback()  # let go of the workshop's lock before anything else
        raise Refused("full", waiting=counts.waiting)
    await uow.commit()
    return Outcome(workshop, registration, position)


async def my_registrations(
    uow: UnitOfWork, telegram_id: int, now: datetime | None = None
) -> list[tuple[Registration, Workshop, int | None]]:
    """The person's registrations of workshops not yet over, soonest first, with waiting positions."""
    now = now or utcnow()
    person = await _participant(uow, telegram_id)
    found = []
    for registration in await uow.registrations.of_person(person.id):
        workshop = await uow.workshops.get(registration.workshop_id)
        if workshop is None or workshop.ends_at <= now:
            continue
        position = (
            await uow.registrations.position(registration) if registration.status is EN_ESPERA else None
        )
        found.append((registration, workshop, position))
    return sorted(found, key=lambda item: item[1].starts_at)


async def cancel(
    uow: UnitOfWork,
    telegram_id: int,
    registration_id: int,
    *,
    policy: Policy = Policy(),
    now: datetime | None = None,
) -> Workshop:
    """The person gives up their seat (or their place on the list, or an offer): the seat is offered
    to the next person waiting."""
    now = now or utcnow()
    person = await _participant(uow, telegram_id)
    registration = await _own_registration(uow, person, registration_id)
    workshop = await _workshop(uow, registration.workshop_id)
    if now >= workshop.starts_at:
        raise Refused("done")
    await _lock(uow, workshop.id)
    registration = await uow.registrations.get(registration_id)
    if registration is None or not registration.active:
        await uow.rollback()  # let go of the workshop's lock before anything else
        raise Refused("not_active")
    await uow.registrations.set_status(registration.id, RegistrationStatus.CANCELADA, now)
    await uow.outbox.withdraw(
        [*_reminder_keys(workshop, registration.id, policy), f"offer:{registration.id}"]
    )
    if registration.status in HOLDING:
        await _fill(uow, workshop, now, policy)
    await uow.commit()
    return workshop


async def accept_offer(
    uow: UnitOfWork,
    telegram_id: int,
    registration_id: int,
    *,
    policy: Policy = Policy(),
    now: datetime | None = None,
) -> Outcome:
    now = now or utcnow()
    person = await _participant(uow, telegram_id)
    registration = await _own_registration(uow, person, registration_id)
    workshop = await _workshop(uow, registration.workshop_id)
    await _lock(uow, workshop.id)
    registration = await uow.registrations.get(registration_id)
    if registration is None:
        await uow.rollback()  # let go of the workshop's lock before anything else
        raise NotFound("registration")
    if registration.status is CONFIRMADA:
        await uow.rollback()  # let go of the workshop's lock before anything else
        return Outcome(workshop, registration, already=True)
    if registration.status is not OFRECIDA:
        await uow.rollback()  # let go of the workshop's lock before anything else
        raise Refused("offer_expired" if registration.status is RegistrationStatus.VENCIDA else "not_offered")
    if registration.offer_expires_at is not None and registration.offer_expires_at <= now:
        await _expire_workshop(uow, workshop, now, policy)  # passed on now, not at the next round
        await uow.commit()
        raise Refused("offer_expired")
    if workshop.status is not WorkshopStatus.PROGRAMADO or now >= workshop.starts_at:
        await uow.rollback()  # let go of the workshop's lock before anything else
        raise Refused("cancelled" if workshop.status is WorkshopStatus.CANCELADO else "done")
    await uow.registrations.set_status(registration.id, CONFIRMADA, now)
    await _confirm(uow, workshop, registration.id, person.telegram_id, person.id, now, policy)
    await uow.commit()
    return Outcome(workshop, replace(registration, status=CONFIRMADA, offer_expires_at=None))


async def decline_offer(
    uow: UnitOfWork,
    telegram_id: int,
    registration_id: int,
    *,
    policy: Policy = Policy(),
    now: datetime | None = None,
) -> Workshop:
    """ "Liberar": the person lets the offered seat go; it is offered to the next one."""
    now = now or utcnow()
    person = await _participant(uow, telegram_id)
    registration = await _own_registration(uow, person, registration_id)
    workshop = await _workshop(uow, registration.workshop_id)
    await _lock(uow, workshop.id)
    registration = await uow.registrations.get(registration_id)
    if registration is None or registration.status is not OFRECIDA:
        await uow.rollback()  # let go of the workshop's lock before anything else
        raise Refused("not_offered")
    await uow.registrations.set_status(registration.id, RegistrationStatus.CANCELADA, now)
    await _fill(uow, workshop, now, policy)
    await uow.commit()
    return workshop


async def _expire_workshop(uow: UnitOfWork, workshop: Workshop, now: datetime, policy: Policy) -> int:
    """Offers of this workshop past their deadline lapse and pass on. The caller holds the lock."""
    expired = 0
    for registrant in await uow.registrations.registrants(workshop.id):
        registration = registrant.registration
        if registration.status is not OFRECIDA or registration.offer_expires_at is None:
            continue
        if registration.offer_expires_at > now:
            continue
        await uow.registrations.set_status(registration.id, RegistrationStatus.VENCIDA, now)
        await uow.outbox.enqueue(
            [
                Outgoing(
                    chat_id=registrant.telegram_id,
                    person_id=registration.person_id,
                    kind="offer_expired",
                    payload={**_about(workshop), "registration_id": registration.id},
                    dedupe_key=f"offer_expired:{registration.id}",
                    priority=Priority.PERSONAL,
                )
            ]
        )
        expired += 1
    if expired:
        await _fill(uow, workshop, now, policy)
    return expired


async def expire_offers(uow: UnitOfWork, *, policy: Policy = Policy(), now: datetime | None = None) -> int:
    """The periodic job: offers not answered in time lapse and the seat goes to the next person.

    Idempotent and safe with several instances: each workshop is handled under its lock, and an
    offer already lapsed by another instance is no longer 'ofrecida' when read under it.
    """
    now = now or utcnow()
    expired = 0
    for workshop_id in await uow.registrations.expired_offers(now):
        workshop = await uow.workshops.get(workshop_id)
        if workshop is None or await uow.workshops.lock(workshop_id) is None:
            continue
        expired += await _expire_workshop(uow, workshop, now, policy)
        await uow.commit()
    # A seat freed without an offer (a person erased their data, say) goes to the list as well.
    for workshop_id in await uow.registrations.seats_to_offer(now):
        workshop = await uow.workshops.get(workshop_id)
        if workshop is None or await uow.workshops.lock(workshop_id) is None:
            continue
        await _fill(uow, workshop, now, policy)
        await uow.commit()
    return expired


async def still_applies(uow: UnitOfWork, kind: str, payload: dict[str, object]) -> bool:
    """At send time: is this reminder or offer still true? (The renderer skips it otherwise.)"""
    registration = await uow.registrations.get(int(payload["registration_id"]))
    workshop = await uow.workshops.get(int(payload["workshop_id"]))
    if registration is None or workshop is None or workshop.status is not WorkshopStatus.PROGRAMADO:
        return False
    if kind == "reminder":
        return registration.status is CONFIRMADA and workshop.schedule_version == payload.get(
            "schedule_version", workshop.schedule_version
        )
    if kind == "offer":
        return registration.status is OFRECIDA
    return True


async def toggle_announcements(uow: UnitOfWork, telegram_id: int) -> bool:
    """/avisos: announcements of new workshops in the person's region on or off; returns the new value."""
    person = await uow.people.get_by_telegram_id(telegram_id)
    if person is None:
        raise ConsentRequired()
    person = replace(person, announcements=not person.announcements)
    await uow.people.update(person)
    await uow.commit()
    return person.announcements


async def material(uow: UnitOfWork, workshop_id: int, index: int) -> Material:
    workshop = await _workshop(uow, workshop_id)
    if not 0 <= index < len(workshop.materials):
        raise NotFound("material")
    return workshop.materials[index]


async def remember_material_file(uow: UnitOfWork, material_id: int, file_id: str) -> None:
    """A local file was uploaded once: next time it is sent by Telegram's file_id."""
    await uow.workshops.remember_file_id(material_id, file_id)
    await uow.commit()


# --------------------------------------------------------------------------- check-in


@dataclass(frozen=True, slots=True)
class CheckIn:
    workshop: Workshop
    outcome: str  # "marked" | "already" | "registered" (a walk-in given a free seat and marked)


async def check_in(
    uow: UnitOfWork, telegram_id: int, code: str, *, policy: Policy = Policy(), now: datetime | None = None
) -> CheckIn:
    """The person opened the workshop's QR link: marked present once; someone not registered (or
    still waiting) gets a free seat and is marked, if one remains."""
    now = now or utcnow()
    person = await _participant(uow, telegram_id)
    workshop = await uow.workshops.get_by_checkin_code(code)
    if workshop is None:
        raise NotFound("checkin code")
    if not workshop.checkin_open(now):
        raise Refused("checkin_closed")
    registration = await uow.registrations.active_of(workshop.id, person.id)
    if registration is not None and registration.status is CONFIRMADA:
        marked = await uow.registrations.mark_present(registration.id, now)
        await uow.commit()
        return CheckIn(workshop, "marked" if marked else "already")
    seq = await _lock(uow, workshop.id)
    registration = await uow.registrations.active_of(workshop.id, person.id)
    counts = await _counts(uow, workshop.id)
    if registration is not None and registration.status is OFRECIDA:
        await uow.registrations.set_status(registration.id, CONFIRMADA, now)  # the seat was held for them
    elif counts.holding < workshop.capacity:
        if registration is not None:
            await uow.registrations.set_status(registration.id, CONFIRMADA, now)
        else:
            registration = await uow.registrations.add(workshop.id, person.id, CONFIRMADA, seq, now)
    else:
        await uow.rollback()  # let go of the workshop's lock before anything else
        raise Refused("no_seats")
    await uow.registrations.mark_present(registration.id, now)
    await _notify_thresholds(uow, workshop)
    await uow.commit()
    return CheckIn(workshop, "registered")


# --------------------------------------------------------------------------- organisers


async def _managed(uow: UnitOfWork, roles: Roles, workshop_id: int) -> Workshop:
    roles.require_organiser()
    workshop = await _workshop(uow, workshop_id)
    roles.require_region(workshop.region_code)
    return workshop


async def managed_workshops(
    uow: UnitOfWork, roles: Roles, now: datetime | None = None, recent: timedelta = timedelta(days=2)
) -> list[WorkshopInfo]:
    """The workshops of the organiser's regions (all for SGP), including those just over."""
    roles.require_organiser()
    now = now or utcnow()
    workshops = [w for w in await uow.workshops.upcoming(now - recent) if roles.can_manage(w.region_code)]
    counts = await uow.registrations.counts([w.id for w in workshops])
    return [WorkshopInfo(w, counts[w.id]) for w in workshops]


@dataclass(frozen=True, slots=True)
class Roster:
    workshop: Workshop
    counts: Counts
    registrants: list[Registrant]


async def roster(uow: UnitOfWork, roles: Roles, workshop_id: int) -> Roster:
    """/inscritos: counts and the list of confirmed, waiting and present people, for their regions only."""
    workshop = await _managed(uow, roles, workshop_id)
    return Roster(workshop, await _counts(uow, workshop_id), await uow.registrations.registrants(workshop_id))


async def attendance_code(uow: UnitOfWork, roles: Roles, workshop_id: int) -> Workshop:
    """/asistencia: the workshop's check-in code (made the first time), for the QR deep link."""
    workshop = await _managed(uow, roles, workshop_id)
    if workshop.checkin_code is None:
        code = secrets.token_urlsafe(12)  # 16 characters of [A-Za-z0-9_-]: a deep link payload
        await uow.workshops.set_checkin_code(workshop_id, code)
        await audit(uow, roles.telegram_id, "workshop.checkin_code", workshop.code)
        await uow.commit()
        workshop = replace(workshop, checkin_code=code)
    return workshop


async def mark_attendance(
    uow: UnitOfWork, roles: Roles, registration_id: int, now: datetime | None = None
) -> tuple[Workshop, bool]:
    """The organiser marks a registered person present from the list; (workshop, newly marked)."""
    now = now or utcnow()
    registration = await uow.registrations.get(registration_id)
    if registration is None:
        raise NotFound("registration")
    workshop = await _managed(uow, roles, registration.workshop_id)
    if registration.status is not CONFIRMADA:
        raise Refused("not_active")
    marked = await uow.registrations.mark_present(registration_id, now)
    if marked:
        await audit(
            uow, roles.telegram_id, "workshop.mark_present", workshop.code, registration=registration_id
        )
    await uow.commit()
    return workshop, marked


async def change_capacity(
    uow: UnitOfWork, roles: Roles, workshop_id: int, capacity: int, *, policy: Policy = Policy(),
    now: datetime | None = None,
) -> Workshop:  # fmt: skip
    workshop = await _managed(uow, roles, workshop_id)
    new = replace(workshop, capacity=capacity).validate()
    new, _ = await save_edit(uow, workshop, new, policy=policy, now=now)
    await audit(
        uow, roles.telegram_id, "workshop.capacity", workshop.code, old=workshop.capacity, new=capacity
    )
    await uow.commit()
    return new


async def change_schedule(
    uow: UnitOfWork, roles: Roles, workshop_id: int, starts_at: datetime, *, policy: Policy = Policy(),
    now: datetime | None = None,
) -> Workshop:  # fmt: skip
    """Move the workshop (same duration); registration closes at the new start at the latest."""
    now = now or utcnow()
    workshop = await _managed(uow, roles, workshop_id)
    if starts_at <= now:
        raise Refused("past")
    new = replace(
        workshop,
        starts_at=starts_at,
        ends_at=starts_at + (workshop.ends_at - workshop.starts_at),
        registration_closes_at=min(workshop.registration_closes_at, starts_at),
    )
    if new.registration_closes_at <= new.registration_opens_at:
        new = replace(new, registration_opens_at=min(workshop.registration_opens_at, now))
    new, _ = await save_edit(uow, workshop, new.validate(), policy=policy, now=now)
    await audit(
        uow,
        roles.telegram_id,
        "workshop.move",
        workshop.code,
        old=_when(workshop.starts_at),
        new=_when(starts_at),
    )
    await uow.commit()
    return new


async def cancel_workshop(
    uow: UnitOfWork, roles: Roles, workshop_id: int, *, policy: Policy = Policy(), now: datetime | None = None
) -> Workshop:
    workshop = await _managed(uow, roles, workshop_id)
    if workshop.status is WorkshopStatus.CANCELADO:
        raise Refused("cancelled")
    cancelled = replace(workshop, status=WorkshopStatus.CANCELADO)
    new, _ = await save_edit(uow, workshop, cancelled, policy=policy, now=now)
    await audit(uow, roles.telegram_id, "workshop.cancel", workshop.code)
    await uow.commit()
    return new


# --------------------------------------------------------------------------- publishing and edits


async def announce(uow: UnitOfWork, workshop: Workshop, now: datetime | None = None) -> int:
    """A published workshop is announced once to the people of its region who want announcements."""
    now = now or utcnow()
    if workshop.announced_at is not None or workshop.status is not WorkshopStatus.PROGRAMADO:
        return 0
    if workshop.ends_at <= now:
        return 0
    recipients = await uow.workshops.announcement_recipients(workshop.region_code)
    themes = list(workshop.themes)
    added = await uow.outbox.enqueue(
        [
            Outgoing(
                chat_id=telegram_id,
                person_id=person_id,
                kind="announce",
                payload={**_about(workshop), "themes": themes},
                dedupe_key=f"announce:{workshop.id}:{person_id}",
                priority=Priority.BULK,
            )
            for person_id, telegram_id in recipients
        ]
    )
    await uow.workshops.mark_announced(workshop.id, now)
    return added


async def save_edit(
    uow: UnitOfWork, old: Workshop, new: Workshop, *, policy: Policy = Policy(), now: datetime | None = None
) -> tuple[Workshop, str]:
    """Store an edited workshop and tell whom it concerns, in the caller's transaction:

    - cancelled: everyone registered or waiting is told; reminders and offers are withdrawn;
    - moved (a new start, or programmed again after a cancellation): everyone registered or waiting
      is told; reminders move to the new date;
    - more seats: the first people waiting are offered them; fewer seats than taken: refused.

    Returns the workshop as stored and "updated" or "unchanged".
    """
    now = now or utcnow()
    seats_matter = (old.capacity, old.status, old.starts_at) != (new.capacity, new.status, new.starts_at)
    if seats_matter:
        await _lock(uow, old.id)
        counts = await _counts(uow, old.id)
        if new.capacity < counts.holding:
            await uow.rollback()  # let go of the workshop's lock before anything else
            raise Refused("capacity_below", taken=counts.holding)
    outcome = await uow.workshops.upsert(new)
    new = replace(
        new,
        id=old.id,
        schedule_version=old.schedule_version,
        checkin_code=old.checkin_code,
        announced_at=old.announced_at,
    )
    if not seats_matter:
        return new, outcome
    registrants = await uow.registrations.registrants(old.id)
    cancelado, programado = WorkshopStatus.CANCELADO, WorkshopStatus.PROGRAMADO
    if new.status is cancelado:
        if old.status is not cancelado:
            keys = [key for r in registrants for key in _reminder_keys(old, r.registration.id, policy)]
            keys += [f"offer:{r.registration.id}" for r in registrants]
            await uow.outbox.withdraw(keys)
            await _tell(uow, new, registrants, "workshop_cancelled", f"cancelled:{new.id}")
        return new, outcome
    reprogrammed = old.status is cancelado and new.status is programado
    if new.status is programado and (new.starts_at != old.starts_at or reprogrammed):
        new = replace(new, schedule_version=await uow.workshops.bump_schedule(old.id))
        await uow.outbox.withdraw(
            [key for r in registrants for key in _reminder_keys(old, r.registration.id, policy)]
        )
        await _tell(
            uow, new, registrants, "workshop_moved", f"moved:{new.id}:v{new.schedule_version}",
            previous=_when(old.starts_at),
        )  # fmt: skip
        for r in registrants:
            if r.registration.status is CONFIRMADA:
                await uow.outbox.enqueue(
                    _reminders(new, r.registration.id, r.telegram_id, r.registration.person_id, now, policy)
                )
    if new.capacity > old.capacity or reprogrammed:
        await _fill(uow, new, now, policy)
    return new, outcome


async def _tell(
    uow: UnitOfWork, workshop: Workshop, registrants: list[Registrant], kind: str, key: str, **extra: object
) -> None:
    await uow.outbox.enqueue(
        [
            Outgoing(
                chat_id=r.telegram_id,
                person_id=r.registration.person_id,
                kind=kind,
                payload={
                    **_about(workshop),
                    "registration_id": r.registration.id,
                    "status": r.registration.status.value,
                    **extra,
                },
                dedupe_key=f"{key}:{r.registration.id}",
                priority=Priority.NOTICE,
            )
            for r in registrants
            if r.registration.active
        ]
    )
