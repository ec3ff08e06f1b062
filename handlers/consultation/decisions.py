"""Closing the loop and moderation in the chat (SGP administrators), and the outbox messages that tell
people.

| state   | the administrator does                               | the bot                                  |
|---------|------------------------------------------------------|------------------------------------------|
| (any)   | «Disposición» on a commitment, or /disposicion N     | checks the role; the three dispositions  |
|         | (proposal N)                                         | and how many people will be told         |
| choose  | Incorporado / Modificado / Desestimado               | asks the reason                          |
| reason  | types it (<= 1000 characters)                        | the summary: «Registrar y avisar»        |
| confirm | «Registrar y avisar»                                 | records it (audited); one outbox message |
|         |                                                      | per person who took part                 |

Moderation: «🛡️ Comentarios» on a commitment lists its comments (every version, newest first) with a
button to hide each one, or show it again; the author of a hidden comment is told only that.

The role is checked by the service at the start and again when recording: the buttons prove nothing.
"""

from __future__ import annotations

import contextlib
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n

from bot.delivery.render import Rendered, renderer
from bot.domain.commitments import REASON_MAX, AlreadyDecided, Disposition, check_text
from bot.domain.errors import DomainError, InvalidInput, NotFound
from bot.domain.roles import Forbidden
from bot.services import dispositions as service
from bot.services.ports import UnitOfWork
from bot.services.roles import roles_of
from handlers import views as common_views
from handlers.consultation import keyboards, views
from handlers.consultation.browse import show
from handlers.consultation.callbacks import CommitmentCb, DecisionCb, ModerationCb
from handlers.consultation.states import Deciding
from handlers.keyboards import InlineKeyboard

router = Router(name="decisions")

DRAFT = "decision"
_NOT_A_COMMAND = ~F.text.startswith("/")


def _refusal(exc: DomainError, locale: str) -> str:
    if isinstance(exc, Forbidden):
        return views.forbidden()
    if isinstance(exc, AlreadyDecided):
        return views.already_decided(exc.disposition, exc.decided_at, locale)
    return views.not_found()


def _pending(draft: dict[str, Any]) -> service.Pending:
    return service.Pending(draft["target"], draft["id"], draft["label"], draft["title"], draft["recipients"])


async def _begin(state: FSMContext, pending: service.Pending) -> dict[str, Any]:
    draft = {
        "target": pending.target,
        "id": pending.id,
        "label": pending.label,
        "title": pending.title,
        "recipients": pending.recipients,
    }
    await state.update_data({DRAFT: draft})
    await state.set_state(Deciding.choose)
    return draft


async def _forget(state: FSMContext) -> None:
    await state.set_state(None)
    await state.update_data({DRAFT: None})


@router.callback_query(CommitmentCb.filter(F.a == "decide"))
async def decide_commitment(
    query: CallbackQuery,
    callback_data: CommitmentCb,
    state: FSMContext,
    uow: UnitOfWork,
    i18n: I18n,
    bot: Bot,
) -> None:
    try:
        pending = await service.pending_decision(
            uow, query.from_user.id, service.Target.COMMITMENT, callback_data.id
        )
    except (Forbidden, AlreadyDecided, NotFound) as exc:
        await query.answer(_refusal(exc, i18n.current_locale), show_alert=True)
        return
    await query.answer()
    await _begin(state, pending)
    await bot.send_message(
        query.from_user.id, views.ask_disposition(pending), reply_markup=keyboards.dispositions()
    )


@router.message(Command("disposicion"))
async def decision_command(
    message: Message, command: CommandObject, state: FSMContext, uow: UnitOfWork, i18n: I18n
) -> None:
    argument = (command.args or "").strip().removeprefix("N°").strip()
    if not argument.isdigit():
        roles = await roles_of(uow, message.from_user.id)
        await message.answer(views.decision_usage() if roles.admin else views.forbidden())
        return
    try:
        pending = await service.pending_decision(
            uow, message.from_user.id, service.Target.PROPOSAL, int(argument)
        )
    except (Forbidden, AlreadyDecided, NotFound) as exc:
        await message.answer(_refusal(exc, i18n.current_locale))
        return
    await _begin(state, pending)
    await message.answer(views.ask_disposition(pending), reply_markup=keyboards.dispositions())


@router.callback_query(DecisionCb.filter())
async def decision_step(
    query: CallbackQuery, callback_data: DecisionCb, state: FSMContext, uow: UnitOfWork, i18n: I18n, bot: Bot
) -> None:
    current = await state.get_state()
    draft = dict((await state.get_data()).get(DRAFT) or {})
    step = callback_data.s
    if not draft or current is None or not current.startswith("Deciding:"):
        await query.answer(common_views.stale_button(), show_alert=True)
        return
    if step == "cancel":
        await query.answer()
        await _forget(state)
        await _drop_buttons(query)
        await bot.send_message(query.from_user.id, views.disposition_cancelled())
        return
    if step == "choose" and current == Deciding.choose.state and callback_data.x in set(Disposition):
        await query.answer()
        draft["disposition"] = callback_data.x
        await state.update_data({DRAFT: draft})
        await state.set_state(Deciding.reason)
        if isinstance(query.message, Message):
            with contextlib.suppress(TelegramBadRequest):
                await query.message.edit_text(
                    views.answered(query.message.html_text, views.disposition_label(callback_data.x))
                )
        await bot.send_message(query.from_user.id, views.ask_reason(callback_data.x, REASON_MAX))
        return
    if step == "confirm" and current == Deciding.confirm.state:
        try:
            if draft["target"] == service.Target.COMMITMENT:
                result = await service.decide_commitment(
                    uow, query.from_user.id, draft["id"], draft["disposition"], draft["reason"]
                )
            else:
                result = await service.decide_proposal(
                    uow, query.from_user.id, draft["id"], draft["disposition"], draft["reason"]
                )
        except (Forbidden, AlreadyDecided, NotFound) as exc:
            await _forget(state)
            await query.answer(_refusal(exc, i18n.current_locale), show_alert=True)
            return
        await query.answer()
        await _forget(state)
        await _drop_buttons(query)
        await bot.send_message(query.from_user.id, views.disposition_recorded(result.notified))
        return
    await query.answer(common_views.stale_button(), show_alert=True)


async def _drop_buttons(query: CallbackQuery) -> None:
    if isinstance(query.message, Message):
        with contextlib.suppress(TelegramBadRequest):
            await query.message.edit_reply_markup(reply_markup=None)


@router.message(Deciding.reason, F.text, _NOT_A_COMMAND)
async def reason_given(message: Message, state: FSMContext) -> None:
    draft = dict((await state.get_data()).get(DRAFT) or {})
    try:
        reason = check_text("reason", message.text, REASON_MAX) or ""
    except InvalidInput as exc:
        await message.answer(common_views.invalid(exc.reason, exc.limit))
        return
    draft["reason"] = reason
    await state.update_data({DRAFT: draft})
    await state.set_state(Deciding.confirm)
    await message.answer(
        views.confirm_disposition(_pending(draft), draft["disposition"], reason),
        reply_markup=keyboards.confirm_disposition(),
    )


@router.message(Deciding.reason, _NOT_A_COMMAND)
async def reason_expected(message: Message) -> None:
    await message.answer(common_views.text_expected())


@router.message(Deciding.choose, _NOT_A_COMMAND)
@router.message(Deciding.confirm, _NOT_A_COMMAND)
async def decision_buttons_expected(message: Message) -> None:
    await message.answer(common_views.use_buttons())


# -- moderation ---------------------------------------------------------------------------------
async def _show_comments(
    query: CallbackQuery, uow: UnitOfWork, i18n: I18n, commitment_id: int, page: int, new: bool
) -> bool:
    try:
        found = await service.comments_to_moderate(uow, query.from_user.id, commitment_id, page)
    except (Forbidden, NotFound) as exc:
        await query.answer(_refusal(exc, i18n.current_locale), show_alert=True)
        return False
    await show(query, views.comments(found, i18n.current_locale), keyboards.comments(found), new)
    return True


@router.callback_query(CommitmentCb.filter(F.a == "comments"))
async def comments_pressed(
    query: CallbackQuery, callback_data: CommitmentCb, uow: UnitOfWork, i18n: I18n
) -> None:
    if await _show_comments(query, uow, i18n, callback_data.id, callback_data.p, callback_data.n):
        await query.answer()


@router.callback_query(ModerationCb.filter())
async def moderation_pressed(
    query: CallbackQuery, callback_data: ModerationCb, uow: UnitOfWork, i18n: I18n
) -> None:
    try:
        await service.hide_feedback(uow, query.from_user.id, callback_data.id, callback_data.h)
    except (Forbidden, NotFound) as exc:
        await query.answer(_refusal(exc, i18n.current_locale), show_alert=True)
        return
    await query.answer(views.moderated(callback_data.h))
    await _show_comments(query, uow, i18n, callback_data.c, callback_data.p, new=False)


# -- the outbox messages -----------------------------------------------------------------------
def _open_commitment(payload: dict[str, Any]) -> InlineKeyboardMarkup | None:
    if payload.get("target") != service.Target.COMMITMENT or not payload.get("id"):
        return None
    builder = InlineKeyboard()
    builder.button(text=views.open_commitment_label(), callback_data=CommitmentCb(a="show", id=payload["id"]))
    return builder.as_markup()


@renderer(service.KIND_DISPOSITION)
async def render_disposition(payload: dict[str, Any], _item: Any) -> Rendered:
    return Rendered(text=views.disposition_notice(payload), reply_markup=_open_commitment(payload))


@renderer(service.KIND_HIDDEN)
async def render_hidden(payload: dict[str, Any], _item: Any) -> Rendered:
    return Rendered(text=views.hidden_notice(payload))
