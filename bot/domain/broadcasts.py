"""Broadcasts: an organiser's message to an audience, sent through the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.errors import InvalidInput

TEXT_MAX = 3500  # leaves room under Telegram's 4,096 once formatting entities become HTML tags
CAPTION_MAX = 1000  # under Telegram's 1,024 for captions


class AudienceKind(StrEnum):
    WORKSHOP_CONFIRMED = "confirmados"
    WORKSHOP_WAITING = "espera"
    WORKSHOP_PRESENT = "presentes"
    REGION = "region"
    THEME = "eje"

    @property
    def is_workshop(self) -> bool:
        return self in (
            AudienceKind.WORKSHOP_CONFIRMED,
            AudienceKind.WORKSHOP_WAITING,
            AudienceKind.WORKSHOP_PRESENT,
        )

    @property
    def respects_opt_out(self) -> bool:
        """Region and theme broadcasts skip people who turned announcements off (/avisos); what
        concerns their own registrations reaches them anyway."""
        return not self.is_workshop


@dataclass(frozen=True, slots=True)
class Audience:
    kind: AudienceKind
    target: str  # a workshop id, a region code or a theme code


class BroadcastStatus(StrEnum):
    ENVIANDO = "enviando"
    DETENIDO = "detenido"
    TERMINADO = "terminado"


@dataclass(slots=True)
class Broadcast:
    id: int
    author_telegram_id: int
    audience: Audience
    text: str
    photo: str | None
    document: str | None
    status: BroadcastStatus
    total: int
    created_at: datetime
    progress_chat_id: int | None = None
    progress_message_id: int | None = None
    stopped: bool = False


@dataclass(frozen=True, slots=True)
class Progress:
    total: int
    sent: int
    failed: int
    skipped: int
    pending: int

    @property
    def done(self) -> bool:
        return self.pending == 0


def validate_text(text: str | None, has_media: bool) -> str:
    text = (text or "").strip()
    limit = CAPTION_MAX if has_media else TEXT_MAX
    if not text and not has_media:
        raise InvalidInput("text", "empty")
    if len(text) > limit:
        raise InvalidInput("text", "too_long", limit)
    return text
