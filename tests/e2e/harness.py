"""End-to-end harness: the fake Bot API server in the test's loop, the real bot as a child process.

The bot process is started exactly as in production (`python -m bot`), configured through the
environment to talk HTTP to the fake server; tests act as people and read what each of them saw.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

from bot.fakeapi import DEFAULT_TOKEN, FakePerson, FakeTelegram, SeenMessage
from tests.databases import run_sql


class BotProcess:
    def __init__(self, server: FakeTelegram, database_url: str, log_path: Path, **env: str) -> None:
        self.server = server
        self.database_url = database_url
        self.log_path = log_path
        self.extra_env = env
        self.process: asyncio.subprocess.Process | None = None

    def environment(self) -> dict[str, str]:
        keep = ("PATH", "HOME", "LANG", "SYSTEMROOT", "TMPDIR")
        env = {key: os.environ[key] for key in keep if key in os.environ}
        env.update(
            BOT_TOKEN=DEFAULT_TOKEN,
            TELEGRAM_API_URL=self.server.base_url,
            DATABASE_URL=self.database_url,
            PYTHONUNBUFFERED="1",
            # Tests act faster than people: the flood limit only where a test is about it.
            FLOOD_LIMIT="1000",
        )
        env.update(self.extra_env)
        return env

    async def start(self, timeout: float = 60.0) -> None:
        """Start the bot and wait until it polls for updates."""
        polls_before = len(self.server.calls("getUpdates"))
        log = self.log_path.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", env=self.environment(), stdout=log, stderr=log
        )
        log.close()
        deadline = time.monotonic() + timeout
        while len(self.server.calls("getUpdates")) <= polls_before:
            if self.process.returncode is not None or time.monotonic() > deadline:
                raise AssertionError(f"the bot did not start polling:\n{self.log()}")
            await asyncio.sleep(0.05)

    async def stop(self, kill: bool = False) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), 20)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()

    def log(self, tail: int | None = 5000) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return text[-tail:] if tail else text


async def saw(person: FakePerson, fragment: str, timeout: float = 8.0) -> SeenMessage:
    """Wait until the person sees a message (new or edited) containing `fragment`; return it."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while True:
        try:
            event = await person.next(timeout=max(0.01, deadline - time.monotonic()))
        except AssertionError:
            raise AssertionError(f"never saw {fragment!r}; saw: {seen}") from None
        seen.append(event.text)
        if fragment in event.text:
            return event


def query(database_url: str, sql: str, *params: object) -> list[tuple]:
    """Read the bot's database directly (SQLite or PostgreSQL, `?` placeholders), as an analyst would."""
    return run_sql(database_url, sql, *params)


def execute(database_url: str, sql: str, *params: object) -> None:
    """Write to the bot's database directly (SQLite or PostgreSQL, `?` placeholders)."""
    run_sql(database_url, sql, *params)


async def alerted(person: FakePerson, fragment: str, timeout: float = 8.0) -> str:
    """Wait until an answerCallbackQuery text containing `fragment` is shown to the person."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for alert in person.alerts:
            if alert.text and fragment in alert.text:
                person.alerts.remove(alert)
                return alert.text
        await asyncio.sleep(0.02)
    raise AssertionError(f"no alert with {fragment!r}; alerts: {person.alerts}")


def add_people(
    database_url: str, server: FakeTelegram, ids: range, region: str = "04", **columns: object
) -> None:
    """Onboarded people written straight into the bot's database (and known to the fake server)."""
    now = "2026-11-01 12:00:00.000000"
    values = {"locale": "es", "consent_version": 1, "announcements": True, "reachable": True, **columns}
    names = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    run_sql(
        database_url,
        "insert into people (telegram_id, full_name, region_code, org_type_code, consent_at, "
        f"created_at, updated_at, {names}) values (?, ?, ?, 'personal', ?, ?, ?, {marks})",
        many=[(tid, f"Persona {tid}", region, now, now, now, *values.values()) for tid in ids],
    )
    for tid in ids:
        server.person(tid, f"Persona {tid}")


def grant(database_url: str, telegram_id: int, role: str, region: str | None = None) -> None:
    execute(
        database_url,
        "insert into roles (telegram_id, role, region_code, granted_at) "
        "values (?, ?, ?, '2026-11-01 12:00:00')",
        telegram_id,
        role,
        region,
    )
