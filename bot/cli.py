"""The `participa` command.

participa run                     run the bot (needs BOT_TOKEN; webhook when WEBHOOK_URL is set, else polling)
participa sandbox                 try the bot in this terminal, no Telegram token needed
participa migrate                 apply the database migrations
participa load workshops FILE     create or update workshops from a YAML file (idempotent)
participa load commitments FILE   consultations and draft commitments from YAML or CSV (idempotent;
                                  a changed text becomes a new version)
participa load contributions FILE contributions received by foro, correo or taller (CSV; idempotent)
participa load demo               load the demo workshops and draft commitments
participa disposition commitment CODE incorporado|modificado|desestimado --reason "..."
participa disposition proposal ID ...     record SGP's disposition; everyone who took part is told once
participa hide feedback|proposal ID [--undo]   hide an abusive comment (its author is told it was hidden)
"""

from __future__ import annotations

import argparse
import asyncio
import csv
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


async def _run(settings: Settings, webhook: bool) -> None:
    from bot.app import create_app, run_polling, run_webhook

    app = await create_app(settings)
    try:
        await (run_webhook(app) if webhook else run_polling(app))
    finally:
        await app.close()


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    if settings.token is None:
        print(
            "Configuration error: BOT_TOKEN: not set. Set it to the token @BotFather gave you, "
            "or run `participa sandbox` to try the bot without one.",
            file=sys.stderr,
        )
        return 2
    mode = getattr(args, "mode", None) or ("webhook" if settings.webhook_url else "polling")
    if mode == "webhook" and not settings.webhook_url:
        print(
            "Configuration error: WEBHOOK_URL: not set (needed by `participa run --webhook`).",
            file=sys.stderr,
        )
        return 2
    asyncio.run(_run(settings, webhook=mode == "webhook"))
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


def read_table(path: Path) -> list[dict[str, Any]]:
    """The rows of a CSV file (comma, semicolon or tab separated; the first row names the columns)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        sample = handle.read(8192)
        handle.seek(0)
        try:
            dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        return [
            {key.strip().lower(): value for key, value in row.items() if key}
            for row in csv.DictReader(handle, dialect=dialect)
        ]


def read_commitments(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(consultations, commitments) from YAML ({consultations: [...], commitments: [...]}, or a list of
    commitments) or from CSV (one commitment a row; consultation_opens_at / _closes_at define a round)."""
    from bot.services.commitment_loading import consultations_of_csv_rows

    if path.suffix.lower() == ".csv":
        rows = read_table(path)
        return consultations_of_csv_rows(rows), rows
    with path.open(encoding="utf-8-sig") as handle:
        data = yaml.safe_load(handle)
    if isinstance(data, dict) and "commitments" in data:
        consultations, commitments = data.get("consultations") or [], data["commitments"] or []
    else:
        consultations, commitments = [], data
    for records in (consultations, commitments):
        if not isinstance(records, list) or not all(isinstance(item, dict) for item in records):
            raise ValueError("expected lists of records (consultations, commitments)")
    return consultations, commitments


async def _with_uow(settings: Settings, work: Any) -> Any:
    """Run `work(uow)` on the configured database (SQLite is migrated first, as the bot does)."""
    from storage.db import create_engine, session_factory
    from storage.migrate import upgrade
    from storage.uow import SqlUnitOfWork

    engine = create_engine(settings.database_url)
    try:
        if settings.is_sqlite:
            await upgrade(engine)
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            return await work(uow)
    finally:
        await engine.dispose()


async def _load(settings: Settings, what: str, path: Path | None) -> str:
    from bot.demo import load_demo
    from bot.services.commitment_loading import load_commitments, load_contributions
    from bot.services.loading import load_workshops
    from bot.services.workshops import Policy

    if what == "commitments":
        consultations, commitments = read_commitments(path)
        report = await _with_uow(settings, lambda uow: load_commitments(uow, consultations, commitments))
        return str(report)
    if what == "contributions":
        rows = read_table(path) if path.suffix.lower() == ".csv" else read_records(path)
        report = await _with_uow(settings, lambda uow: load_contributions(uow, rows))
    elif what == "demo":
        report = await _with_uow(settings, load_demo)
    else:
        records = read_records(path)
        policy = Policy(settings.reminder_seconds, settings.offer_hours)
        report = await _with_uow(settings, lambda uow: load_workshops(uow, records, path.parent, policy))
    return f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged"


def cmd_load(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.loading import RecordError

    if args.what != "demo" and args.file is None:
        print(f"participa load {args.what}: give the FILE to load", file=sys.stderr)
        return 2
    try:
        print(asyncio.run(_load(settings, args.what, args.file)), file=sys.stderr)
    except (OSError, ValueError, yaml.YAMLError, csv.Error, RecordError) as exc:
        print(f"participa load {args.what}: {args.file}: {exc}", file=sys.stderr)
        return 1
    return 0


async def _roles(settings: Settings, args: argparse.Namespace) -> str:
    from bot.services import roles

    async def work(uow: Any) -> str:
        if args.action == "list":
            rows = await roles.list_roles(uow)
            return "\n".join(f"{tid}\t{role}\t{region or ''}" for tid, role, region in rows)
        change = roles.grant if args.action == "grant" else roles.revoke
        changed = await change(uow, None, args.telegram_id, args.role, args.region)
        return f"{args.action} {args.role} {args.region or ''}: {'done' if changed else 'nothing to change'}"

    return await _with_uow(settings, work)


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


def cmd_disposition(settings: Settings, args: argparse.Namespace) -> int:
    from bot.domain.commitments import AlreadyDecided
    from bot.domain.errors import InvalidInput, NotFound
    from bot.services.dispositions import decide_commitment, decide_proposal

    if args.target == "proposal" and not args.key.isdigit():
        print("participa disposition proposal: ID is the proposal's number", file=sys.stderr)
        return 2

    async def work(uow: Any) -> Any:
        if args.target == "commitment":
            return await decide_commitment(uow, None, args.key, args.disposition, args.reason)
        return await decide_proposal(uow, None, int(args.key), args.disposition, args.reason)

    try:
        result = asyncio.run(_with_uow(settings, work))
    except NotFound:
        print(f"participa disposition: no {args.target} {args.key}", file=sys.stderr)
        return 1
    except AlreadyDecided as exc:
        print(
            f"participa disposition: {args.target} {args.key} was already decided ({exc.disposition}); "
            "a disposition is final",
            file=sys.stderr,
        )
        return 1
    except InvalidInput as exc:
        print(f"participa disposition: {exc.field}: {exc.reason}", file=sys.stderr)
        return 2
    state = "recorded" if result.recorded else "already recorded"
    print(f"{state}; {result.notified} people will be told", file=sys.stderr)
    return 0


def cmd_hide(settings: Settings, args: argparse.Namespace) -> int:
    from bot.domain.errors import NotFound
    from bot.services.dispositions import hide_feedback, hide_proposal

    hide = hide_feedback if args.target == "feedback" else hide_proposal
    try:
        changed = asyncio.run(_with_uow(settings, lambda uow: hide(uow, None, args.id, not args.undo)))
    except NotFound:
        print(f"participa hide: no {args.target} {args.id}", file=sys.stderr)
        return 1
    what = "shown again" if args.undo else "hidden"
    print(f"{args.target} {args.id} {what}" if changed else "nothing to change", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="participa", description=__doc__.split("\n\n")[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the bot (needs BOT_TOKEN)")
    mode = run.add_mutually_exclusive_group()
    mode.add_argument("--polling", dest="mode", action="store_const", const="polling", help="getUpdates")
    mode.add_argument(
        "--webhook", dest="mode", action="store_const", const="webhook", help="needs WEBHOOK_URL"
    )
    run.set_defaults(func=cmd_run, mode=None)
    sandbox = commands.add_parser("sandbox", help="chat with the bot in this terminal, no token needed")
    sandbox.add_argument("--db", help="keep the sandbox database in this SQLite file (default: throwaway)")
    sandbox.add_argument("--language", default="es", help="Telegram language of the simulated person")
    sandbox.set_defaults(func=cmd_sandbox)
    commands.add_parser("migrate", help="apply the database migrations").set_defaults(func=cmd_migrate)
    load = commands.add_parser("load", help="load records from a file")
    load.add_argument("what", choices=["workshops", "commitments", "contributions", "demo"])
    load.add_argument("file", nargs="?", type=Path)
    load.set_defaults(func=cmd_load)
    roles = commands.add_parser("roles", help="list, grant or revoke roles (organiser per region, sgp_admin)")
    roles.add_argument("action", choices=["list", "grant", "revoke"])
    roles.add_argument("telegram_id", type=int, nargs="?")
    roles.add_argument("role", nargs="?", choices=["organiser", "sgp_admin"])
    roles.add_argument("region", nargs="?", help="INEI ubigeo code, e.g. 04 for Arequipa")
    roles.set_defaults(func=cmd_roles)
    disposition = commands.add_parser(
        "disposition", help="record SGP's disposition on a commitment or a proposal; tell who took part"
    )
    disposition.add_argument("target", choices=["commitment", "proposal"])
    disposition.add_argument("key", help="the commitment's code, or the proposal's number")
    disposition.add_argument("disposition", choices=["incorporado", "modificado", "desestimado"])
    disposition.add_argument("--reason", required=True, help="why: people who took part will read it")
    disposition.set_defaults(func=cmd_disposition)
    hide = commands.add_parser("hide", help="hide an abusive comment or proposal (it stays in the database)")
    hide.add_argument("target", choices=["feedback", "proposal"])
    hide.add_argument("id", type=int)
    hide.add_argument("--undo", action="store_true", help="show it again")
    hide.set_defaults(func=cmd_hide)
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
