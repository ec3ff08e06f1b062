"""People and organisations: the profile a participant gives, and the rules its values follow."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from bot.domain.errors import InvalidInput
from bot.domain.reference import REGION_BY_CODE, OrgType

NAME_MAX = 100
ORGANISATION_MAX = 150
PHONE_MAX = 20


@dataclass(slots=True)
class Person:
    id: int
    telegram_id: int
    locale: str
    consent_version: int
    consent_at: datetime
    full_name: str | None = None
    region_code: str | None = None
    org_type: OrgType | None = None
    organisation_id: int | None = None
    organisation_name: str | None = None
    phone: str | None = None
    announcements: bool = True
    reachable: bool = True

    @property
    def profile_complete(self) -> bool:
        return self.full_name is not None and self.region_code is not None and self.org_type is not None


@dataclass(frozen=True, slots=True)
class Organisation:
    id: int
    name: str
    org_type: OrgType


@dataclass(frozen=True, slots=True)
class ProfileInput:
    """A finished profile as the person gave it, before it is stored."""

    full_name: str
    region_code: str
    org_type: OrgType
    organisation_id: int | None = None  # an existing organisation the person picked
    organisation_name: str | None = None  # or a new one to create (deduplicated on save)
    phone: str | None = None


def clean_text(value: str) -> str:
    """Collapse runs of white space and strip control characters."""
    value = "".join(ch for ch in value if unicodedata.category(ch) != "Cc" or ch in "\n\t")
    return re.sub(r"\s+", " ", value).strip()


def check_length(field: str, value: str, limit: int) -> str:
    value = clean_text(value)
    if not value:
        raise InvalidInput(field, "empty")
    if len(value) > limit:
        raise InvalidInput(field, "too_long", limit)
    return value


def validate_name(value: str) -> str:
    value = check_length("name", value, NAME_MAX)
    if not any(ch.isalpha() for ch in value):
        raise InvalidInput("name", "no_letters")
    return value


def validate_organisation_name(value: str) -> str:
    value = check_length("organisation", value, ORGANISATION_MAX)
    if not any(ch.isalnum() for ch in value):
        raise InvalidInput("organisation", "no_letters")
    return value


def validate_region(code: str) -> str:
    if code not in REGION_BY_CODE:
        raise InvalidInput("region", "unknown")
    return code


def validate_org_type(code: str) -> OrgType:
    try:
        return OrgType(code)
    except ValueError:
        raise InvalidInput("org_type", "unknown") from None


def normalize_phone(value: str) -> str:
    digits = re.sub(r"[^\d+]", "", value)
    if not re.fullmatch(r"\+?\d{6,15}", digits):
        raise InvalidInput("phone", "invalid")
    return digits if digits.startswith("+") else "+" + digits


_ABBREVIATION_DOTS = re.compile(r"(?<=\w)\.(?=\w|\s|$)")


def normalize_organisation(name: str) -> str:
    """The key organisations are deduplicated on: case, accents, punctuation and spacing ignored.

    "Municipalidad Provincial de Trujillo", "MUNICIPALIDAD  provincial de trujillo" and
    "Municipalidad Provincial de Trujillo." give the same key.
    """
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = re.sub(r"[^\w]+", " ", _ABBREVIATION_DOTS.sub("", without_marks))
    return " ".join(words.split())
