"""Structured feedback on a commitment, as one table:

| state      | the person does                         | the bot                                        |
|------------|-----------------------------------------|------------------------------------------------|
| (any)      | «Opinar» on a commitment                | checks the consultation window; 1/7 support    |
| support    | De acuerdo / con cambios / En desacuerdo | 2/7 Específico (a line explaining it)          |
| especifico | Cumple / En parte / No cumple / No sé   | 3/7 Medible                                    |
| medible    | idem                                    | 4/7 Realizable                                 |
| realizable | idem                                    | 5/7 Realista                                   |
| realista   | idem                                    | 6/7 Con plazos establecidos                    |
| plazos     | idem                                    | 7/7 the comment                                |
| comment    | types it (<= 2000), or «Sin comentario» | the summary; longer: refused, answers kept     |
| summary    | «✏️ X» for one answer                   | asks that one again, then the summary again    |
| summary    | «Confirmar»                             | saves (an edit replaces it, history kept)      |
| (any)      | «Editar mi opinión»                     | the summary with the saved answers             |

The answers live in the conversation data (key "opinion", with the commitment and version they are
about) and the state in the database, so a restart of the bot in the middle goes on at the same step,
and /cancelar loses nothing: «Opinar» on the same commitment goes on where it was. Outside the
consultation window, on a withdrawn commitment, or from a button of an older version, the bot says
why and saves nothing.
"""

from __future__ import annotations

import contextlib
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n

from bot.config import Settings
from bot.domain.commitments import (
    SMART,
    Answers,
    CommitmentCard,
    CommitmentWithdrawn,
    ConsultationClosed,
    ConsultationNotOpen,
    Criterion,
    Rating,
    Support,
    VersionChanged,
    validate_comment,
)
from bot.domain.errors import ConsentRequired, DomainError, InvalidInput, NotFound
from bot.domain.people import Person
from bot.services import commitments as service
from bot.services.ports import UnitOfWork
from handlers import views as common_views
from handlers.consultation import keyboards, views
from handlers.consultation.callbacks import CommitmentCb, FeedbackCb
from handlers.consultation.states import CRITERION_STATES, Opinion
from handlers.onboarding import resume

router = Router(name="feedback")

DRAFT = "opinion"
_CHANGEABLE = {"support": ("support",), "comment": ("comment", "comment_done")} | {
    c.value: (c.value,) for c in SMART
}
_NOT_A_COMMAND = ~F.text.startswith("/")


async def _draft(state: FSMContext) -> dict[str, Any]:
    return dict((await state.get_data()).get(DRAFT) or {})


async def _forget(state: FSMContext) -> None:
    if (await state.get_state() or "").startswith("Opinion:"):
        await state.set_state(None)
    await state.update_data({DRAFT: None})


def next_step(draft: dict[str, Any]) -> State:
    """The first question without an answer; the summary once every answer is there."""
    if not draft.get("support"):
        return Opinion.support
    for criterion in SMART:
        if not draft.get(criterion.value):
            return CRITERION_STATES[criterion]
    if not draft.get("comment_done"):
        return Opinion.comment
    return Opinion.summary


def question(step: State, draft: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    version = draft["version_id"]
    if step == Opinion.support:
        return views.ask_support(draft["code"]), keyboards.support(version)
    for criterion, criterion_state in CRITERION_STATES.items():
        if step == criterion_state:
            return views.ask_criterion(criterion), keyboards.rating(criterion, version)
    if step == Opinion.comment:
        return views.ask_comment(), keyboards.comment(version)
    answers = Answers.from_plain(draft)
    return views.summary(draft["code"], draft["title"], answers), keyboards.summary(version)


async def ask(bot: Bot, chat_id: int, state: FSMContext, draft: dict[str, Any]) -> None:
    """Store the draft and the step, then ask the step's question (a crash in between loses nothing)."""
    step = next_step(draft)
    await state.update_data({DRAFT: draft})
    await state.set_state(step)
    text, markup = question(step, draft)
    await bot.send_message(chat_id, text, reply_markup=markup)


def refusal(exc: DomainError, locale: str) -> str:
    if isinstance(exc, ConsultationClosed):
        return views.closed(exc.closes_at, locale)
    if isinstance(exc, ConsultationNotOpen):
        return views.not_open_yet(exc.opens_at, locale)
    if isinstance(exc, CommitmentWithdrawn):
        return views.withdrawn()
    if isinstance(exc, VersionChanged):
        return views.version_changed()
    if isinstance(exc, ConsentRequired):
        return views.profile_needed()
    return views.not_found()


REFUSALS = (ConsultationClosed, ConsultationNotOpen, CommitmentWithdrawn, VersionChanged, NotFound)


def _base(card: CommitmentCard) -> dict[str, Any]:
    return {
        "commitment_id": card.id,
        "version_id": card.version.id,
        "code": card.commitment.code,
        "title": card.version.text.title,
    }


@router.callback_query(CommitmentCb.filter(F.a.in_({"opine", "edit"})))
async def opine(
    query: CallbackQuery,
    callback_data: CommitmentCb,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person | None,
    settings: Settings,
    i18n: I18n,
    bot: Bot,
) -> None:
    if person is None or not person.profile_complete:
        await query.answer(views.profile_needed(), show_alert=True)
        if isinstance(query.message, Message):
            await resume(query.message, state, person, settings)
        return
    try:
        card, existing = await service.begin_feedback(
            uow, query.from_user.id, callback_data.id, callback_data.v
        )
    except REFUSALS as exc:
        await query.answer(refusal(exc, i18n.current_locale), show_alert=True)
        return
    await query.answer()
    draft = await _draft(state)
    if (
        existing is not None
    ):  # an edit (or an old «Opinar» after opining): the saved answers, then the summary
        draft = _base(card) | existing.answers.to_plain() | {"comment_done": True}
    elif draft.get("version_id") != card.version.id:
        draft = _base(card)
    # else: an unfinished opinion on this very version goes on where it was
    await ask(bot, query.from_user.id, state, draft)


async def _mark_answered(query: CallbackQuery, label: str) -> None:
    """The question answered shows the answer and loses its buttons."""
    if isinstance(query.message, Message):
        with contextlib.suppress(TelegramBadRequest):
            await query.message.edit_text(views.answered(query.message.html_text, label))


@router.callback_query(FeedbackCb.filter())
async def step_answered(
    query: CallbackQuery,
    callback_data: FeedbackCb,
    state: FSMContext,
    uow: UnitOfWork,
    i18n: I18n,
    bot: Bot,
) -> None:
    draft = await _draft(state)
    current = await state.get_state()
    step, value = callback_data.s, callback_data.x
    if not draft or draft.get("version_id") != callback_data.v:
        await query.answer(common_views.stale_button(), show_alert=True)
        return
    try:
        await service.check_open(uow, draft["commitment_id"], draft["version_id"])
    except REFUSALS as exc:
        await _forget(state)
        await query.answer(refusal(exc, i18n.current_locale), show_alert=True)
        return

    label: str | None = None
    if step == "support" and current == Opinion.support.state and value in set(Support):
        draft["support"], label = value, views.support_label(value)
    elif (
        step in set(Criterion) and current == CRITERION_STATES[Criterion(step)].state and value in set(Rating)
    ):
        draft[step], label = value, views.rating_label(value)
    elif step == "nocomment" and current == Opinion.comment.state:
        draft["comment"], draft["comment_done"] = None, True
        label = views.no_comment_label()
    elif step == "change" and current == Opinion.summary.state and value in _CHANGEABLE:
        for key in _CHANGEABLE[value]:
            draft.pop(key, None)
    elif step == "confirm" and current == Opinion.summary.state:
        await confirm(query, draft, state, uow, i18n, bot)
        return
    else:
        await query.answer(common_views.stale_button(), show_alert=True)
        return
    await query.answer()
    if label is not None:
        await _mark_answered(query, label)
    elif isinstance(query.message, Message):
        with contextlib.suppress(TelegramBadRequest):
            await query.message.edit_reply_markup(reply_markup=None)
    await ask(bot, query.from_user.id, state, draft)


async def confirm(
    query: CallbackQuery, draft: dict[str, Any], state: FSMContext, uow: UnitOfWork, i18n: I18n, bot: Bot
) -> None:
    try:
        answers = Answers.from_plain(draft)
        saved = await service.save_feedback(
            uow, query.from_user.id, draft["commitment_id"], draft["version_id"], answers
        )
    except (*REFUSALS, ConsentRequired) as exc:
        await _forget(state)
        await query.answer(refusal(exc, i18n.current_locale), show_alert=True)
        return
    except InvalidInput:  # an answer missing: ask it
        await query.answer()
        await ask(bot, query.from_user.id, state, draft)
        return
    await query.answer()
    await _forget(state)
    if isinstance(query.message, Message):
        with contextlib.suppress(TelegramBadRequest):
            await query.message.edit_reply_markup(reply_markup=None)
    await bot.send_message(
        query.from_user.id,
        views.saved(draft["code"], saved.created, saved.card.consultation.closes_at, i18n.current_locale),
        reply_markup=keyboards.after_saving(saved.card.id),
    )


@router.message(Opinion.comment, F.text, _NOT_A_COMMAND)
async def comment_typed(message: Message, state: FSMContext, uow: UnitOfWork, i18n: I18n, bot: Bot) -> None:
    draft = await _draft(state)
    if not draft:
        await state.set_state(None)
        await message.answer(common_views.stale_button())
        return
    try:
        comment = validate_comment(message.text)
    except InvalidInput:
        await message.answer(
            views.comment_too_long(len(message.text.strip())),
            reply_markup=keyboards.comment(draft["version_id"]),
        )
        return
    try:
        await service.check_open(uow, draft["commitment_id"], draft["version_id"])
    except REFUSALS as exc:
        await _forget(state)
        await message.answer(refusal(exc, i18n.current_locale))
        return
    draft["comment"], draft["comment_done"] = comment, True
    await ask(bot, message.chat.id, state, draft)


@router.message(Opinion.comment, _NOT_A_COMMAND)
async def comment_expected(message: Message) -> None:
    await message.answer(common_views.text_expected())


@router.message(Opinion.support, _NOT_A_COMMAND)
@router.message(Opinion.especifico, _NOT_A_COMMAND)
@router.message(Opinion.medible, _NOT_A_COMMAND)
@router.message(Opinion.realizable, _NOT_A_COMMAND)
@router.message(Opinion.realista, _NOT_A_COMMAND)
@router.message(Opinion.plazos, _NOT_A_COMMAND)
@router.message(Opinion.summary, _NOT_A_COMMAND)
async def buttons_expected(message: Message, state: FSMContext, bot: Bot) -> None:
    """Text where a button was expected: say so and ask the pending question again."""
    draft = await _draft(state)
    await message.answer(common_views.use_buttons())
    if draft.get("version_id"):
        await ask(bot, message.chat.id, state, draft)
    else:
        await state.set_state(None)
