"""Draft commitments, their versions and consultations, structured (SMART) feedback and proposals.

A commitment (compromiso) keeps its identity (code, theme) while its text changes between
consultation rounds: every changed text is a new version, and an opinion stays attached to the
version it was given on. A consultation is the window (opens_at, closes_at) in which the versions put
to it can be commented. Feedback and proposals also arrive from other channels (foro virtual,
correo, taller): they are imported with their channel, so that one report counts every channel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.domain.errors import DomainError, InvalidInput
from bot.domain.people import clean_text

COMMENT_MAX = 2000
REASON_MAX = 1000
PROBLEM_MAX = 1000
PROPOSAL_MAX = 1500
RESPONSIBLE_MAX = 200

# Limits of a loaded commitment's fields (generous: drafts are written by SGP, not typed in the chat).
TITLE_MAX = 300
TEXT_MAX = 4000
ACTIVITY_MAX = 1000
ACTIVITIES_MAX = 30
CODE_MAX = 40


class Support(StrEnum):
    DE_ACUERDO = "de_acuerdo"
    CON_CAMBIOS = "de_acuerdo_con_cambios"
    EN_DESACUERDO = "en_desacuerdo"


class Rating(StrEnum):
    CUMPLE = "cumple"
    EN_PARTE = "en_parte"
    NO_CUMPLE = "no_cumple"
    NO_SE = "no_se"


class Criterion(StrEnum):
    """The SMART criteria, in their order: Específico, Medible, Realizable, Realista, con Plazos."""

    ESPECIFICO = "especifico"
    MEDIBLE = "medible"
    REALIZABLE = "realizable"
    REALISTA = "realista"
    PLAZOS = "plazos"


SMART: tuple[Criterion, ...] = tuple(Criterion)


class Channel(StrEnum):
    TELEGRAM = "telegram"
    FORO = "foro"
    CORREO = "correo"
    TALLER = "taller"


IMPORTED_CHANNELS = (Channel.FORO, Channel.CORREO, Channel.TALLER)


class Disposition(StrEnum):
    INCORPORADO = "incorporado"
    MODIFICADO = "modificado"
    DESESTIMADO = "desestimado"


class CommitmentStatus(StrEnum):
    BORRADOR = "borrador"
    RETIRADO = "retirado"


class OpenGovValue(StrEnum):
    TRANSPARENCIA = "transparencia"
    PARTICIPACION = "participacion"
    RENDICION_CUENTAS = "rendicion_cuentas"
    TECNOLOGIA_INNOVACION = "tecnologia_innovacion"


# The Spanish names SGP publishes (exports and reports); the chat shows translated labels.
SUPPORT_NAMES = {
    Support.DE_ACUERDO: "De acuerdo",
    Support.CON_CAMBIOS: "De acuerdo con cambios",
    Support.EN_DESACUERDO: "En desacuerdo",
}
RATING_NAMES = {
    Rating.CUMPLE: "Cumple",
    Rating.EN_PARTE: "Cumple en parte",
    Rating.NO_CUMPLE: "No cumple",
    Rating.NO_SE: "No sé",
}
CRITERION_NAMES = {
    Criterion.ESPECIFICO: "Específico",
    Criterion.MEDIBLE: "Medible",
    Criterion.REALIZABLE: "Realizable",
    Criterion.REALISTA: "Realista",
    Criterion.PLAZOS: "Con plazos establecidos",
}
CHANNEL_NAMES = {
    Channel.TELEGRAM: "Vía Telegram",
    Channel.FORO: "Vía foro virtual",
    Channel.CORREO: "Vía correo",
    Channel.TALLER: "Vía taller",
}
DISPOSITION_NAMES = {
    Disposition.INCORPORADO: "Incorporado",
    Disposition.MODIFICADO: "Modificado",
    Disposition.DESESTIMADO: "Desestimado",
}
VALUE_NAMES = {
    OpenGovValue.TRANSPARENCIA: "Transparencia y acceso a la información",
    OpenGovValue.PARTICIPACION: "Participación ciudadana",
    OpenGovValue.RENDICION_CUENTAS: "Rendición de cuentas",
    OpenGovValue.TECNOLOGIA_INNOVACION: "Tecnología e innovación",
}


# -- refusals ---------------------------------------------------------------------------------------
class ConsultationNotOpen(DomainError):
    """The consultation of this version has not opened yet."""

    def __init__(self, opens_at: datetime) -> None:
        super().__init__(f"opens at {opens_at.isoformat()}")
        self.opens_at = opens_at


class ConsultationClosed(DomainError):
    """The consultation of this version is over: nothing more is received."""

    def __init__(self, closes_at: datetime) -> None:
        super().__init__(f"closed at {closes_at.isoformat()}")
        self.closes_at = closes_at


class CommitmentWithdrawn(DomainError):
    """SGP withdrew the commitment: it is no longer consulted."""


class VersionChanged(DomainError):
    """The button named a version that is no longer the commitment's current one."""


class AlreadyDecided(DomainError):
    """A disposition was recorded already; a different one is refused (dispositions are final)."""

    def __init__(self, disposition: Disposition, decided_at: datetime | None) -> None:
        super().__init__(f"already {disposition}")
        self.disposition = disposition
        self.decided_at = decided_at


# -- consultations and commitments -----------------------------------------------------------------
class Phase(StrEnum):
    PENDING = "por_abrir"
    OPEN = "abierta"
    CLOSED = "cerrada"


@dataclass(frozen=True, slots=True)
class Consultation:
    code: str
    title: str
    opens_at: datetime
    closes_at: datetime
    id: int | None = field(default=None, compare=False)

    def validate(self) -> Consultation:
        if not self.code or len(self.code) > CODE_MAX:
            raise InvalidInput("code", "invalid")
        if not self.title:
            raise InvalidInput("title", "empty")
        if self.opens_at.tzinfo is None or self.closes_at.tzinfo is None:
            raise InvalidInput("dates", "no_timezone")
        if self.closes_at <= self.opens_at:
            raise InvalidInput("closes_at", "before_opening")
        return self

    def phase(self, now: datetime) -> Phase:
        if now < self.opens_at:
            return Phase.PENDING
        if now >= self.closes_at:
            return Phase.CLOSED
        return Phase.OPEN

    def require_open(self, now: datetime) -> None:
        phase = self.phase(now)
        if phase is Phase.PENDING:
            raise ConsultationNotOpen(self.opens_at)
        if phase is Phase.CLOSED:
            raise ConsultationClosed(self.closes_at)


@dataclass(frozen=True, slots=True)
class CommitmentText:
    """What a version says. Two equal texts are the same version."""

    title: str
    problem: str
    objective: str
    activities: tuple[str, ...]
    responsible: str
    values: tuple[OpenGovValue, ...]

    def validate(self) -> CommitmentText:
        for name, value, limit in (
            ("title", self.title, TITLE_MAX),
            ("problem", self.problem, TEXT_MAX),
            ("objective", self.objective, TEXT_MAX),
            ("responsible", self.responsible, TITLE_MAX),
        ):
            if not value.strip():
                raise InvalidInput(name, "empty")
            if len(value) > limit:
                raise InvalidInput(name, "too_long", limit)
        if not self.activities:
            raise InvalidInput("activities", "empty")
        if len(self.activities) > ACTIVITIES_MAX:
            raise InvalidInput("activities", "too_many", ACTIVITIES_MAX)
        for activity in self.activities:
            if not activity.strip():
                raise InvalidInput("activities", "empty")
            if len(activity) > ACTIVITY_MAX:
                raise InvalidInput("activities", "too_long", ACTIVITY_MAX)
        if not self.values:
            raise InvalidInput("values", "empty")
        return self


@dataclass(slots=True)
class Commitment:
    code: str
    theme: str
    anticorruption: bool = False
    status: CommitmentStatus = CommitmentStatus.BORRADOR
    disposition: Disposition | None = None
    disposition_reason: str | None = None
    decided_at: datetime | None = None
    id: int | None = field(default=None, compare=False)

    @property
    def withdrawn(self) -> bool:
        return self.status is CommitmentStatus.RETIRADO


@dataclass(frozen=True, slots=True)
class CommitmentVersion:
    id: int
    commitment_id: int
    number: int
    text: CommitmentText
    consultation_id: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CommitmentDraft:
    """A commitment as a file gives it, before it is stored (`participa load commitments`)."""

    code: str
    theme: str
    consultation_code: str
    text: CommitmentText
    anticorruption: bool = False
    status: CommitmentStatus = CommitmentStatus.BORRADOR


@dataclass(frozen=True, slots=True)
class CommitmentCard:
    """A commitment as people read it: its current version and the consultation of that version."""

    commitment: Commitment
    version: CommitmentVersion
    consultation: Consultation

    @property
    def id(self) -> int:
        assert self.commitment.id is not None
        return self.commitment.id


# -- feedback ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Answers:
    """An opinion's answers. Imported contributions may carry only a comment."""

    support: Support | None = None
    ratings: dict[Criterion, Rating] = field(default_factory=dict)
    comment: str | None = None

    def rating(self, criterion: Criterion) -> Rating | None:
        return self.ratings.get(criterion)

    @property
    def complete(self) -> bool:
        return self.support is not None and all(c in self.ratings for c in SMART)

    @classmethod
    def from_plain(cls, data: dict[str, str | None]) -> Answers:
        """From plain values (the conversation's draft): unknown values raise InvalidInput."""
        try:
            support = Support(data["support"]) if data.get("support") else None
            ratings = {c: Rating(data[c.value]) for c in SMART if data.get(c.value)}
        except ValueError:
            raise InvalidInput("answers", "unknown") from None
        comment = data.get("comment")
        return cls(support=support, ratings=ratings, comment=validate_comment(comment) if comment else None)

    def to_plain(self) -> dict[str, str | None]:
        plain: dict[str, str | None] = {"support": self.support.value if self.support else None}
        plain.update({c.value: (self.ratings[c].value if c in self.ratings else None) for c in SMART})
        plain["comment"] = self.comment
        return plain


@dataclass(frozen=True, slots=True)
class Feedback:
    id: int
    person_id: int | None
    version_id: int
    channel: Channel
    answers: Answers
    created_at: datetime
    updated_at: datetime
    hidden: bool = False
    region_code: str | None = None
    org_type: str | None = None
    external_id: str | None = None
    telegram_id: int | None = field(default=None, compare=False)  # the author's, to tell them


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """An earlier state of an opinion, kept when it was edited."""

    feedback_id: int
    answers: Answers
    answered_at: datetime
    replaced_at: datetime


def validate_comment(value: str) -> str | None:
    """A comment: at most COMMENT_MAX characters; blank is no comment. Line breaks are kept."""
    value = "\n".join(clean_text(line) for line in value.splitlines())
    value = re.sub(r"\n{3,}", "\n\n", value).strip()
    if not value:
        return None
    if len(value) > COMMENT_MAX:
        raise InvalidInput("comment", "too_long", COMMENT_MAX)
    return value


# -- proposals --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ProposalInput:
    theme: str
    region_code: str | None
    problem: str | None
    proposal: str
    responsible: str | None


@dataclass(frozen=True, slots=True)
class Proposal:
    id: int
    person_id: int | None
    channel: Channel
    theme: str
    region_code: str | None
    problem: str | None
    proposal: str
    responsible: str | None
    created_at: datetime
    org_type: str | None = None
    disposition: Disposition | None = None
    disposition_reason: str | None = None
    decided_at: datetime | None = None
    hidden: bool = False
    external_id: str | None = None
    telegram_id: int | None = field(default=None, compare=False)  # the author's, to tell them


def check_text(field_name: str, value: str | None, limit: int, required: bool = True) -> str | None:
    """A free text typed in the chat: spacing tidied, empty refused when required, `limit` enforced."""
    value = clean_text(value or "")
    if not value:
        if required:
            raise InvalidInput(field_name, "empty")
        return None
    if len(value) > limit:
        raise InvalidInput(field_name, "too_long", limit)
    return value


# -- contributions from other channels -----------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Contribution:
    """A contribution received outside the bot (foro virtual, correo, taller), as imported.

    With a commitment code it is stored as feedback on that commitment (comment only); without one,
    as a proposal. Either way it keeps its channel, theme, region and the author's organisation type.
    """

    external_id: str
    channel: Channel
    theme: str
    region_code: str | None
    commitment_code: str | None
    org_type: str | None
    text: str
    date: datetime


# -- dispositions -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DecisionResult:
    """What recording a disposition did: whether it was new, and how many people will be told."""

    recorded: bool
    notified: int
