"""Translated labels of reference data, for the chat (exports use the Spanish names of bot.domain)."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from bot.domain.reference import REGION_BY_CODE, OrgType, Theme

_ORG_TYPES = {
    OrgType.ENTIDAD_PUBLICA: __("Entidad pública"),
    OrgType.ONG: __("ONG u organización de base"),
    OrgType.ACADEMIA: __("Academia"),
    OrgType.COOPERACION: __("Cooperación internacional"),
    OrgType.EMPRESA: __("Empresa privada"),
    OrgType.PERSONAL: __("A título personal"),
}

_THEMES = {
    Theme.SALUD: __("Salud"),
    Theme.EDUCACION: __("Educación"),
    Theme.INFRAESTRUCTURA: __("Infraestructura"),
    Theme.SANEAMIENTO: __("Saneamiento"),
    Theme.AMBIENTE: __("Ambiente"),
    Theme.SEGURIDAD: __("Seguridad ciudadana"),
}


def org_type_label(kind: OrgType | str) -> str:
    return str(_ORG_TYPES[OrgType(kind)])


def theme_label(theme: Theme | str) -> str:
    return str(_THEMES[Theme(theme)])


def region_label(code: str) -> str:
    """Region names are proper names: the same in every language."""
    region = REGION_BY_CODE.get(code)
    return region.name if region else _("Región desconocida")
