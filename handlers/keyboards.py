"""Keyboards. Button texts are translated at the moment of building."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.people import Organisation
from bot.domain.reference import FEATURED_REGIONS, REGIONS, OrgType
from bot.i18n import LOCALE_NAMES
from handlers.callbacks import (
    ConsentCb,
    EraseCb,
    LanguageCb,
    MenuCb,
    OrganisationCb,
    OrgTypeCb,
    ProfileEditCb,
    RegionCb,
)
from handlers.labels import org_type_label


class InlineKeyboard(InlineKeyboardBuilder):
    """aiogram's builder, without its deep copy of every button on each `add` and `export` (a
    25-button keyboard took 5.6 ms to build, 0.5 ms this way). Our keyboards are built once and
    never changed after `as_markup`, so sharing the button objects is safe."""

    def export(self) -> list[list[InlineKeyboardButton]]:
        return [list(row) for row in self._markup]


P = ParamSpec("P")
Markup = TypeVar("Markup", InlineKeyboardMarkup, ReplyKeyboardMarkup)


def per_language(build: Callable[P, Markup]) -> Callable[P, Markup]:
    """A keyboard that depends only on its (hashable) arguments and the language is built once for
    each: pydantic checks every button as it is made (the 25 regions took 0.75 ms, a SMART rating
    0.17 ms, and a journey asks six). The markup is shared, and never changed once built."""

    @functools.lru_cache(maxsize=1024)
    def built(locale: str | None, *args: Any, **kwargs: Any) -> Markup:
        return build(*args, **kwargs)

    @functools.wraps(build)
    def keyboard(*args: P.args, **kwargs: P.kwargs) -> Markup:
        i18n = I18n.get_current(no_error=True)
        return built(i18n.current_locale if i18n else None, *args, **kwargs)

    return keyboard


@per_language
def languages() -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for code, name in LOCALE_NAMES.items():
        builder.button(text=name, callback_data=LanguageCb(code=code))
    return builder.adjust(3).as_markup()


@per_language
def consent() -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(text=_("✅ Acepto"), callback_data=ConsentCb(accept=True))
    builder.button(text=_("No acepto"), callback_data=ConsentCb(accept=False))
    return builder.adjust(2).as_markup()


@per_language
def regions() -> InlineKeyboardMarkup:
    """The regions of the first workshops and Lima first, then every department alphabetically."""
    builder = InlineKeyboard()
    featured = [r for code in FEATURED_REGIONS for r in REGIONS if r.code == code]
    others = sorted((r for r in REGIONS if r.code not in FEATURED_REGIONS), key=lambda r: r.name)
    for region in [*featured, *others]:
        builder.button(text=region.name, callback_data=RegionCb(code=region.code))
    return builder.adjust(2, 2, *([3] * 7)).as_markup()


@per_language
def org_types() -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for kind in OrgType:
        builder.button(text=org_type_label(kind), callback_data=OrgTypeCb(code=kind.value))
    return builder.adjust(2).as_markup()


def organisation_choices(similar: list[Organisation], typed: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for organisation in similar:
        builder.button(text=organisation.name[:60], callback_data=OrganisationCb(id=organisation.id))
    new_label = _("Ninguna: registrar «{name}»").format(name=typed[:40])
    builder.button(text=new_label, callback_data=OrganisationCb(id=0))
    return builder.adjust(1).as_markup()


def skip_label() -> str:
    return _("Omitir")


@per_language
def share_phone() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=_("📱 Compartir mi número"), request_contact=True)],
            [KeyboardButton(text=skip_label())],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
        input_field_placeholder=_("Comparte tu número u omite este paso"),
    )


@per_language
def main_menu() -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(text=_("📝 Compromisos"), callback_data=MenuCb(action="commitments"))
    builder.button(text=_("💡 Proponer un compromiso"), callback_data=MenuCb(action="propose"))
    builder.button(text=_("📅 Talleres"), callback_data=MenuCb(action="workshops"))
    builder.button(text=_("🗓 Mis inscripciones"), callback_data=MenuCb(action="registrations"))
    builder.button(text=_("👤 Mi perfil"), callback_data=MenuCb(action="profile"))
    builder.button(text=_("🌐 Idioma"), callback_data=MenuCb(action="language"))
    builder.button(text=_("🔒 Privacidad"), callback_data=MenuCb(action="privacy"))
    builder.button(text=_("❓ Ayuda"), callback_data=MenuCb(action="help"))
    return builder.adjust(2).as_markup()


@per_language
def back_to_menu() -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(text=_("⬅️ Menú"), callback_data=MenuCb(action="menu"))
    return builder.as_markup()


@per_language
def erase_confirm() -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(text=_("Sí, borrar mis datos"), callback_data=EraseCb(confirm=True))
    builder.button(text=_("No, conservarlos"), callback_data=EraseCb(confirm=False))
    return builder.adjust(1).as_markup()


@per_language
def profile_actions() -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(text=_("✏️ Nombre"), callback_data=ProfileEditCb(field="name"))
    builder.button(text=_("✏️ Región"), callback_data=ProfileEditCb(field="region"))
    builder.button(text=_("✏️ Organización"), callback_data=ProfileEditCb(field="organisation"))
    builder.button(text=_("✏️ Celular"), callback_data=ProfileEditCb(field="phone"))
    builder.button(text=_("⬅️ Menú"), callback_data=MenuCb(action="menu"))
    return builder.adjust(2, 2, 1).as_markup()
