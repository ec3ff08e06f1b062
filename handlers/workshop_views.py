"""Texts of the workshops feature. Translate first, then format; organisers' and people's values
(titles, venues, names) are escaped. Dates are shown in Lima time, in the reader's language."""

from __future__ import annotations

from datetime import datetime
from html import escape

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.domain.clock import utcnow
from bot.domain.workshops import Counts, Registrant, Registration, RegistrationStatus, Workshop
from bot.i18n import format_when
from bot.services.workshops import Roster, WorkshopInfo
from handlers.labels import region_label, theme_label

LIST_LIMIT = 3800  # Telegram allows 4096 characters in a message


def when(moment: datetime, locale: str) -> str:
    return _("{when} (hora de Lima)").format(when=format_when(moment, locale))


def seats_text(capacity: int, counts: Counts) -> str:
    left = capacity - counts.holding
    if left > 0:
        return ngettext("queda {n} cupo", "quedan {n} cupos", left).format(n=left)
    return ngettext("lista de espera: {n} persona", "lista de espera: {n} personas", counts.waiting).format(
        n=counts.waiting
    )


def card(workshop: Workshop, locale: str, counts: Counts | None = None) -> str:
    lines = [
        f"<b>{escape(workshop.title)}</b>",
        "📅 " + when(workshop.starts_at, locale),
        "📍 "
        + _("{venue}, {address} ({region})").format(
            venue=escape(workshop.venue_name),
            address=escape(workshop.venue_address),
            region=region_label(workshop.region_code),
        ),
    ]
    if workshop.themes:
        lines.append("🏷 " + ", ".join(theme_label(theme) for theme in workshop.themes))
    if counts is not None:
        if workshop.registration_state(utcnow()) in ("closed", "done"):
            lines.append("🔒 " + _("inscripciones cerradas"))
        else:
            lines.append("🎟 " + seats_text(workshop.capacity, counts))
    return "\n".join(lines)


def mine_text(info: WorkshopInfo) -> str | None:
    if info.mine is None:
        return None
    return registration_status(info.mine, info.position, None)


def registration_status(registration: Registration, position: int | None, locale: str | None) -> str:
    status = registration.status
    if status is RegistrationStatus.CONFIRMADA:
        if registration.attended_at is not None:
            return _("✅ Tu asistencia está registrada.")
        return _("✅ Tienes tu cupo confirmado.")
    if status is RegistrationStatus.EN_ESPERA:
        return _("⏳ Estás en la lista de espera: tu lugar es el {position}.").format(
            position=position or "?"
        )
    if status is RegistrationStatus.OFRECIDA:
        if locale and registration.offer_expires_at:
            return _("🎟 Hay un cupo reservado para ti hasta el {deadline}. Acéptalo o libéralo.").format(
                deadline=format_when(registration.offer_expires_at, locale)
            )
        return _("🎟 Hay un cupo reservado para ti. Acéptalo o libéralo.")
    return _("Tu inscripción no está activa.")


def workshop_list(infos: list[WorkshopInfo], locale: str) -> str:
    if not infos:
        return _(
            "Por ahora no hay talleres programados. Te avisaremos cuando se publique uno en tu región "
            "(puedes activar o desactivar esos avisos con /avisos)."
        )
    lines = [_("<b>📅 Próximos talleres</b>"), ""]
    for number, info in enumerate(infos, start=1):
        block = f"{number}. " + card(info.workshop, locale, info.counts)
        mine = mine_text(info)
        if mine:
            block += "\n" + mine
        if len("\n".join(lines)) + len(block) > LIST_LIMIT:
            lines.append(_("… y más talleres."))
            break
        lines += [block, ""]
    lines.append(_("Toca un taller para ver el detalle e inscribirte."))
    return "\n".join(lines)


def detail(info: WorkshopInfo, locale: str) -> str:
    workshop = info.workshop
    lines = [card(workshop, locale, info.counts)]
    if workshop.description:
        lines += ["", escape(workshop.description)]
    lines += [
        "",
        _("🕘 Inscripciones hasta el {date}.").format(
            date=format_when(workshop.registration_closes_at, locale)
        ),
    ]
    mine = mine_text(info)
    if mine:
        lines += ["", mine]
    return "\n".join(lines)


def registered(workshop: Workshop, locale: str) -> str:
    return _(
        "✅ ¡Listo! Tu inscripción en <b>{title}</b> está confirmada.\n\n"
        "📅 {when}\n📍 {venue}, {address}\n\n"
        "Te recordaremos el taller antes de que empiece. Si no puedes ir, cancela tu inscripción con "
        "/misinscripciones para que otra persona use tu cupo."
    ).format(
        title=escape(workshop.title),
        when=when(workshop.starts_at, locale),
        venue=escape(workshop.venue_name),
        address=escape(workshop.venue_address),
    )


def waiting(workshop: Workshop, position: int, offer_hours: float) -> str:
    return _(
        "⏳ El taller <b>{title}</b> está lleno. Estás en la lista de espera: tu lugar es el {position}.\n\n"
        "Si se libera un cupo te lo ofreceremos por aquí y tendrás {hours} horas para aceptarlo. "
        "Puedes salir de la lista con /misinscripciones."
    ).format(title=escape(workshop.title), position=position, hours=_hours(offer_hours))


def _hours(hours: float) -> str:
    return str(int(hours)) if hours == int(hours) else f"{hours:.2f}".rstrip("0")


def already(workshop: Workshop, registration: Registration, position: int | None, locale: str) -> str:
    return _("Ya estás en <b>{title}</b>. {status}").format(
        title=escape(workshop.title), status=registration_status(registration, position, locale)
    )


def full(workshop: Workshop, waiting_count: int) -> str:
    return _(
        "El taller <b>{title}</b> ya no tiene cupos. ¿Quieres entrar a la lista de espera? Personas "
        "en espera ahora: {n}. Si se libera un cupo, te lo ofreceremos por orden de llegada."
    ).format(title=escape(workshop.title), n=waiting_count)


def cancelled(workshop: Workshop) -> str:
    return _(
        "Listo, cancelamos tu inscripción en <b>{title}</b>. Si tenías cupo, pasa a la siguiente "
        "persona de la lista de espera. Gracias por avisar."
    ).format(title=escape(workshop.title))


def accepted(workshop: Workshop, locale: str) -> str:
    return registered(workshop, locale)


def released(workshop: Workshop) -> str:
    return _("Listo, liberaste el cupo en <b>{title}</b>; se lo ofrecemos a la siguiente persona.").format(
        title=escape(workshop.title)
    )


def my_registrations(items: list[tuple[Registration, Workshop, int | None]], locale: str) -> str:
    if not items:
        return _("No tienes inscripciones en talleres próximos. Mira los talleres con /talleres.")
    lines = [_("<b>🗓 Mis inscripciones</b>"), ""]
    for number, (registration, workshop, position) in enumerate(items, start=1):
        lines.append(f"{number}. <b>{escape(workshop.title)}</b>")
        lines.append("📅 " + when(workshop.starts_at, locale))
        if workshop.status == "cancelado":
            lines.append(_("❌ Este taller fue cancelado."))
        else:
            lines.append(registration_status(registration, position, locale))
        lines.append("")
    return "\n".join(lines).strip()


def calendar_caption(workshop: Workshop) -> str:
    return _("📅 Abre este archivo para agregar <b>{title}</b> a tu calendario.").format(
        title=escape(workshop.title)
    )


def calendar_description(workshop: Workshop) -> str:
    themes = ", ".join(theme_label(theme) for theme in workshop.themes)
    return _(
        "Taller de Gobierno Abierto organizado por la Secretaría de Gestión Pública. Temas: {themes}."
    ).format(themes=themes)


def materials(workshop: Workshop) -> str:
    return _("📎 Materiales de <b>{title}</b>. Toca uno para abrirlo.").format(title=escape(workshop.title))


def no_materials() -> str:
    return _("Este taller todavía no tiene materiales.")


def announcements(on: bool) -> str:
    if on:
        return _(
            "🔔 Listo: te avisaremos cuando se publique un taller en tu región. Para dejarlo, "
            "escribe /avisos."
        )
    return _(
        "🔕 Listo: ya no te avisaremos de los talleres nuevos. Para volver a recibir avisos, escribe /avisos."
    )


def refused(reason: str, **details: object) -> str:
    texts = {
        "closed": _("Las inscripciones para este taller ya cerraron."),
        "not_yet": _("Las inscripciones para este taller todavía no abren."),
        "cancelled": _("Este taller fue cancelado."),
        "done": _("Este taller ya empezó o ya terminó."),
        "not_active": _("Esa inscripción ya no está activa; no cambiamos nada."),
        "not_offered": _("Ese cupo ya no está reservado para ti; no cambiamos nada."),
        "offer_expired": _(
            "El plazo para aceptar ese cupo ya venció y pasó a la siguiente persona de la lista. Si todavía "
            "quieres ir, vuelve a inscribirte con /talleres."
        ),
        "checkin_closed": _(
            "El registro de asistencia de este taller no está abierto ahora: se abre 3 horas antes del "
            "inicio y se cierra 3 horas después del final."
        ),
        "no_seats": _(
            "No quedan cupos en este taller, así que no pudimos registrar tu asistencia. Acércate a la mesa "
            "de registro."
        ),
        "past": _("Esa fecha ya pasó. Escribe una fecha futura."),
        "profile": _("Primero completa tu perfil: escribe /start."),
    }
    if reason == "capacity_below":
        return _(
            "No puedes dejar menos cupos que las personas que ya tienen uno ({taken}). Escribe un número "
            "igual o mayor."
        ).format(taken=details.get("taken", "?"))
    return texts.get(reason, _("No se pudo hacer eso ahora."))


def not_found() -> str:
    return _("Ese taller o esa inscripción ya no existe. Escribe /talleres para ver la lista actual.")


def not_yours() -> str:
    return _("Ese botón no corresponde a tu cuenta; no cambiamos nada.")


def not_allowed() -> str:
    return _("Solo el equipo organizador de la región de ese taller puede hacer esto; no cambiamos nada.")


def organisers_only() -> str:
    return _("Este comando es para el equipo organizador de los talleres.")


def profile_first() -> str:
    return _("Primero completa tu perfil: escribe /start.")


# --------------------------------------------------------------------------- check-in


def checked_in(workshop: Workshop, outcome: str) -> str:
    title = escape(workshop.title)
    if outcome == "already":
        return _(
            "Tu asistencia a <b>{title}</b> ya estaba registrada. No hace falta volver a escanear."
        ).format(title=title)
    if outcome == "registered":
        return _(
            "✅ Te inscribimos en <b>{title}</b> y registramos tu asistencia. ¡Te damos la bienvenida!"
        ).format(title=title)
    return _("✅ Registramos tu asistencia a <b>{title}</b>. ¡Te damos la bienvenida!").format(title=title)


def checkin_unknown() -> str:
    return _("Ese código de asistencia no es válido. Pide al equipo organizador el código del taller.")


def checkin_needs_profile() -> str:
    return _(
        "Para registrar tu asistencia primero necesitamos tu perfil. Complétalo aquí (son cuatro pasos) y "
        "luego vuelve a escanear el código QR del taller."
    )


# --------------------------------------------------------------------------- organisers


def choose_workshop(purpose: str) -> str:
    if purpose == "roster":
        return _("¿De qué taller quieres ver las personas inscritas?")
    return _("¿De qué taller quieres registrar la asistencia?")


def no_managed_workshops() -> str:
    return _("No hay talleres próximos en tus regiones.")


def manage(info: WorkshopInfo, locale: str) -> str:
    counts = info.counts
    return "\n".join(
        [
            _("<b>⚙️ Gestionar taller</b>"),
            "",
            card(info.workshop, locale),
            "",
            counts_text(info.workshop, counts),
            "",
            _("¿Qué quieres hacer?"),
        ]
    )


def counts_text(workshop: Workshop, counts: Counts) -> str:
    return _(
        "Con cupo: {confirmed} de {capacity} · En espera: {waiting} · Cupos ofrecidos: {offered} · "
        "Presentes: {present}"
    ).format(
        confirmed=counts.confirmed,
        capacity=workshop.capacity,
        waiting=counts.waiting,
        offered=counts.offered,
        present=counts.present,
    )


def _person(registrant: Registrant) -> str:
    name = escape(registrant.full_name or _("(sin nombre)"))
    if registrant.organisation:
        return f"{name} — {escape(registrant.organisation)}"
    return name


def roster(data: Roster, locale: str) -> str:
    lines = [f"<b>👥 {escape(data.workshop.title)}</b>", "📅 " + when(data.workshop.starts_at, locale), ""]
    lines += [counts_text(data.workshop, data.counts), ""]

    def having(status: RegistrationStatus) -> list[Registrant]:
        return [r for r in data.registrants if r.registration.status is status]

    sections = (
        (_("<b>Con cupo</b>"), having(RegistrationStatus.CONFIRMADA)),
        (_("<b>Cupo ofrecido</b>"), having(RegistrationStatus.OFRECIDA)),
        (_("<b>En lista de espera</b>"), having(RegistrationStatus.EN_ESPERA)),
    )
    shown = 0
    for title, people in sections:
        if not people:
            continue
        lines.append(title)
        for number, registrant in enumerate(people, start=1):
            present = " ✅" if registrant.registration.attended_at else ""
            line = f"{number}. {_person(registrant)}{present}"
            if len("\n".join(lines)) + len(line) > LIST_LIMIT:
                rest = len(data.registrants) - shown
                lines.append(_("… y {n} más.").format(n=rest))
                return "\n".join(lines)
            lines.append(line)
            shown += 1
        lines.append("")
    if not data.registrants:
        lines.append(_("Todavía no hay personas inscritas."))
    lines.append(_("✅ = asistencia registrada"))
    return "\n".join(lines)


def attendance_caption(workshop: Workshop, link: str) -> str:
    return _(
        "<b>📋 Asistencia: {title}</b>\n\nMuestra este código QR en la entrada: quien lo escanee con su "
        "celular queda registrado como presente. También puedes compartir el enlace:\n{link}"
    ).format(title=escape(workshop.title), link=escape(link))


def attendance_list(data: Roster) -> str:
    confirmed = [r for r in data.registrants if r.registration.status is RegistrationStatus.CONFIRMADA]
    present = sum(1 for r in confirmed if r.registration.attended_at)
    return _(
        "Presentes: {present} de {confirmed} personas con cupo. Toca el nombre de quien llegó sin "
        "escanear el código para marcar su asistencia."
    ).format(present=present, confirmed=len(confirmed))


def marked(name: str | None, newly: bool) -> str:
    if newly:
        return _("Asistencia registrada: {name}").format(name=name or "")
    return _("Esa asistencia ya estaba registrada.")


def ask_capacity(workshop: Workshop, counts: Counts) -> str:
    return _(
        "Escribe el nuevo número de cupos de <b>{title}</b> (ahora: {capacity}; con cupo o cupo ofrecido: "
        "{taken}). Para dejarlo así, escribe /cancelar."
    ).format(title=escape(workshop.title), capacity=workshop.capacity, taken=counts.holding)


def ask_starts_at(workshop: Workshop, locale: str) -> str:
    return _(
        "Escribe la nueva fecha y hora de inicio de <b>{title}</b>, en hora de Lima, así: 24/12/2026 09:00 "
        "(ahora: {when}). La duración se mantiene. Para dejarlo así, escribe /cancelar."
    ).format(title=escape(workshop.title), when=format_when(workshop.starts_at, locale))


def bad_number() -> str:
    return _("Escribe solo un número entero mayor que cero, por ejemplo 80.")


def bad_date() -> str:
    return _("No entendí la fecha. Escríbela así: 24/12/2026 09:00 (día, mes, año y hora, en hora de Lima).")


def capacity_changed(workshop: Workshop) -> str:
    return _(
        "Listo: <b>{title}</b> tiene ahora {capacity} cupos. Si se abrieron cupos, se ofrecen a la lista "
        "de espera por orden de llegada."
    ).format(title=escape(workshop.title), capacity=workshop.capacity)


def schedule_changed(workshop: Workshop, locale: str) -> str:
    return _(
        "Listo: <b>{title}</b> ahora empieza el {when}. Avisamos a las personas inscritas y en espera, y "
        "movimos sus recordatorios."
    ).format(title=escape(workshop.title), when=when(workshop.starts_at, locale))


def confirm_cancel(workshop: Workshop) -> str:
    return _(
        "¿Seguro que quieres cancelar <b>{title}</b>? Avisaremos a todas las personas inscritas y en "
        "espera. No se puede deshacer desde el chat."
    ).format(title=escape(workshop.title))


def workshop_cancelled(workshop: Workshop) -> str:
    return _("Listo: cancelamos <b>{title}</b> y avisamos a las personas inscritas y en espera.").format(
        title=escape(workshop.title)
    )


def kept() -> str:
    return _("Listo, no cambiamos nada.")


# --------------------------------------------------------------------------- outbox messages


def announcement(workshop: Workshop, locale: str) -> str:
    return "\n".join(
        [
            _("📢 <b>Nuevo taller en {region}</b>").format(region=region_label(workshop.region_code)),
            "",
            card(workshop, locale),
            "",
            _("Inscríbete desde aquí. Para dejar de recibir estos avisos, escribe /avisos."),
        ]
    )


def reminder(workshop: Workshop, locale: str) -> str:
    return _(
        "⏰ <b>Recordatorio:</b> te esperamos en <b>{title}</b>.\n\n📅 {when}\n📍 {venue}, {address}\n\n"
        "Si ya no puedes ir, cancela tu inscripción para que otra persona use tu cupo."
    ).format(
        title=escape(workshop.title),
        when=when(workshop.starts_at, locale),
        venue=escape(workshop.venue_name),
        address=escape(workshop.venue_address),
    )


def offer(workshop: Workshop, deadline: datetime, locale: str) -> str:
    return _(
        "🎟 ¡Se liberó un cupo en <b>{title}</b> ({when})! Lo reservamos para ti hasta el {deadline}. "
        "¿Lo aceptas? Si no respondes a tiempo, pasará a la siguiente persona de la lista."
    ).format(
        title=escape(workshop.title),
        when=when(workshop.starts_at, locale),
        deadline=format_when(deadline, locale),
    )


def offer_expired(workshop: Workshop) -> str:
    return _(
        "El plazo para aceptar el cupo en <b>{title}</b> venció y pasó a la siguiente persona de la lista. "
        "Si todavía quieres ir, puedes volver a inscribirte con /talleres."
    ).format(title=escape(workshop.title))


def workshop_cancelled_notice(workshop: Workshop, locale: str) -> str:
    return _(
        "❌ El taller <b>{title}</b> del {when} fue cancelado. Lo sentimos. Te avisaremos de los próximos "
        "talleres de tu región."
    ).format(title=escape(workshop.title), when=format_when(workshop.starts_at, locale))


def workshop_moved_notice(workshop: Workshop, previous: datetime, locale: str, waiting_list: bool) -> str:
    text = _(
        "🕒 <b>Cambio de fecha:</b> el taller <b>{title}</b> ahora es el {when} (antes: {previous}).\n"
        "📍 {venue}, {address}"
    ).format(
        title=escape(workshop.title),
        when=when(workshop.starts_at, locale),
        previous=format_when(previous, locale),
        venue=escape(workshop.venue_name),
        address=escape(workshop.venue_address),
    )
    if waiting_list:
        return text + "\n\n" + _("Sigues en la lista de espera.")
    return text + "\n\n" + _("Si ya no puedes ir, cancela tu inscripción con /misinscripciones.")


def threshold(workshop: Workshop, percent: int, confirmed: int, capacity: int) -> str:
    return _("📊 <b>{title}</b>: {confirmed} de {capacity} cupos confirmados (llegó al {percent} %).").format(
        title=escape(workshop.title), percent=percent, confirmed=confirmed, capacity=capacity
    )
