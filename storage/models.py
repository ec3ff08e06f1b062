"""SQLAlchemy models. Times are stored in UTC (timezone-aware columns)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every engine (SQLite keeps no offset of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; store timezone-aware datetimes")
        # SQLite keeps the wall time without its offset: always hand it the UTC wall time.
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class RegionRow(Base):
    __tablename__ = "regions"
    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))


class ThemeRow(Base):
    __tablename__ = "themes"
    code: Mapped[str] = mapped_column(String(30), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(Integer)


class OrganisationTypeRow(Base):
    __tablename__ = "organisation_types"
    code: Mapped[str] = mapped_column(String(30), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    sector: Mapped[str | None] = mapped_column(String(30))


class OrganisationRow(Base):
    __tablename__ = "organisations"
    __table_args__ = (UniqueConstraint("name_key", "type_code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))
    type_code: Mapped[str] = mapped_column(ForeignKey("organisation_types.code"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PersonRow(Base):
    __tablename__ = "people"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)  # None once erased
    locale: Mapped[str] = mapped_column(String(5))
    consent_version: Mapped[int] = mapped_column(Integer)
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    full_name: Mapped[str | None] = mapped_column(String(120))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    org_type_code: Mapped[str | None] = mapped_column(ForeignKey("organisation_types.code"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    announcements: Mapped[bool] = mapped_column(Boolean, default=True)
    # False once Telegram said the person blocked the bot (403) or the chat is gone; true again
    # as soon as the person writes to the bot.
    reachable: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ConsentRefusalRow(Base):
    """A refusal of consent: no identity at all, only which notice and when."""

    __tablename__ = "consent_refusals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_version: Mapped[int] = mapped_column(Integer)
    refused_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WorkshopRow(Base):
    __tablename__ = "workshops"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    themes: Mapped[list[str]] = mapped_column(JSON)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    venue_name: Mapped[str] = mapped_column(String(200))
    venue_address: Mapped[str] = mapped_column(String(300))
    latitude: Mapped[float | None] = mapped_column(Numeric(9, 6, asdecimal=False))
    longitude: Mapped[float | None] = mapped_column(Numeric(9, 6, asdecimal=False))
    capacity: Mapped[int] = mapped_column(Integer)
    registration_opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="programado")
    description: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Arrival counter: every change of seats takes the next value in an UPDATE of this row, which
    # also locks the workshop (a row lock on PostgreSQL, the write lock on SQLite) for that change.
    queue_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Raised each time the date changes, so reminders and notices of the new date are new ones.
    schedule_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    checkin_code: Mapped[str | None] = mapped_column(String(40), unique=True)
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MaterialRow(Base):
    """A document of a workshop: a web address, or a local file uploaded once then sent by file_id."""

    __tablename__ = "workshop_materials"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(500))
    path: Mapped[str | None] = mapped_column(String(500))
    file_id: Mapped[str | None] = mapped_column(String(200))


_ACTIVE_SQL = "status IN ('confirmada', 'en_espera', 'ofrecida')"


class RegistrationRow(Base):
    """A person's registration for a workshop. Never deleted while the person exists: a new
    registration after a cancellation is a new row (with a new place in the arrival order).

    The database itself refuses more confirmed-or-offered rows than the workshop's capacity
    (triggers of migration 0003), besides the lock the services take."""

    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("workshop_id", "seq"),
        Index(
            "uq_registrations_active",
            "workshop_id",
            "person_id",
            unique=True,
            sqlite_where=text(_ACTIVE_SQL),
            postgresql_where=text(_ACTIVE_SQL),
        ),
        Index("ix_registrations_queue", "workshop_id", "status", "seq"),
        Index("ix_registrations_offers", "status", "offer_expires_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    seq: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FsmStateRow(Base):
    """aiogram conversation state, one row per storage key, so a restart loses no conversation."""

    __tablename__ = "fsm_states"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RoleRow(Base):
    """Roles by Telegram id, so SGP_ADMIN_IDS and grants work before the person has onboarded."""

    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("telegram_id", "role", "region_code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, index=True)
    role: Mapped[str] = mapped_column(String(20))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditRow(Base):
    """Who did what privileged thing, when (actor None: the command line)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class DeliveryRow(Base):
    """The outbox: every message that is not a direct reply, rendered at send time."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_due", "status", "priority", "not_before"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # A delivery that must exist once (a reminder, an offer) carries a key; enqueuing it again is a no-op.
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    broadcast_id: Mapped[int | None] = mapped_column(Integer, index=True)
    priority: Mapped[int] = mapped_column(Integer, default=10)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default="pendiente")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))
    claimed_by: Mapped[str | None] = mapped_column(String(60))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ThemeFollowRow(Base):
    """The themes a person follows: broadcasts to a theme's followers reach them."""

    __tablename__ = "theme_follows"
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    theme_code: Mapped[str] = mapped_column(ForeignKey("themes.code"), primary_key=True)


class BroadcastRow(Base):
    __tablename__ = "broadcasts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_telegram_id: Mapped[int] = mapped_column(BigInteger, index=True)
    audience: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    photo: Mapped[str | None] = mapped_column(String(200))
    document: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12))
    total: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    progress_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger)


# -- draft commitments and structured feedback (issue 4) ---------------------------------------------
# Contributions of every channel live in two tables: `feedback` (on a commitment version) and
# `proposals` (new commitments). Telegram rows carry the person; rows imported from the foro virtual,
# correo or taller carry `external_id` (the import's key) and no person. Both keep the region and the
# organisation type at the time, so counts survive a person erasing their data (person_id SET NULL).


class ConsultationRow(Base):
    __tablename__ = "consultations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CommitmentRow(Base):
    __tablename__ = "commitments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    theme_code: Mapped[str] = mapped_column(ForeignKey("themes.code"), index=True)
    anticorruption: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(12), default="borrador")  # borrador | retirado
    disposition: Mapped[str | None] = mapped_column(String(12))  # incorporado | modificado | desestimado
    disposition_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CommitmentVersionRow(Base):
    __tablename__ = "commitment_versions"
    __table_args__ = (UniqueConstraint("commitment_id", "number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    problem: Mapped[str] = mapped_column(Text)
    objective: Mapped[str] = mapped_column(Text)
    activities: Mapped[list[str]] = mapped_column(JSON)
    responsible: Mapped[str] = mapped_column(String(300))
    # Open Government values: transparencia, participacion, rendicion_cuentas, tecnologia_innovacion
    og_values: Mapped[list[str]] = mapped_column(JSON)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FeedbackRow(Base):
    """An opinion on one version of a commitment. One per person and version (Telegram); editing
    replaces it and moves the earlier answers to feedback_history."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("person_id", "version_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("commitment_versions.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))  # telegram | foro | correo | taller
    support: Mapped[str | None] = mapped_column(String(24))  # de_acuerdo | de_acuerdo_con_cambios | ...
    # SMART answers: cumple | en_parte | no_cumple | no_se (null for an imported comment)
    especifico: Mapped[str | None] = mapped_column(String(10))
    medible: Mapped[str | None] = mapped_column(String(10))
    realizable: Mapped[str | None] = mapped_column(String(10))
    realista: Mapped[str | None] = mapped_column(String(10))
    plazos: Mapped[str | None] = mapped_column(String(10))
    comment: Mapped[str | None] = mapped_column(Text)
    # Moderation: a hidden comment stays here and leaves public and open-data exports.
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_by: Mapped[int | None] = mapped_column(BigInteger)  # Telegram id; null: the command line
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    org_type_code: Mapped[str | None] = mapped_column(ForeignKey("organisation_types.code"))
    external_id: Mapped[str | None] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FeedbackHistoryRow(Base):
    """The answers an opinion had before each edit."""

    __tablename__ = "feedback_history"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"), index=True)
    support: Mapped[str | None] = mapped_column(String(24))
    especifico: Mapped[str | None] = mapped_column(String(10))
    medible: Mapped[str | None] = mapped_column(String(10))
    realizable: Mapped[str | None] = mapped_column(String(10))
    realista: Mapped[str | None] = mapped_column(String(10))
    plazos: Mapped[str | None] = mapped_column(String(10))
    comment: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when these answers were given
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when the edit replaced them


class ProposalRow(Base):
    """A proposal of a new commitment: from the chat (/proponer) or imported from another channel."""

    __tablename__ = "proposals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    theme_code: Mapped[str] = mapped_column(ForeignKey("themes.code"), index=True)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    org_type_code: Mapped[str | None] = mapped_column(ForeignKey("organisation_types.code"))
    problem: Mapped[str | None] = mapped_column(Text)
    proposal: Mapped[str] = mapped_column(Text)
    responsible: Mapped[str | None] = mapped_column(String(200))
    disposition: Mapped[str | None] = mapped_column(String(12))
    disposition_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_by: Mapped[int | None] = mapped_column(BigInteger)
    external_id: Mapped[str | None] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProcessedUpdateRow(Base):
    """A Telegram update already handled: a resent one (webhook retry, restart) is skipped."""

    __tablename__ = "processed_updates"
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    handled_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
