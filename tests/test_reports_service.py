"""bot.services.reports with fakes: who may export or see statistics, and the audit entry."""

from __future__ import annotations

import pytest

from bot.domain.errors import InvalidInput
from bot.domain.roles import Forbidden, Role
from bot.services import reports
from tests.fakes import FakeUnitOfWork


async def test_only_administrators_export_and_every_export_is_audited() -> None:
    uow = FakeUnitOfWork()
    await uow.roles.grant(1, Role.SGP_ADMIN, None)
    await uow.roles.grant(2, Role.ORGANISER, "13")
    await reports.request_export(uow, 1, "feedback", "xlsx")
    assert uow.audit.entries == [(1, "export", "feedback", {"format": "xlsx", "channel": "chat"})]
    assert uow.commits == 1
    for telegram_id in (2, 3):
        with pytest.raises(Forbidden):
            await reports.request_export(uow, telegram_id, "feedback", "csv")
    with pytest.raises(InvalidInput):
        await reports.request_export(uow, 1, "people", "csv")
    with pytest.raises(InvalidInput):
        await reports.request_export(uow, 1, "feedback", "pdf")
    assert len(uow.audit.entries) == 1


async def test_statistics_are_restricted_to_an_organisers_regions() -> None:
    uow = FakeUnitOfWork()
    await uow.roles.grant(1, Role.SGP_ADMIN, None)
    await uow.roles.grant(2, Role.ORGANISER, "22")
    await uow.roles.grant(2, Role.ORGANISER, "13")
    tables, regions = await reports.statistics(uow, 1)
    assert regions is None and [t.key for t in tables] == ["cuadro1", "cuadro2", "cuadro3", "cuadro4"]
    _tables, regions = await reports.statistics(uow, 2, "registered")
    assert regions == ["13", "22"]
    assert uow.stats.asked == [(None, None, "attended"), (["13", "22"], None, "registered")]
    with pytest.raises(Forbidden):
        await reports.statistics(uow, 3)
    with pytest.raises(InvalidInput):
        await reports.statistics(uow, 1, "guessed")
