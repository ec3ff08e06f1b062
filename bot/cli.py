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
from pythonjsonlogger.json import JsonFormatter

from bot.config import Settings, settings_or_exit

log = logging.getLogger("participa")


def _logging(verbose: bool = False, json_lines: bool = False) -> None:
    """Logs go to stderr: JSON lines for the running bot (LOG_FORMAT=json, the default of `run`),
    plain text for the command line and the sandbox."""
    handler = logging.StreamHandler(sys.stderr)
    if json_lines:
        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s", timestamp=False))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, handlers=[handler], force=True)
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


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


async def _roles(settings: Settings, args: argparse.Namespace) -> str:
    from bot.services import roles
    from storage.db import create_engine, session_factory
    from storage.migrate import upgrade
    from storage.uow import SqlUnitOfWork

    engine = create_engine(settings.database_url)
    try:
        if settings.is_sqlite:
            await upgrade(engine)
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            if args.action == "list":
                rows = await roles.list_roles(uow)
                return "\n".join(f"{tid}\t{role}\t{region or ''}" for tid, role, region in rows)
            change = roles.grant if args.action == "grant" else roles.revoke
            changed = await change(uow, None, args.telegram_id, args.role, args.region)
            return (
                f"{args.action} {args.role} {args.region or ''}: {'done' if changed else 'nothing to change'}"
            )
    finally:
        await engine.dispose()


def cmd_roles(settings: Settings, args: argparse.Namespace) -> int:
    from bot.domain.errors import InvalidInput

    if args.action != "list" and (args.telegram_id is None or args.role is None):
        print("participa roles grant|revoke TELEGRAM_ID organiser|sgp_admin [REGION]", file=sys.stderr)
        return 2
    try:
        print(asyncio.run(_roles(settings, args)))
    except InvalidInput as exc:
        print(f"participa roles: {exc}", file=sys.stderr)
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
    roles = commands.add_parser("roles", help="list, grant or revoke roles (organiser per region, sgp_admin)")
    roles.add_argument("action", choices=["list", "grant", "revoke"])
    roles.add_argument("telegram_id", type=int, nargs="?")
    roles.add_argument("role", nargs="?", choices=["organiser", "sgp_admin"])
    roles.add_argument("region", nargs="?", help="INEI ubigeo code, e.g. 04 for Arequipa")
    roles.set_defaults(func=cmd_roles)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    # The sandbox brings its own server, token and database: what the environment says of them
    # (even malformed) does not concern it.
    overrides = (
        {"bot_token": None, "database_url": "sqlite+aiosqlite://", "telegram_api_url": "http://127.0.0.1"}
        if args.command == "sandbox"
        else {}
    )
    settings = settings_or_exit(**overrides)
    _logging(args.verbose, json_lines=args.command == "run" and settings.log_format == "json")
    raise SystemExit(args.func(settings, args))
