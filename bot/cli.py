"""The `participa` command.

participa run                     run the bot (needs BOT_TOKEN; polling)
participa sandbox                 try the bot in this terminal, no Telegram token needed
participa migrate                 apply the database migrations
participa load workshops FILE     create or update workshops from a YAML file (idempotent)
participa load demo               load the demo workshops
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path
from typing import Any

import yaml

from bot.config import Settings, settings_or_exit

log = logging.getLogger("participa")


def _logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)


async def _run(settings: Settings) -> None:
    from bot.app import create_app, run_polling

    app = await create_app(settings)
    try:
        await run_polling(app)
    finally:
        await app.close()


def cmd_run(settings: Settings, _args: argparse.Namespace) -> int:
    if settings.token is None:
        print(
            "Configuration error: BOT_TOKEN: not set. Set it to the token @BotFather gave you, "
            "or run `participa sandbox` to try the bot without one.",
            file=sys.stderr,
        )
        return 2
    asyncio.run(_run(settings))
    return 0


def cmd_sandbox(settings: Settings, args: argparse.Namespace) -> int:
    from bot.sandbox import run_sandbox

    return asyncio.run(run_sandbox(settings, database=args.db, user_language=args.language))


async def _migrate(settings: Settings) -> None:
    from storage.db import create_engine
    from storage.migrate import upgrade

    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


def cmd_migrate(settings: Settings, _args: argparse.Namespace) -> int:
    asyncio.run(_migrate(settings))
    print("Database is up to date.", file=sys.stderr)
    return 0


def read_records(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8-sig") as handle:
        data = yaml.safe_load(handle)
    if isinstance(data, dict):
        data = next(iter(data.values())) if len(data) == 1 else [data]
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise ValueError("expected a list of records")
    return data


async def _load(settings: Settings, what: str, path: Path | None) -> str:
    from bot.demo import load_demo
    from bot.services.loading import load_workshops
    from bot.services.workshops import Policy
    from storage.db import create_engine, session_factory
    from storage.migrate import upgrade
    from storage.uow import SqlUnitOfWork

    engine = create_engine(settings.database_url)
    try:
        if settings.is_sqlite:
            await upgrade(engine)
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            if what == "demo":
                report = await load_demo(uow)
            else:
                policy = Policy(settings.reminder_seconds, settings.offer_hours)
                report = await load_workshops(uow, read_records(path), path.parent, policy)
    finally:
        await engine.dispose()
    return f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged"


def cmd_load(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.loading import RecordError

    if args.what != "demo" and args.file is None:
        print(f"participa load {args.what}: give the FILE to load", file=sys.stderr)
        return 2
    try:
        print(asyncio.run(_load(settings, args.what, args.file)), file=sys.stderr)
    except (OSError, ValueError, yaml.YAMLError, RecordError) as exc:
        print(f"participa load {args.what}: {args.file}: {exc}", file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="participa", description=__doc__.split("\n\n")[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run the bot (needs BOT_TOKEN)").set_defaults(func=cmd_run)
    sandbox = commands.add_parser("sandbox", help="chat with the bot in this terminal, no token needed")
    sandbox.add_argument("--db", help="keep the sandbox database in this SQLite file (default: throwaway)")
    sandbox.add_argument("--language", default="es", help="Telegram language of the simulated person")
    sandbox.set_defaults(func=cmd_sandbox)
    commands.add_parser("migrate", help="apply the database migrations").set_defaults(func=cmd_migrate)
    load = commands.add_parser("load", help="load records from a file")
    load.add_argument("what", choices=["workshops", "demo"])
    load.add_argument("file", nargs="?", type=Path)
    load.set_defaults(func=cmd_load)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    _logging(args.verbose)
    settings = settings_or_exit()
    raise SystemExit(args.func(settings, args))
