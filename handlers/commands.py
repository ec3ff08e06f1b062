"""The chat commands: one list, from which /ayuda and the published command menus are made.

Each feature adds its commands here when it lands, so help and menus never name what does not exist.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n.lazy_proxy import LazyProxy

from bot.i18n import LOCALES

log = logging.getLogger(__name__)

PARTICIPANT = "participant"
ORGANISER = "organiser"
SGP_ADMIN = "sgp_admin"
# Each role sees its own commands and those of the roles below it.
ROLE_LEVELS = {PARTICIPANT: 0, ORGANISER: 1, SGP_ADMIN: 2}


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    description: LazyProxy  # one line for Telegram's command menu (at most 256 characters)
    help: LazyProxy  # a plain-language explanation for /ayuda
    role: str = PARTICIPANT


COMMANDS: tuple[Command, ...] = (
    Command(
        "start",
        __("Empezar o volver al menú"),
        __("Abre el menú principal. La primera vez te pide tu permiso y tus datos básicos."),
    ),
    Command(
        "talleres",
        __("Ver los talleres e inscribirte"),
        __(
            "Muestra los próximos talleres, primero los de tu región, con los cupos que quedan. Desde ahí "
            "te inscribes, descargas la fecha a tu calendario y ves los materiales."
        ),
    ),
    Command(
        "misinscripciones",
        __("Tus inscripciones"),
        __(
            "Muestra tus inscripciones a talleres y tu lugar en las listas de espera. Ahí puedes cancelar, "
            "o aceptar o liberar un cupo que te ofrecemos."
        ),
    ),
    Command(
        "avisos",
        __("Activar o desactivar avisos de talleres"),
        __("Activa o desactiva los avisos de los talleres nuevos de tu región."),
    ),
    Command(
        "compromisos",
        __("Leer los compromisos y opinar"),
        __(
            "Muestra los compromisos en borrador del Plan de Acción, por tema. En cada uno puedes tocar "
            "«Opinar» para decir cuánto lo apoyas, si cumple los criterios SMART y qué cambiarías."
        ),
    ),
    Command(
        "proponer",
        __("Proponer un compromiso nuevo"),
        __("Propón un compromiso nuevo: el problema, tu propuesta y qué entidad debería encargarse."),
    ),
    Command(
        "idioma",
        __("Cambiar de idioma"),
        __("Elige en qué idioma te escribo: español, English o runa simi."),
    ),
    Command(
        "cancelar",
        __("Dejar lo que estás haciendo"),
        __("Sales del paso en el que estás. Lo que ya escribiste no se pierde."),
    ),
    Command(
        "privacidad",
        __("Tus datos y tu permiso"),
        __("Muestra para qué usamos tus datos y cuándo diste tu permiso."),
    ),
    Command(
        "misdatos",
        __("Ver todos tus datos"),
        __("Te envío un archivo con todo lo que Participa guarda sobre ti."),
    ),
    Command(
        "borrarmisdatos",
        __("Borrar tus datos"),
        __("Borra tus datos de Participa, después de pedirte que lo confirmes."),
    ),
    Command(
        "difundir",
        __("Enviar un mensaje a un grupo de personas"),
        __(
            "Envía un aviso a quienes se inscribieron en un taller, a su lista de espera, a sus asistentes, "
            "a una de tus regiones o a quienes siguen un eje temático."
        ),
        role=ORGANISER,
    ),
    Command(
        "estadisticas",
        __("Ver los cuadros estadísticos"),
        __(
            "Muestra los Cuadros 1 a 4 (organizaciones, participantes de los talleres regionales y aportes "
            "por eje y canal) con sus gráficos; quienes organizan ven sus regiones. "
            "«/estadisticas inscritos» cuenta inscripciones confirmadas en lugar de asistencia."
        ),
        role=ORGANISER,
    ),
    Command(
        "exportar",
        __("Descargar los datos en CSV, Excel o JSON"),
        __(
            "Elige qué datos (opiniones, propuestas, aportes, inscripciones, participantes, organizaciones "
            "o talleres) y el formato: te envío el archivo apenas esté listo."
        ),
        role=SGP_ADMIN,
    ),
    Command(
        "roles",
        __("Dar o quitar roles"),
        __("Muestra quién organiza talleres o administra la SGP, y permite dar o quitar esos roles."),
        role=SGP_ADMIN,
    ),
    Command(
        "inscritos",
        __("Personas inscritas en tus talleres"),
        __(
            "Muestra cuántas personas tienen cupo, esperan o ya llegaron, y la lista, en los talleres de "
            "tus regiones."
        ),
        ORGANISER,
    ),
    Command(
        "asistencia",
        __("Registrar la asistencia a un taller"),
        __(
            "Te da el código QR del taller: quien lo escanea queda registrado como presente. También puedes "
            "marcar a las personas desde la lista."
        ),
        ORGANISER,
    ),
    Command(
        "disposicion",
        __("Registrar una disposición (SGP)"),
        __(
            "Para la SGP: registra si un compromiso o una propuesta fue incorporado, modificado o "
            "desestimado, y por qué. Se avisa una vez a cada persona que participó."
        ),
        SGP_ADMIN,
    ),
    Command(
        "ayuda",
        __("Qué puedo hacer aquí"),
        __("Muestra esta lista con todo lo que puedes hacer."),
    ),
)


def commands_for(role: str = PARTICIPANT) -> list[Command]:
    level = ROLE_LEVELS[role]
    return [command for command in COMMANDS if ROLE_LEVELS[command.role] <= level]


def bot_commands(i18n: I18n, locale: str, role: str = PARTICIPANT) -> list[BotCommand]:
    with i18n.use_locale(locale):
        return [BotCommand(command=c.name, description=str(c.description)) for c in commands_for(role)]


async def publish_commands(bot: Bot, i18n: I18n, default_locale: str) -> None:
    """Publish the command menu in every language (Telegram picks it by the app's language)."""
    with i18n.context():
        await bot.set_my_commands(bot_commands(i18n, default_locale), scope=BotCommandScopeDefault())
        for locale in LOCALES:
            await bot.set_my_commands(
                bot_commands(i18n, locale), scope=BotCommandScopeDefault(), language_code=locale
            )


async def publish_role_menus(
    bot: Bot, i18n: I18n, holders: list[tuple[int, str, str | None]], default: str
) -> None:
    """At start: each organiser's and administrator's own menu (chat scope)."""
    for telegram_id, role, locale in holders:
        await publish_chat_commands(bot, i18n, telegram_id, locale or default, role)


async def publish_chat_commands(
    bot: Bot, i18n: I18n, chat_id: int, locale: str, role: str = PARTICIPANT
) -> None:
    """A person's own menu: their role's commands (organisers and SGP see theirs, others do not), in
    the language they chose in the bot (Telegram has no Quechua interface)."""
    try:
        await bot.set_my_commands(
            bot_commands(i18n, locale, role), scope=BotCommandScopeChat(chat_id=chat_id)
        )
    except TelegramAPIError as exc:  # the menu is a convenience: never fail the person's action for it
        log.warning("set_my_commands for a chat failed: %s", exc)
