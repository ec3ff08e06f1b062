"""Unit of work: one session, the repositories on it; it rolls back unless the service commits."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.commitments import SqlCommitments, SqlFeedback, SqlProposals
from storage.repositories import (
    SqlAudiences,
    SqlAudit,
    SqlBroadcasts,
    SqlConsents,
    SqlOrganisations,
    SqlOutbox,
    SqlPeople,
    SqlRoles,
)
from storage.stats import SqlStats
from storage.updates import mark_in
from storage.workshops import SqlRegistrations, SqlWorkshops


class SqlUnitOfWork:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], update_id: int | None = None) -> None:
        self._sessions = sessions
        # The update this unit of work handles: its id is recorded with the first commit, so a resent
        # update is recognised once its change is saved (storage/updates.py).
        self.update_id = update_id
        self.marked = False

    async def __aenter__(self) -> SqlUnitOfWork:
        self.session = self._sessions()
        self.people = SqlPeople(self.session)
        self.organisations = SqlOrganisations(self.session)
        self.consents = SqlConsents(self.session)
        self.workshops = SqlWorkshops(self.session)
        self.registrations = SqlRegistrations(self.session)
        self.roles = SqlRoles(self.session)
        self.audit = SqlAudit(self.session)
        self.outbox = SqlOutbox(self.session)
        self.audiences = SqlAudiences(self.session)
        self.broadcasts = SqlBroadcasts(self.session)
        self.commitments = SqlCommitments(self.session)
        self.feedback = SqlFeedback(self.session)
        self.proposals = SqlProposals(self.session)
        self.stats = SqlStats(self.session)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            await self.session.rollback()
        finally:
            await self.session.close()

    async def commit(self) -> None:
        if self.update_id is not None and not self.marked:
            await mark_in(self.session, self.update_id)
            await self.session.commit()
            self.marked = True
            return
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()
