"""Keyboards of the consultation. Button texts are translated at the moment of building."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.domain.commitments import SMART, Criterion, Disposition, Rating, Support
from bot.domain.reference import FEATURED_REGIONS, REGIONS, Theme
from bot.services.commitments import Overview, Page, Reading
from bot.services.dispositions import Comments
from handlers.callbacks import MenuCb
from handlers.consultation import views
from handlers.consultation.callbacks import CommitmentCb, DecisionCb, FeedbackCb, ModerationCb, ProposalCb
from handlers.keyboards import InlineKeyboard, per_language
from handlers.labels import theme_label


def themes(overview: Overview) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for theme, count in overview.counts.items():
        builder.button(text=views.theme_button(theme, count), callback_data=CommitmentCb(a="theme", t=theme))
    builder.button(text=_("⬅️ Menú"), callback_data=MenuCb(action="menu"))
    return builder.adjust(2, 2, 2, 1).as_markup()


def theme_page(page: Page) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for card in page.cards:
        builder.button(text=views.commitment_button(card), callback_data=CommitmentCb(a="show", id=card.id))
    sizes = [1] * len(page.cards)
    navigation = 0
    if page.page > 0:
        builder.button(
            text=_("◀️ Anterior"), callback_data=CommitmentCb(a="theme", t=page.theme, p=page.page - 1)
        )
        navigation += 1
    if page.page < page.pages - 1:
        builder.button(
            text=_("Siguiente ▶️"), callback_data=CommitmentCb(a="theme", t=page.theme, p=page.page + 1)
        )
        navigation += 1
    if navigation:
        sizes.append(navigation)
    builder.button(text=_("⬅️ Temas"), callback_data=CommitmentCb(a="themes"))
    sizes.append(1)
    return builder.adjust(*sizes).as_markup()


def commitment(reading: Reading) -> InlineKeyboardMarkup:
    card = reading.card
    builder = InlineKeyboard()
    if reading.own is None:
        builder.button(
            text=_("💬 Opinar"), callback_data=CommitmentCb(a="opine", id=card.id, v=card.version.id)
        )
    else:
        builder.button(
            text=_("✏️ Editar mi opinión"), callback_data=CommitmentCb(a="edit", id=card.id, v=card.version.id)
        )
    if reading.can_decide and card.commitment.disposition is None:
        builder.button(text=_("⚖️ Disposición"), callback_data=CommitmentCb(a="decide", id=card.id))
    if reading.can_decide:
        builder.button(text=_("🛡️ Comentarios"), callback_data=CommitmentCb(a="comments", id=card.id, n=True))
    builder.button(text=_("⬅️ Volver"), callback_data=CommitmentCb(a="theme", t=card.commitment.theme, n=True))
    return builder.adjust(1).as_markup()


@per_language
def support(version_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for value, label in (
        (Support.DE_ACUERDO, _("👍 De acuerdo")),
        (Support.CON_CAMBIOS, _("✍️ De acuerdo con cambios")),
        (Support.EN_DESACUERDO, _("👎 En desacuerdo")),
    ):
        builder.button(text=label, callback_data=FeedbackCb(s="support", x=value.value, v=version_id))
    return builder.adjust(1).as_markup()


@per_language
def rating(criterion: Criterion, version_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for value in Rating:
        builder.button(
            text=views.rating_label(value),
            callback_data=FeedbackCb(s=criterion.value, x=value.value, v=version_id),
        )
    return builder.adjust(2).as_markup()


@per_language
def comment(version_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(text=views.no_comment_label(), callback_data=FeedbackCb(s="nocomment", v=version_id))
    return builder.as_markup()


@per_language
def summary(version_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(text=_("✏️ Apoyo"), callback_data=FeedbackCb(s="change", x="support", v=version_id))
    for criterion in SMART:
        builder.button(
            text="✏️ " + views.criterion_label(criterion),
            callback_data=FeedbackCb(s="change", x=criterion.value, v=version_id),
        )
    builder.button(text=_("✏️ Comentario"), callback_data=FeedbackCb(s="change", x="comment", v=version_id))
    builder.button(text=_("✅ Confirmar"), callback_data=FeedbackCb(s="confirm", v=version_id))
    return builder.adjust(2, 2, 2, 1, 1).as_markup()


@per_language
def after_saving(commitment_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(text=_("📄 Volver al compromiso"), callback_data=CommitmentCb(a="show", id=commitment_id))
    builder.button(text=_("📝 Ver otros compromisos"), callback_data=CommitmentCb(a="themes", n=True))
    return builder.adjust(1).as_markup()


# -- proposals -----------------------------------------------------------------------------------
def proposal_themes() -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for theme in Theme:
        builder.button(text=theme_label(theme), callback_data=ProposalCb(s="theme", x=theme.value))
    return builder.adjust(2).as_markup()


def proposal_regions(own_region: str | None) -> InlineKeyboardMarkup:
    """The person's own region first, then the regions of the first workshops, then every other one."""
    builder = InlineKeyboard()
    sizes = []
    if own_region:
        builder.button(text=views.your_region(own_region), callback_data=ProposalCb(s="region", x=own_region))
        sizes.append(1)
    featured = [r for code in FEATURED_REGIONS for r in REGIONS if r.code == code and r.code != own_region]
    others = sorted(
        (r for r in REGIONS if r.code not in FEATURED_REGIONS and r.code != own_region), key=lambda r: r.name
    )
    for region in [*featured, *others]:
        builder.button(text=region.name, callback_data=ProposalCb(s="region", x=region.code))
    count = len(featured) + len(others)
    sizes += [3] * (count // 3) + ([count % 3] if count % 3 else [])
    return builder.adjust(*sizes).as_markup()


def responsible_unknown() -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(text=views.unknown_label(), callback_data=ProposalCb(s="unknown"))
    return builder.as_markup()


def proposal_summary() -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for field, label in (
        ("theme", _("✏️ Tema")),
        ("region", _("✏️ Región")),
        ("problem", _("✏️ Problema")),
        ("proposal", _("✏️ Propuesta")),
        ("responsible", _("✏️ Entidad")),
    ):
        builder.button(text=label, callback_data=ProposalCb(s="change", x=field))
    builder.button(text=_("✅ Enviar"), callback_data=ProposalCb(s="send"))
    builder.button(text=_("🗑️ Descartar"), callback_data=ProposalCb(s="drop"))
    return builder.adjust(2, 2, 1, 2).as_markup()


# -- dispositions --------------------------------------------------------------------------------
def dispositions() -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for value in Disposition:
        builder.button(
            text=views.disposition_label(value), callback_data=DecisionCb(s="choose", x=value.value)
        )
    builder.button(text=_("Cancelar"), callback_data=DecisionCb(s="cancel"))
    return builder.adjust(3, 1).as_markup()


def comments(page: Comments) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for feedback in page.feedback:
        label = _("↩️ Mostrar #{id}") if feedback.hidden else _("🛡️ Ocultar #{id}")
        builder.button(
            text=label.format(id=feedback.id),
            callback_data=ModerationCb(
                id=feedback.id, h=not feedback.hidden, c=page.commitment_id, p=page.page
            ),
        )
    sizes = [2] * (len(page.feedback) // 2) + ([1] if len(page.feedback) % 2 else [])
    navigation = 0
    if page.page > 0:
        builder.button(
            text=_("◀️ Anterior"),
            callback_data=CommitmentCb(a="comments", id=page.commitment_id, p=page.page - 1),
        )
        navigation += 1
    if page.page < page.pages - 1:
        builder.button(
            text=_("Siguiente ▶️"),
            callback_data=CommitmentCb(a="comments", id=page.commitment_id, p=page.page + 1),
        )
        navigation += 1
    if navigation:
        sizes.append(navigation)
    builder.button(
        text=_("📄 Volver al compromiso"), callback_data=CommitmentCb(a="show", id=page.commitment_id)
    )
    sizes.append(1)
    return builder.adjust(*sizes).as_markup()


def confirm_disposition() -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(text=_("✅ Registrar y avisar"), callback_data=DecisionCb(s="confirm"))
    builder.button(text=_("Cancelar"), callback_data=DecisionCb(s="cancel"))
    return builder.adjust(1).as_markup()
