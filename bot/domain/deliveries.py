"""The outbox's vocabulary: what a delivery is, its states and priorities."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any


class DeliveryStatus(StrEnum):
    PENDIENTE = "pendiente"
    ENVIANDO = "enviando"
    ENVIADO = "enviado"
    FALLIDO = "fallido"
    OMITIDO = "omitido"


class Priority(IntEnum):
    """Lower goes first: what a person is waiting for before bulk messages."""

    PERSONAL = 0  # waiting-list offers, answers that concern one person now
    NOTICE = 5  # reminders, dispositions, workshop changes
    BULK = 10  # announcements and broadcasts


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message to send later. `kind` names the renderer; `payload` holds ids and values only:
    the text is rendered in the recipient's language when it is sent."""

    chat_id: int
    kind: str
    payload: dict[str, Any] = field(default_factory=dict)
    person_id: int | None = None
    not_before: datetime | None = None
    dedupe_key: str | None = None
    broadcast_id: int | None = None
    priority: Priority = Priority.BULK
