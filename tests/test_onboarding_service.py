from datetime import UTC, datetime

import pytest

from bot.domain.errors import ConsentRequired, InvalidInput, NotFound
from bot.domain.people import ProfileInput
from bot.domain.reference import OrgType
from bot.services import onboarding
from tests.fakes import FakeUnitOfWork

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


async def test_consent_creates_the_person_once() -> None:
    uow = FakeUnitOfWork()
    person = await onboarding.accept_consent(uow, 10, "qu", 1, NOW)
    again = await onboarding.accept_consent(uow, 10, "es", 2, NOW)
    assert person.id == again.id and again.consent_version == 2 and again.locale == "es"
    assert len(uow.people.rows) == 1 and uow.commits == 2


async def test_refusal_keeps_no_identity() -> None:
    uow = FakeUnitOfWork()
    await onboarding.refuse_consent(uow, 1, NOW)
    assert uow.consents.refusals == [(1, NOW)]
    assert uow.people.rows == {}


async def test_profile_needs_consent_first() -> None:
    with pytest.raises(ConsentRequired):
        await onboarding.save_profile(FakeUnitOfWork(), 10, ProfileInput("Ana", "04", OrgType.PERSONAL))


async def test_same_organisation_is_not_created_twice() -> None:
    uow = FakeUnitOfWork()
    for telegram_id, spelling in (
        (1, "Asociación Civil Transparencia"),
        (2, "asociacion civil  TRANSPARENCIA"),
    ):
        await onboarding.accept_consent(uow, telegram_id, "es", 1, NOW)
        person = await onboarding.save_profile(
            uow, telegram_id, ProfileInput("Ana", "13", OrgType.ONG, organisation_name=spelling)
        )
        assert person.organisation_name == "Asociación Civil Transparencia"
    assert len(uow.organisations.rows) == 1
    # the same name under another type is another organisation
    await onboarding.accept_consent(uow, 3, "es", 1, NOW)
    await onboarding.save_profile(
        uow,
        3,
        ProfileInput("Luis", "13", OrgType.ACADEMIA, organisation_name="Asociación Civil Transparencia"),
    )
    assert len(uow.organisations.rows) == 2


async def test_match_offers_similar_names() -> None:
    uow = FakeUnitOfWork()
    await onboarding.accept_consent(uow, 1, "es", 1, NOW)
    await onboarding.save_profile(
        uow,
        1,
        ProfileInput("Ana", "13", OrgType.ENTIDAD_PUBLICA, organisation_name="Municipalidad de Trujillo"),
    )
    name, same, similar = await onboarding.match_organisation(
        uow, "MUNICIPALIDAD DE TRUJÍLLO", "entidad_publica"
    )
    assert name == "MUNICIPALIDAD DE TRUJÍLLO"
    assert same is not None and same.name == "Municipalidad de Trujillo" and similar == []
    _, same, similar = await onboarding.match_organisation(uow, "Municipalidad Trujillo", "entidad_publica")
    assert same is None and [org.name for org in similar] == ["Municipalidad de Trujillo"]
    _, same, similar = await onboarding.match_organisation(uow, "Colegio de Ingenieros", "entidad_publica")
    assert same is None and similar == []


async def test_profile_rejects_an_organisation_of_another_type() -> None:
    uow = FakeUnitOfWork()
    await onboarding.accept_consent(uow, 1, "es", 1, NOW)
    org = await uow.organisations.add("UNT", "unt", OrgType.ACADEMIA, NOW)
    with pytest.raises(NotFound):
        await onboarding.save_profile(uow, 1, ProfileInput("Ana", "13", OrgType.ONG, organisation_id=org.id))
    with pytest.raises(InvalidInput):
        await onboarding.save_profile(uow, 1, ProfileInput("Ana", "99", OrgType.PERSONAL))
