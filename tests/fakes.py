"""In-memory fakes of the service ports, for service tests without a database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.domain.deliveries import Outgoing
from bot.domain.people import Organisation, Person
from bot.domain.reference import OrgType
from bot.domain.roles import Role, Roles
from bot.domain.workshops import (
    Counts,
    Registrant,
    Registration,
    RegistrationStatus,
    Workshop,
    WorkshopStatus,
)


class FakePeople:
    def __init__(self) -> None:
        self.rows: dict[int, Person] = {}

    async def get_by_telegram_id(self, telegram_id: int) -> Person | None:
        return self.rows.get(telegram_id)

    async def add(self, telegram_id: int, locale: str, consent_version: int, consent_at: datetime) -> Person:
        person = Person(len(self.rows) + 1, telegram_id, locale, consent_version, consent_at)
        self.rows[telegram_id] = person
        return person

    async def update(self, person: Person) -> None:
        organisation_name = person.organisation_name
        self.rows[person.telegram_id] = replace(person, organisation_name=organisation_name)

    async def erase(self, person_id: int, at: datetime) -> None:
        self.rows = {key: p for key, p in self.rows.items() if p.id != person_id}

    def id_of(self, telegram_id: int) -> int | None:
        person = self.rows.get(telegram_id)
        return person.id if person else None


class FakeOrganisations:
    def __init__(self) -> None:
        self.rows: dict[int, tuple[Organisation, str]] = {}

    async def get(self, organisation_id: int) -> Organisation | None:
        found = self.rows.get(organisation_id)
        return found[0] if found else None

    async def find_by_key(self, key: str, org_type: OrgType) -> Organisation | None:
        return next((org for org, k in self.rows.values() if k == key and org.org_type is org_type), None)

    async def names_of_type(self, org_type: OrgType, limit: int) -> list[Organisation]:
        return [org for org, _ in self.rows.values() if org.org_type is org_type][:limit]

    async def add(self, name: str, key: str, org_type: OrgType, created_at: datetime) -> Organisation:
        organisation = Organisation(len(self.rows) + 1, name, org_type)
        self.rows[organisation.id] = (organisation, key)
        return organisation


class FakeConsents:
    def __init__(self) -> None:
        self.refusals: list[tuple[int, datetime]] = []

    async def record_refusal(self, notice_version: int, at: datetime) -> None:
        self.refusals.append((notice_version, at))


class FakeWorkshops:
    def __init__(self, people: FakePeople | None = None, roles: FakeRoles | None = None) -> None:
        self.rows: dict[str, Workshop] = {}
        self.seq: dict[int, int] = {}
        self.locks: list[int] = []
        self.file_ids: dict[int, str] = {}
        self._people = people or FakePeople()
        self._roles = roles or FakeRoles()

    def _by_id(self, workshop_id: int) -> Workshop | None:
        return next((w for w in self.rows.values() if w.id == workshop_id), None)

    async def upsert(self, workshop: Workshop) -> str:
        old = self.rows.get(workshop.code)
        if old is None:
            workshop.id = len(self.rows) + 1
            self.rows[workshop.code] = replace(workshop)
            return "created"
        workshop.id = old.id
        if old == workshop:
            return "unchanged"
        self.rows[workshop.code] = replace(
            workshop,
            schedule_version=old.schedule_version,
            checkin_code=old.checkin_code,
            announced_at=old.announced_at,
        )
        return "updated"

    async def get(self, workshop_id: int) -> Workshop | None:
        found = self._by_id(workshop_id)
        return replace(found) if found else None

    async def get_by_code(self, code: str) -> Workshop | None:
        found = self.rows.get(code)
        return replace(found) if found else None

    async def get_by_checkin_code(self, checkin_code: str) -> Workshop | None:
        return next((replace(w) for w in self.rows.values() if w.checkin_code == checkin_code), None)

    async def upcoming(self, now: datetime) -> list[Workshop]:
        found = [
            w for w in self.rows.values() if w.status is not WorkshopStatus.CANCELADO and w.ends_at > now
        ]
        return [replace(w) for w in sorted(found, key=lambda w: (w.starts_at, w.id))]

    async def lock(self, workshop_id: int) -> int | None:
        if self._by_id(workshop_id) is None:
            return None
        self.locks.append(workshop_id)
        self.seq[workshop_id] = self.seq.get(workshop_id, 0) + 1
        return self.seq[workshop_id]

    async def _set(self, workshop_id: int, **values: Any) -> None:
        workshop = self._by_id(workshop_id)
        assert workshop is not None
        self.rows[workshop.code] = replace(workshop, **values)

    async def bump_schedule(self, workshop_id: int) -> int:
        version = self._by_id(workshop_id).schedule_version + 1
        await self._set(workshop_id, schedule_version=version)
        return version

    async def set_checkin_code(self, workshop_id: int, checkin_code: str) -> None:
        await self._set(workshop_id, checkin_code=checkin_code)

    async def mark_announced(self, workshop_id: int, at: datetime) -> None:
        await self._set(workshop_id, announced_at=at)

    async def remember_file_id(self, material_id: int, file_id: str) -> None:
        self.file_ids[material_id] = file_id

    async def announcement_recipients(self, region_code: str) -> list[tuple[int, int]]:
        return [
            (p.id, p.telegram_id)
            for p in self._people.rows.values()
            if p.region_code == region_code and p.announcements and p.reachable
        ]

    async def organisers_of(self, region_code: str) -> list[tuple[int, int | None]]:
        return [
            (t, self._people.id_of(t)) for t, r in self._roles.grants if r == (Role.ORGANISER, region_code)
        ]

    async def admins(self) -> list[tuple[int, int | None]]:
        return [(t, self._people.id_of(t)) for t, r in self._roles.grants if r[0] is Role.SGP_ADMIN]


class FakeRegistrations:
    def __init__(self, people: FakePeople) -> None:
        self.rows: dict[int, Registration] = {}
        self._people = people
        self.workshops: FakeWorkshops | None = None

    async def add(
        self,
        workshop_id: int,
        person_id: int,
        status: RegistrationStatus,
        seq: int,
        now: datetime,
        offer_expires_at: datetime | None = None,
        attended_at: datetime | None = None,
    ) -> Registration:
        assert await self.active_of(workshop_id, person_id) is None, "one active registration per person"
        registration = Registration(
            len(self.rows) + 1, workshop_id, person_id, status, seq, now, offer_expires_at, attended_at
        )
        self.rows[registration.id] = registration
        return registration

    async def get(self, registration_id: int) -> Registration | None:
        return self.rows.get(registration_id)

    async def active_of(self, workshop_id: int, person_id: int) -> Registration | None:
        return next(
            (
                r
                for r in self.rows.values()
                if (r.workshop_id, r.person_id) == (workshop_id, person_id) and r.active
            ),
            None,
        )

    async def of_person(self, person_id: int) -> list[Registration]:
        return [r for r in self.rows.values() if r.person_id == person_id and r.active]

    async def counts(self, workshop_ids: Sequence[int]) -> dict[int, Counts]:
        found = {}
        for workshop_id in workshop_ids:
            mine = [r for r in self.rows.values() if r.workshop_id == workshop_id and r.active]
            found[workshop_id] = Counts(
                confirmed=sum(r.status is RegistrationStatus.CONFIRMADA for r in mine),
                waiting=sum(r.status is RegistrationStatus.EN_ESPERA for r in mine),
                offered=sum(r.status is RegistrationStatus.OFRECIDA for r in mine),
                present=sum(r.attended_at is not None for r in mine),
            )
        return found

    def _registrant(self, registration: Registration) -> Registrant:
        person = next(p for p in self._people.rows.values() if p.id == registration.person_id)
        return Registrant(registration, person.telegram_id, person.full_name, person.organisation_name)

    async def waiting(self, workshop_id: int, limit: int | None = None) -> list[Registrant]:
        queue = sorted(
            (
                r
                for r in self.rows.values()
                if r.workshop_id == workshop_id and r.status is RegistrationStatus.EN_ESPERA
            ),
            key=lambda r: r.seq,
        )
        return [self._registrant(r) for r in queue[:limit]]

    async def position(self, registration: Registration) -> int:
        return sum(
            1
            for r in self.rows.values()
            if r.workshop_id == registration.workshop_id
            and r.status is RegistrationStatus.EN_ESPERA
            and r.seq <= registration.seq
        )

    async def set_status(
        self,
        registration_id: int,
        status: RegistrationStatus,
        now: datetime,
        offer_expires_at: datetime | None = None,
    ) -> None:
        self.rows[registration_id] = replace(
            self.rows[registration_id], status=status, offer_expires_at=offer_expires_at
        )

    async def mark_present(self, registration_id: int, now: datetime) -> bool:
        if self.rows[registration_id].attended_at is not None:
            return False
        self.rows[registration_id] = replace(self.rows[registration_id], attended_at=now)
        return True

    async def registrants(self, workshop_id: int) -> list[Registrant]:
        mine = sorted(
            (r for r in self.rows.values() if r.workshop_id == workshop_id and r.active), key=lambda r: r.seq
        )
        return [self._registrant(r) for r in mine]

    async def expired_offers(self, now: datetime) -> list[int]:
        return sorted(
            {
                r.workshop_id
                for r in self.rows.values()
                if r.status is RegistrationStatus.OFRECIDA
                and r.offer_expires_at
                and r.offer_expires_at <= now
            }
        )

    async def seats_to_offer(self, now: datetime) -> list[int]:
        found = []
        for workshop in self.workshops.rows.values() if self.workshops else ():
            counts = (await self.counts([workshop.id]))[workshop.id]
            programado = workshop.status is WorkshopStatus.PROGRAMADO and workshop.starts_at > now
            if programado and counts.waiting and counts.holding < workshop.capacity:
                found.append(workshop.id)
        return found


class FakeRoles:
    def __init__(self) -> None:
        self.grants: list[tuple[int, tuple[Role, str | None]]] = []

    async def of(self, telegram_id: int) -> Roles:
        mine = [grant for t, grant in self.grants if t == telegram_id]
        return Roles(
            telegram_id,
            admin=any(role is Role.SGP_ADMIN for role, _ in mine),
            organiser_regions=frozenset(region for role, region in mine if role is Role.ORGANISER and region),
        )

    async def grant(self, telegram_id: int, role: Role, region: str | None) -> bool:
        if (telegram_id, (role, region)) in self.grants:
            return False
        self.grants.append((telegram_id, (role, region)))
        return True


class FakeAudit:
    def __init__(self) -> None:
        self.entries: list[tuple[int | None, str, str, dict[str, Any]]] = []

    async def record(self, actor: int | None, action: str, target: str, details: dict[str, Any]) -> None:
        self.entries.append((actor, action, target, details))


class FakeOutbox:
    """Deliveries by dedupe key, as the real outbox keeps them: enqueuing a known key again is a no-op."""

    def __init__(self) -> None:
        self.items: list[Outgoing] = []
        self.withdrawn: set[str] = set()

    async def enqueue(self, items: Sequence[Outgoing]) -> int:
        keys = {item.dedupe_key for item in self.items if item.dedupe_key}
        added = [item for item in items if item.dedupe_key is None or item.dedupe_key not in keys]
        self.items.extend(added)
        return len(added)

    async def withdraw(self, dedupe_keys: Sequence[str]) -> int:
        keys = {item.dedupe_key for item in self.items} - self.withdrawn
        hit = keys & set(dedupe_keys)
        self.withdrawn |= hit
        return len(hit)

    async def of_person(self, person_id: int) -> list[tuple[str, str, datetime | None, datetime]]:
        return [
            (i.kind, "pendiente", None, i.not_before or datetime.min)
            for i in self.items
            if i.person_id == person_id
        ]

    def pending(self, kind: str | None = None) -> list[Outgoing]:
        return [
            i for i in self.items if i.dedupe_key not in self.withdrawn and (kind is None or i.kind == kind)
        ]


class FakeStats:
    """Records what was asked; answers with empty counts."""

    def __init__(self) -> None:
        self.asked: list[tuple[Any, ...]] = []

    async def counts(
        self, regions: Any = None, consultation: str | None = None, basis: str = "attended"
    ) -> Any:
        from bot.reports.stats import Counts

        self.asked.append((None if regions is None else list(regions), consultation, basis))
        return Counts(organisations={}, regions=[], participants={}, themes=[], contributions={}, basis=basis)


class FakeUnitOfWork:
    def __init__(self) -> None:
        self.people = FakePeople()
        self.organisations = FakeOrganisations()
        self.consents = FakeConsents()
        self.roles = FakeRoles()
        self.workshops = FakeWorkshops(self.people, self.roles)
        self.registrations = FakeRegistrations(self.people)
        self.registrations.workshops = self.workshops
        self.audit = FakeAudit()
        self.outbox = FakeOutbox()
        self.stats = FakeStats()
        self.commits = 0

    async def commit(self) -> None:
        self.commits += 1

    async def rollback(self) -> None:
        pass
