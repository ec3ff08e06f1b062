"""Repositories: the ports of bot/services/ports.py on SQLAlchemy."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, false, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.broadcasts import Audience, AudienceKind, Broadcast, BroadcastStatus, Progress
from bot.domain.clock import utcnow
from bot.domain.deliveries import DeliveryStatus, Outgoing
from bot.domain.people import Organisation, Person
from bot.domain.reference import OrgType
from bot.domain.roles import Role, Roles
from bot.domain.workshops import RegistrationStatus
from storage.db import dialect_insert
from storage.models import (
    AuditRow,
    BroadcastRow,
    ConsentRefusalRow,
    DeliveryRow,
    FeedbackRow,
    OrganisationRow,
    PersonRow,
    ProposalRow,
    RegistrationRow,
    RoleRow,
    ThemeFollowRow,
    WorkshopRow,
)


def _person(row: PersonRow, organisation_name: str | None) -> Person:
    return Person(
        id=row.id,
        telegram_id=row.telegram_id,
        locale=row.locale,
        consent_version=row.consent_version,
        consent_at=row.consent_at,
        full_name=row.full_name,
        region_code=row.region_code,
        org_type=OrgType(row.org_type_code) if row.org_type_code else None,
        organisation_id=row.organisation_id,
        organisation_name=organisation_name,
        phone=row.phone,
        announcements=row.announcements,
        reachable=row.reachable,
    )


def _organisation(row: OrganisationRow) -> Organisation:
    return Organisation(id=row.id, name=row.name, org_type=OrgType(row.type_code))


# Built once: every update looks up the person it is from.
_PERSON_BY_TELEGRAM_ID = (
    select(PersonRow, OrganisationRow.name)
    .outerjoin(OrganisationRow, OrganisationRow.id == PersonRow.organisation_id)
    .where(PersonRow.telegram_id == bindparam("telegram_id"))
)


class SqlPeople:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_by_telegram_id(self, telegram_id: int) -> Person | None:
        found = (await self.session.execute(_PERSON_BY_TELEGRAM_ID, {"telegram_id": telegram_id})).first()
        return _person(found[0], found[1]) if found else None

    async def add(self, telegram_id: int, locale: str, consent_version: int, consent_at: datetime) -> Person:
        row = PersonRow(
            telegram_id=telegram_id,
            locale=locale,
            consent_version=consent_version,
            consent_at=consent_at,
            announcements=True,
            reachable=True,
            created_at=consent_at,
            updated_at=consent_at,
        )
        self.session.add(row)
        await self.session.flush()
        return _person(row, None)

    async def update(self, person: Person) -> None:
        row = await self.session.get(PersonRow, person.id)
        if row is None:
            raise LookupError(person.id)
        row.locale = person.locale
        row.consent_version = person.consent_version
        row.consent_at = person.consent_at
        row.full_name = person.full_name
        row.region_code = person.region_code
        row.org_type_code = person.org_type.value if person.org_type else None
        row.organisation_id = person.organisation_id
        row.phone = person.phone
        row.announcements = person.announcements
        row.reachable = person.reachable
        row.updated_at = utcnow()
        await self.session.flush()

    async def erase(self, person_id: int, at: datetime) -> None:
        await self.session.execute(
            update(PersonRow)
            .where(PersonRow.id == person_id)
            .values(
                telegram_id=None, full_name=None, phone=None, organisation_id=None, announcements=False,
                erased_at=at, updated_at=at,
            )
        )  # fmt: skip
        await self.session.execute(delete(ThemeFollowRow).where(ThemeFollowRow.person_id == person_id))
        # Opinions and proposals stay, as anonymous contributions counted by region and type of
        # organisation: linked to nobody, not even to each other.
        for contribution in (FeedbackRow, ProposalRow):
            await self.session.execute(
                update(contribution).where(contribution.person_id == person_id).values(person_id=None)
            )
        await self.session.execute(delete(DeliveryRow).where(DeliveryRow.person_id == person_id))


class SqlOrganisations:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, organisation_id: int) -> Organisation | None:
        row = await self.session.get(OrganisationRow, organisation_id)
        return _organisation(row) if row else None

    async def find_by_key(self, key: str, org_type: OrgType) -> Organisation | None:
        query = select(OrganisationRow).where(
            OrganisationRow.name_key == key, OrganisationRow.type_code == org_type.value
        )
        row = (await self.session.execute(query)).scalar_one_or_none()
        return _organisation(row) if row else None

    async def names_of_type(self, org_type: OrgType, limit: int) -> list[Organisation]:
        query = (
            select(OrganisationRow)
            .where(OrganisationRow.type_code == org_type.value)
            .order_by(OrganisationRow.id)
            .limit(limit)
        )
        return [_organisation(row) for row in (await self.session.execute(query)).scalars()]

    async def add(self, name: str, key: str, org_type: OrgType, created_at: datetime) -> Organisation:
        """Create it, or take the one someone else registered at the same moment (two people of the
        same organisation finishing their profiles together, possibly on two instances)."""
        values = {"name": name, "name_key": key, "type_code": org_type.value, "created_at": created_at}
        statement = dialect_insert(self.session.bind.dialect.name)(OrganisationRow).values(**values)
        await self.session.execute(statement.on_conflict_do_nothing(index_elements=["name_key", "type_code"]))
        found = await self.find_by_key(key, org_type)
        if found is None:  # pragma: no cover  (the row exists: inserted now or by the other person)
            raise RuntimeError("organisation vanished while being registered")
        return found


class SqlConsents:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record_refusal(self, notice_version: int, at: datetime) -> None:
        self.session.add(ConsentRefusalRow(notice_version=notice_version, refused_at=at))
        await self.session.flush()


class SqlRoles:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of(self, telegram_id: int) -> Roles:
        rows = (
            await self.session.execute(
                select(RoleRow.role, RoleRow.region_code).where(RoleRow.telegram_id == telegram_id)
            )
        ).all()
        return Roles(
            telegram_id=telegram_id,
            admin=any(role == Role.SGP_ADMIN for role, _ in rows),
            organiser_regions=frozenset(region for role, region in rows if role == Role.ORGANISER and region),
        )

    async def grant(self, telegram_id: int, role: Role, region: str | None) -> bool:
        query = select(RoleRow.id).where(
            RoleRow.telegram_id == telegram_id,
            RoleRow.role == role.value,
            RoleRow.region_code.is_(None) if region is None else RoleRow.region_code == region,
        )
        if (await self.session.execute(query)).first():
            return False
        self.session.add(
            RoleRow(telegram_id=telegram_id, role=role.value, region_code=region, granted_at=utcnow())
        )
        await self.session.flush()
        return True

    async def revoke(self, telegram_id: int, role: Role, region: str | None) -> bool:
        statement = delete(RoleRow).where(RoleRow.telegram_id == telegram_id, RoleRow.role == role.value)
        if region is not None:
            statement = statement.where(RoleRow.region_code == region)
        return (await self.session.execute(statement)).rowcount > 0

    async def all(self) -> list[tuple[int, str, str | None]]:
        query = select(RoleRow.telegram_id, RoleRow.role, RoleRow.region_code).order_by(
            RoleRow.telegram_id, RoleRow.role, RoleRow.region_code
        )
        return [tuple(row) for row in (await self.session.execute(query)).all()]


class SqlAudit:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, actor: int | None, action: str, target: str, details: dict[str, Any]) -> None:
        self.session.add(
            AuditRow(at=utcnow(), actor_telegram_id=actor, action=action, target=target, details=details)
        )
        await self.session.flush()


class SqlOutbox:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.added = 0  # so the update's middleware can wake the sender once the work is committed

    async def enqueue(self, items: Sequence[Outgoing]) -> int:
        if not items:
            return 0
        now = utcnow()
        rows = [
            {
                "chat_id": item.chat_id,
                "person_id": item.person_id,
                "kind": item.kind,
                "payload": item.payload,
                "dedupe_key": item.dedupe_key,
                "broadcast_id": item.broadcast_id,
                "priority": int(item.priority),
                "not_before": item.not_before or now,
                "status": DeliveryStatus.PENDIENTE.value,
                "attempts": 0,
                "created_at": now,
            }
            for item in items
        ]
        insert = dialect_insert(self.session.bind.dialect.name)
        added = 0
        for start in range(0, len(rows), 500):  # multi-row VALUES, within SQLite's variable limit
            statement = insert(DeliveryRow).values(rows[start : start + 500])
            result = await self.session.execute(
                statement.on_conflict_do_nothing(index_elements=["dedupe_key"])
            )
            added += max(result.rowcount, 0)
        self.added += added
        return added

    async def of_person(self, person_id: int) -> list[tuple[str, str, datetime | None, datetime]]:
        query = (
            select(DeliveryRow.kind, DeliveryRow.status, DeliveryRow.sent_at, DeliveryRow.created_at)
            .where(DeliveryRow.person_id == person_id)
            .order_by(DeliveryRow.id)
        )
        return [tuple(row) for row in (await self.session.execute(query)).all()]

    async def withdraw(self, dedupe_keys: Sequence[str]) -> int:
        if not dedupe_keys:
            return 0
        statement = (
            update(DeliveryRow)
            .where(
                DeliveryRow.dedupe_key.in_(list(dedupe_keys)), DeliveryRow.status == DeliveryStatus.PENDIENTE
            )
            .values(status=DeliveryStatus.OMITIDO.value, last_error="withdrawn")
        )
        return (await self.session.execute(statement)).rowcount


class SqlAudiences:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def workshop_region(self, workshop_id: str) -> str | None:
        if not workshop_id.isdigit():
            return None
        query = select(WorkshopRow.region_code).where(WorkshopRow.id == int(workshop_id))
        return (await self.session.execute(query)).scalar_one_or_none()

    async def workshops(
        self, regions: frozenset[str] | None, now: datetime
    ) -> list[tuple[int, str, datetime]]:
        query = (
            select(WorkshopRow.id, WorkshopRow.title, WorkshopRow.starts_at)
            .where(WorkshopRow.ends_at > now, WorkshopRow.status != "cancelado")
            .order_by(WorkshopRow.starts_at)
        )
        if regions is not None:
            query = query.where(WorkshopRow.region_code.in_(regions))
        return [tuple(row) for row in (await self.session.execute(query)).all()]

    async def recipients(self, audience: Audience, regions: frozenset[str] | None) -> list[tuple[int, int]]:
        query = select(PersonRow.id, PersonRow.telegram_id).order_by(PersonRow.id)
        if audience.kind is AudienceKind.REGION:
            query = query.where(PersonRow.region_code == audience.target)
        elif audience.kind is AudienceKind.THEME:
            query = query.join(ThemeFollowRow, ThemeFollowRow.person_id == PersonRow.id).where(
                ThemeFollowRow.theme_code == audience.target
            )
        else:
            query = workshop_audience(query, audience)
        if audience.kind.respects_opt_out:
            query = query.where(PersonRow.announcements.is_(True))
            if regions is not None:
                query = query.where(PersonRow.region_code.in_(regions))
        return [tuple(row) for row in (await self.session.execute(query)).all()]


def workshop_audience(query: Any, audience: Audience) -> Any:
    """People registered for a workshop, by the state of their registration."""
    if not audience.target.isdigit():
        return query.where(false())
    registered = query.join(RegistrationRow, RegistrationRow.person_id == PersonRow.id).where(
        RegistrationRow.workshop_id == int(audience.target)
    )
    if audience.kind is AudienceKind.WORKSHOP_CONFIRMED:
        return registered.where(RegistrationRow.status == RegistrationStatus.CONFIRMADA.value)
    if audience.kind is AudienceKind.WORKSHOP_WAITING:
        return registered.where(RegistrationRow.status == RegistrationStatus.EN_ESPERA.value)
    return registered.where(RegistrationRow.attended_at.is_not(None))


def _broadcast(row: BroadcastRow) -> Broadcast:
    return Broadcast(
        id=row.id,
        author_telegram_id=row.author_telegram_id,
        audience=Audience(AudienceKind(row.audience), row.target),
        text=row.text,
        photo=row.photo,
        document=row.document,
        status=BroadcastStatus(row.status),
        total=row.total,
        created_at=row.created_at,
        progress_chat_id=row.progress_chat_id,
        progress_message_id=row.progress_message_id,
        stopped=row.stopped_at is not None,
    )


class SqlBroadcasts:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self, author: int, audience: Audience, text: str, photo: str | None, document: str | None, total: int
    ) -> Broadcast:
        row = BroadcastRow(
            author_telegram_id=author, audience=audience.kind.value, target=audience.target, text=text,
            photo=photo, document=document, status=BroadcastStatus.ENVIANDO.value, total=total,
            created_at=utcnow(),
        )  # fmt: skip
        self.session.add(row)
        await self.session.flush()
        return _broadcast(row)

    async def get(self, broadcast_id: int) -> Broadcast | None:
        row = await self.session.get(BroadcastRow, broadcast_id)
        return _broadcast(row) if row else None

    async def stop(self, broadcast_id: int, at: datetime) -> int:
        result = await self.session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.broadcast_id == broadcast_id, DeliveryRow.status == DeliveryStatus.PENDIENTE)
            .values(status=DeliveryStatus.OMITIDO.value, last_error="stopped")
        )
        await self.session.execute(
            update(BroadcastRow).where(BroadcastRow.id == broadcast_id).values(stopped_at=at)
        )
        return result.rowcount

    async def finish(self, broadcast_id: int, status: BroadcastStatus, at: datetime) -> None:
        await self.session.execute(
            update(BroadcastRow)
            .where(BroadcastRow.id == broadcast_id)
            .values(status=status.value, finished_at=at)
        )

    async def progress(self, broadcast_id: int) -> Progress:
        query = (
            select(DeliveryRow.status, func.count())
            .where(DeliveryRow.broadcast_id == broadcast_id)
            .group_by(DeliveryRow.status)
        )
        counts = dict((await self.session.execute(query)).all())
        pending = counts.get(DeliveryStatus.PENDIENTE, 0) + counts.get(DeliveryStatus.ENVIANDO, 0)
        return Progress(
            total=sum(counts.values()),
            sent=counts.get(DeliveryStatus.ENVIADO, 0),
            failed=counts.get(DeliveryStatus.FALLIDO, 0),
            skipped=counts.get(DeliveryStatus.OMITIDO, 0),
            pending=pending,
        )

    async def set_progress_message(self, broadcast_id: int, chat_id: int, message_id: int) -> None:
        await self.session.execute(
            update(BroadcastRow)
            .where(BroadcastRow.id == broadcast_id)
            .values(progress_chat_id=chat_id, progress_message_id=message_id)
        )

    async def active(self) -> list[Broadcast]:
        query = select(BroadcastRow).where(BroadcastRow.status == BroadcastStatus.ENVIANDO.value)
        return [_broadcast(row) for row in (await self.session.execute(query)).scalars()]
