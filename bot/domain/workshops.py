"""Workshops: the participation spaces people register for."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.errors import DomainError, InvalidInput
from bot.domain.reference import REGION_BY_CODE, Theme


class Refused(DomainError):
    """A workshop action that cannot be done now; `reason` says why, for the view to explain:
    closed, not_yet, cancelled, done, already, no_seats, not_offered, offer_expired, not_active,
    capacity_below, checkin_closed, past."""

    def __init__(self, reason: str, **details: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


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
    materials: list[Material] = field(default_factory=list)
    id: int | None = field(default=None, compare=False)
    # Kept by the bot, not by the file: compared by nobody.
    schedule_version: int = field(default=0, compare=False)
    checkin_code: str | None = field(default=None, compare=False)
    announced_at: datetime | None = field(default=None, compare=False)

    @property
    def is_open(self) -> bool:
        return self.status is WorkshopStatus.PROGRAMADO

    def registration_state(self, now: datetime) -> str:
        """ "open", or why registration is refused: "cancelled", "done", "not_yet", "closed"."""
        if self.status is WorkshopStatus.CANCELADO:
            return "cancelled"
        if self.status is WorkshopStatus.REALIZADO or now >= self.starts_at:
            return "done"
        if now < self.registration_opens_at:
            return "not_yet"
        if now >= self.registration_closes_at:
            return "closed"
        return "open"

    def checkin_open(self, now: datetime, margin: timedelta = timedelta(hours=3)) -> bool:
        """People are marked present from a little before the start until a little after the end."""
        return self.status is not WorkshopStatus.CANCELADO and (
            self.starts_at - margin <= now <= self.ends_at + margin
        )

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


@dataclass(frozen=True, slots=True)
class Material:
    """A document handed out: a title and either a web address or a local file the bot uploads once
    (then reuses by Telegram's file_id)."""

    title: str
    url: str | None = None
    path: str | None = None
    id: int | None = field(default=None, compare=False)
    file_id: str | None = field(default=None, compare=False)

    def validate(self) -> Material:
        if not self.title.strip():
            raise InvalidInput("materials", "title missing")
        if (self.url is None) == (self.path is None):
            raise InvalidInput("materials", "give either url or file")
        if self.url is not None and not re.match(r"^https?://\S+$", self.url):
            raise InvalidInput("materials", "url must start with http:// or https://")
        return self


class RegistrationStatus(StrEnum):
    CONFIRMADA = "confirmada"  # has a seat
    EN_ESPERA = "en_espera"  # on the waiting list, ordered by arrival (seq)
    OFRECIDA = "ofrecida"  # a freed seat is held for this person until offer_expires_at
    CANCELADA = "cancelada"  # the person gave it up (or declined an offer)
    VENCIDA = "vencida"  # an offer not answered in time


ACTIVE = (RegistrationStatus.CONFIRMADA, RegistrationStatus.EN_ESPERA, RegistrationStatus.OFRECIDA)
# Seats counted against the capacity: confirmed people, and seats held for an offer.
HOLDING = (RegistrationStatus.CONFIRMADA, RegistrationStatus.OFRECIDA)


@dataclass(frozen=True, slots=True)
class Registration:
    id: int
    workshop_id: int
    person_id: int
    status: RegistrationStatus
    seq: int  # arrival order within the workshop: a per-workshop counter, never a timestamp
    created_at: datetime
    offer_expires_at: datetime | None = None
    attended_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


@dataclass(frozen=True, slots=True)
class Counts:
    confirmed: int = 0
    waiting: int = 0
    offered: int = 0
    present: int = 0

    @property
    def holding(self) -> int:
        return self.confirmed + self.offered


@dataclass(frozen=True, slots=True)
class Registrant:
    """A registration with the person behind it, for organisers' lists and notifications."""

    registration: Registration
    telegram_id: int
    full_name: str | None
    organisation: str | None


def seats_left(capacity: int, counts: Counts) -> int:
    return max(0, capacity - counts.holding)


THRESHOLDS = (50, 80, 100)


def thresholds_reached(capacity: int, confirmed: int) -> list[int]:
    """The capacity thresholds (in %) that `confirmed` people reach."""
    return [pct for pct in THRESHOLDS if confirmed * 100 >= pct * capacity]


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([hms])\s*$")


def parse_offsets(value: str) -> tuple[int, ...]:
    """ "24h,2h" -> (86400, 7200): reminder offsets before the start, in seconds (h, m or s)."""
    seconds = []
    for part in value.split(","):
        if not part.strip():
            continue
        match = _DURATION.match(part.lower())
        if match is None:
            raise ValueError(f"{part.strip()!r}: expected a number and h, m or s (24h, 30m, 45s)")
        amount = float(match.group(1)) * {"h": 3600, "m": 60, "s": 1}[match.group(2)]
        if amount <= 0:
            raise ValueError(f"{part.strip()!r}: must be more than zero")
        seconds.append(int(amount))
    return tuple(sorted(set(seconds), reverse=True))
