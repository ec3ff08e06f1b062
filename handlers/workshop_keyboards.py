"""Buttons of the workshops feature. Texts are translated when the keyboard is built."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.domain.workshops import Registrant, Registration, RegistrationStatus, Workshop
from bot.services.workshops import WorkshopInfo
from handlers.callbacks import MenuCb
from handlers.keyboards import InlineKeyboard
from handlers.workshop_callbacks import ManageCb, MaterialCb, PresentCb, RegistrationCb, WorkshopCb

MAX_PRESENT_BUTTONS = 60


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def workshop_list(infos: list[WorkshopInfo], managed: set[int]) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    sizes = []
    for number, info in enumerate(infos, start=1):
        workshop = info.workshop
        builder.button(
            text=f"{number}. {_short(workshop.title, 56)}",
            callback_data=WorkshopCb(action="view", id=workshop.id),
        )
        if workshop.id in managed:
            builder.button(text=_("⚙️ Gestionar"), callback_data=ManageCb(action="menu", id=workshop.id))
            sizes.append(2)
        else:
            sizes.append(1)
    builder.button(text=_("⬅️ Menú"), callback_data=MenuCb(action="menu"))
    return builder.adjust(*sizes, 1).as_markup()


def detail(info: WorkshopInfo, managed: bool) -> InlineKeyboardMarkup:
    workshop = info.workshop
    builder = InlineKeyboard()
    mine = info.mine
    if mine is None:
        if info.seats_left > 0:
            builder.button(text=_("✅ Inscribirme"), callback_data=WorkshopCb(action="join", id=workshop.id))
        else:
            builder.button(
                text=_("⏳ Unirme a la lista de espera"),
                callback_data=WorkshopCb(action="wait", id=workshop.id),
            )
    else:
        _registration_buttons(builder, mine)
    builder.button(text=_("📅 Calendario"), callback_data=WorkshopCb(action="ics", id=workshop.id))
    if workshop.materials:
        builder.button(text=_("📎 Materiales"), callback_data=WorkshopCb(action="materials", id=workshop.id))
    if managed:
        builder.button(text=_("⚙️ Gestionar"), callback_data=ManageCb(action="menu", id=workshop.id))
    builder.button(text=_("⬅️ Talleres"), callback_data=WorkshopCb(action="list"))
    return builder.adjust(1).as_markup()


def _registration_buttons(builder: InlineKeyboard, registration: Registration) -> None:
    if registration.status is RegistrationStatus.OFRECIDA:
        builder.button(
            text=_("✅ Aceptar"), callback_data=RegistrationCb(action="accept", id=registration.id)
        )
        builder.button(text=_("Liberar"), callback_data=RegistrationCb(action="release", id=registration.id))
    elif registration.status is RegistrationStatus.EN_ESPERA:
        builder.button(
            text=_("Salir de la lista de espera"),
            callback_data=RegistrationCb(action="cancel", id=registration.id),
        )
    elif registration.attended_at is None:
        builder.button(
            text=_("Cancelar mi inscripción"),
            callback_data=RegistrationCb(action="cancel", id=registration.id),
        )


def join_waitlist(workshop: Workshop) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(
        text=_("⏳ Unirme a la lista de espera"), callback_data=WorkshopCb(action="wait", id=workshop.id)
    )
    builder.button(text=_("⬅️ Talleres"), callback_data=WorkshopCb(action="list"))
    return builder.adjust(1).as_markup()


def registration_actions(registration: Registration) -> InlineKeyboardMarkup | None:
    builder = InlineKeyboard()
    _registration_buttons(builder, registration)
    return builder.adjust(2).as_markup() if list(builder.buttons) else None


def my_registrations(items: list[tuple[Registration, Workshop, int | None]]) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    sizes = []
    for number, (registration, workshop, _position) in enumerate(items, start=1):
        if workshop.status == "cancelado":
            continue
        if registration.status is RegistrationStatus.OFRECIDA:
            builder.button(
                text=_("{n}. ✅ Aceptar").format(n=number),
                callback_data=RegistrationCb(action="accept", id=registration.id),
            )
            builder.button(
                text=_("{n}. Liberar").format(n=number),
                callback_data=RegistrationCb(action="release", id=registration.id),
            )
            sizes.append(2)
        elif registration.attended_at is None:
            builder.button(
                text=_("{n}. Cancelar").format(n=number),
                callback_data=RegistrationCb(action="cancel", id=registration.id),
            )
            sizes.append(1)
    builder.button(text=_("📅 Talleres"), callback_data=WorkshopCb(action="list"))
    return builder.adjust(*sizes, 1).as_markup()


def materials(workshop: Workshop) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for index, material in enumerate(workshop.materials):
        if material.url:
            builder.button(text="🔗 " + _short(material.title, 60), url=material.url)
        else:
            builder.button(
                text="📄 " + _short(material.title, 60), callback_data=MaterialCb(id=workshop.id, n=index)
            )
    return builder.adjust(1).as_markup()


def announcement(workshop_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(text=_("Ver e inscribirme"), callback_data=WorkshopCb(action="view", id=workshop_id))
    return builder.as_markup()


def reminder(registration_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(
        text=_("Cancelar mi inscripción"), callback_data=RegistrationCb(action="cancel", id=registration_id)
    )
    return builder.as_markup()


def offer(registration_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(text=_("✅ Aceptar"), callback_data=RegistrationCb(action="accept", id=registration_id))
    builder.button(text=_("Liberar"), callback_data=RegistrationCb(action="release", id=registration_id))
    return builder.adjust(2).as_markup()


# --------------------------------------------------------------------------- organisers


def manage(workshop: Workshop) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(text=_("👥 Inscritos"), callback_data=ManageCb(action="roster", id=workshop.id))
    builder.button(text=_("📋 Asistencia (QR)"), callback_data=ManageCb(action="attendance", id=workshop.id))
    if workshop.status == "programado":
        builder.button(text=_("🔢 Cambiar cupos"), callback_data=ManageCb(action="capacity", id=workshop.id))
        builder.button(
            text=_("🕒 Cambiar fecha y hora"), callback_data=ManageCb(action="date", id=workshop.id)
        )
        builder.button(
            text=_("❌ Cancelar el taller"), callback_data=ManageCb(action="cancel", id=workshop.id)
        )
    builder.button(text=_("⬅️ Talleres"), callback_data=WorkshopCb(action="list"))
    return builder.adjust(2, 2, 1, 1).as_markup()


def choose_workshop(infos: list[WorkshopInfo], action: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for info in infos:
        builder.button(
            text=_short(info.workshop.title, 60), callback_data=ManageCb(action=action, id=info.workshop.id)
        )
    return builder.adjust(1).as_markup()


def confirm_cancel(workshop: Workshop) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(
        text=_("Sí, cancelar el taller"), callback_data=ManageCb(action="cancel_yes", id=workshop.id)
    )
    builder.button(text=_("No, mantenerlo"), callback_data=ManageCb(action="menu", id=workshop.id))
    return builder.adjust(1).as_markup()


def attendance(registrants: list[Registrant]) -> InlineKeyboardMarkup | None:
    builder = InlineKeyboard()
    confirmed = [r for r in registrants if r.registration.status is RegistrationStatus.CONFIRMADA]
    for registrant in confirmed[:MAX_PRESENT_BUTTONS]:
        mark = "✅" if registrant.registration.attended_at else "☐"
        name = _short(registrant.full_name or "?", 50)
        builder.button(text=f"{mark} {name}", callback_data=PresentCb(id=registrant.registration.id))
    return builder.adjust(1).as_markup() if list(builder.buttons) else None
