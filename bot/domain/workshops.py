"""Workshops: the participation spaces people register for."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.domain.errors import InvalidInput
from bot.domain.reference import REGION_BY_CODE, Theme


class WorkshopKind(StrEnum):
    TALLER_REGIONAL = "taller_regional"
    MESA_NACIONAL = "mesa_nacional"
    MESA_TEMATICA = "mesa_tematica"


class WorkshopStatus(StrEnum):
    PROGRAMADO = "programado"
    CANCELADO = "cancelado"
    REALIZADO = "realizado"


@dataclass(slots=True)
class Workshop:
    code: str
    kind: WorkshopKind
    region_code: str
    title: str
    themes: list[str]
    starts_at: datetime
    ends_at: datetime
    venue_name: str
    venue_address: str
    latitude: float | None
    longitude: float | None
    capacity: int
    registration_opens_at: datetime
    registration_closes_at: datetime
    status: WorkshopStatus = WorkshopStatus.PROGRAMADO
    description: str | None = None
    id: int | None = field(default=None, compare=False)

    def validate(self) -> Workshop:
        """Check the rules a workshop must meet; raise InvalidInput naming the first broken one."""
        if self.region_code not in REGION_BY_CODE:
            raise InvalidInput("region", "unknown")
        for theme in self.themes:
            if theme not in Theme.__members__.values():
                raise InvalidInput("themes", "unknown")
        for moment in (self.starts_at, self.ends_at, self.registration_opens_at, self.registration_closes_at):
            if moment.tzinfo is None:
                raise InvalidInput("dates", "no_timezone")
        if self.ends_at <= self.starts_at:
            raise InvalidInput("ends_at", "before_start")
        if self.registration_closes_at <= self.registration_opens_at:
            raise InvalidInput("registration_closes_at", "before_opening")
        if self.capacity < 1:
            raise InvalidInput("capacity", "not_positive")
        if (self.latitude is None) != (self.longitude is None):
            raise InvalidInput("coordinates", "incomplete")
        return self
