"""/roles for SGP administrators: list, grant and revoke roles from the chat.

    /roles                                   the list
    /roles dar ID organizador REGIÓN         organiser of a region (code 04 or name Arequipa)
    /roles dar ID sgp                        SGP administrator
    /roles quitar ID organizador [REGIÓN]    without a region: in every region
    /roles quitar ID sgp

Every change is checked (administrators only) and audited by bot.services.roles.
"""

from __future__ import annotations

import unicodedata
from html import escape

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.domain.errors import InvalidInput
from bot.domain.reference import REGION_BY_CODE, REGIONS
from bot.domain.roles import Forbidden, Role
from bot.services import roles as service
from bot.services.onboarding import get_person
from bot.services.ports import UnitOfWork
from handlers.commands import publish_chat_commands
from handlers.labels import region_label

router = Router(name="roles")

_ROLE_WORDS = {"organizador": Role.ORGANISER, "organizadora": Role.ORGANISER, "sgp": Role.SGP_ADMIN}
_ACTIONS = {"dar": service.grant, "quitar": service.revoke}


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


def _region(words: list[str]) -> str | None:
    if not words:
        return None
    text = " ".join(words)
    if text.zfill(2) in REGION_BY_CODE:
        return text.zfill(2)
    for region in REGIONS:
        if _plain(region.name) == _plain(text):
            return region.code
    raise InvalidInput("region", "unknown")


def usage() -> str:
    return _(
        "Para cambiar roles:\n"
        "<code>/roles dar ID organizador REGIÓN</code>\n"
        "<code>/roles dar ID sgp</code>\n"
        "<code>/roles quitar ID organizador [REGIÓN]</code>\n"
        "<code>/roles quitar ID sgp</code>\n"
        "ID es el número de Telegram de la persona."
    )


def role_label(role: str) -> str:
    return _("administración SGP") if role == Role.SGP_ADMIN else _("organización de talleres")


@router.message(Command("roles"))
async def roles_command(
    message: Message, command: CommandObject, uow: UnitOfWork, bot: Bot, i18n: I18n
) -> None:
    actor = await service.roles_of(uow, message.from_user.id)
    if not actor.admin:
        await message.answer(_("/roles es solo para la administración de la SGP."))
        return
    words = (command.args or "").split()
    if not words:
        rows = await service.list_roles(uow)
        lines = [_("<b>Roles</b>")] + [
            f"• <code>{telegram_id}</code>: {role_label(role)}"
            + (f" ({region_label(region)})" if region else "")
            for telegram_id, role, region in rows
        ]
        await message.answer("\n".join(lines) + "\n\n" + usage())
        return
    try:
        action = _ACTIONS[words[0].lower()]
        telegram_id = int(words[1])
        role = _ROLE_WORDS[_plain(words[2])]
        region = _region(words[3:])
        changed = await action(uow, actor, telegram_id, role.value, region)
    except (KeyError, IndexError, ValueError):
        await message.answer(usage())
        return
    except InvalidInput:
        await message.answer(_("No conozco esa región.") + "\n\n" + usage())
        return
    except Forbidden:
        await message.answer(_("/roles es solo para la administración de la SGP."))
        return
    holder = await get_person(uow, telegram_id)
    new_role = (await service.roles_of(uow, telegram_id)).name
    await publish_chat_commands(bot, i18n, telegram_id, holder.locale if holder else "es", new_role)
    await message.answer(
        (
            _("Listo, rol actualizado para {id}.") if changed else _("No había nada que cambiar para {id}.")
        ).format(id=escape(str(telegram_id)))
    )
