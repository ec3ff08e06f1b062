"""Privacy in the chat: /privacidad, /misdatos (access) and /borrarmisdatos (cancellation)."""

from __future__ import annotations

import json

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.i18n import I18n

from bot.domain.people import Person
from bot.services import privacy
from bot.services.ports import UnitOfWork
from handlers import keyboards, views
from handlers.callbacks import EraseCb

router = Router(name="privacy")


@router.message(Command("privacidad"))
async def privacy_command(message: Message, person: Person | None, i18n: I18n) -> None:
    if person is None:
        await message.answer(views.privacy_notice_body() + "\n\n" + views.no_data_stored())
        return
    await message.answer(views.privacy_notice_given(person, i18n.current_locale))


@router.message(Command("misdatos"))
async def my_data_command(message: Message, uow: UnitOfWork) -> None:
    document = await privacy.my_data(uow, message.from_user.id)
    if document is None:
        await message.answer(views.no_data_stored())
        return
    payload = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    await message.answer_document(
        BufferedInputFile(payload, filename="misdatos.json"), caption=views.my_data_caption()
    )


@router.message(Command("borrarmisdatos"))
async def erase_command(message: Message, person: Person | None) -> None:
    if person is None:
        await message.answer(views.no_data_stored())
        return
    await message.answer(views.erase_confirm(), reply_markup=keyboards.erase_confirm())


@router.callback_query(EraseCb.filter())
async def erase_answer(
    query: CallbackQuery, callback_data: EraseCb, uow: UnitOfWork, state: FSMContext
) -> None:
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
    if not callback_data.confirm:
        await query.message.answer(views.erase_kept())
        return
    # Only the person pressing is ever erased: the button carries no identity.
    erased = await privacy.erase(uow, query.from_user.id)
    await state.clear()
    await query.message.answer(
        views.erased() if erased else views.no_data_stored(), reply_markup=ReplyKeyboardRemove()
    )
