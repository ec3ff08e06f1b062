"""/proponer: a new commitment proposal, as one table:

| state       | the person does                           | the bot                                      |
|-------------|-------------------------------------------|----------------------------------------------|
| (any)       | /proponer or «💡 Proponer un compromiso»   | 1/5 the theme (buttons)                      |
| theme       | taps a theme                              | 2/5 the region (their own first)             |
| region      | taps a region                             | 3/5 the problem                              |
| problem     | types it (<= 1000 characters)             | 4/5 the proposal                             |
| proposal    | types it (<= 1500 characters)             | 5/5 the responsible entity («No sé» button)  |
| responsible | types it (<= 200) or «No sé»              | the summary                                  |
| summary     | ✏️ one part / ✅ Enviar / 🗑️ Descartar      | asks it again / saves, gives its number / -  |

The answers live in the conversation data (key "proposal"): /cancelar, /idioma or a restart lose
nothing, and /proponer goes on where it was.
"""

from __future__ import annotations

import contextlib
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.config import Settings
from bot.domain.commitments import PROBLEM_MAX, PROPOSAL_MAX, ProposalInput
from bot.domain.errors import ConsentRequired, InvalidInput
from bot.domain.people import Person, validate_region
from bot.services import proposals as service
from bot.services.ports import UnitOfWork
from handlers import views as common_views
from handlers.callbacks import MenuCb
from handlers.consultation import keyboards, views
from handlers.consultation.callbacks import ProposalCb
from handlers.consultation.states import Proposing
from handlers.labels import region_label, theme_label
from handlers.onboarding import resume

router = Router(name="proposals")

DRAFT = "proposal"
_CHANGEABLE = {
    "theme": ("theme",),
    "region": ("region",),
    "problem": ("problem",),
    "proposal": ("proposal",),
    "responsible": ("responsible", "responsible_done"),
}
_NOT_A_COMMAND = ~F.text.startswith("/")


async def _draft(state: FSMContext) -> dict[str, Any]:
    return dict((await state.get_data()).get(DRAFT) or {})


async def _forget(state: FSMContext) -> None:
    await state.set_state(None)
    await state.update_data({DRAFT: None})


def next_step(draft: dict[str, Any]) -> State:
    for key, step in (
        ("theme", Proposing.theme),
        ("region", Proposing.region),
        ("problem", Proposing.problem),
        ("proposal", Proposing.proposal),
        ("responsible_done", Proposing.responsible),
    ):
        if not draft.get(key):
            return step
    return Proposing.summary


def question(step: State, draft: dict[str, Any], person: Person) -> tuple[str, InlineKeyboardMarkup | None]:
    if step == Proposing.theme:
        return views.ask_proposal_theme(), keyboards.proposal_themes()
    if step == Proposing.region:
        return views.ask_proposal_region(), keyboards.proposal_regions(person.region_code)
    if step == Proposing.problem:
        return views.ask_problem(PROBLEM_MAX), None
    if step == Proposing.proposal:
        return views.ask_proposal_text(PROPOSAL_MAX), None
    if step == Proposing.responsible:
        return views.ask_responsible(), keyboards.responsible_unknown()
    return views.proposal_summary(draft), keyboards.proposal_summary()


async def ask(bot: Bot, chat_id: int, state: FSMContext, draft: dict[str, Any], person: Person) -> None:
    """Store the draft and the step, then ask its question."""
    step = next_step(draft)
    await state.update_data({DRAFT: draft})
    await state.set_state(step)
    text, markup = question(step, draft, person)
    await bot.send_message(chat_id, text, reply_markup=markup)


async def start(
    message: Message, state: FSMContext, person: Person | None, settings: Settings, bot: Bot
) -> None:
    if person is None or not person.profile_complete:
        await message.answer(views.profile_needed())
        await resume(message, state, person, settings)
        return
    await ask(bot, message.chat.id, state, await _draft(state), person)


@router.message(Command("proponer"))
async def propose_command(
    message: Message, state: FSMContext, person: Person | None, settings: Settings, bot: Bot
) -> None:
    await start(message, state, person, settings, bot)


@router.callback_query(MenuCb.filter(F.action == "propose"))
async def propose_menu(
    query: CallbackQuery, state: FSMContext, person: Person | None, settings: Settings, bot: Bot
) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await start(query.message, state, person, settings, bot)


async def _mark_answered(query: CallbackQuery, label: str) -> None:
    if isinstance(query.message, Message):
        with contextlib.suppress(TelegramBadRequest):
            await query.message.edit_text(views.answered(query.message.html_text, label))


@router.callback_query(ProposalCb.filter())
async def step_answered(
    query: CallbackQuery,
    callback_data: ProposalCb,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person | None,
    bot: Bot,
) -> None:
    current = await state.get_state()
    draft = await _draft(state)
    step, value = callback_data.s, callback_data.x
    if person is None or not person.profile_complete:
        await query.answer(common_views.stale_button(), show_alert=True)
        return
    label: str | None = None
    try:
        if step == "theme" and current == Proposing.theme.state:
            draft["theme"] = service.validate_theme(value)
            label = theme_label(draft["theme"])
        elif step == "region" and current == Proposing.region.state:
            draft["region"] = validate_region(value)
            label = region_label(draft["region"])
        elif step == "unknown" and current == Proposing.responsible.state:
            draft["responsible"], draft["responsible_done"] = None, True
            label = views.unknown_label()
        elif step == "change" and current == Proposing.summary.state and value in _CHANGEABLE:
            for key in _CHANGEABLE[value]:
                draft.pop(key, None)
        elif step == "send" and current == Proposing.summary.state:
            await send(query, draft, state, uow, person, bot)
            return
        elif step == "drop" and current is not None and current.startswith("Proposing:"):
            await query.answer()
            await _forget(state)
            await _drop_buttons(query)
            await bot.send_message(query.from_user.id, views.proposal_dropped())
            return
        else:
            raise InvalidInput("button", "stale")
    except InvalidInput:
        await query.answer(common_views.stale_button(), show_alert=True)
        return
    await query.answer()
    if label is not None:
        await _mark_answered(query, label)
    else:
        await _drop_buttons(query)
    await ask(bot, query.from_user.id, state, draft, person)


async def _drop_buttons(query: CallbackQuery) -> None:
    if isinstance(query.message, Message):
        with contextlib.suppress(TelegramBadRequest):
            await query.message.edit_reply_markup(reply_markup=None)


async def send(
    query: CallbackQuery, draft: dict[str, Any], state: FSMContext, uow: UnitOfWork, person: Person, bot: Bot
) -> None:
    data = ProposalInput(
        theme=draft.get("theme", ""),
        region_code=draft.get("region"),
        problem=draft.get("problem"),
        proposal=draft.get("proposal", ""),
        responsible=draft.get("responsible"),
    )
    try:
        proposal = await service.submit_proposal(uow, query.from_user.id, data)
    except ConsentRequired:
        await query.answer(views.profile_needed(), show_alert=True)
        return
    except InvalidInput:  # a part went missing or wrong: ask it again
        await query.answer()
        await ask(bot, query.from_user.id, state, draft, person)
        return
    await query.answer()
    await _forget(state)
    await _drop_buttons(query)
    await bot.send_message(query.from_user.id, views.proposal_saved(proposal.id))


_TEXT_STEPS = {
    Proposing.problem.state: ("problem", service.validate_problem),
    Proposing.proposal.state: ("proposal", service.validate_proposal),
    Proposing.responsible.state: ("responsible", service.validate_responsible),
}


@router.message(Proposing.problem, F.text, _NOT_A_COMMAND)
@router.message(Proposing.proposal, F.text, _NOT_A_COMMAND)
@router.message(Proposing.responsible, F.text, _NOT_A_COMMAND)
async def text_given(message: Message, state: FSMContext, person: Person | None, bot: Bot) -> None:
    key, validate = _TEXT_STEPS[await state.get_state() or ""]
    if person is None:
        await _forget(state)
        return
    try:
        value = validate(message.text)
    except InvalidInput as exc:
        await message.answer(common_views.invalid(exc.reason, exc.limit))
        return
    draft = await _draft(state)
    draft[key] = value
    if key == "responsible":
        draft["responsible_done"] = True
    await ask(bot, message.chat.id, state, draft, person)


@router.message(Proposing.problem, _NOT_A_COMMAND)
@router.message(Proposing.proposal, _NOT_A_COMMAND)
@router.message(Proposing.responsible, _NOT_A_COMMAND)
async def text_expected(message: Message) -> None:
    await message.answer(common_views.text_expected())


@router.message(Proposing.theme, _NOT_A_COMMAND)
@router.message(Proposing.region, _NOT_A_COMMAND)
@router.message(Proposing.summary, _NOT_A_COMMAND)
async def buttons_expected(message: Message, state: FSMContext, person: Person | None, bot: Bot) -> None:
    await message.answer(common_views.use_buttons())
    if person is not None:
        await ask(bot, message.chat.id, state, await _draft(state), person)
