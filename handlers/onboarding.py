"""Onboarding, as one table:

| state             | the person does            | the bot                                           |
|-------------------|----------------------------|---------------------------------------------------|
| (none, new)       | /start                     | welcome, language buttons                         |
| language          | taps a language            | privacy notice (Ley N° 29733): Acepto / No acepto |
| consent           | Acepto / No acepto         | stores consent, asks the name / a bare refusal    |
| name              | types the name             | region buttons                                    |
| region            | taps a region              | organisation type buttons                         |
| org_type          | taps a type                | the organisation ("a título personal": skipped)   |
| organisation      | types it                   | links a known one, offers similar ones, or new    |
| organisation_pick | taps one, or "Ninguna"     | asks the phone                                    |
| phone             | shares contact or "Omitir" | saves the profile, shows the menu                 |

Answers are kept in the conversation data (key "profile") until the profile is saved, so /cancelar,
/idioma or a restart of the bot never loses them: /start resumes at the first missing answer.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.i18n import I18n

from bot.config import Settings
from bot.domain.errors import InvalidInput
from bot.domain.people import (
    Person,
    ProfileInput,
    normalize_phone,
    validate_name,
    validate_org_type,
    validate_region,
)
from bot.domain.reference import OrgType
from bot.i18n import guess_locale
from bot.services import onboarding as service
from bot.services.ports import UnitOfWork
from bot.services.roles import roles_of
from handlers import keyboards, views
from handlers.callbacks import ConsentCb, OrganisationCb, OrgTypeCb, ProfileEditCb, RegionCb
from handlers.commands import publish_chat_commands
from handlers.labels import org_type_label, region_label
from handlers.states import Onboarding

router = Router(name="onboarding")

DRAFT = "profile"


async def _draft(state: FSMContext) -> dict[str, Any]:
    return dict((await state.get_data()).get(DRAFT) or {})


async def _save_draft(state: FSMContext, **answers: Any) -> dict[str, Any]:
    draft = await _draft(state) | answers
    await state.update_data({DRAFT: draft})
    return draft


def next_step(draft: dict[str, Any]) -> Onboarding | None:
    """The first question the draft has no answer to; None when the profile is complete."""
    if "name" not in draft:
        return Onboarding.name
    if "region" not in draft:
        return Onboarding.region
    if "org_type" not in draft:
        return Onboarding.org_type
    if OrgType(draft["org_type"]).has_organisation and not (draft.get("org_id") or draft.get("org_name")):
        return Onboarding.organisation
    if "phone_done" not in draft:
        return Onboarding.phone
    return None


def current_step(raw_state: str | None) -> Onboarding | None:
    return next((step for step in Onboarding.__states__ if step.state == raw_state), None)


async def ask(message: Message, step: Onboarding | None, state: FSMContext) -> None:
    """Ask (again) the question of `step`."""
    await state.set_state(step)
    if step == Onboarding.language:
        await message.answer(views.choose_language(), reply_markup=keyboards.languages())
    elif step == Onboarding.consent:
        await message.answer(views.privacy_notice(), reply_markup=keyboards.consent())
    elif step == Onboarding.name:
        await message.answer(views.ask_name())
    elif step == Onboarding.region:
        await message.answer(views.ask_region(), reply_markup=keyboards.regions())
    elif step == Onboarding.org_type:
        await message.answer(views.ask_org_type(), reply_markup=keyboards.org_types())
    elif step in (Onboarding.organisation, Onboarding.organisation_pick):
        await state.set_state(Onboarding.organisation)
        await message.answer(views.ask_organisation())
    elif step == Onboarding.phone:
        await message.answer(views.ask_phone(), reply_markup=keyboards.share_phone())


async def advance(message: Message, state: FSMContext, uow: UnitOfWork, telegram_id: int) -> None:
    """Ask the next missing answer, or save the finished profile and show the menu."""
    draft = await _draft(state)
    step = next_step(draft)
    if step is not None:
        await ask(message, step, state)
        return
    profile = ProfileInput(
        full_name=draft["name"],
        region_code=draft["region"],
        org_type=OrgType(draft["org_type"]),
        organisation_id=draft.get("org_id"),
        organisation_name=draft.get("org_name"),
        phone=draft.get("phone"),
    )
    person = await service.save_profile(uow, telegram_id, profile)
    await state.clear()
    await message.answer(views.profile_saved(person), reply_markup=ReplyKeyboardRemove())
    await show_menu(message, person)


async def show_menu(message: Message, person: Person) -> None:
    await message.answer(views.menu(person), reply_markup=keyboards.main_menu())


async def resume(message: Message, state: FSMContext, person: Person | None, settings: Settings) -> bool:
    """Continue an unfinished onboarding; False when there is none (the person has a profile)."""
    if person is None:
        current = await state.get_state()
        step = Onboarding.consent if current == Onboarding.consent.state else Onboarding.language
        if step == Onboarding.language:
            # The state is stored before the message goes out: a crash in between loses nothing.
            await state.set_state(Onboarding.language)
            await message.answer(views.welcome(), reply_markup=keyboards.languages())
        else:
            await ask(message, step, state)
        return True
    if person.consent_version < settings.privacy_notice_version:
        await ask(message, Onboarding.consent, state)
        return True
    if not person.profile_complete:
        await ask(message, next_step(await _draft(state)), state)
        return True
    return False


@router.message(CommandStart())
async def start(message: Message, state: FSMContext, person: Person | None, settings: Settings) -> None:
    if person is None and not await state.get_state():
        language_code = message.from_user.language_code if message.from_user else None
        await state.update_data(locale=guess_locale(language_code, settings.default_locale))
    if not await resume(message, state, person, settings):
        await state.set_state(None)
        await show_menu(message, person)


@router.callback_query(Onboarding.consent, ConsentCb.filter())
async def consent_given(
    query: CallbackQuery,
    callback_data: ConsentCb,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person | None,
    settings: Settings,
    i18n: I18n,
    bot: Bot,
) -> None:
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
    if not callback_data.accept:
        await service.refuse_consent(uow, settings.privacy_notice_version)
        if person is None:
            await state.clear()
        else:  # refusing a new version of the notice: nothing more is collected until consent
            await state.set_state(None)
        await query.message.answer(views.consent_refused())
        return
    locale = person.locale if person else (await state.get_data()).get("locale", i18n.current_locale)
    person = await service.accept_consent(uow, query.from_user.id, locale, settings.privacy_notice_version)
    if locale != guess_locale(query.from_user.language_code, settings.default_locale):
        await publish_chat_commands(
            bot, i18n, query.message.chat.id, locale, (await roles_of(uow, query.from_user.id)).name
        )
    if person.profile_complete:
        await state.set_state(None)
        await show_menu(query.message, person)
    else:
        await advance(query.message, state, uow, query.from_user.id)


@router.message(Onboarding.name, F.text, ~F.text.startswith("/"))
async def name_given(message: Message, state: FSMContext, uow: UnitOfWork) -> None:
    try:
        name = validate_name(message.text)
    except InvalidInput as exc:
        await message.answer(views.invalid(exc.reason, exc.limit))
        return
    await _save_draft(state, name=name)
    await advance(message, state, uow, message.from_user.id)


@router.callback_query(Onboarding.region, RegionCb.filter())
async def region_chosen(
    query: CallbackQuery, callback_data: RegionCb, state: FSMContext, uow: UnitOfWork
) -> None:
    try:
        region = validate_region(callback_data.code)
    except InvalidInput:
        await query.answer(views.stale_button(), show_alert=True)
        return
    await query.answer()
    await query.message.edit_text(f"{views.ask_region()}\n→ <b>{region_label(region)}</b>")
    await _save_draft(state, region=region)
    await advance(query.message, state, uow, query.from_user.id)


@router.callback_query(Onboarding.org_type, OrgTypeCb.filter())
async def org_type_chosen(
    query: CallbackQuery, callback_data: OrgTypeCb, state: FSMContext, uow: UnitOfWork
) -> None:
    try:
        kind = validate_org_type(callback_data.code)
    except InvalidInput:
        await query.answer(views.stale_button(), show_alert=True)
        return
    await query.answer()
    await query.message.edit_text(f"{views.ask_org_type()}\n→ <b>{org_type_label(kind)}</b>")
    await _save_draft(state, org_type=kind.value, org_id=None, org_name=None)
    await advance(query.message, state, uow, query.from_user.id)


@router.message(Onboarding.organisation, F.text, ~F.text.startswith("/"))
async def organisation_given(message: Message, state: FSMContext, uow: UnitOfWork) -> None:
    draft = await _draft(state)
    try:
        name, same, similar = await service.match_organisation(uow, message.text, draft["org_type"])
    except InvalidInput as exc:
        await message.answer(views.invalid(exc.reason, exc.limit))
        return
    if same is not None:
        await _save_draft(state, org_id=same.id, org_name=None)
        await message.answer(views.organisation_matched(same.name))
    elif similar:
        await _save_draft(state, org_id=None, org_name=None, org_typed=name)
        await state.set_state(Onboarding.organisation_pick)
        await message.answer(
            views.organisation_similar(name), reply_markup=keyboards.organisation_choices(similar, name)
        )
        return
    else:
        await _save_draft(state, org_id=None, org_name=name)
    await advance(message, state, uow, message.from_user.id)


@router.callback_query(Onboarding.organisation_pick, OrganisationCb.filter())
async def organisation_picked(
    query: CallbackQuery, callback_data: OrganisationCb, state: FSMContext, uow: UnitOfWork
) -> None:
    draft = await _draft(state)
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
    if callback_data.id:
        # The choice is checked again (type and existence) when the profile is saved.
        await _save_draft(state, org_id=callback_data.id, org_name=None)
    else:
        await _save_draft(state, org_id=None, org_name=draft.get("org_typed"))
    await advance(query.message, state, uow, query.from_user.id)


@router.message(Onboarding.phone, F.contact)
async def phone_shared(message: Message, state: FSMContext, uow: UnitOfWork) -> None:
    if message.contact.user_id != message.from_user.id:
        await message.answer(views.not_own_contact(), reply_markup=keyboards.share_phone())
        return
    try:
        phone = normalize_phone(message.contact.phone_number)
    except InvalidInput as exc:
        await message.answer(views.invalid(exc.reason, exc.limit), reply_markup=keyboards.share_phone())
        return
    await _save_draft(state, phone=phone, phone_done=True)
    await advance(message, state, uow, message.from_user.id)


@router.message(Onboarding.phone, F.text)
async def phone_skipped_or_typed(message: Message, state: FSMContext, uow: UnitOfWork) -> None:
    if message.text.strip() != keyboards.skip_label():
        await message.answer(views.not_own_contact(), reply_markup=keyboards.share_phone())
        return
    await _save_draft(state, phone=None, phone_done=True)
    await advance(message, state, uow, message.from_user.id)


@router.message(Onboarding.name, ~F.text)
@router.message(Onboarding.organisation, ~F.text)
async def text_expected(message: Message) -> None:
    await message.answer(views.text_expected())


@router.message(Onboarding.phone)
async def phone_expected(message: Message) -> None:
    await message.answer(views.not_own_contact(), reply_markup=keyboards.share_phone())


@router.message(Onboarding.language)
@router.message(Onboarding.consent)
@router.message(Onboarding.region)
@router.message(Onboarding.org_type)
@router.message(Onboarding.organisation_pick)
async def buttons_expected(message: Message, state: FSMContext) -> None:
    """Text where a button was expected: say so, and show the question with its buttons again."""
    await message.answer(views.use_buttons())
    await ask(message, current_step(await state.get_state()), state)


# Rectification: the saved profile becomes the draft, less the answers to give again.
_EDIT_CLEARS = {
    "name": ("name",),
    "region": ("region",),
    "organisation": ("org_type", "org_id", "org_name", "org_typed"),
    "phone": ("phone", "phone_done"),
}


def draft_of(person: Person) -> dict[str, Any]:
    return {
        "name": person.full_name,
        "region": person.region_code,
        "org_type": person.org_type.value if person.org_type else None,
        "org_id": person.organisation_id,
        "phone": person.phone,
        "phone_done": True,
    }


@router.callback_query(ProfileEditCb.filter())
async def edit_profile(
    query: CallbackQuery,
    callback_data: ProfileEditCb,
    state: FSMContext,
    person: Person | None,
    uow: UnitOfWork,
) -> None:
    cleared = _EDIT_CLEARS.get(callback_data.field)
    if person is None or not person.profile_complete or cleared is None:
        await query.answer(views.stale_button(), show_alert=True)
        return
    await query.answer()
    draft = {key: value for key, value in draft_of(person).items() if key not in cleared}
    await state.update_data({DRAFT: draft})
    await advance(query.message, state, uow, query.from_user.id)
