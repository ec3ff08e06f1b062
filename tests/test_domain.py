from datetime import UTC, datetime

import pytest

from bot.domain.errors import InvalidInput
from bot.domain.people import (
    NAME_MAX,
    normalize_organisation,
    normalize_phone,
    validate_name,
    validate_organisation_name,
)
from bot.domain.reference import REGION_BY_CODE, REGIONS, OrgType, Sector
from bot.i18n import format_when, guess_locale


def test_regions_are_the_ubigeo_departments() -> None:
    assert len(REGIONS) == 25
    assert REGION_BY_CODE["04"].name == "Arequipa"
    assert REGION_BY_CODE["13"].name == "La Libertad"
    assert REGION_BY_CODE["15"].name == "Lima"
    assert REGION_BY_CODE["22"].name == "San Martín"


def test_org_type_sectors() -> None:
    assert OrgType.ENTIDAD_PUBLICA.sector is Sector.PUBLICO
    assert {OrgType.ONG.sector, OrgType.ACADEMIA.sector, OrgType.EMPRESA.sector} == {Sector.SOCIEDAD_CIVIL}
    assert OrgType.PERSONAL.sector is None
    assert not OrgType.PERSONAL.has_organisation


@pytest.mark.parametrize(
    "spelling",
    [
        "Municipalidad Provincial de Trujillo",
        "MUNICIPALIDAD  provincial de trujillo",
        "Municipalidad Provincial de Trujillo.",
        "  municipalidad provincial de trujíllo ",
    ],
)
def test_organisation_key_ignores_case_accents_spacing(spelling: str) -> None:
    assert normalize_organisation(spelling) == "municipalidad provincial de trujillo"


def test_organisation_key_keeps_distinct_names_apart() -> None:
    assert normalize_organisation("Red Perú") != normalize_organisation("Red Puno")
    assert normalize_organisation("O.N.G. Ayuda") == normalize_organisation("ONG Ayuda")


def test_name_rules() -> None:
    assert validate_name("  Ana   María <b>Quispe</b> 🌟 ") == "Ana María <b>Quispe</b> 🌟"
    with pytest.raises(InvalidInput) as too_long:
        validate_name("a" * (NAME_MAX + 1))
    assert too_long.value.reason == "too_long" and too_long.value.limit == NAME_MAX
    with pytest.raises(InvalidInput, match="empty"):
        validate_name("   ")
    with pytest.raises(InvalidInput, match="no_letters"):
        validate_name("12345 !!")
    with pytest.raises(InvalidInput, match="empty"):
        validate_organisation_name("\x00\x01")


def test_phone_normalised() -> None:
    assert normalize_phone("51 987 654 321") == "+51987654321"
    assert normalize_phone("+51987654321") == "+51987654321"
    with pytest.raises(InvalidInput):
        normalize_phone("abc")


def test_locale_guess_and_lima_time() -> None:
    assert guess_locale("es-PE") == "es"
    assert guess_locale("en") == "en"
    assert guess_locale("qu") == "qu"
    assert guess_locale("pt-BR") == "es"
    assert guess_locale(None, "en") == "en"
    moment = datetime(2026, 12, 10, 14, 0, tzinfo=UTC)  # 09:00 in Lima (UTC-5)
    assert format_when(moment, "es") == "jueves 10 de diciembre, 09:00"
    assert format_when(moment, "en") == "Thursday, December 10, 9:00 AM"
