"""Middlewares: a unit of work and the person per update, and the person's language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, TelegramObject, User
from aiogram.utils.i18n import I18n, I18nMiddleware
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import guess_locale
from bot.services.onboarding import came_back, get_person
from handlers.onboarding import ask
from handlers.states import Onboarding
from storage.uow import SqlUnitOfWork

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class UnitOfWorkMiddleware(BaseMiddleware):
    """One unit of work per update (rolled back unless a service commits), and the person it is from."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], wake_sender: Callable[[], None]) -> None:
        self.sessions = sessions
        self.wake_sender = wake_sender

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with SqlUnitOfWork(self.sessions, update_id=data.get("mark_update")) as uow:
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


# What a person may still do while a new privacy notice awaits their consent: answer it, change
# language, and exercise their rights (see, delete) without first agreeing to anything.
_WHILE_RECONSENTING = ("/privacidad", "/misdatos", "/borrarmisdatos", "/idioma", "/cancelar", "/start")
_CALLBACKS_WHILE_RECONSENTING = ("consent:", "lang:", "erase:")


class ConsentGate(BaseMiddleware):
    """A new version of the privacy notice asks for consent again before anything else."""

    def __init__(self, notice_version: int) -> None:
        self.notice_version = notice_version

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        person = data.get("person")
        if person is None or person.consent_version >= self.notice_version:
            return await handler(event, data)
        if isinstance(event, CallbackQuery):
            if (event.data or "").startswith(_CALLBACKS_WHILE_RECONSENTING):
                return await handler(event, data)
            await event.answer()
            message = event.message
        elif isinstance(event, Message):
            command = (event.text or "").split(maxsplit=1)[0].split("@")[0] if event.text else ""
            if command in _WHILE_RECONSENTING:
                return await handler(event, data)
            message = event
        else:
            return await handler(event, data)
        if isinstance(message, Message):
            await ask(message, Onboarding.consent, data["state"])
        return None
