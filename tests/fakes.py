"""In-memory fakes of the service ports, for service tests without a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.domain.people import Organisation, Person
from bot.domain.reference import OrgType
from bot.domain.workshops import Workshop


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
    def __init__(self) -> None:
        self.rows: dict[str, Workshop] = {}

    async def upsert(self, workshop: Workshop) -> str:
        old = self.rows.get(workshop.code)
        self.rows[workshop.code] = workshop
        return "created" if old is None else ("unchanged" if old == workshop else "updated")


class FakeUnitOfWork:
    def __init__(self) -> None:
        self.people = FakePeople()
        self.organisations = FakeOrganisations()
        self.consents = FakeConsents()
        self.workshops = FakeWorkshops()
        self.commits = 0

    async def commit(self) -> None:
        self.commits += 1

    async def rollback(self) -> None:
        pass
