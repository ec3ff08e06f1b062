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
participa export DATASET [--format csv|xlsx|json|jsonl] [--output FILE] [--region R] [--theme T]
                 [--consultation C] [--since DATE]    a dataset (feedback, proposals, contributions,
                                  registrations, participants, organisations, workshops), streamed
participa export --open-data --output FILE.zip   the anonymised open-data release (OPEN_DATA_SECRET)
participa stats [--format text|csv|json|png] [--output DIR] [--region R] [--consultation C]
                [--basis attended|registered]   the Cuadros 1-4 SGP publishes
participa roles sql [ROLE]        the SQL that creates a read-only PostgreSQL role for the views
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


def _event_loop() -> asyncio.AbstractEventLoop:
    """The running bot's event loop: uvloop where it is installed (not on Windows), asyncio's otherwise.
    bench/journey.py, SQLite, same day, one run each: saturation 90 -> 123 updates/s, bot CPU per
    update 11.1 -> 8.4 ms."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


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
    with asyncio.Runner(loop_factory=_event_loop) as runner:
        runner.run(_run(settings, webhook=mode == "webhook"))
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


class _Counted(list):  # type: ignore[type-arg]
    """The records of a load, moving a progress bar as the service goes through them."""

    def __init__(self, records: list[Any], bar: Any) -> None:
        super().__init__(records)
        self.bar = bar
        if bar is not None:
            bar.total = len(records)

    def __iter__(self) -> Any:
        for record in super().__iter__():
            yield record
            if self.bar is not None:
                self.bar.update(1)


async def _load(settings: Settings, what: str, path: Path | None, bar: Any = None) -> str:
    from bot.demo import load_demo
    from bot.services.commitment_loading import load_commitments, load_contributions
    from bot.services.loading import load_workshops

    if what == "commitments":
        consultations, commitments = read_commitments(path)
        commitments = _Counted(commitments, bar)
        report = await _with_uow(settings, lambda uow: load_commitments(uow, consultations, commitments))
        return str(report)
    if what == "contributions":
        rows = _Counted(read_table(path) if path.suffix.lower() == ".csv" else read_records(path), bar)
        report = await _with_uow(settings, lambda uow: load_contributions(uow, rows))
    elif what == "demo":
        report = await _with_uow(settings, load_demo)
    else:
        records = _Counted(read_records(path), bar)
        policy = settings.workshop_policy
        report = await _with_uow(settings, lambda uow: load_workshops(uow, records, path.parent, policy))
    return f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged"


def cmd_load(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.loading import RecordError

    if args.what != "demo" and args.file is None:
        print(f"participa load {args.what}: give the FILE to load", file=sys.stderr)
        return 2
    bar = _progress("registros") if args.what != "demo" else None
    try:
        print(asyncio.run(_load(settings, args.what, args.file, bar)), file=sys.stderr)
    except (OSError, ValueError, yaml.YAMLError, csv.Error, RecordError) as exc:
        print(f"participa load {args.what}: {args.file}: {exc}", file=sys.stderr)
        return 1
    finally:
        if bar is not None:
            bar.close()
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

    if args.action == "sql":
        from bot.reports.access import DEFAULT_ROLE, readonly_role_sql

        try:
            print(readonly_role_sql(args.telegram_id or DEFAULT_ROLE), end="")
        except ValueError as exc:
            print(f"participa roles sql: {exc}", file=sys.stderr)
            return 2
        return 0
    if args.telegram_id is not None:
        if not args.telegram_id.lstrip("-").isdigit():
            print("participa roles: TELEGRAM_ID is a number", file=sys.stderr)
            return 2
        args.telegram_id = int(args.telegram_id)
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


def _progress(unit: str) -> Any:
    """A progress bar (rows done, rate) on a terminal's stderr; nothing at all when piped."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(unit=f" {unit}", unit_scale=True, file=sys.stderr, leave=False)


async def _with_engine(settings: Settings, work: Any) -> Any:
    from storage.db import create_engine
    from storage.migrate import upgrade

    engine = create_engine(settings.database_url)
    try:
        if settings.is_sqlite:
            await upgrade(engine)
        return await work(engine)
    finally:
        await engine.dispose()


def _since(value: str) -> Any:
    from datetime import UTC, datetime

    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a date, e.g. 2026-07-01 (or 2026-07-01T08:00)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def _export(settings: Settings, args: argparse.Namespace, bar: Any) -> Any:
    from bot.reports import exporting
    from bot.reports.writers import writer_for
    from storage.exports import ViewQuery, export_to_file, stream_view

    filters = exporting.Filters(
        regions=tuple(args.region or ()),
        theme=args.theme,
        consultation=args.consultation,
        since=args.since,
        include_hidden=args.include_hidden,
    )
    progress = bar.update if bar is not None else None

    async def work(engine: Any) -> Any:
        if args.open_data:
            secret = settings.open_data_secret.get_secret_value() if settings.open_data_secret else ""

            def sources(data: Any) -> Any:
                query = ViewQuery(data.view, exporting.conditions(data, filters, public=True))
                return stream_view(engine, query)

            for name in exporting.OPEN_DATASETS:  # every filter must apply before a file is opened
                exporting.conditions(exporting.dataset(name), filters, public=True)
            if not secret:
                raise exporting.ExportError(
                    "OPEN_DATA_SECRET is not set: it keys the pseudonyms of the open-data release"
                )
            return (await exporting.write_open_data(args.output, sources, secret, progress=progress)).rows
        data = exporting.dataset(args.dataset)
        if args.output is not None:
            return await export_to_file(engine, args.dataset, args.format, args.output, filters, progress)
        csv_ = args.format == "csv" and engine.dialect.name == "sqlite"
        query = ViewQuery(data.view, exporting.conditions(data, filters), spreadsheet=csv_)
        if args.output is None:
            out = exporting.text_output(sys.stdout.buffer)
            try:
                writer = writer_for(args.format, out)
                chunks = stream_view(engine, query)
                return await exporting.write_rows(chunks, writer, data.names, progress, prepared=csv_)
            finally:
                out.detach()

    async def audited(engine: Any) -> Any:
        from bot.services.reports import record_export
        from storage.db import session_factory
        from storage.uow import SqlUnitOfWork

        rows = await work(engine)
        target = "open-data" if args.open_data else args.dataset
        fmt = "zip" if args.open_data else args.format
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            await record_export(uow, None, target, fmt, channel="cli", rows=rows, **filters.describe())
        return rows

    return await _with_engine(settings, audited)


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.reports.exporting import ExportError

    if not args.open_data and args.dataset is None:
        print("participa export: give the DATASET (or --open-data)", file=sys.stderr)
        return 2
    if args.output is None and (args.open_data or args.format not in ("csv", "jsonl")):
        print("participa export: give --output FILE for xlsx, json and --open-data", file=sys.stderr)
        return 2
    bar = _progress("filas")
    try:
        rows = asyncio.run(_export(settings, args, bar))
    except ExportError as exc:
        print(f"participa export: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"participa export: {exc}", file=sys.stderr)
        return 1
    finally:
        if bar is not None:
            bar.close()
    if args.output is not None:
        print(f"{rows} rows written to {args.output}", file=sys.stderr)
    return 0


async def _stats(settings: Settings, args: argparse.Namespace) -> list[Any]:
    from bot.reports.stats import cuadros
    from storage.db import session_factory
    from storage.stats import SqlStats

    async def work(engine: Any) -> Any:
        async with session_factory(engine)() as session:
            counts = await SqlStats(session).counts(args.region, args.consultation, args.basis)
        return cuadros(counts)

    return await _with_engine(settings, work)


def cmd_stats(settings: Settings, args: argparse.Namespace) -> int:
    import json

    from bot.reports.stats import render_csv, render_png, render_text

    if args.format == "png" and args.output is None:
        print("participa stats: give --output DIR for the PNG charts", file=sys.stderr)
        return 2
    tables = asyncio.run(_stats(settings, args))
    if args.format == "json":
        text = json.dumps([t.as_dict() for t in tables], ensure_ascii=False, indent=2) + "\n"
        outputs = {"cuadros.json": text}
    elif args.format == "csv":
        outputs = {f"{t.key}.csv": render_csv(t) for t in tables}
    elif args.format == "text":
        outputs = {"cuadros.txt": "\n\n".join(render_text(t) for t in tables) + "\n"}
    else:
        args.output.mkdir(parents=True, exist_ok=True)
        for table in tables:
            print(render_png(table, args.output / f"{table.key}.png"), file=sys.stderr)
        return 0
    if args.output is None:
        sys.stdout.write("\n".join(outputs.values()))
        return 0
    args.output.mkdir(parents=True, exist_ok=True)
    for name, text in outputs.items():
        (args.output / name).write_text(text, encoding="utf-8", newline="")
        print(args.output / name, file=sys.stderr)
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
    roles = commands.add_parser(
        "roles",
        help="list, grant or revoke roles (organiser per region, sgp_admin); "
        "sql [ROLE]: the SQL of a read-only PostgreSQL role limited to the export views",
    )
    roles.add_argument("action", choices=["list", "grant", "revoke", "sql"])
    roles.add_argument("telegram_id", nargs="?", help="the person's Telegram id (sql: the role's name)")
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
    export = commands.add_parser("export", help="export a dataset (csv, xlsx, json, jsonl) or the open data")
    export.add_argument(
        "dataset",
        nargs="?",
        choices=["feedback", "proposals", "contributions", "registrations", "participants",
                 "organisations", "workshops"],
    )  # fmt: skip
    export.add_argument("--format", default="csv", choices=["csv", "xlsx", "json", "jsonl"])
    export.add_argument("--output", type=Path, help="the file (standard output for csv and jsonl)")
    export.add_argument("--region", action="append", help="region code (repeat for several)")
    export.add_argument("--theme", help="theme code, e.g. salud")
    export.add_argument("--consultation", help="consultation code")
    export.add_argument("--since", type=_since, help="only rows from this date (UTC)")
    export.add_argument("--include-hidden", action="store_true", help="keep comments hidden by moderation")
    export.add_argument("--open-data", action="store_true", help="the anonymised open-data ZIP")
    export.set_defaults(func=cmd_export)
    stats = commands.add_parser("stats", help="the Cuadros 1-4 SGP publishes (text, csv, json, png)")
    stats.add_argument("--format", default="text", choices=["text", "csv", "json", "png"])
    stats.add_argument(
        "--output", type=Path, help="a folder for the files (text, csv, json: stdout if omitted)"
    )
    stats.add_argument("--region", action="append", help="region code (repeat for several)")
    stats.add_argument("--consultation", help="consultation code (Cuadros 1, 2 and 4)")
    stats.add_argument("--basis", default="attended", choices=["attended", "registered"], help="Cuadro 3")
    stats.set_defaults(func=cmd_stats)
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
