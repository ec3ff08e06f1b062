"""/difundir: an organiser's broadcast, as one table:

| state   | the organiser does                   | the bot                                       |
|---------|--------------------------------------|-----------------------------------------------|
| (none)  | /difundir                            | audience kinds (their regions only)           |
| kind    | taps a kind                          | the workshops / regions / themes to choose    |
| target  | taps one                             | how many it reaches; asks for the message     |
| message | text, a photo or a document          | a preview and the count: Enviar/Cambiar/Cancelar |
| confirm | Enviar                               | one progress message, edited, with Detener    |

Permissions are checked by bot.services.broadcasts at every step, whatever the buttons say.
"""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n, ngettext
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.delivery.render import Rendered, renderer, translating
from bot.domain.broadcasts import Audience, AudienceKind, Broadcast, BroadcastStatus, Progress, validate_text
from bot.domain.errors import DomainError, InvalidInput, NotFound
from bot.domain.roles import Forbidden
from bot.services import broadcasts as service
from bot.services.onboarding import get_person
from bot.services.ports import UnitOfWork
from bot.services.roles import roles_of
from handlers import views
from handlers.callbacks import BroadcastCb, BroadcastKindCb, BroadcastTargetCb
from handlers.keyboards import InlineKeyboard
from handlers.labels import theme_label
from storage.outbox import OutboxStore
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)
router = Router(name="broadcasts")


class Broadcasting(StatesGroup):
    kind = State()
    target = State()
    message = State()
    confirm = State()


DRAFT = "broadcast"


def _kind_label(kind: AudienceKind) -> str:
    return {
        AudienceKind.WORKSHOP_CONFIRMED: _("Inscritos confirmados de un taller"),
        AudienceKind.WORKSHOP_WAITING: _("Lista de espera de un taller"),
        AudienceKind.WORKSHOP_PRESENT: _("Asistentes de un taller"),
        AudienceKind.REGION: _("Todas las personas de una región"),
        AudienceKind.THEME: _("Quienes siguen un eje temático"),
    }[kind]


def _refusal(error: DomainError) -> str:
    if isinstance(error, Forbidden):
        return _("Esta acción es solo para quienes organizan talleres en esa región.")
    if isinstance(error, NotFound):
        return _("Eso ya no existe. Empieza de nuevo con /difundir.")
    if isinstance(error, InvalidInput) and error.reason == "too_long":
        return _("El mensaje es demasiado largo: el máximo es {limit} caracteres. Envíalo más corto.").format(
            limit=error.limit
        )
    if isinstance(error, InvalidInput) and error.reason == "empty":
        return _("Envía un texto, una foto o un documento.")
    return _("No se pudo hacer. Empieza de nuevo con /difundir.")


@router.message(Command("difundir"))
async def difundir(message: Message, state: FSMContext, uow: UnitOfWork) -> None:
    roles = await roles_of(uow, message.from_user.id)
    if not roles.is_organiser:
        await message.answer(
            _("/difundir es para quienes organizan talleres. Si organizas uno, pide acceso a la SGP.")
        )
        return
    await state.set_state(Broadcasting.kind)
    await state.update_data({DRAFT: {}})
    builder = InlineKeyboard()
    for kind in AudienceKind:
        builder.button(text=_kind_label(kind), callback_data=BroadcastKindCb(kind=kind.value))
    await message.answer(
        _("<b>📣 Difundir un mensaje</b>\n¿A quiénes quieres escribir?"),
        reply_markup=builder.adjust(1).as_markup(),
    )


@router.callback_query(Broadcasting.kind, BroadcastKindCb.filter())
async def kind_chosen(
    query: CallbackQuery, callback_data: BroadcastKindCb, state: FSMContext, uow: UnitOfWork
) -> None:
    try:
        kind = AudienceKind(callback_data.kind)
        options = await service.audience_options(uow, await roles_of(uow, query.from_user.id), kind)
    except (ValueError, DomainError) as error:
        await query.answer(
            _refusal(error) if isinstance(error, DomainError) else views.stale_button(), show_alert=True
        )
        return
    await query.answer()
    if not options:
        await query.message.answer(_("No hay talleres próximos en tus regiones."))
        return
    await state.set_state(Broadcasting.target)
    await state.update_data({DRAFT: {"kind": kind.value}})
    builder = InlineKeyboard()
    for target, label in options:
        text = theme_label(target) if kind is AudienceKind.THEME else label
        builder.button(text=text[:60], callback_data=BroadcastTargetCb(target=target))
    await query.message.edit_text(
        _kind_label(kind), reply_markup=builder.adjust(1 if kind.is_workshop else 2).as_markup()
    )


@router.callback_query(Broadcasting.target, BroadcastTargetCb.filter())
async def target_chosen(
    query: CallbackQuery, callback_data: BroadcastTargetCb, state: FSMContext, uow: UnitOfWork
) -> None:
    draft = (await state.get_data()).get(DRAFT) or {}
    try:
        audience = Audience(AudienceKind(draft.get("kind")), callback_data.target)
        count = await service.count_recipients(uow, await roles_of(uow, query.from_user.id), audience)
    except (ValueError, DomainError) as error:
        await query.answer(
            _refusal(error) if isinstance(error, DomainError) else views.stale_button(), show_alert=True
        )
        return
    await query.answer()
    await state.set_state(Broadcasting.message)
    await state.update_data({DRAFT: {**draft, "target": audience.target, "count": count}})
    await query.message.edit_reply_markup(reply_markup=None)
    await query.message.answer(
        ngettext(
            "Llegará a {count} persona. Escribe el mensaje; puedes adjuntar una foto o un documento.",
            "Llegará a {count} personas. Escribe el mensaje; puedes adjuntar una foto o un documento.",
            count,
        ).format(count=count)
    )


@router.message(Broadcasting.message, F.text | F.photo | F.document)
async def message_given(message: Message, state: FSMContext) -> None:
    photo = message.photo[-1].file_id if message.photo else None
    document = message.document.file_id if message.document else None
    text = message.html_text if (message.text or message.caption) else ""
    try:
        text = validate_text(text, has_media=bool(photo or document))
    except InvalidInput as error:
        await message.answer(_refusal(error))
        return
    draft = (await state.get_data()).get(DRAFT) or {}
    draft = {**draft, "text": text, "photo": photo, "document": document}
    await state.set_state(Broadcasting.confirm)
    await state.update_data({DRAFT: draft})
    await _send(message.bot, message.chat.id, Rendered(text=text, photo=photo, document=document))
    builder = InlineKeyboard()
    builder.button(text=_("📣 Enviar"), callback_data=BroadcastCb(action="send", id=0))
    builder.button(text=_("✏️ Cambiar el mensaje"), callback_data=BroadcastCb(action="edit", id=0))
    builder.button(text=_("Cancelar"), callback_data=BroadcastCb(action="cancel", id=0))
    await message.answer(
        ngettext(
            "☝️ Así lo verán. Se enviará a {count} persona. ¿Lo envío?",
            "☝️ Así lo verán. Se enviará a {count} personas. ¿Lo envío?",
            draft.get("count", 0),
        ).format(count=draft.get("count", 0)),
        reply_markup=builder.adjust(1).as_markup(),
    )


@router.message(Broadcasting.message)
async def message_expected(message: Message) -> None:
    await message.answer(_("Envía un texto, una foto o un documento."))


@router.callback_query(Broadcasting.confirm, BroadcastCb.filter(F.action.in_({"send", "edit", "cancel"})))
async def confirm(
    query: CallbackQuery, callback_data: BroadcastCb, state: FSMContext, uow: UnitOfWork, i18n: I18n
) -> None:
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
    if callback_data.action == "cancel":
        await state.clear()
        await query.message.answer(_("Listo, no se envió nada."))
        return
    if callback_data.action == "edit":
        await state.set_state(Broadcasting.message)
        await query.message.answer(_("Escribe el nuevo mensaje."))
        return
    draft = (await state.get_data()).get(DRAFT) or {}
    try:
        audience = Audience(AudienceKind(draft.get("kind")), str(draft.get("target")))
        broadcast = await service.start_broadcast(
            uow, await roles_of(uow, query.from_user.id), audience, draft.get("text"), draft.get("photo"),
            draft.get("document"),
        )  # fmt: skip
    except (ValueError, DomainError) as error:
        await query.message.answer(
            _refusal(error) if isinstance(error, DomainError) else views.stale_button()
        )
        return
    await state.clear()
    progress = Progress(total=broadcast.total, sent=0, failed=0, skipped=0, pending=broadcast.total)
    shown = await query.message.answer(
        progress_text(progress, 25.0), reply_markup=stop_keyboard(broadcast.id)
    )
    await service.set_progress_message(uow, broadcast.id, shown.chat.id, shown.message_id)


@router.callback_query(BroadcastCb.filter(F.action == "stop"))
async def stop(query: CallbackQuery, callback_data: BroadcastCb, uow: UnitOfWork) -> None:
    try:
        stopped = await service.stop_broadcast(uow, await roles_of(uow, query.from_user.id), callback_data.id)
    except DomainError as error:
        await query.answer(_refusal(error), show_alert=True)
        return
    stopped_text = ngettext(
        "Detenido: {count} mensaje no se enviará.", "Detenido: {count} mensajes no se enviarán.", stopped
    )
    await query.answer(stopped_text.format(count=stopped), show_alert=True)


def stop_keyboard(broadcast_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(text=_("⏹ Detener"), callback_data=BroadcastCb(action="stop", id=broadcast_id))
    return builder.as_markup()


def progress_text(progress: Progress, rate: float) -> str:
    seconds = int(progress.pending / rate) + 1
    return _(
        "<b>📣 Enviando</b>\nEnviados: {sent} · Fallidos: {failed} · Pendientes: {pending}\n"
        "Tiempo restante: unos {seconds} s"
    ).format(
        sent=progress.sent,
        failed=progress.failed + progress.skipped,
        pending=progress.pending,
        seconds=seconds,
    )


def final_text(broadcast: Broadcast, progress: Progress, failures: dict[str, int]) -> str:
    lines = [
        _("<b>⏹ Difusión detenida</b>")
        if broadcast.status is BroadcastStatus.DETENIDO
        else _("<b>📣 Difusión terminada</b>"),
        _("Enviados: {sent} de {total}").format(sent=progress.sent, total=progress.total),
    ]
    if failures:
        lines.append(_("No llegaron:"))
        lines += [f"• {failure_reason(reason)}: {count}" for reason, count in sorted(failures.items())]
    return "\n".join(lines)


def failure_reason(reason: str) -> str:
    if reason == "unreachable" or "blocked" in reason:
        return _("bloquearon el bot o ya no tienen cuenta")
    if reason == "stopped":
        return _("detenidos antes de enviarse")
    if "chat not found" in reason:
        return _("chat no encontrado")
    return _("error de envío ({reason})").format(reason=reason[:60])


@renderer(service.KIND)
async def render_broadcast(payload: dict, _item: object) -> Rendered:
    return Rendered(
        text=payload.get("text") or "", photo=payload.get("photo"), document=payload.get("document")
    )


async def _send(bot: Bot, chat_id: int, rendered: Rendered) -> None:
    if rendered.photo:
        await bot.send_photo(chat_id, rendered.photo, caption=rendered.text or None)
    elif rendered.document:
        await bot.send_document(chat_id, rendered.document, caption=rendered.text or None)
    else:
        await bot.send_message(chat_id, rendered.text)


async def refresh_progress(
    bot: Bot, sessions: async_sessionmaker[AsyncSession], store: OutboxStore, i18n: I18n, settings: Settings
) -> None:
    """Scheduler job: edit each running broadcast's progress message; the final report when done."""
    async with SqlUnitOfWork(sessions) as uow:
        running = await uow.broadcasts.active()
    for running_broadcast in running:
        async with SqlUnitOfWork(sessions) as uow:
            done = await service.finish_if_done(uow, running_broadcast.id)
            broadcast = await uow.broadcasts.get(running_broadcast.id)
            progress = await uow.broadcasts.progress(running_broadcast.id)
            author = await get_person(uow, running_broadcast.author_telegram_id)
        with translating(i18n, author.locale if author else settings.default_locale):
            if done:
                text, markup = final_text(broadcast, progress, await store.failures(broadcast.id)), None
            else:
                text, markup = progress_text(progress, settings.send_rate), stop_keyboard(broadcast.id)
        await _edit(bot, broadcast, text, markup)


async def _edit(bot: Bot, broadcast: Broadcast, text: str, markup: InlineKeyboardMarkup | None) -> None:
    if broadcast.progress_chat_id is None or broadcast.progress_message_id is None:
        return
    try:
        await bot.edit_message_text(
            text,
            chat_id=broadcast.progress_chat_id,
            message_id=broadcast.progress_message_id,
            reply_markup=markup,
        )
    except TelegramBadRequest as error:
        if "not modified" not in error.message:
            log.warning("progress of broadcast %s: %s", broadcast.id, error.message)
    except TelegramAPIError as error:
        log.warning("progress of broadcast %s: %s", broadcast.id, error)
