"""Helpers of the consultation's end-to-end tests: the `participa` command, reading and opining."""

from __future__ import annotations

import asyncio
import os
import re
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from bot.fakeapi import FakePerson, SeenMessage
from tests.e2e.harness import saw

RATINGS = ("Cumple", "En parte", "No cumple", "No sé")


async def participa(database_url: str, *args: str, expect: int = 0) -> str:
    """Run the `participa` command against the bot's database; return what it printed (stderr)."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    env.update(DATABASE_URL=database_url, PYTHONUNBUFFERED="1")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "from bot.cli import main; main()", *args,
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    text = (out + err).decode("utf-8", "replace")
    assert process.returncode == expect, f"participa {' '.join(args)} -> {process.returncode}:\n{text}"
    return text


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def commitment(code: str, theme: str, consultation: str, title: str, **extra: Any) -> dict[str, Any]:
    record = {
        "code": code,
        "theme": theme,
        "consultation": consultation,
        "title": title,
        "problem": f"El problema público que atiende {code}.",
        "objective": f"El objetivo de {code}.",
        "activities": [f"Primera actividad de {code} (6 meses).", f"Segunda actividad de {code} (12 meses)."],
        "responsible": "Ministerio de Salud (MINSA)",
        "values": ["transparencia", "participacion"],
    }
    record.update(extra)
    return record


def window(code: str, opens: timedelta, closes: timedelta, title: str | None = None) -> dict[str, Any]:
    """A consultation from now+opens to now+closes."""
    now = datetime.now(UTC)
    return {"code": code, "title": title or f"Consulta {code}", "opens_at": iso(now + opens),
            "closes_at": iso(now + closes)}  # fmt: skip


async def load(database_url: str, folder: Path, consultations: list, commitments: list) -> str:
    path = folder / f"commitments-{time.monotonic_ns()}.yaml"
    path.write_text(
        yaml.safe_dump({"consultations": consultations, "commitments": commitments}, allow_unicode=True),
        encoding="utf-8",
    )
    return await participa(database_url, "load", "commitments", str(path))


async def with_buttons(person: FakePerson, fragment: str, timeout: float = 8.0) -> SeenMessage:
    """Wait for a message (or edit) with a button whose text contains `fragment`."""
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    while True:
        try:
            event = await person.next(timeout=max(0.01, deadline - time.monotonic()))
        except AssertionError:
            raise AssertionError(f"never saw a button {fragment!r}; saw: {seen}") from None
        seen.append(f"{event.text[:60]!r} {event.button_texts}")
        if any(fragment in text for text in event.button_texts):
            return event


async def open_theme(person: FakePerson, theme: str) -> SeenMessage:
    await person.send("/compromisos")
    await with_buttons(person, f"{theme} (")
    await person.press(re.compile(rf"^{re.escape(theme)} \("))
    return await saw(person, f"{theme}")


async def open_commitment(person: FakePerson, theme: str, code: str) -> SeenMessage:
    """From /compromisos to the commitment's last message (the one with its buttons), page by page."""
    page = await open_theme(person, theme)
    while not any(text.startswith(f"{code} ·") for text in page.button_texts):
        await person.press("Siguiente ▶️")
        page = await saw(person, theme)
    await person.press(re.compile(rf"^{re.escape(code)} ·"))
    return await with_buttons(person, "⬅️ Volver")


async def answer_all(
    person: FakePerson,
    support: str = "👍 De acuerdo",
    ratings: tuple[str, ...] = ("Cumple", "En parte", "No cumple", "No sé", "Cumple"),
    comment: str | None = None,
) -> SeenMessage:
    """From the support question to the summary; returns the summary."""
    await person.press(support)
    for step, rating in enumerate(ratings, start=2):
        await saw(person, f"{step}/7")
        await person.press(rating)
    await saw(person, "7/7")
    if comment is None:
        await person.press("Sin comentario")
    else:
        await person.send(comment)
    return await saw(person, "Revisa tu opinión")


async def give_opinion(person: FakePerson, theme: str, code: str, **answers: Any) -> None:
    await open_commitment(person, theme, code)
    await person.press("💬 Opinar")
    await saw(person, "1/7")
    await answer_all(person, **answers)
    await person.press("✅ Confirmar")
    await saw(person, "Guardamos tu opinión")
