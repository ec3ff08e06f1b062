"""Roles: participant (everyone), regional organiser (scoped to regions), SGP administrator."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot.domain.errors import DomainError


class Role(StrEnum):
    ORGANISER = "organiser"
    SGP_ADMIN = "sgp_admin"


class Forbidden(DomainError):
    """The person lacks the role (or the region) the action needs."""


@dataclass(frozen=True, slots=True)
class Roles:
    telegram_id: int
    admin: bool = False
    organiser_regions: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_organiser(self) -> bool:
        return self.admin or bool(self.organiser_regions)

    @property
    def name(self) -> str:
        """The highest role, for command menus and help."""
        if self.admin:
            return Role.SGP_ADMIN.value
        return Role.ORGANISER.value if self.organiser_regions else "participant"

    def can_manage(self, region_code: str) -> bool:
        return self.admin or region_code in self.organiser_regions

    def require_region(self, region_code: str) -> None:
        if not self.can_manage(region_code):
            raise Forbidden(f"region {region_code}")

    def require_organiser(self) -> None:
        if not self.is_organiser:
            raise Forbidden("organiser")

    def require_admin(self) -> None:
        if not self.admin:
            raise Forbidden("sgp_admin")

    def regions(self, all_regions: frozenset[str]) -> frozenset[str]:
        """The regions this person may act on."""
        return all_regions if self.admin else self.organiser_regions
