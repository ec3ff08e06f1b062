"""Broadcasts by organisers (/difundir): audiences within their regions, sent through the outbox."""

from __future__ import annotations

from bot.domain.broadcasts import Audience, AudienceKind, Broadcast, BroadcastStatus, Progress, validate_text
from bot.domain.clock import utcnow
from bot.domain.deliveries import Outgoing, Priority
from bot.domain.errors import InvalidInput, NotFound
from bot.domain.reference import REGION_BY_CODE, Theme
from bot.domain.roles import Forbidden, Roles
from bot.services.ports import UnitOfWork
from bot.services.roles import audit

KIND = "broadcast"


async def check_audience(uow: UnitOfWork, roles: Roles, audience: Audience) -> Audience:
    """The audience exists and lies within the organiser's regions (SGP administrators: anywhere)."""
    roles.require_organiser()
    if audience.kind.is_workshop:
        region = await uow.audiences.workshop_region(audience.target)
        if region is None:
            raise NotFound("workshop")
        roles.require_region(region)
    elif audience.kind is AudienceKind.REGION:
        if audience.target not in REGION_BY_CODE:
            raise InvalidInput("region", "unknown")
        roles.require_region(audience.target)
    elif audience.kind is AudienceKind.THEME:
        if audience.target not in {theme.value for theme in Theme}:
            raise InvalidInput("theme", "unknown")
    return audience


def _regions(roles: Roles) -> frozenset[str] | None:
    """None means every region (an SGP administrator)."""
    return None if roles.admin else roles.organiser_regions


async def audience_options(uow: UnitOfWork, roles: Roles, kind: AudienceKind) -> list[tuple[str, str]]:
    """What an organiser may pick for this kind of audience: (target, label) pairs."""
    roles.require_organiser()
    if kind.is_workshop:
        workshops = await uow.audiences.workshops(_regions(roles), utcnow())
        return [(str(workshop_id), title) for workshop_id, title, _ in workshops]
    if kind is AudienceKind.REGION:
        codes = sorted(REGION_BY_CODE) if roles.admin else sorted(roles.organiser_regions)
        return [(code, REGION_BY_CODE[code].name) for code in codes]
    return [(theme.value, theme.value) for theme in Theme]


async def count_recipients(uow: UnitOfWork, roles: Roles, audience: Audience) -> int:
    await check_audience(uow, roles, audience)
    return len(await uow.audiences.recipients(audience, _regions(roles)))


async def start_broadcast(
    uow: UnitOfWork,
    roles: Roles,
    audience: Audience,
    text: str | None,
    photo: str | None = None,
    document: str | None = None,
) -> Broadcast:
    """Create the broadcast and one outbox delivery per recipient, in one transaction."""
    await check_audience(uow, roles, audience)
    text = validate_text(text, has_media=bool(photo or document))
    recipients = await uow.audiences.recipients(audience, _regions(roles))
    broadcast = await uow.broadcasts.add(roles.telegram_id, audience, text, photo, document, len(recipients))
    payload = {"broadcast_id": broadcast.id, "text": text, "photo": photo, "document": document}
    await uow.outbox.enqueue(
        [
            Outgoing(
                chat_id=telegram_id,
                person_id=person_id,
                kind=KIND,
                payload=payload,
                broadcast_id=broadcast.id,
                dedupe_key=f"broadcast:{broadcast.id}:{person_id}",
                priority=Priority.BULK,
            )
            for person_id, telegram_id in recipients
        ]
    )
    await audit(
        uow, roles.telegram_id, "broadcast.start", f"broadcast:{broadcast.id}",
        audience=audience.kind.value, target=audience.target, recipients=len(recipients),
    )  # fmt: skip
    await uow.commit()
    return broadcast


async def _own(uow: UnitOfWork, roles: Roles, broadcast_id: int) -> Broadcast:
    broadcast = await uow.broadcasts.get(broadcast_id)
    if broadcast is None:
        raise NotFound("broadcast")
    if broadcast.author_telegram_id != roles.telegram_id and not roles.admin:
        raise Forbidden("broadcast")
    return broadcast


async def stop_broadcast(uow: UnitOfWork, roles: Roles, broadcast_id: int) -> int:
    """Stop: every delivery not yet sent is set aside (those in flight finish); the progress job
    then closes the broadcast as detenido with its report. Returns how many were stopped."""
    broadcast = await _own(uow, roles, broadcast_id)
    stopped = await uow.broadcasts.stop(broadcast.id, utcnow())
    await audit(uow, roles.telegram_id, "broadcast.stop", f"broadcast:{broadcast.id}", stopped=stopped)
    await uow.commit()
    return stopped


async def set_progress_message(uow: UnitOfWork, broadcast_id: int, chat_id: int, message_id: int) -> None:
    await uow.broadcasts.set_progress_message(broadcast_id, chat_id, message_id)
    await uow.commit()


async def progress(uow: UnitOfWork, roles: Roles, broadcast_id: int) -> tuple[Broadcast, Progress]:
    broadcast = await _own(uow, roles, broadcast_id)
    return broadcast, await uow.broadcasts.progress(broadcast.id)


async def finish_if_done(uow: UnitOfWork, broadcast_id: int) -> bool:
    """Mark a broadcast terminado once nothing of it is pending or in flight."""
    broadcast = await uow.broadcasts.get(broadcast_id)
    done = broadcast is not None and (await uow.broadcasts.progress(broadcast_id)).done
    if done:
        status = BroadcastStatus.DETENIDO if broadcast.stopped else BroadcastStatus.TERMINADO
        await uow.broadcasts.finish(broadcast_id, status, utcnow())
        await uow.commit()
    return done
