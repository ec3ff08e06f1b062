"""Texts of the consultation: commitments, opinions, proposals, dispositions.

Translate first, then format; every value typed by a person (or written in a loaded file) is escaped.
"""

from __future__ import annotations

import re
from datetime import datetime
from html import escape, unescape

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n import ngettext

from bot.domain.commitments import (
    COMMENT_MAX,
    SMART,
    Answers,
    Channel,
    CommitmentCard,
    Consultation,
    Criterion,
    Disposition,
    OpenGovValue,
    Phase,
    Rating,
    Support,
)
from bot.i18n import format_when
from bot.services.commitments import Overview, Page, Reading
from bot.services.dispositions import Comments, Pending
from handlers.labels import region_label, theme_label

MESSAGE_LIMIT = 4096
COMMENT_EXCERPT = 300

_SUPPORT = {
    Support.DE_ACUERDO: __("De acuerdo"),
    Support.CON_CAMBIOS: __("De acuerdo con cambios"),
    Support.EN_DESACUERDO: __("En desacuerdo"),
}
_RATING = {
    Rating.CUMPLE: __("Cumple"),
    Rating.EN_PARTE: __("En parte"),
    Rating.NO_CUMPLE: __("No cumple"),
    Rating.NO_SE: __("No sé"),
}
_CRITERION = {
    Criterion.ESPECIFICO: __("Específico"),
    Criterion.MEDIBLE: __("Medible"),
    Criterion.REALIZABLE: __("Realizable"),
    Criterion.REALISTA: __("Realista"),
    Criterion.PLAZOS: __("Con plazos establecidos"),
}
_CRITERION_HINT = {
    Criterion.ESPECIFICO: __("¿Dice con claridad qué se hará y qué problema público atiende?"),
    Criterion.MEDIBLE: __("¿Se podrá comprobar su avance con metas, cifras o productos concretos?"),
    Criterion.REALIZABLE: __("¿La entidad responsable tiene las competencias y los recursos para cumplirlo?"),
    Criterion.REALISTA: __("¿Es posible lograrlo con el presupuesto y en el tiempo que dura el plan?"),
    Criterion.PLAZOS: __("¿Sus actividades tienen fechas o plazos para cumplirse?"),
}
_VALUE = {
    OpenGovValue.TRANSPARENCIA: __("Transparencia y acceso a la información"),
    OpenGovValue.PARTICIPACION: __("Participación ciudadana"),
    OpenGovValue.RENDICION_CUENTAS: __("Rendición de cuentas"),
    OpenGovValue.TECNOLOGIA_INNOVACION: __("Tecnología e innovación"),
}
_DISPOSITION = {
    Disposition.INCORPORADO: __("Incorporado"),
    Disposition.MODIFICADO: __("Modificado"),
    Disposition.DESESTIMADO: __("Desestimado"),
}
_DISPOSITION_MEANING = {
    Disposition.INCORPORADO: __("pasa al Plan de Acción"),
    Disposition.MODIFICADO: __("pasa al Plan de Acción con cambios"),
    Disposition.DESESTIMADO: __("no pasa al Plan de Acción"),
}


_CHANNEL = {
    Channel.TELEGRAM: __("Telegram"),
    Channel.FORO: __("foro virtual"),
    Channel.CORREO: __("correo"),
    Channel.TALLER: __("taller"),
}


def channel_label(value: Channel | str) -> str:
    return str(_CHANNEL[Channel(value)])


def support_label(value: Support | str) -> str:
    return str(_SUPPORT[Support(value)])


def rating_label(value: Rating | str) -> str:
    return str(_RATING[Rating(value)])


def criterion_label(value: Criterion | str) -> str:
    return str(_CRITERION[Criterion(value)])


def disposition_label(value: Disposition | str) -> str:
    return str(_DISPOSITION[Disposition(value)])


def disposition_meaning(value: Disposition | str) -> str:
    return str(_DISPOSITION_MEANING[Disposition(value)])


# -- splitting long messages ---------------------------------------------------------------------
def visible_length(html: str) -> int:
    """The length Telegram counts: the text without tags, entities decoded, in UTF-16 code units."""
    plain = unescape(re.sub(r"<[^>]+>", "", html))
    return len(plain.encode("utf-16-le")) // 2


def _pieces(block: str, limit: int, separator: str) -> list[str]:
    """Split a block on `separator` into parts that each fit, splitting further where they do not."""
    parts: list[str] = []
    current = ""
    for part in block.split(separator):
        if visible_length(part) > limit:
            if current:
                parts.append(current)
                current = ""
            if separator == "\n":
                parts.extend(_pieces(part, limit, " "))
            else:  # one word longer than a message: cut it (never inside a tag: words carry none)
                parts.extend(part[i : i + limit] for i in range(0, len(part), limit))
            continue
        candidate = f"{current}{separator}{part}" if current else part
        if visible_length(candidate) <= limit:
            current = candidate
        else:
            parts.append(current)
            current = part
    if current:
        parts.append(current)
    return parts


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split a long HTML text into messages at paragraph boundaries (then lines, then words).

    Paragraphs are separated by a blank line and each one closes its own tags, so every part is
    valid HTML on its own.
    """
    chunks: list[str] = []
    current = ""
    for paragraph in text.split("\n\n"):
        pieces = [paragraph] if visible_length(paragraph) <= limit else _pieces(paragraph, limit, "\n")
        for piece in pieces:
            candidate = f"{current}\n\n{piece}" if current else piece
            if visible_length(candidate) <= limit:
                current = candidate
            else:
                if current:
                    chunks.append(current)
                current = piece
    if current:
        chunks.append(current)
    return chunks


# -- browsing ------------------------------------------------------------------------------------
def consultation_line(consultation: Consultation | None, now: datetime, locale: str) -> str:
    if consultation is None:
        return ""
    title = escape(consultation.title)
    phase = consultation.phase(now)
    if phase is Phase.OPEN:
        return _("🟢 La consulta «{title}» está abierta hasta el {date}.").format(
            title=title, date=format_when(consultation.closes_at, locale)
        )
    if phase is Phase.PENDING:
        return _("🕒 La consulta «{title}» abre el {date}. Ya puedes leer los compromisos.").format(
            title=title, date=format_when(consultation.opens_at, locale)
        )
    return _(
        "🔒 La consulta «{title}» cerró el {date}. Puedes leer los compromisos, pero ya no se reciben "
        "opiniones."
    ).format(title=title, date=format_when(consultation.closes_at, locale))


def themes(overview: Overview, now: datetime, locale: str) -> str:
    lines = [
        _("<b>📝 Compromisos en borrador</b>"),
        "",
        _(
            "Estos son los compromisos propuestos para el Plan de Acción de Gobierno Abierto. Léelos y "
            "dinos si cumplen los criterios SMART, cuánto los apoyas y qué cambiarías."
        ),
    ]
    line = consultation_line(overview.consultation, now, locale)
    if line:
        lines += ["", line]
    lines += ["", _("Elige un tema:")]
    return "\n".join(lines)


def theme_button(theme: str, count: int) -> str:
    return _("{theme} ({count})").format(theme=theme_label(theme), count=count)


def theme_page(page: Page) -> str:
    title = _("<b>{theme}</b>").format(theme=theme_label(page.theme))
    if not page.total:
        return title + "\n\n" + _("Todavía no hay compromisos en borrador sobre este tema.")
    count = ngettext("{count} compromiso", "{count} compromisos", page.total).format(count=page.total)
    lines = [f"{title} · {count}"]
    if page.pages > 1:
        lines.append(_("Página {page} de {pages}").format(page=page.page + 1, pages=page.pages))
    lines.append("")
    for card in page.cards:
        lines.append(f"<b>{escape(card.commitment.code)}</b> · {escape(card.version.text.title)}")
    lines += ["", _("Toca un compromiso para leerlo y opinar.")]
    return "\n".join(lines)


def commitment_button(card: CommitmentCard) -> str:
    title = card.version.text.title
    short = title if len(title) <= 48 else title[:47].rstrip() + "…"
    return f"{card.commitment.code} · {short}"


def commitment_detail(reading: Reading, now: datetime, locale: str) -> list[str]:
    """The commitment in full, as one or more messages (split at paragraph boundaries)."""
    card = reading.card
    text = card.version.text
    header = [f"<b>📄 {escape(card.commitment.code)} · {escape(text.title)}</b>"]
    facts = _("Tema: {theme} · Versión {number}").format(
        theme=theme_label(card.commitment.theme), number=card.version.number
    )
    if card.commitment.anticorruption:
        facts += " · " + _("🛡️ Anticorrupción")
    header.append(facts)
    activities = "\n".join(f"{n}. {escape(activity)}" for n, activity in enumerate(text.activities, 1))
    values = "\n".join(f"• {_VALUE[value]}" for value in text.values)
    paragraphs = [
        "\n".join(header),
        _("<b>Problema público</b>") + "\n" + escape(text.problem),
        _("<b>Objetivo</b>") + "\n" + escape(text.objective),
        _("<b>Actividades</b>") + "\n" + activities,
        _("<b>Entidad responsable</b>") + "\n" + escape(text.responsible),
        _("<b>Valores de Gobierno Abierto</b>") + "\n" + values,
    ]
    status = [consultation_line(card.consultation, now, locale)]
    if reading.own is not None:
        when = format_when(reading.own.updated_at, locale)
        if reading.phase is Phase.OPEN:
            status.append(
                _("✅ Diste tu opinión el {date}. Puedes cambiarla hasta el {closes}.").format(
                    date=when, closes=format_when(card.consultation.closes_at, locale)
                )
            )
        else:
            status.append(_("✅ Diste tu opinión el {date}.").format(date=when))
    if card.commitment.disposition is not None:
        status.append(
            _("⚖️ Decisión de la SGP: <b>{disposition}</b> ({meaning}). Motivo: {reason}").format(
                disposition=disposition_label(card.commitment.disposition),
                meaning=disposition_meaning(card.commitment.disposition),
                reason=escape(card.commitment.disposition_reason or ""),
            )
        )
    paragraphs.append("\n".join(line for line in status if line))
    return split_message("\n\n".join(paragraphs))


# -- refusals (alerts: at most 200 characters) --------------------------------------------------
def not_open_yet(opens_at: datetime, locale: str) -> str:
    return _("La consulta de este compromiso abre el {date}. Todavía no se reciben opiniones.").format(
        date=format_when(opens_at, locale)
    )


def closed(closes_at: datetime, locale: str) -> str:
    return _(
        "La consulta de este compromiso cerró el {date}. Ya no se reciben opiniones: no guardamos nada."
    ).format(date=format_when(closes_at, locale))


def withdrawn() -> str:
    return _("La SGP retiró este compromiso de la consulta. Ya no se reciben opiniones sobre él.")


def version_changed() -> str:
    return _("Este compromiso cambió: hay una versión nueva. Ábrelo otra vez desde /compromisos para opinar.")


def not_found() -> str:
    return _("Ese compromiso ya no está disponible. Escribe /compromisos para ver los vigentes.")


def profile_needed() -> str:
    return _("Para opinar o proponer necesitamos tu perfil. Completémoslo primero.")


# -- the opinion, step by step --------------------------------------------------------------------
def ask_support(code: str) -> str:
    return _("<b>Tu opinión sobre {code}</b>\n\n<b>1/7</b> ¿Estás de acuerdo con este compromiso?").format(
        code=escape(code)
    )


def ask_criterion(criterion: Criterion) -> str:
    step = SMART.index(criterion) + 2
    intro = ""
    if criterion is Criterion.ESPECIFICO:
        intro = _("Ahora, los criterios SMART con que se evalúan los compromisos.") + "\n\n"
    return intro + _("<b>{step}/7 · {criterion}</b>\n{hint}\n\n¿El compromiso cumple este criterio?").format(
        step=step, criterion=criterion_label(criterion), hint=_CRITERION_HINT[criterion]
    )


def ask_comment() -> str:
    return _(
        "<b>7/7 · Comentario</b>\n¿Qué cambiarías o agregarías? Escríbelo en un mensaje (hasta {limit} "
        "caracteres), o toca «Sin comentario»."
    ).format(limit=COMMENT_MAX)


def no_comment_label() -> str:
    return _("Sin comentario")


def comment_too_long(length: int) -> str:
    return _(
        "Tu comentario tiene {length} caracteres y el máximo es {limit}. Acórtalo y envíalo de nuevo: tus "
        "respuestas anteriores siguen guardadas."
    ).format(length=length, limit=COMMENT_MAX)


def answered(question: str, answer: str) -> str:
    return f"{question}\n→ <b>{escape(answer)}</b>"


def summary(code: str, title: str, answers: Answers) -> str:
    lines = [
        _("<b>Revisa tu opinión sobre {code}</b>").format(code=escape(code)),
        f"«{escape(title)}»",
        "",
        _("Apoyo: <b>{value}</b>").format(value=support_label(answers.support) if answers.support else "—"),
    ]
    for criterion in SMART:
        rating = answers.rating(criterion)
        lines.append(f"{criterion_label(criterion)}: <b>{rating_label(rating) if rating else '—'}</b>")
    lines.append(
        _("Comentario: {value}").format(
            value=escape(answers.comment) if answers.comment else _("sin comentario")
        )
    )
    lines += ["", _("Si todo está bien, toca «Confirmar». Para cambiar una respuesta, toca su botón.")]
    return "\n".join(lines)


def saved(code: str, created: bool, closes_at: datetime, locale: str) -> str:
    if created:
        return _(
            "✅ ¡Gracias! Guardamos tu opinión sobre {code}. Puedes cambiarla con «Editar mi opinión» hasta "
            "el {date}."
        ).format(code=escape(code), date=format_when(closes_at, locale))
    return _("✅ Actualizamos tu opinión sobre {code}. También guardamos tus respuestas anteriores.").format(
        code=escape(code)
    )


# -- proposals -----------------------------------------------------------------------------------
def ask_proposal_theme() -> str:
    return _(
        "<b>💡 Proponer un compromiso</b>\n\nCuéntanos un problema público y qué propones para resolverlo. "
        "La SGP revisa cada propuesta y te dirá qué decidió.\n\n<b>1/5</b> ¿De qué tema es tu propuesta?"
    )


def ask_proposal_region() -> str:
    return _("<b>2/5</b> ¿En qué región se presenta el problema?")


def your_region(code: str) -> str:
    return _("📍 {region} (tu región)").format(region=region_label(code))


def ask_problem(limit: int) -> str:
    return _(
        "<b>3/5</b> ¿Cuál es el problema público? Descríbelo en un mensaje (hasta {limit} caracteres)."
    ).format(limit=limit)


def ask_proposal_text(limit: int) -> str:
    return _("<b>4/5</b> ¿Qué propones para resolverlo? (hasta {limit} caracteres)").format(limit=limit)


def unknown_label() -> str:
    return _("No sé")


def ask_responsible() -> str:
    return _(
        "<b>5/5</b> ¿Qué entidad debería encargarse? Por ejemplo: MINSA, MINEDU, el gobierno regional o la "
        "municipalidad. Si no sabes, toca «No sé»."
    )


def proposal_summary(draft: dict) -> str:
    responsible = draft.get("responsible")
    return "\n".join(
        [
            _("<b>Revisa tu propuesta</b>"),
            "",
            _("Tema: {value}").format(value=theme_label(draft["theme"])),
            _("Región: {value}").format(value=region_label(draft["region"])),
            "",
            _("<b>Problema</b>"),
            escape(draft["problem"]),
            "",
            _("<b>Propuesta</b>"),
            escape(draft["proposal"]),
            "",
            _("<b>Entidad responsable sugerida</b>"),
            escape(responsible) if responsible else _("no indicada"),
            "",
            _("¿La enviamos a la SGP?"),
        ]
    )


def proposal_saved(number: int) -> str:
    return _(
        "✅ ¡Gracias! Recibimos tu propuesta N° {number}. La SGP la revisará junto con los aportes de los "
        "talleres y del foro, y te contaremos aquí qué decidió."
    ).format(number=number)


def proposal_dropped() -> str:
    return _("Listo, descartamos la propuesta. Puedes empezar otra con /proponer.")


# -- dispositions (SGP administrators) -----------------------------------------------------------
def forbidden() -> str:
    return _("Esta acción es solo para administradores de la SGP.")


def already_decided(disposition: Disposition, decided_at: datetime | None, locale: str) -> str:
    return _("Ya se registró la disposición «{disposition}» el {date}. Una disposición no se cambia.").format(
        disposition=disposition_label(disposition),
        date=format_when(decided_at, locale) if decided_at else "—",
    )


def decision_usage() -> str:
    return _(
        "Para registrar una disposición sobre un compromiso, ábrelo en /compromisos y toca «⚖️ Disposición». "
        "Para una propuesta, escribe /disposicion y su número, por ejemplo: /disposicion 12"
    )


def _target(pending: Pending) -> str:
    if pending.target == "proposal":
        return _("la propuesta N° {number}").format(number=escape(pending.label))
    return _("el compromiso {code}").format(code=escape(pending.label))


def _recipients(count: int) -> str:
    return ngettext(
        "Se avisará a {count} persona que participó.",
        "Se avisará a las {count} personas que participaron.",
        count,
    ).format(count=count)


def ask_disposition(pending: Pending) -> str:
    return "\n".join(
        [
            _("<b>⚖️ Disposición sobre {target}</b>").format(target=_target(pending)),
            f"«{escape(pending.title)}»",
            "",
            _("¿Qué decidió la SGP?") + " " + _recipients(pending.recipients),
        ]
    )


def ask_reason(disposition: str, limit: int) -> str:
    return _(
        "Escribe el motivo de la decisión «{disposition}» (hasta {limit} caracteres). Lo leerán las personas "
        "que participaron."
    ).format(disposition=disposition_label(disposition), limit=limit)


def confirm_disposition(pending: Pending, disposition: str, reason: str) -> str:
    return "\n".join(
        [
            _("<b>Confirma la disposición sobre {target}</b>").format(target=_target(pending)),
            f"«{escape(pending.title)}»",
            "",
            _("Decisión: <b>{disposition}</b>").format(disposition=disposition_label(disposition)),
            _("Motivo: {reason}").format(reason=escape(reason)),
            "",
            _recipients(pending.recipients) + " " + _("Cada persona recibe un solo aviso."),
        ]
    )


def disposition_recorded(notified: int) -> str:
    return ngettext(
        "✅ Disposición registrada. Avisaremos a {count} persona.",
        "✅ Disposición registrada. Avisaremos a {count} personas.",
        notified,
    ).format(count=notified)


def comments(page: Comments, locale: str) -> str:
    count = ngettext("{count} comentario", "{count} comentarios", page.total).format(count=page.total)
    lines = [_("<b>🛡️ Comentarios sobre {code}</b>").format(code=escape(page.code)) + f" · {count}"]
    if page.pages > 1:
        lines.append(_("Página {page} de {pages}").format(page=page.page + 1, pages=page.pages))
    if not page.feedback:
        return "\n".join([*lines, "", _("Todavía no hay comentarios sobre este compromiso.")])
    for feedback in page.feedback:
        comment = feedback.answers.comment or ""
        if len(comment) > COMMENT_EXCERPT:
            comment = comment[: COMMENT_EXCERPT - 1].rstrip() + "…"
        when = format_when(feedback.updated_at, locale)
        head = f"<b>#{feedback.id}</b> · {when} · {channel_label(feedback.channel)}"
        if feedback.hidden:
            head += " · " + _("🙈 oculto")
        lines += ["", head, escape(comment)]
    lines += [
        "",
        _("Un comentario oculto se conserva, sale de las publicaciones y su autor recibe un aviso."),
    ]
    return "\n".join(lines)


def moderated(hidden: bool) -> str:
    return (
        _("Comentario ocultado. Avisamos a su autor.")
        if hidden
        else _("El comentario vuelve a estar visible.")
    )


def disposition_cancelled() -> str:
    return _("Listo, no registramos nada.")


# -- outbox messages -----------------------------------------------------------------------------
def disposition_notice(payload: dict) -> str:
    disposition = payload["disposition"]
    if payload["target"] == "proposal":
        head = _("<b>📣 La SGP respondió a tu propuesta N° {number}</b>").format(
            number=escape(payload["code"])
        )
    else:
        head = _("<b>📣 La SGP decidió sobre el compromiso {code}</b>, en el que diste tu opinión.").format(
            code=escape(payload["code"])
        )
    return "\n".join(
        [
            head,
            f"«{escape(payload['title'])}»",
            "",
            _("Decisión: <b>{disposition}</b> ({meaning}).").format(
                disposition=disposition_label(disposition), meaning=disposition_meaning(disposition)
            ),
            _("Motivo: {reason}").format(reason=escape(payload.get("reason") or "")),
            "",
            _("Gracias por participar en el Plan de Acción de Gobierno Abierto."),
        ]
    )


def open_commitment_label() -> str:
    return _("📄 Ver el compromiso")


def hidden_notice(payload: dict) -> str:
    if payload.get("target") == "proposal":
        return _(
            "🛡️ Tu propuesta N° {number} fue ocultada por la moderación de Participa y no se publicará."
        ).format(number=escape(payload["code"]))
    return _(
        "🛡️ Tu comentario sobre el compromiso {code} («{title}») fue ocultado por la moderación de "
        "Participa y no se publicará. Tus respuestas sobre el compromiso se siguen contando."
    ).format(code=escape(payload["code"]), title=escape(payload["title"]))
