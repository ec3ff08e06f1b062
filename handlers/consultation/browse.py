"""/compromisos: the six themes with their counts, a theme's commitments page by page, a commitment in full.

| the person does                       | the bot                                                    |
|---------------------------------------|------------------------------------------------------------|
| /compromisos or «📝 Compromisos»      | the consultation's dates; a button per theme with its count |
| taps a theme                          | its commitments, 5 a page (◀️ Anterior / Siguiente ▶️)      |
| taps a commitment                     | the commitment in full (split at paragraphs when long),     |
|                                       | «💬 Opinar» or «✏️ Editar mi opinión», «⬅️ Volver»          |

Reading needs no profile; opining does (handlers/consultation/feedback.py).
"""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InaccessibleMessage, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n

from bot.config import Settings
from bot.domain.clock import utcnow
from bot.domain.commitments import CommitmentWithdrawn
from bot.domain.errors import InvalidInput, NotFound
from bot.services import commitments as service
from bot.services.ports import UnitOfWork
from handlers import views as common_views
from handlers.callbacks import MenuCb
from handlers.consultation import keyboards, views
from handlers.consultation.callbacks import CommitmentCb

log = logging.getLogger(__name__)

router = Router(name="commitments")


async def show(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None, new: bool = False
) -> None:
    """Replace the pressed message's text (navigation), or send a new message when asked or needed."""
    message = query.message
    if not new and message is not None and not isinstance(message, InaccessibleMessage):
        try:
            await message.edit_text(text, reply_markup=markup)
            return
        except TelegramBadRequest as exc:
            if "not modified" in exc.message:
                return
            log.info("could not edit message %s: %s", message.message_id, exc.message)
    await query.bot.send_message(query.from_user.id, text, reply_markup=markup)


async def send_themes(message: Message, uow: UnitOfWork, i18n: I18n) -> None:
    overview = await service.overview(uow)
    await message.answer(
        views.themes(overview, utcnow(), i18n.current_locale), reply_markup=keyboards.themes(overview)
    )


@router.message(Command("compromisos"))
async def commitments_command(message: Message, uow: UnitOfWork, i18n: I18n) -> None:
    await send_themes(message, uow, i18n)


@router.callback_query(MenuCb.filter(F.action == "commitments"))
async def commitments_menu(query: CallbackQuery, uow: UnitOfWork, i18n: I18n) -> None:
    await query.answer()
    overview = await service.overview(uow)
    await show(
        query, views.themes(overview, utcnow(), i18n.current_locale), keyboards.themes(overview), new=True
    )


@router.callback_query(CommitmentCb.filter(F.a == "themes"))
async def themes_pressed(
    query: CallbackQuery, callback_data: CommitmentCb, uow: UnitOfWork, i18n: I18n
) -> None:
    await query.answer()
    overview = await service.overview(uow)
    await show(
        query,
        views.themes(overview, utcnow(), i18n.current_locale),
        keyboards.themes(overview),
        callback_data.n,
    )


@router.callback_query(CommitmentCb.filter(F.a == "theme"))
async def theme_pressed(
    query: CallbackQuery, callback_data: CommitmentCb, uow: UnitOfWork, settings: Settings
) -> None:
    try:
        page = await service.theme_page(uow, callback_data.t, callback_data.p, settings.commitments_page_size)
    except InvalidInput:
        await query.answer(common_views.stale_button(), show_alert=True)
        return
    await query.answer()
    await show(query, views.theme_page(page), keyboards.theme_page(page), callback_data.n)


@router.callback_query(CommitmentCb.filter(F.a == "show"))
async def commitment_pressed(
    query: CallbackQuery, callback_data: CommitmentCb, uow: UnitOfWork, i18n: I18n, bot: Bot
) -> None:
    try:
        reading = await service.read_commitment(uow, query.from_user.id, callback_data.id)
    except NotFound:
        await query.answer(views.not_found(), show_alert=True)
        return
    except CommitmentWithdrawn:
        await query.answer(views.withdrawn(), show_alert=True)
        return
    await query.answer()
    await send_commitment(bot, query.from_user.id, reading, i18n)


async def send_commitment(bot: Bot, chat_id: int, reading: service.Reading, i18n: I18n) -> None:
    """The commitment in one or more messages; its buttons go with the last one."""
    parts = views.commitment_detail(reading, utcnow(), i18n.current_locale)
    for index, part in enumerate(parts):
        markup = keyboards.commitment(reading) if index == len(parts) - 1 else None
        await bot.send_message(chat_id, part, reply_markup=markup)
