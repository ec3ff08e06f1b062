"""Commands that work everywhere: /cancelar, /idioma, /ayuda, and the main menu's buttons."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.i18n import I18n

from bot.config import Settings
from bot.domain.people import Person
from bot.services import onboarding as service
from bot.services.ports import UnitOfWork
from bot.services.roles import roles_of
from handlers import keyboards, views
from handlers.callbacks import LanguageCb, MenuCb
from handlers.commands import COMMANDS, publish_chat_commands
from handlers.onboarding import ask, current_step, resume, show_menu
from handlers.states import Onboarding

router = Router(name="common")


@router.message(Command("cancelar"))
async def cancel(message: Message, state: FSMContext) -> None:
    if await state.get_state() is None:
        await message.answer(views.nothing_to_cancel(), reply_markup=ReplyKeyboardRemove())
        return
    # The state ends; the answers given so far stay in the conversation data for /start to resume.
    await state.set_state(None)
    await message.answer(views.cancelled(), reply_markup=ReplyKeyboardRemove())


@router.message(Command("ayuda"))
async def help_command(message: Message, uow: UnitOfWork) -> None:
    await message.answer(views.help_text((await roles_of(uow, message.from_user.id)).name))


@router.message(Command("idioma"))
async def language_command(message: Message) -> None:
    await message.answer(views.choose_language(), reply_markup=keyboards.languages())


_KNOWN = "|".join(command.name for command in COMMANDS)
UNKNOWN_COMMAND = rf"^/(?!(?:{_KNOWN})(?:@\w+)?(?:\s|$))"


@router.message(F.text.regexp(UNKNOWN_COMMAND))
async def unknown_command(message: Message, state: FSMContext) -> None:
    """A command that does not exist (or a typo): say so, then repeat the pending question if any."""
    await message.answer(views.unknown_command())
    step = current_step(await state.get_state())
    if step is not None:
        await ask(message, step, state)


buttons = Router(name="buttons")


@buttons.callback_query(LanguageCb.filter())
async def language_changed(
    query: CallbackQuery,
    callback_data: LanguageCb,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person | None,
    i18n: I18n,
    bot: Bot,
) -> None:
    """A language picked: before consent it only steers the conversation; after, it is stored.

    Either way the conversation goes on where it was (the privacy notice for someone new).
    """
    locale = callback_data.code
    if locale not in i18n.available_locales:
        await query.answer(views.stale_button(), show_alert=True)
        return
    await query.answer()
    step = current_step(await state.get_state())
    with i18n.use_locale(locale):
        if person is None:
            await state.update_data(locale=locale)
            if step in (None, Onboarding.language):
                await query.message.edit_reply_markup(reply_markup=None)
                await ask(query.message, Onboarding.consent, state)
                return
        else:
            await service.set_locale(uow, person.telegram_id, locale)
            await publish_chat_commands(
                bot, i18n, query.message.chat.id, locale, (await roles_of(uow, query.from_user.id)).name
            )
        await query.message.edit_text(views.language_set())
        if step is not None:
            await ask(query.message, step, state)


@buttons.callback_query(MenuCb.filter())
async def menu_action(
    query: CallbackQuery,
    callback_data: MenuCb,
    person: Person | None,
    state: FSMContext,
    settings: Settings,
    i18n: I18n,
    uow: UnitOfWork,
) -> None:
    await query.answer()
    if person is None or not person.profile_complete:
        await resume(query.message, state, person, settings)
        return
    action = callback_data.action
    if action == "profile":
        await query.message.answer(
            views.profile(person, i18n.current_locale), reply_markup=keyboards.profile_actions()
        )
    elif action == "language":
        await query.message.answer(views.choose_language(), reply_markup=keyboards.languages())
    elif action == "privacy":
        await query.message.answer(
            views.privacy_notice_given(person, i18n.current_locale), reply_markup=keyboards.back_to_menu()
        )
    elif action == "help":
        role = (await roles_of(uow, query.from_user.id)).name
        await query.message.answer(views.help_text(role), reply_markup=keyboards.back_to_menu())
    else:
        await show_menu(query.message, person)


fallback = Router(name="fallback")


@fallback.message(F.chat.type != "private")
async def not_private(message: Message) -> None:
    await message.answer(views.private_only())


@fallback.message()
async def unknown_message(
    message: Message, person: Person | None, state: FSMContext, settings: Settings
) -> None:
    """Nothing else took the message: never silence; an unfinished onboarding is resumed."""
    if await resume(message, state, person, settings):
        return
    await message.answer(views.unknown(), reply_markup=keyboards.main_menu())


@fallback.callback_query()
async def stale_callback(query: CallbackQuery) -> None:
    await query.answer(views.stale_button(), show_alert=True)


@fallback.edited_message()
async def edited(message: Message) -> None:
    """An edit does not change an answer already taken; say how to change it instead."""
    await message.answer(views.edit_ignored())
