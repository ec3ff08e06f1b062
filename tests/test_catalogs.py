"""The gettext catalogs are complete and in step with the code."""

from __future__ import annotations

import gettext
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"


def po(lang: str) -> Catalog:
    with (LOCALES / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=lang)


def ids(catalog: Catalog) -> set[str]:
    return {message.id for message in catalog if message.id}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    target = tmp_path_factory.mktemp("pot") / "messages.pot"
    command = "from babel.messages.frontend import main; main()"
    subprocess.run(
        [sys.executable, "-c", command, "-q", "extract", "-F", "babel.cfg", "-k", "__", "-k", "lazy_gettext",
         "--no-location", "-o", str(target), "."],
        cwd=ROOT, check=True,
    )  # fmt: skip
    with target.open("rb") as handle:
        return ids(read_po(handle))


def test_template_matches_the_code(extracted: set[str]) -> None:
    with (LOCALES / "messages.pot").open("rb") as handle:
        template = ids(read_po(handle))
    assert extracted, "no message extracted"
    assert template == extracted, "run locales/update.sh: messages.pot is out of date with the code"


@pytest.mark.parametrize("lang", ["es", "en", "qu"])
def test_catalog_has_every_message(lang: str, extracted: set[str]) -> None:
    assert ids(po(lang)) == extracted, f"run locales/update.sh: {lang} catalog is out of date"


def test_english_is_complete() -> None:
    untranslated = [m.id for m in po("en") if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []


@pytest.mark.parametrize("lang", ["en", "qu"])
def test_translations_keep_placeholders_and_markup(lang: str) -> None:
    for message in po(lang):
        # Plural entries (ngettext) hold a tuple: each form is checked against the plural msgid.
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for index, string in enumerate(strings):
            if not ids[0] or not string:
                continue
            original = ids[min(index, len(ids) - 1)]
            for pattern in (r"\{\w+\}", r"</?\w+>", r"/\w+"):
                assert sorted(re.findall(pattern, original)) == sorted(re.findall(pattern, string)), (
                    f"{lang}: {original!r} -> {string!r}"
                )


@pytest.mark.parametrize("lang", ["es", "en", "qu"])
def test_compiled_catalog_is_current(lang: str, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.mo"
    with fresh.open("wb") as handle:
        write_mo(handle, po(lang))
    with fresh.open("rb") as a, (LOCALES / lang / "LC_MESSAGES" / "messages.mo").open("rb") as b:
        expected, actual = gettext.GNUTranslations(a), gettext.GNUTranslations(b)
    for message_id in ids(po(lang)):
        assert actual.gettext(message_id) == expected.gettext(message_id), f"recompile {lang}: {message_id!r}"
