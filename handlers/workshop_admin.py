"""Workshops for organisers (their regions) and SGP (all), as one table:

| the organiser does                        | the bot                                                   |
|-------------------------------------------|-----------------------------------------------------------|
| /talleres: "⚙️ Gestionar" on a workshop    | counts; Inscritos, Asistencia, cupos, fecha, cancelar     |
| /inscritos, then a workshop               | counts; the list: with a seat, offered, waiting, present  |
| /asistencia, then a workshop              | QR code of the check-in link; the list to mark present    |
| 🔢 Cambiar cupos, then types a number      | more seats go to the waiting list; fewer than taken: no   |
| 🕒 Cambiar fecha y hora, then types it     | everyone registered or waiting is told; reminders move    |
| ❌ Cancelar el taller, then confirms        | everyone registered or waiting is told                    |

Permissions are checked by the services on every action (the region of the workshop the button
names), never taken from the button; every change is written to the audit log.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import I18n

from bot.config import Settings
from bot.domain.clock import LIMA
from bot.domain.errors import DomainError, InvalidInput
from bot.domain.roles import Forbidden, Roles
from bot.domain.workshops import Refused, Workshop
from bot.services import workshops as service
from bot.services.ports import UnitOfWork
from bot.services.roles import roles_of
from bot.workshop_files import checkin_link, qr_png
from handlers import workshop_keyboards as keyboards
from handlers import workshop_views as texts
from handlers.states import WorkshopEdit
from handlers.workshop_callbacks import ManageCb, PresentCb
from handlers.workshops import explain

router = Router(name="workshop_admin")

EDITING = "workshop_edit"


def _explain(exc: DomainError) -> str:
    if isinstance(exc, Forbidden):
        return texts.not_allowed()
    if isinstance(exc, InvalidInput):
        return texts.bad_number() if exc.field == "capacity" else texts.bad_date()
    return explain(exc)


async def _choose(message: Message, uow: UnitOfWork, purpose: str) -> None:
    roles = await roles_of(uow, message.from_user.id)
    if not roles.is_organiser:
        await message.answer(texts.organisers_only())
        return
    infos = await service.managed_workshops(uow, roles)
    if not infos:
        await message.answer(texts.no_managed_workshops())
        return
    await message.answer(
        texts.choose_workshop(purpose), reply_markup=keyboards.choose_workshop(infos, purpose)
    )


@router.message(Command("inscritos"))
async def roster_command(message: Message, uow: UnitOfWork) -> None:
    await _choose(message, uow, "roster")


@router.message(Command("asistencia"))
async def attendance_command(message: Message, uow: UnitOfWork) -> None:
    await _choose(message, uow, "attendance")


async def _roster(query: CallbackQuery, callback_data: ManageCb, uow: UnitOfWork) -> service.Roster | None:
    """The workshop and its people, for an organiser of its region; else the refusal as an alert."""
    try:
        data = await service.roster(uow, await roles_of(uow, query.from_user.id), callback_data.id)
    except DomainError as exc:
        await query.answer(_explain(exc), show_alert=True)
        return None
    await query.answer()
    return data


@router.callback_query(ManageCb.filter(F.action == "menu"))
async def manage_menu(
    query: CallbackQuery, callback_data: ManageCb, uow: UnitOfWork, i18n: I18n, bot: Bot
) -> None:
    data = await _roster(query, callback_data, uow)
    if data is None:
        return
    info = service.WorkshopInfo(data.workshop, data.counts)
    await bot.send_message(
        query.from_user.id,
        texts.manage(info, i18n.current_locale),
        reply_markup=keyboards.manage(data.workshop),
    )


@router.callback_query(ManageCb.filter(F.action == "roster"))
async def roster(
    query: CallbackQuery, callback_data: ManageCb, uow: UnitOfWork, i18n: I18n, bot: Bot
) -> None:
    data = await _roster(query, callback_data, uow)
    if data is None:
        return
    await bot.send_message(query.from_user.id, texts.roster(data, i18n.current_locale))


@router.callback_query(ManageCb.filter(F.action == "attendance"))
async def attendance(query: CallbackQuery, callback_data: ManageCb, uow: UnitOfWork, bot: Bot) -> None:
    roles = await roles_of(uow, query.from_user.id)
    try:
        workshop = await service.attendance_code(uow, roles, callback_data.id)
        data = await service.roster(uow, roles, callback_data.id)
    except DomainError as exc:
        await query.answer(_explain(exc), show_alert=True)
        return
    await query.answer()
    me = await bot.me()
    link = checkin_link(me.username or "", workshop.checkin_code or "")
    await bot.send_photo(
        query.from_user.id,
        BufferedInputFile(qr_png(link), filename=f"asistencia-{workshop.code}.png"),
        caption=texts.attendance_caption(workshop, link),
    )
    await bot.send_message(
        query.from_user.id, texts.attendance_list(data), reply_markup=keyboards.attendance(data.registrants)
    )


@router.callback_query(PresentCb.filter())
async def mark_present(query: CallbackQuery, callback_data: PresentCb, uow: UnitOfWork) -> None:
    roles = await roles_of(uow, query.from_user.id)
    try:
        workshop, newly = await service.mark_attendance(uow, roles, callback_data.id)
        data = await service.roster(uow, roles, workshop.id)
    except DomainError as exc:
        await query.answer(_explain(exc), show_alert=True)
        return
    name = next((r.full_name for r in data.registrants if r.registration.id == callback_data.id), None)
    await query.answer(texts.marked(name, newly))
    if newly and isinstance(query.message, Message):
        await query.message.edit_text(
            texts.attendance_list(data), reply_markup=keyboards.attendance(data.registrants)
        )


# --------------------------------------------------------------------------- edits


async def _start_edit(
    query: CallbackQuery, callback_data: ManageCb, uow: UnitOfWork, state: FSMContext, step: WorkshopEdit
) -> service.Roster | None:
    data = await _roster(query, callback_data, uow)
    if data is None:
        return None
    await state.set_state(step)
    await state.update_data({EDITING: data.workshop.id})
    return data


@router.callback_query(ManageCb.filter(F.action == "capacity"))
async def capacity_asked(
    query: CallbackQuery, callback_data: ManageCb, uow: UnitOfWork, state: FSMContext, bot: Bot
) -> None:
    data = await _start_edit(query, callback_data, uow, state, WorkshopEdit.capacity)
    if data is not None:
        await bot.send_message(query.from_user.id, texts.ask_capacity(data.workshop, data.counts))


@router.callback_query(ManageCb.filter(F.action == "date"))
async def date_asked(
    query: CallbackQuery, callback_data: ManageCb, uow: UnitOfWork, state: FSMContext, i18n: I18n, bot: Bot
) -> None:
    data = await _start_edit(query, callback_data, uow, state, WorkshopEdit.starts_at)
    if data is not None:
        await bot.send_message(query.from_user.id, texts.ask_starts_at(data.workshop, i18n.current_locale))


async def _editing(state: FSMContext) -> int | None:
    return (await state.get_data()).get(EDITING)


async def _done(state: FSMContext) -> None:
    await state.set_state(None)
    await state.update_data({EDITING: None})


async def _apply(
    message: Message,
    uow: UnitOfWork,
    state: FSMContext,
    change: Callable[[Roles, int], Awaitable[Workshop]],
    typed_again: str,
) -> Workshop | None:
    """Apply an organiser's typed change to the workshop being edited. A refusal for `typed_again`
    (a value the person can correct) keeps the question open; any other refusal ends the edit."""
    try:
        workshop = await change(await roles_of(uow, message.from_user.id), await _editing(state) or 0)
    except DomainError as exc:
        if not (isinstance(exc, Refused) and exc.reason == typed_again):
            await _done(state)
        await message.answer(_explain(exc))
        return None
    await _done(state)
    return workshop


@router.message(WorkshopEdit.capacity, F.text)
async def capacity_given(message: Message, uow: UnitOfWork, state: FSMContext, settings: Settings) -> None:
    text = message.text.strip()
    if not text.isdigit() or int(text) < 1 or int(text) > 100_000:
        await message.answer(texts.bad_number())
        return
    workshop = await _apply(
        message,
        uow,
        state,
        lambda roles, workshop_id: service.change_capacity(
            uow, roles, workshop_id, int(text), policy=settings.workshop_policy
        ),
        typed_again="capacity_below",
    )
    if workshop is not None:
        await message.answer(texts.capacity_changed(workshop))


def parse_lima(text: str) -> datetime | None:
    for fmt in ("%d/%m/%Y %H:%M", "%d/%m/%Y %H.%M", "%d-%m-%Y %H:%M", "%Y-%m-%d %H:%M"):
        try:
            return datetime.strptime(" ".join(text.split()), fmt).replace(tzinfo=LIMA)
        except ValueError:
            continue
    return None


@router.message(WorkshopEdit.starts_at, F.text)
async def starts_at_given(
    message: Message, uow: UnitOfWork, state: FSMContext, settings: Settings, i18n: I18n
) -> None:
    starts_at = parse_lima(message.text)
    if starts_at is None:
        await message.answer(texts.bad_date())
        return
    workshop = await _apply(
        message,
        uow,
        state,
        lambda roles, workshop_id: service.change_schedule(
            uow, roles, workshop_id, starts_at, policy=settings.workshop_policy
        ),
        typed_again="past",
    )
    if workshop is not None:
        await message.answer(texts.schedule_changed(workshop, i18n.current_locale))


@router.message(WorkshopEdit.capacity)
async def number_expected(message: Message) -> None:
    await message.answer(texts.bad_number())


@router.message(WorkshopEdit.starts_at)
async def date_expected(message: Message) -> None:
    await message.answer(texts.bad_date())


@router.callback_query(ManageCb.filter(F.action == "cancel"))
async def cancel_asked(query: CallbackQuery, callback_data: ManageCb, uow: UnitOfWork, bot: Bot) -> None:
    data = await _roster(query, callback_data, uow)
    if data is None:
        return
    await bot.send_message(
        query.from_user.id,
        texts.confirm_cancel(data.workshop),
        reply_markup=keyboards.confirm_cancel(data.workshop),
    )


@router.callback_query(ManageCb.filter(F.action == "cancel_yes"))
async def cancel_confirmed(
    query: CallbackQuery, callback_data: ManageCb, uow: UnitOfWork, settings: Settings, bot: Bot
) -> None:
    roles = await roles_of(uow, query.from_user.id)
    try:
        workshop = await service.cancel_workshop(
            uow, roles, callback_data.id, policy=settings.workshop_policy
        )
    except DomainError as exc:
        await query.answer(_explain(exc), show_alert=True)
        return
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
    await bot.send_message(query.from_user.id, texts.workshop_cancelled(workshop))
