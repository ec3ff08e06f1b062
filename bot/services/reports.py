"""Exports and statistics in the chat: who may ask, and the audit log of every export.

Producing the file itself is storage work (storage/exports.py); the handler runs it in the
background once this service has allowed and recorded the request.
"""

from __future__ import annotations

from typing import Any

from bot.domain.errors import InvalidInput
from bot.domain.roles import Forbidden
from bot.reports.dictionary import DATASETS
from bot.reports.stats import BASES, Table, cuadros
from bot.reports.writers import FORMATS
from bot.services.ports import UnitOfWork
from bot.services.roles import audit, roles_of


async def record_export(
    uow: UnitOfWork, actor: int | None, dataset: str, fmt: str, /, **details: Any
) -> None:
    """The audit entry of an export (actor None: the command line); commits."""
    await audit(uow, actor, "export", dataset, format=fmt, **details)
    await uow.commit()


async def request_export(uow: UnitOfWork, telegram_id: int, dataset: str, fmt: str) -> None:
    """An export asked for in the chat: SGP administrators only; recorded before it is produced."""
    roles = await roles_of(uow, telegram_id)
    roles.require_admin()
    if dataset not in DATASETS:
        raise InvalidInput("dataset", "unknown")
    if fmt not in FORMATS:
        raise InvalidInput("format", "unknown")
    await record_export(uow, telegram_id, dataset, fmt, channel="chat")


async def statistics(
    uow: UnitOfWork, telegram_id: int, basis: str = "attended", consultation: str | None = None
) -> tuple[list[Table], list[str] | None]:
    """The Cuadros for this person: all regions for SGP administrators, an organiser's own regions
    for an organiser; (tables, the regions they were restricted to or None)."""
    if basis not in BASES:
        raise InvalidInput("basis", "unknown")
    roles = await roles_of(uow, telegram_id)
    if roles.admin:
        regions = None
    elif roles.organiser_regions:
        regions = sorted(roles.organiser_regions)
    else:
        raise Forbidden()
    counts = await uow.stats.counts(regions, consultation, basis)
    return cuadros(counts), regions
