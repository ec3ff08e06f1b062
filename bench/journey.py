"""The journey of DESIGN.md section 4 through the HTTP Bot API, next to a bare aiogram echo bot.

    python bench/journey.py [--people 200] [--rate 100 [50 ...]] [--seconds 20] [--database-url URL]

Simulated people (bot.fakeapi.FakePerson) start, consent, fill in their profile, register for a
workshop, open a draft commitment and give SMART feedback: 23 updates each, every one waiting for
its reply. The bot runs as a separate process (`python -m bot`, polling, JSON logs), as in production.
In the same run, on the same fake server, a bare aiogram echo bot (bench/echo_bot.py) is measured
the same way. Two modes:

- saturation: N people at once, each sending as soon as the previous reply arrived: updates/s,
  and the ratio to the echo bot (target >= 0.5);
- steady: a fixed total offered rate (100 updates/s) spread over people: reply latency p50/p95/p99
  (target p95 < 100 ms on SQLite).

Last, the echo bot runs again making as many Bot API calls an update as Participa just did
(ECHO_CALLS, the extra ones cheap chat actions): its saturation over the echo bot's is the ceiling
of the ratio for any bot that talks as much as the journey does (`ceiling_ratio_to_echo`).

SQLite by default (a fresh file); `--database-url postgresql+asyncpg://...` (or TEST_POSTGRES_URL with
`--postgres`) measures PostgreSQL: that database is emptied and migrated. Prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bot.demo import load_demo
from bot.fakeapi import DEFAULT_TOKEN, FakePerson, FakeTelegram, SeenMessage
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWork

ROOT = Path(__file__).resolve().parent.parent
RUNS = ("echo", "participa", "echo_talkative")
Step = tuple[Callable[[FakePerson], Awaitable[Any]], Callable[[SeenMessage], bool]]


def has(fragment: str) -> Callable[[SeenMessage], bool]:
    return lambda seen: fragment in seen.text


def button(fragment: str) -> Callable[[SeenMessage], bool]:
    return lambda seen: any(fragment in label for label in seen.button_texts)


def journey(n: int) -> list[Step]:
    """The 23 updates of one person's journey, each with what its reply looks like."""
    return [
        (lambda p: p.send("/start"), has("Participa")),
        (lambda p: p.press("Español"), has("Ley N° 29733")),
        (lambda p: p.press("✅ Acepto"), has("¿Cuál es tu nombre completo?")),
        (lambda p: p.send(f"Persona {n}"), has("¿En qué región")),
        (lambda p: p.press("Arequipa"), has("¿A quién representas?")),
        (lambda p: p.press("ONG u organización de base"), has("Escribe el nombre de tu organización")),
        (lambda p: p.send("Red Muqui"), has("número de celular")),
        (lambda p: p.share_contact(phone="+51 987 654 321"), has("Tu perfil está guardado")),
        (lambda p: p.send("/talleres"), has("Próximos talleres")),
        (lambda p: p.press(lambda label: label.endswith("Arequipa")), has("Inscripciones hasta")),
        (lambda p: p.press("✅ Inscribirme"), has("está confirmada")),
        (lambda p: p.send("/compromisos"), button("Ambiente (")),
        (lambda p: p.press(re.compile(r"^Ambiente \(")), button("AMB-01 ·")),
        (lambda p: p.press(re.compile(r"^AMB-01 ·")), button("💬 Opinar")),
        (lambda p: p.press("💬 Opinar"), has("1/7")),
        (lambda p: p.press("👍 De acuerdo"), has("2/7")),
        (lambda p: p.press("Cumple"), has("3/7")),
        (lambda p: p.press("En parte"), has("4/7")),
        (lambda p: p.press("Cumple"), has("5/7")),
        (lambda p: p.press("No sé"), has("6/7")),
        (lambda p: p.press("Cumple"), has("7/7")),
        (lambda p: p.press("Sin comentario"), has("Revisa tu opinión")),
        (lambda p: p.press("✅ Confirmar"), has("Guardamos tu opinión")),
    ]


def echo_journey(n: int) -> list[Step]:
    return [(lambda p, k=k: p.send(f"hola {n} {k}"), has(f"hola {n} {k}")) for k in range(23)]


async def until(person: FakePerson, expected: Callable[[SeenMessage], bool], within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    while True:
        seen = await person.next(timeout=max(0.01, deadline - time.monotonic()))
        if expected(seen):
            return


async def step(person: FakePerson, item: Step, latencies: list[float]) -> None:
    act, expected = item
    started = time.perf_counter()
    await act(person)
    await until(person, expected)
    latencies.append(time.perf_counter() - started)


class Process:
    def __init__(self, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.argv, self.env, self.log = argv, env, log
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, server: FakeTelegram) -> None:
        polls = len(server.calls("getUpdates"))
        with self.log.open("ab") as out:
            self.process = await asyncio.create_subprocess_exec(
                *self.argv, env=self.env, stdout=out, stderr=out
            )
        while len(server.calls("getUpdates")) <= polls:
            if self.process.returncode is not None:
                raise RuntimeError(self.log.read_text()[-3000:])
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()


def environment(server: FakeTelegram, **extra: str) -> dict[str, str]:
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    env.update(BOT_TOKEN=DEFAULT_TOKEN, TELEGRAM_API_URL=server.base_url, PYTHONUNBUFFERED="1", **extra)
    return env


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def api_calls(server: FakeTelegram) -> int:
    """Bot API requests so far, apart from the bots' getUpdates."""
    return server.stats["requests"] - len(server.calls("getUpdates"))


async def saturation(
    server: FakeTelegram, plan: Callable[[int], list[Step]], people: int, first: int, pid: int
) -> dict:
    persons = [(server.person(first + n, f"P{n}"), plan(first + n)) for n in range(people)]
    latencies: list[float] = []

    async def run(person: FakePerson, steps: list[Step]) -> None:
        for item in steps:
            await step(person, item, latencies)

    started, cpu, calls = time.perf_counter(), cpu_seconds(pid), api_calls(server)
    await asyncio.gather(*(run(person, steps) for person, steps in persons))
    elapsed, cpu, calls = time.perf_counter() - started, cpu_seconds(pid) - cpu, api_calls(server) - calls
    return {"people": people, "updates": len(latencies), "seconds": round(elapsed, 2),
            "updates_per_s": round(len(latencies) / elapsed, 1),
            "bot_cpu_ms_per_update": round(cpu * 1000 / len(latencies), 2),
            "bot_api_calls_per_update": round(calls / len(latencies), 2)}  # fmt: skip


async def steady(
    server: FakeTelegram, plan: Callable[[int], list[Step]], rate: float, seconds: float, first: int
) -> dict:
    """One update every 1/rate seconds, from the next person whose previous reply has arrived."""
    latencies: list[float] = []
    idle: asyncio.Queue[tuple[FakePerson, list[Step]]] = asyncio.Queue()
    fresh = iter(range(first, first + 100_000))
    tasks: set[asyncio.Task[None]] = set()
    late = 0

    async def one(person: FakePerson, steps: list[Step]) -> None:
        await step(person, steps[0], latencies)
        if len(steps) > 1:
            idle.put_nowait((person, steps[1:]))

    started = time.perf_counter()
    total = int(rate * seconds)
    for k in range(total):
        wait = started + k / rate - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        elif wait < -0.05:
            late += 1
        if idle.empty():
            n = next(fresh)
            idle.put_nowait((server.person(n, f"P{n}"), plan(n)))
        task = asyncio.create_task(one(*idle.get_nowait()))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)

    def pct(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)

    achieved = round(len(latencies) / elapsed, 1)
    return {
        "offered_per_s": rate,
        "updates": len(latencies),
        "achieved_per_s": achieved,
        "sent_late": late,
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1),
    }


async def prepare(database_url: str) -> None:
    engine = create_engine(database_url)
    if database_url.startswith("postgresql"):
        async with engine.begin() as connection:
            await connection.execute(text("drop schema public cascade"))
            await connection.execute(text("create schema public"))
    await upgrade(engine)
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        await load_demo(uow)
    async with engine.begin() as connection:  # room for every simulated person
        await connection.execute(text("update workshops set capacity = 1000000"))
    await engine.dispose()


async def run(args: argparse.Namespace) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="participa-journey-"))
    database_url = args.database_url or f"sqlite+aiosqlite:///{folder / 'journey.db'}"
    await prepare(database_url)
    result: dict[str, Any] = {"benchmark": "journey", "database": database_url.split(":", 1)[0],
                              "updates_per_person": 23, "folder": str(folder)}  # fmt: skip
    async with FakeTelegram() as server:
        echo = Process(
            [sys.executable, str(ROOT / "bench" / "echo_bot.py")], environment(server), folder / "echo.log"
        )
        bot_env = environment(server, DATABASE_URL=database_url, FLOOD_LIMIT="100000", LOG_FORMAT="json")
        bot = Process([sys.executable, "-m", "bot"], bot_env, folder / "bot.log")
        runs = (("echo", echo, echo_journey, 10_000_000), ("participa", bot, journey, 20_000_000))
        for name, process, plan, ids in runs:  # each bot gets people of its own (ids from `ids` on)
            await process.start(server)
            try:
                pid = process.process.pid
                result[f"{name}_saturation"] = await saturation(server, plan, args.people, ids, pid)
                if args.profile and name == "participa":
                    result["profile"] = await profile(process, server, plan, args, folder)
                result[f"{name}_steady"] = [
                    await steady(server, plan, rate, args.seconds, ids + (k + 1) * 1_000_000)
                    for k, rate in enumerate(args.rate)
                ]
            finally:
                await process.stop()
        # The ceiling of the ratio: the echo bot making as many Bot API calls an update as Participa
        calls = str(result["participa_saturation"]["bot_api_calls_per_update"])
        talkative = Process(
            [sys.executable, str(ROOT / "bench" / "echo_bot.py")],
            environment(server, ECHO_CALLS=calls),
            folder / "echo-talkative.log",
        )
        await talkative.start(server)
        try:
            result["echo_talkative_saturation"] = await saturation(
                server, echo_journey, args.people, 40_000_000, talkative.process.pid
            )
        finally:
            await talkative.stop()
    rate = {name: result[f"{name}_saturation"]["updates_per_s"] for name in RUNS}
    result["saturation_ratio_to_echo"] = round(rate["participa"] / rate["echo"], 2)
    result["ceiling_ratio_to_echo"] = round(rate["echo_talkative"] / rate["echo"], 2)
    result["targets"] = {"saturation_ratio_to_echo": ">= 0.5", "steady_p95_ms": "< 100 (SQLite)"}
    return result


async def profile(
    process: Process,
    server: FakeTelegram,
    plan: Callable[[int], list[Step]],
    args: argparse.Namespace,
    folder: Path,
) -> str:
    """py-spy samples the bot process while it holds the GIL (its CPU) during a second saturation run
    (pip install py-spy)."""
    assert process.process is not None
    out = folder / "profile.txt"  # collapsed stacks: flamegraph.pl or speedscope read them
    spy = await asyncio.create_subprocess_exec(
        "py-spy", "record", "--gil", "--pid", str(process.process.pid),
        "--output", str(out), "--format", "raw",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    await saturation(server, plan, args.people, 30_000_000, process.process.pid)
    spy.send_signal(2)
    await spy.wait()
    return str(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=200, help="saturation: people at once")
    parser.add_argument(
        "--rate", type=float, nargs="+", default=[100.0], help="steady: updates/s offered (each in turn)"
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="steady: how long")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--postgres", action="store_true", help="use TEST_POSTGRES_URL (emptied!)")
    parser.add_argument("--profile", action="store_true", help="py-spy samples of the bot (collapsed stacks)")
    args = parser.parse_args()
    if args.postgres:
        args.database_url = os.environ["TEST_POSTGRES_URL"]
    print(json.dumps(asyncio.run(run(args)), indent=2))


if __name__ == "__main__":
    main()
