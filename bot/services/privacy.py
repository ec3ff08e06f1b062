"""Rights under Ley N° 29733 from inside the bot: access (/misdatos) and cancellation (/borrarmisdatos)."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from bot.domain.clock import utcnow
from bot.domain.errors import DomainError
from bot.domain.reference import ORG_TYPE_NAMES, REGION_BY_CODE
from bot.services import workshops
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
        "inscripciones": [
            {
                "taller": workshop.title if workshop else None,
                "codigo_taller": workshop.code if workshop else None,
                "estado": registration.status.value,
                "inscrito_el": registration.created_at.isoformat(),
                "asistencia": registration.attended_at.isoformat() if registration.attended_at else None,
            }
            for registration in await uow.registrations.of_person(person.id)
            for workshop in [await uow.workshops.get(registration.workshop_id)]
        ],
        "opiniones": [
            {
                "version_del_compromiso": feedback.version_id,
                "canal": feedback.channel.value,
                "apoyo": feedback.answers.support.value if feedback.answers.support else None,
                "criterios_smart": {c.value: r.value for c, r in feedback.answers.ratings.items()},
                "comentario": feedback.answers.comment,
                "oculto": feedback.hidden,
                "fecha": feedback.updated_at.isoformat(),
            }
            for feedback in await uow.feedback.all_of_person(person.id)
        ],
        "propuestas": [
            {
                "numero": proposal.id,
                "eje": proposal.theme,
                "region_codigo": proposal.region_code,
                "problema": proposal.problem,
                "propuesta": proposal.proposal,
                "entidad_responsable": proposal.responsible,
                "disposicion": proposal.disposition.value if proposal.disposition else None,
                "fecha": proposal.created_at.isoformat(),
            }
            for proposal in await uow.proposals.all_of_person(person.id)
        ],
        "mensajes_recibidos": [
            {"tipo": kind, "estado": status, "fecha": (sent_at or created_at).isoformat()}
            for kind, status, sent_at, created_at in await uow.outbox.of_person(person.id)
        ],
    }


async def erase(uow: UnitOfWork, telegram_id: int, now: datetime | None = None) -> bool:
    """Cancellation (Ley N° 29733): name, phone, Telegram id and organisation link are erased, and
    what the person contributed stays only as anonymous contributions (region and type of
    organisation, which the statistics count). The organisation itself stays: it is not personal
    data and others may represent it. The same Telegram account can then start again as new."""
    person = await uow.people.get_by_telegram_id(telegram_id)
    if person is None:
        return False
    # Future registrations are cancelled first, so their seats go to the people waiting.
    for registration, _workshop, _position in await workshops.my_registrations(uow, telegram_id, now):
        if registration.active:
            with contextlib.suppress(DomainError):  # a workshop already under way keeps its record
                await workshops.cancel(uow, telegram_id, registration.id, now=now)
    await uow.people.erase(person.id, now or utcnow())
    await uow.commit()
    return True
