"""Onboarding: consent under Ley N° 29733, the profile, the organisation deduplicated, the language."""

from __future__ import annotations

import difflib
from dataclasses import replace
from datetime import datetime

from bot.domain.clock import utcnow
from bot.domain.errors import ConsentRequired, InvalidInput, NotFound
from bot.domain.people import (
    Organisation,
    Person,
    ProfileInput,
    normalize_organisation,
    validate_name,
    validate_org_type,
    validate_organisation_name,
    validate_region,
)
from bot.services.ports import UnitOfWork

SIMILAR_LIMIT = 4
_SIMILAR_POOL = 5000


async def get_person(uow: UnitOfWork, telegram_id: int) -> Person | None:
    return await uow.people.get_by_telegram_id(telegram_id)


async def accept_consent(
    uow: UnitOfWork, telegram_id: int, locale: str, notice_version: int, now: datetime | None = None
) -> Person:
    """Record consent to the notice `notice_version`; create the person on first consent."""
    now = now or utcnow()
    person = await uow.people.get_by_telegram_id(telegram_id)
    if person is None:
        person = await uow.people.add(telegram_id, locale, notice_version, now)
    else:
        person = replace(person, consent_version=notice_version, consent_at=now, locale=locale)
        await uow.people.update(person)
    await uow.commit()
    return person


async def refuse_consent(uow: UnitOfWork, notice_version: int, now: datetime | None = None) -> None:
    """A refusal is stored as nothing but a refusal: the notice version and the time, no identity."""
    await uow.consents.record_refusal(notice_version, now or utcnow())
    await uow.commit()


async def match_organisation(
    uow: UnitOfWork, name: str, org_type: str
) -> tuple[str, Organisation | None, list[Organisation]]:
    """Check an organisation name: (cleaned name, the same organisation if known, similar ones).

    The same organisation is one whose normalised name and type are equal; similar ones are
    offered so that "Muni de Trujillo" can be linked to "Municipalidad Provincial de Trujillo".
    """
    name = validate_organisation_name(name)
    kind = validate_org_type(org_type)
    key = normalize_organisation(name)
    same = await uow.organisations.find_by_key(key, kind)
    if same is not None:
        return name, same, []
    pool = await uow.organisations.names_of_type(kind, _SIMILAR_POOL)
    keys = {normalize_organisation(org.name): org for org in pool}
    if key in keys:  # registered by someone else since the lookup above
        return name, keys[key], []
    close = difflib.get_close_matches(key, list(keys), n=SIMILAR_LIMIT, cutoff=0.6)
    return name, None, [keys[k] for k in close]


async def save_profile(uow: UnitOfWork, telegram_id: int, profile: ProfileInput) -> Person:
    """Store the finished profile; the organisation is linked, or created once whatever its spelling."""
    person = await uow.people.get_by_telegram_id(telegram_id)
    if person is None:
        raise ConsentRequired()
    name = validate_name(profile.full_name)
    region = validate_region(profile.region_code)
    org_type = validate_org_type(profile.org_type)
    organisation: Organisation | None = None
    if org_type.has_organisation:
        if profile.organisation_id is not None:
            organisation = await uow.organisations.get(profile.organisation_id)
            if organisation is None or organisation.org_type is not org_type:
                raise NotFound("organisation")
        elif profile.organisation_name is not None:
            org_name = validate_organisation_name(profile.organisation_name)
            key = normalize_organisation(org_name)
            organisation = await uow.organisations.find_by_key(key, org_type)
            if organisation is None:
                organisation = await uow.organisations.add(org_name, key, org_type, utcnow())
        else:
            raise InvalidInput("organisation", "empty")
    person = replace(
        person,
        full_name=name,
        region_code=region,
        org_type=org_type,
        organisation_id=organisation.id if organisation else None,
        organisation_name=organisation.name if organisation else None,
        phone=profile.phone,
    )
    await uow.people.update(person)
    await uow.commit()
    return person


async def set_locale(uow: UnitOfWork, telegram_id: int, locale: str) -> Person | None:
    person = await uow.people.get_by_telegram_id(telegram_id)
    if person is None:
        return None
    person = replace(person, locale=locale)
    await uow.people.update(person)
    await uow.commit()
    return person


async def came_back(uow: UnitOfWork, person: Person) -> Person:
    """A person Telegram had reported unreachable wrote to the bot: they can be reached again."""
    person = replace(person, reachable=True)
    await uow.people.update(person)
    await uow.commit()
    return person
