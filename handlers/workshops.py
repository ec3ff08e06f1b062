"""Workshops for participants, as one table:

| the person does                          | the bot                                                    |
|------------------------------------------|------------------------------------------------------------|
| /talleres or "📅 Talleres"                | upcoming workshops, their region first, seats left         |
| taps a workshop                          | venue pin; detail: Inscribirme, Calendario, Materiales     |
| Inscribirme                              | confirmed (date, place, how to cancel); full: offer to wait |
| Unirme a la lista de espera              | their place on the list                                    |
| Calendario                               | taller-….ics (iCalendar, Lima time)                        |
| Materiales                               | links, and documents sent as files                         |
| /misinscripciones or "🗓 Mis inscripciones" | their registrations: Cancelar / Aceptar / Liberar         |
| Aceptar / Liberar (an offer)             | the seat is theirs / goes to the next person waiting       |
| opens the QR link (/start asistencia-…)  | marked present once                                        |
| /avisos                                  | announcements of new workshops on or off                   |

Reminders, offers and notices of changes come through the outbox (handlers/workshop_renderers.py).
"""

from __future__ import annotations

import logging
from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, FSInputFile, Message
from aiogram.utils.i18n import I18n

from bot.config import Settings
from bot.domain.clock import utcnow
from bot.domain.errors import ConsentRequired, DomainError, NotFound
from bot.domain.people import Person
from bot.domain.roles import Forbidden
from bot.domain.workshops import Refused
from bot.services import workshops as service
from bot.services.ports import UnitOfWork
from bot.services.roles import roles_of
from bot.workshop_files import ics_filename, workshop_ics
from handlers import views
from handlers import workshop_keyboards as keyboards
from handlers import workshop_views as texts
from handlers.callbacks import MenuCb
from handlers.onboarding import resume
from handlers.workshop_callbacks import MaterialCb, RegistrationCb, WorkshopCb

log = logging.getLogger(__name__)
router = Router(name="workshops")

CHECKIN_ARGS = r"^asistencia-([A-Za-z0-9_-]{8,40})$"


def explain(exc: DomainError) -> str:
    """A refusal of the services, in the person's words."""
    if isinstance(exc, Refused):
        return texts.refused(exc.reason, **exc.details)
    if isinstance(exc, Forbidden):
        return texts.not_yours()
    if isinstance(exc, ConsentRequired):
        return texts.profile_first()
    if isinstance(exc, NotFound):
        return texts.not_found()
    return views.stale_button()


# --------------------------------------------------------------------------- the list


async def show_list(bot: Bot, chat_id: int, uow: UnitOfWork, person: Person | None, locale: str) -> None:
    infos = await service.upcoming(uow, person)
    roles = await roles_of(uow, chat_id)
    managed = {info.workshop.id for info in infos if roles.can_manage(info.workshop.region_code)}
    await bot.send_message(
        chat_id, texts.workshop_list(infos, locale), reply_markup=keyboards.workshop_list(infos, managed)
    )


@router.message(Command("talleres"))
async def workshops_command(
    message: Message, uow: UnitOfWork, person: Person | None, i18n: I18n, bot: Bot
) -> None:
    await show_list(bot, message.chat.id, uow, person, i18n.current_locale)


@router.callback_query(MenuCb.filter(F.action == "workshops"))
@router.callback_query(WorkshopCb.filter(F.action == "list"))
async def workshops_button(
    query: CallbackQuery, uow: UnitOfWork, person: Person | None, i18n: I18n, bot: Bot
) -> None:
    await query.answer()
    await show_list(bot, query.from_user.id, uow, person, i18n.current_locale)


@router.callback_query(WorkshopCb.filter(F.action == "view"))
async def workshop_detail(
    query: CallbackQuery,
    callback_data: WorkshopCb,
    uow: UnitOfWork,
    person: Person | None,
    i18n: I18n,
    bot: Bot,
) -> None:
    try:
        info = await service.detail(uow, callback_data.id, person)
    except DomainError as exc:
        await query.answer(explain(exc), show_alert=True)
        return
    await query.answer()
    workshop = info.workshop
    roles = await roles_of(uow, query.from_user.id)
    if workshop.latitude is not None and workshop.longitude is not None:
        await bot.send_venue(
            query.from_user.id,
            latitude=workshop.latitude,
            longitude=workshop.longitude,
            title=workshop.venue_name,
            address=workshop.venue_address,
        )
    await bot.send_message(
        query.from_user.id,
        texts.detail(info, i18n.current_locale),
        reply_markup=keyboards.detail(info, roles.can_manage(workshop.region_code)),
    )


# --------------------------------------------------------------------------- registration


@router.callback_query(WorkshopCb.filter(F.action.in_({"join", "wait"})))
async def join(
    query: CallbackQuery,
    callback_data: WorkshopCb,
    uow: UnitOfWork,
    person: Person | None,
    settings: Settings,
    i18n: I18n,
    bot: Bot,
) -> None:
    try:
        outcome = await service.register(
            uow,
            query.from_user.id,
            callback_data.id,
            waitlist=callback_data.action == "wait",
            policy=settings.workshop_policy,
        )
    except Refused as exc:
        if exc.reason != "full":
            await query.answer(explain(exc), show_alert=True)
            return
        await query.answer()
        workshop = (await service.detail(uow, callback_data.id, person)).workshop
        await bot.send_message(
            query.from_user.id,
            texts.full(workshop, int(exc.details.get("waiting", 0))),
            reply_markup=keyboards.join_waitlist(workshop),
        )
        return
    except DomainError as exc:
        await query.answer(explain(exc), show_alert=True)
        return
    await query.answer()
    workshop, registration = outcome.workshop, outcome.registration
    if outcome.already:
        text = texts.already(workshop, registration, outcome.position, i18n.current_locale)
    elif outcome.position is not None:
        text = texts.waiting(workshop, outcome.position, settings.offer_hours)
    else:
        text = texts.registered(workshop, i18n.current_locale)
    await bot.send_message(
        query.from_user.id, text, reply_markup=keyboards.registration_actions(registration)
    )


async def show_mine(bot: Bot, chat_id: int, uow: UnitOfWork, person: Person | None, locale: str) -> None:
    if person is None or not person.profile_complete:
        await bot.send_message(chat_id, texts.profile_first())
        return
    items = await service.my_registrations(uow, chat_id)
    await bot.send_message(
        chat_id, texts.my_registrations(items, locale), reply_markup=keyboards.my_registrations(items)
    )


@router.message(Command("misinscripciones"))
async def mine_command(
    message: Message, uow: UnitOfWork, person: Person | None, i18n: I18n, bot: Bot
) -> None:
    await show_mine(bot, message.chat.id, uow, person, i18n.current_locale)


@router.callback_query(MenuCb.filter(F.action == "registrations"))
async def mine_button(
    query: CallbackQuery, uow: UnitOfWork, person: Person | None, i18n: I18n, bot: Bot
) -> None:
    await query.answer()
    await show_mine(bot, query.from_user.id, uow, person, i18n.current_locale)


@router.callback_query(RegistrationCb.filter(F.action == "cancel"))
async def cancel_registration(
    query: CallbackQuery, callback_data: RegistrationCb, uow: UnitOfWork, settings: Settings, bot: Bot
) -> None:
    try:
        workshop = await service.cancel(
            uow, query.from_user.id, callback_data.id, policy=settings.workshop_policy
        )
    except DomainError as exc:
        await query.answer(explain(exc), show_alert=True)
        return
    await query.answer()
    await _drop_buttons(query)
    await bot.send_message(query.from_user.id, texts.cancelled(workshop))


@router.callback_query(RegistrationCb.filter(F.action == "accept"))
async def accept_offer(
    query: CallbackQuery,
    callback_data: RegistrationCb,
    uow: UnitOfWork,
    settings: Settings,
    i18n: I18n,
    bot: Bot,
) -> None:
    try:
        outcome = await service.accept_offer(
            uow, query.from_user.id, callback_data.id, policy=settings.workshop_policy
        )
    except DomainError as exc:
        await query.answer(explain(exc), show_alert=True)
        return
    await query.answer()
    await _drop_buttons(query)
    await bot.send_message(
        query.from_user.id,
        texts.accepted(outcome.workshop, i18n.current_locale),
        reply_markup=keyboards.registration_actions(outcome.registration),
    )


@router.callback_query(RegistrationCb.filter(F.action == "release"))
async def release_offer(
    query: CallbackQuery, callback_data: RegistrationCb, uow: UnitOfWork, settings: Settings, bot: Bot
) -> None:
    try:
        workshop = await service.decline_offer(
            uow, query.from_user.id, callback_data.id, policy=settings.workshop_policy
        )
    except DomainError as exc:
        await query.answer(explain(exc), show_alert=True)
        return
    await query.answer()
    await _drop_buttons(query)
    await bot.send_message(query.from_user.id, texts.released(workshop))


async def _drop_buttons(query: CallbackQuery) -> None:
    """The buttons of a message acted on go away (a second tap would be stale anyway)."""
    try:
        if isinstance(query.message, Message) and query.message.reply_markup is not None:
            await query.message.edit_reply_markup(reply_markup=None)
    except Exception as exc:  # a message too old to edit: nothing to undo
        log.debug("could not remove buttons: %s", exc)


# --------------------------------------------------------------------------- calendar and materials


@router.callback_query(WorkshopCb.filter(F.action == "ics"))
async def calendar_file(
    query: CallbackQuery, callback_data: WorkshopCb, uow: UnitOfWork, person: Person | None, bot: Bot
) -> None:
    try:
        workshop = (await service.detail(uow, callback_data.id, person)).workshop
    except DomainError as exc:
        await query.answer(explain(exc), show_alert=True)
        return
    await query.answer()
    content = workshop_ics(workshop, texts.calendar_description(workshop), utcnow())
    await bot.send_document(
        query.from_user.id,
        BufferedInputFile(content, filename=ics_filename(workshop)),
        caption=texts.calendar_caption(workshop),
    )


@router.callback_query(WorkshopCb.filter(F.action == "materials"))
async def materials_list(
    query: CallbackQuery, callback_data: WorkshopCb, uow: UnitOfWork, person: Person | None, bot: Bot
) -> None:
    try:
        workshop = (await service.detail(uow, callback_data.id, person)).workshop
    except DomainError as exc:
        await query.answer(explain(exc), show_alert=True)
        return
    if not workshop.materials:
        await query.answer(texts.no_materials(), show_alert=True)
        return
    await query.answer()
    await bot.send_message(
        query.from_user.id, texts.materials(workshop), reply_markup=keyboards.materials(workshop)
    )


@router.callback_query(MaterialCb.filter())
async def material_file(query: CallbackQuery, callback_data: MaterialCb, uow: UnitOfWork, bot: Bot) -> None:
    try:
        material = await service.material(uow, callback_data.id, callback_data.n)
    except DomainError as exc:
        await query.answer(explain(exc), show_alert=True)
        return
    if material.path is None:
        await query.answer(views.stale_button(), show_alert=True)
        return
    await query.answer()
    if material.file_id:
        await bot.send_document(query.from_user.id, material.file_id, caption=escape(material.title))
        return
    sent = await bot.send_document(
        query.from_user.id, FSInputFile(material.path), caption=escape(material.title)
    )
    if sent.document is not None and material.id is not None:
        await service.remember_material_file(uow, material.id, sent.document.file_id)  # uploaded once


# --------------------------------------------------------------------------- announcements and check-in


@router.message(Command("avisos"))
async def announcements_command(message: Message, uow: UnitOfWork, person: Person | None) -> None:
    if person is None:
        await message.answer(texts.profile_first())
        return
    await message.answer(texts.announcements(await service.toggle_announcements(uow, message.from_user.id)))


@router.message(CommandStart(deep_link=True, magic=F.args.regexp(CHECKIN_ARGS)))
async def check_in(
    message: Message,
    command: CommandObject,
    uow: UnitOfWork,
    person: Person | None,
    state: FSMContext,
    settings: Settings,
) -> None:
    """The QR code of a workshop, scanned: "/start asistencia-CODE"."""
    code = (command.args or "").removeprefix("asistencia-")
    if (
        person is None
        or not person.profile_complete
        or person.consent_version < settings.privacy_notice_version
    ):
        # Nothing is lost silently: the person is told to scan again once the profile is done.
        await message.answer(texts.checkin_needs_profile())
        await resume(message, state, person, settings)
        return
    try:
        result = await service.check_in(uow, message.from_user.id, code, policy=settings.workshop_policy)
    except NotFound:
        await message.answer(texts.checkin_unknown())
        return
    except DomainError as exc:
        await message.answer(explain(exc))
        return
    await message.answer(texts.checked_in(result.workshop, result.outcome))
