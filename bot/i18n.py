"""Languages, and dates and numbers through Babel in America/Lima."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from babel.dates import format_datetime as babel_datetime
from babel.numbers import format_decimal

from bot.domain.clock import LIMA

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
LOCALES: tuple[str, ...] = ("es", "en", "qu")
# Each language named in itself, as on the language buttons.
LOCALE_NAMES = {"es": "Español", "en": "English", "qu": "Runa Simi"}
# Babel's locale for each: Peruvian Spanish, and Quechua of Peru.
BABEL_LOCALES = {"es": "es_PE", "en": "en", "qu": "qu_PE"}


def guess_locale(language_code: str | None, default: str = "es") -> str:
    """Telegram's language_code is the first guess ("es-PE" -> es, "qu" -> qu, "pt" -> default)."""
    if language_code:
        base = language_code.replace("_", "-").split("-")[0].lower()
        if base in LOCALES:
            return base
    return default


def format_when(moment: datetime, locale: str, fmt: str = "EEEE d 'de' MMMM, HH:mm") -> str:
    """A moment as people in Peru read it: Lima time, in their language."""
    if locale == "en":
        fmt = "EEEE, MMMM d, h:mm a"
    elif locale == "qu":
        fmt = "EEEE d MMMM, HH:mm"
    return babel_datetime(moment, fmt, tzinfo=LIMA, locale=BABEL_LOCALES.get(locale, "es_PE"))


def format_date(moment: datetime, locale: str) -> str:
    return babel_datetime(moment, "d/MM/yyyy", tzinfo=LIMA, locale=BABEL_LOCALES.get(locale, "es_PE"))


def format_number(value: float | int, locale: str) -> str:
    return format_decimal(value, locale=BABEL_LOCALES.get(locale, "es_PE"))
