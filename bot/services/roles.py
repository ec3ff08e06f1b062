"""Granting, revoking and reading roles; every privileged action is written to the audit log."""

from __future__ import annotations

from typing import Any

from bot.domain.errors import InvalidInput
from bot.domain.people import validate_region
from bot.domain.roles import Role, Roles
from bot.services.ports import UnitOfWork


async def roles_of(uow: UnitOfWork, telegram_id: int) -> Roles:
    return await uow.roles.of(telegram_id)


async def audit(uow: UnitOfWork, actor: int | None, action: str, target: str, /, **details: Any) -> None:
    """Record a privileged action (actor None = the command line). The caller commits."""
    await uow.audit.record(actor, action, target, details)


def _role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise InvalidInput("role", "unknown") from None


async def grant(
    uow: UnitOfWork, actor: Roles | None, telegram_id: int, role: str, region: str | None = None
) -> bool:
    """Give a role (an organiser's in one region). Only SGP administrators, or the command line."""
    if actor is not None:
        actor.require_admin()
    kind = _role(role)
    if kind is Role.ORGANISER and region is None:
        raise InvalidInput("region", "empty")
    region = validate_region(region) if kind is Role.ORGANISER else None
    added = await uow.roles.grant(telegram_id, kind, region)
    await audit(
        uow, actor.telegram_id if actor else None, "role.grant", str(telegram_id), role=kind, region=region
    )
    await uow.commit()
    return added


async def revoke(
    uow: UnitOfWork, actor: Roles | None, telegram_id: int, role: str, region: str | None = None
) -> bool:
    """Take a role away; an organiser's without a region: in every region."""
    if actor is not None:
        actor.require_admin()
    kind = _role(role)
    region = validate_region(region) if kind is Role.ORGANISER and region is not None else None
    removed = await uow.roles.revoke(telegram_id, kind, region)
    await audit(
        uow, actor.telegram_id if actor else None, "role.revoke", str(telegram_id), role=kind, region=region
    )
    await uow.commit()
    return removed


async def list_roles(uow: UnitOfWork) -> list[tuple[int, str, str | None]]:
    return await uow.roles.all()


async def bootstrap_admins(uow: UnitOfWork, telegram_ids: tuple[int, ...]) -> int:
    """SGP_ADMIN_IDS: make these people administrators at start (idempotent)."""
    added = 0
    for telegram_id in telegram_ids:
        if await uow.roles.grant(telegram_id, Role.SGP_ADMIN, None):
            added += 1
            await audit(
                uow, None, "role.grant", str(telegram_id), role=Role.SGP_ADMIN, source="SGP_ADMIN_IDS"
            )
    await uow.commit()
    return added


async def role_holders(uow: UnitOfWork) -> list[tuple[int, str, str | None]]:
    """(telegram id, highest role, language or None) of everyone with a role: whose menu to publish."""
    holders = []
    for telegram_id in sorted({telegram_id for telegram_id, _, _ in await uow.roles.all()}):
        person = await uow.people.get_by_telegram_id(telegram_id)
        holders.append(
            (telegram_id, (await uow.roles.of(telegram_id)).name, person.locale if person else None)
        )
    return holders
