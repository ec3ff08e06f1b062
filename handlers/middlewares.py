"""Middlewares: a unit of work and the person per update, and the person's language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18n, I18nMiddleware
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import guess_locale
from bot.services.onboarding import came_back, get_person
from storage.uow import SqlUnitOfWork

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class UnitOfWorkMiddleware(BaseMiddleware):
    """One unit of work per update (rolled back unless a service commits), and the person it is from."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], wake_sender: Callable[[], None]) -> None:
        self.sessions = sessions
        self.wake_sender = wake_sender

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with SqlUnitOfWork(self.sessions) as uow:
            data["uow"] = uow
            user: User | None = data.get("event_from_user")
            person = await get_person(uow, user.id) if user else None
            if person is not None and not person.reachable:
                person = await came_back(uow, person)
            data["person"] = person
            try:
                return await handler(event, data)
            finally:
                if uow.outbox.added:
                    self.wake_sender()


class LocaleMiddleware(I18nMiddleware):
    """The stored language; during onboarding the one chosen so far; else Telegram's language_code."""

    def __init__(self, i18n: I18n, default_locale: str) -> None:
        super().__init__(i18n)
        self.default = default_locale

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        person = data.get("person")
        if person is not None:
            return person.locale
        state: FSMContext | None = data.get("state")
        if state is not None:  # someone in onboarding, before a person exists
            chosen = (await state.get_data()).get("locale")
            if chosen:
                return chosen
        user: User | None = data.get("event_from_user")
        return guess_locale(user.language_code if user else None, self.default)
