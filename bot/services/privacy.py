"""Rights under Ley N° 29733 from inside the bot: access (/misdatos) and cancellation (/borrarmisdatos)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.domain.clock import utcnow
from bot.domain.reference import ORG_TYPE_NAMES, REGION_BY_CODE
from bot.services.ports import UnitOfWork


async def my_data(uow: UnitOfWork, telegram_id: int, now: datetime | None = None) -> dict[str, Any] | None:
    """Everything stored about the person, as a JSON-ready document; None when nothing is stored."""
    person = await uow.people.get_by_telegram_id(telegram_id)
    if person is None:
        return None
    return {
        "generado_el": (now or utcnow()).isoformat(),
        "responsable": "Secretaría de Gestión Pública, Presidencia del Consejo de Ministros",
        "perfil": {
            "telegram_id": person.telegram_id,
            "nombre": person.full_name,
            "region_codigo": person.region_code,
            "region": REGION_BY_CODE[person.region_code].name if person.region_code else None,
            "tipo_de_organizacion_codigo": person.org_type.value if person.org_type else None,
            "tipo_de_organizacion": ORG_TYPE_NAMES[person.org_type] if person.org_type else None,
            "organizacion": person.organisation_name,
            "celular": person.phone,
            "idioma": person.locale,
            "recibe_avisos": person.announcements,
        },
        "consentimiento": {
            "version_del_aviso": person.consent_version,
            "fecha": person.consent_at.isoformat(),
        },
    }


async def erase(uow: UnitOfWork, telegram_id: int, now: datetime | None = None) -> bool:
    """Cancellation (Ley N° 29733): name, phone, Telegram id and organisation link are erased, and
    what the person contributed stays only as anonymous contributions (region and type of
    organisation, which the statistics count). The organisation itself stays: it is not personal
    data and others may represent it. The same Telegram account can then start again as new."""
    person = await uow.people.get_by_telegram_id(telegram_id)
    if person is None:
        return False
    await uow.people.erase(person.id, now or utcnow())
    await uow.commit()
    return True
