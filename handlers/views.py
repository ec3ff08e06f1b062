"""Message texts. Translate first, then format; every value a person typed is escaped."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _

from bot.domain.people import Person
from bot.i18n import format_when
from handlers.commands import commands_for
from handlers.labels import org_type_label, region_label


def welcome() -> str:
    return _(
        "¡Hola! 👋 Soy <b>Participa</b>, el canal de la Secretaría de Gestión Pública (PCM) para que "
        "participes en el Plan de Acción Nacional de Gobierno Abierto.\n\n"
        "Aquí podrás informarte de los talleres en tu región, inscribirte, leer los compromisos en "
        "borrador y darnos tu opinión, que la SGP tiene en cuenta y a la que responde.\n\n"
        "Primero, elige tu idioma:"
    )


def privacy_notice() -> str:
    return privacy_notice_body() + "\n\n" + _("¿Aceptas?")


def privacy_notice_body() -> str:
    return _(
        "<b>🔒 Tus datos personales</b>\n\n"
        "Antes de empezar necesitamos tu permiso, según la Ley N° 29733, Ley de Protección de Datos "
        "Personales.\n\n"
        "• <b>Para qué los usamos:</b> para organizar los talleres y la consulta del Plan de Acción de "
        "Gobierno Abierto, avisarte de ellos y contar la participación en las estadísticas que publica "
        "la SGP.\n"
        "• <b>Qué guardamos:</b> tu nombre, tu región, tu organización y su tipo, tu teléfono si nos lo "
        "das, tu idioma, tus inscripciones y tus opiniones.\n"
        "• <b>Quién es responsable:</b> la Secretaría de Gestión Pública de la Presidencia del Consejo "
        "de Ministros. No compartimos tus datos con nadie más; las estadísticas y los datos abiertos se "
        "publican sin nombres.\n"
        "• <b>Tus derechos:</b> en cualquier momento puedes ver todo lo que guardamos con /misdatos, "
        "corregir tu perfil desde el menú y pedir que lo borremos con /borrarmisdatos."
    )


def consent_refused() -> str:
    return _(
        "Entendido. No guardamos ningún dato tuyo.\n\n"
        "Sin tu permiso no podemos inscribirte ni registrar tus opiniones. Si cambias de opinión, "
        "escribe /start."
    )


def ask_name() -> str:
    return _("¡Gracias! Ahora tu perfil, en cuatro pasos.\n\n<b>1/4</b> ¿Cuál es tu nombre completo?")


def ask_region() -> str:
    return _("<b>2/4</b> ¿En qué región vives o trabajas?")


def ask_org_type() -> str:
    return _("<b>3/4</b> ¿A quién representas?")


def ask_organisation() -> str:
    return _("<b>3/4</b> Escribe el nombre de tu organización o entidad.")


def organisation_similar(typed: str) -> str:
    return _(
        "¿Tu organización es alguna de estas? Ya están registradas en Participa.\n\nEscribiste: «{name}»"
    ).format(name=escape(typed))


def organisation_matched(name: str) -> str:
    return _("Te vinculamos con <b>{name}</b>, que ya está registrada en Participa.").format(
        name=escape(name)
    )


def ask_phone() -> str:
    return _(
        "<b>4/4</b> ¿Nos dejas tu número de celular? Lo usamos solo para coordinar los talleres. "
        "Es opcional: toca «Omitir» si prefieres no darlo."
    )


def profile_saved(person: Person) -> str:
    return _("¡Listo, {name}! Tu perfil está guardado.").format(name=escape(person.full_name or ""))


def profile(person: Person, locale: str) -> str:
    lines = [
        _("<b>👤 Tu perfil</b>"),
        "",
        _("Nombre: {value}").format(value=escape(person.full_name or "—")),
        _("Región: {value}").format(value=region_label(person.region_code) if person.region_code else "—"),
        _("Representas a: {value}").format(value=org_type_label(person.org_type) if person.org_type else "—"),
    ]
    if person.organisation_name:
        lines.append(_("Organización: {value}").format(value=escape(person.organisation_name)))
    lines.append(
        _("Celular: {value}").format(value=escape(person.phone) if person.phone else _("no registrado"))
    )
    lines.append(_("Permiso de datos dado el {date}").format(date=format_when(person.consent_at, locale)))
    return "\n".join(lines)


def menu(person: Person) -> str:
    return _("<b>Menú principal</b>\n¿Qué quieres hacer, {name}?").format(name=escape(person.full_name or ""))


def help_text(role: str = "participant") -> str:
    """Every command the person can use (organisers and SGP see theirs too), in plain language."""
    lines = [_("<b>❓ Lo que puedes hacer en Participa</b>"), ""]
    lines += [f"/{command.name}: {command.help}" for command in commands_for(role)]
    lines += ["", _("También puedes tocar los botones debajo de cada mensaje.")]
    return "\n".join(lines)


def use_buttons() -> str:
    return _("Por favor, elige una opción con los botones del mensaje.")


def text_expected() -> str:
    return _("Por favor, responde con un mensaje de texto.")


def invalid(reason: str, limit: int | None) -> str:
    if reason == "too_long":
        return _(
            "Tu respuesta es demasiado larga: el máximo es {limit} caracteres. Escríbela más corta; lo "
            "que ya respondiste antes sigue guardado."
        ).format(limit=limit)
    if reason == "no_letters":
        return _("Escribe un nombre con letras, por favor.")
    if reason == "invalid":
        return _("Ese dato no es válido. Revísalo e inténtalo de nuevo.")
    return _("Esa respuesta está vacía. Escríbela de nuevo, por favor.")


def cancelled() -> str:
    return _("Listo, lo dejamos aquí. Lo que ya respondiste queda guardado: escribe /start para seguir.")


def nothing_to_cancel() -> str:
    return _("No estás haciendo nada que cancelar. Escribe /start para ver el menú.")


def choose_language() -> str:
    return _("Elige tu idioma:")


def language_set() -> str:
    return _("Listo, ahora te escribo en español.")


def unknown() -> str:
    return _("No entendí tu mensaje. Usa los botones o escribe /ayuda para ver lo que puedes hacer.")


def stale_button() -> str:
    return _("Ese botón ya no está vigente. Escribe /start para ver el menú.")


def not_own_contact() -> str:
    return _("Comparte tu propio número con el botón «Compartir mi número», o toca «Omitir».")


def privacy_notice_given(person: Person, locale: str) -> str:
    return _("{notice}\n\n✅ Diste tu permiso el {date} (versión {version} del aviso).").format(
        notice=privacy_notice_body(),
        date=format_when(person.consent_at, locale),
        version=person.consent_version,
    )


def private_only() -> str:
    return _(
        "Participa funciona en chats privados. Escríbeme directamente: toca mi nombre y luego "
        "«Enviar mensaje»."
    )


def edit_ignored() -> str:
    return _("Vi que editaste un mensaje. Los cambios no se toman en cuenta: envía la respuesta de nuevo.")


def unknown_command() -> str:
    return _("No conozco ese comando. Escribe /ayuda para ver los que puedes usar.")


def no_data_stored() -> str:
    return _("No tenemos ningún dato tuyo guardado.")


def my_data_caption() -> str:
    return _("Aquí está todo lo que Participa guarda sobre ti. Para corregirlo, usa «Mi perfil» en el menú.")


def erase_confirm() -> str:
    return _(
        "¿Seguro que quieres que borremos tus datos? Borraremos tu nombre, tu región, tu organización, "
        "tu teléfono y tu idioma. No se puede deshacer; podrás volver a empezar con /start."
    )


def erase_kept() -> str:
    return _("Listo, no borramos nada.")


def erased() -> str:
    return _("Borramos tus datos. Gracias por haber participado. Si quieres volver, escribe /start.")
