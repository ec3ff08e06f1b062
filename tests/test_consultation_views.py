"""The consultation's texts: long commitments split cleanly, values escaped, notices in each language."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from aiogram.utils.i18n import I18n

from bot.delivery.render import RENDERERS
from bot.domain.commitments import (
    Commitment,
    CommitmentCard,
    CommitmentText,
    CommitmentVersion,
    Consultation,
    Criterion,
    OpenGovValue,
    Phase,
)
from bot.fakeapi.html import parse_html
from bot.i18n import LOCALES_DIR
from bot.services.commitments import Reading
from handlers.consultation import keyboards, views

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


@pytest.fixture
def i18n() -> Iterator[I18n]:
    catalogs = I18n(path=LOCALES_DIR, default_locale="es", domain="messages")
    with catalogs.context():
        yield catalogs


def card(**text: object) -> CommitmentCard:
    fields = {
        "title": "Un título", "problem": "Un problema.", "objective": "Un objetivo.",
        "activities": ("Primera.", "Segunda."), "responsible": "MINSA",
        "values": (OpenGovValue.TRANSPARENCIA,),
    } | text  # fmt: skip
    return CommitmentCard(
        Commitment("SAL-01", "salud", anticorruption=True, id=1),
        CommitmentVersion(7, 1, 2, CommitmentText(**fields), 1, NOW),
        Consultation("ronda", "Consulta virtual", NOW - timedelta(days=7), NOW + timedelta(days=7), id=1),
    )


def test_a_short_text_is_one_message() -> None:
    assert views.split_message("<b>Uno</b>\n\nDos") == ["<b>Uno</b>\n\nDos"]


def test_long_texts_are_split_at_paragraphs() -> None:
    paragraphs = [f"<b>Título {n}</b>\n" + "palabra " * 100 for n in range(12)]
    text = "\n\n".join(paragraphs)
    chunks = views.split_message(text, limit=1000)
    assert len(chunks) > 1
    assert all(views.visible_length(chunk) <= 1000 for chunk in chunks)
    assert "\n\n".join(chunks) == text  # nothing lost, every cut at a paragraph boundary
    assert all(chunk.startswith("<b>Título") for chunk in chunks)


def test_a_paragraph_longer_than_a_message_is_cut_at_lines_then_words() -> None:
    text = "<b>Problema</b>\n" + " ".join(f"p{n}&amp;q" for n in range(3000))
    chunks = views.split_message(text, limit=4096)
    assert len(chunks) >= 2
    for chunk in chunks:
        assert views.visible_length(chunk) <= 4096
        parse_html(chunk)  # each part is valid HTML on its own
        assert chunk.count("<b>") == chunk.count("</b>")
    assert re.sub(r"\s+", " ", " ".join(chunks)) == re.sub(r"\s+", " ", text)


def test_visible_length_counts_what_telegram_counts() -> None:
    assert views.visible_length("<b>a&lt;b</b>") == 3
    assert views.visible_length("🙂") == 2  # UTF-16 code units


def test_the_detail_escapes_and_splits(i18n: I18n) -> None:
    long_problem = "Una situación grave. " * 190
    reading = Reading(card(title="<script>x</script>", problem=long_problem), Phase.OPEN, None, False)
    parts = views.commitment_detail(reading, NOW, "es")
    assert len(parts) == 2
    assert parts[0].startswith("<b>📄 SAL-01 · &lt;script&gt;x&lt;/script&gt;</b>")
    assert "Tema: Salud · Versión 2 · 🛡️ Anticorrupción" in parts[0]
    assert parts[1].startswith("<b>Objetivo</b>")
    assert "está abierta hasta el" in parts[-1]
    for part in parts:
        plain, _ = parse_html(part)
        assert len(plain) <= 4096


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (
            "es",
            [
                "La SGP decidió sobre el compromiso SAL-01",
                "Decisión: Modificado (pasa al Plan de Acción con cambios)",
            ],
        ),
        (
            "en",
            [
                "SGP decided on commitment SAL-01",
                "Decision: Modified (it becomes part of the Action Plan with changes)",
            ],
        ),
    ],
)
async def test_the_disposition_notice_in_the_recipients_language(
    i18n: I18n, locale: str, expected: list[str]
) -> None:
    payload = {"target": "commitment", "id": 1, "code": "SAL-01", "title": "Medicinas <b>ya</b>",
               "disposition": "modificado", "reason": "Se precisaron las metas & plazos."}  # fmt: skip
    with i18n.use_locale(locale):
        rendered = await RENDERERS["disposition"](payload, None)
    plain, _ = parse_html(rendered.text)
    for fragment in expected:
        assert fragment in plain
    assert "«Medicinas <b>ya</b>»" in plain and "Se precisaron las metas & plazos." in plain
    assert rendered.reply_markup is not None


async def test_the_hidden_notice_says_no_more_than_that(i18n: I18n) -> None:
    with i18n.use_locale("es"):
        rendered = await RENDERERS["contribution_hidden"](
            {"target": "feedback", "code": "SAL-01", "title": "T"}, None
        )
    assert "fue ocultado por la moderación" in rendered.text and "SAL-01" in rendered.text


def test_keyboards_are_built_once_for_each_language_and_arguments(i18n: I18n) -> None:
    def first_label(markup) -> str:
        return markup.inline_keyboard[0][0].text

    with i18n.use_locale("es"):
        spanish = keyboards.rating(Criterion.MEDIBLE, 7)
        assert keyboards.rating(Criterion.MEDIBLE, 7) is spanish and first_label(spanish) == "Cumple"
        assert keyboards.rating(Criterion.MEDIBLE, 8) is not spanish
        assert keyboards.rating(Criterion.MEDIBLE, 8).inline_keyboard[0][0].callback_data.endswith(":8")
    with i18n.use_locale("en"):
        english = keyboards.rating(Criterion.MEDIBLE, 7)
        assert english is not spanish and first_label(english) == "Meets it"
