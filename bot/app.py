"""Assembly: engine, storage, bot, dispatcher, middlewares and routers; polling or webhook."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sys
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.utils.i18n import I18n
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.delivery.ratelimit import RateLimiter, ReplyCounter
from bot.delivery.responses import JsonSession
from bot.delivery.sender import Sender
from bot.i18n import LOCALES_DIR
from bot.services.roles import bootstrap_admins, role_holders
from bot.services.workshops import expire_offers
from handlers import build_router, workshop_renderers
from handlers.broadcasts import refresh_progress
from handlers.commands import publish_commands, publish_role_menus
from handlers.hardening import FloodLimit, UpdateLog
from handlers.middlewares import ConsentGate, LocaleMiddleware, UnitOfWorkMiddleware
from handlers.once import InFlight, OnceOnly
from storage.db import autocommit_engine, create_engine, session_factory
from storage.fsm import SqlStorage
from storage.migrate import upgrade
from storage.outbox import OutboxStore
from storage.uow import SqlUnitOfWork
from storage.updates import UpdateLedger

log = logging.getLogger("participa")


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    bot: Bot
    dispatcher: Dispatcher
    i18n: I18n
    sender: Sender
    in_flight: InFlight
    once: OnceOnly | None

    async def close(self) -> None:
        await self.dispatcher.fsm.events_isolation.close()
        await self.dispatcher.storage.close()
        await self.bot.session.close()
        await self.engine.dispose()


def make_i18n(default_locale: str) -> I18n:
    return I18n(path=LOCALES_DIR, default_locale=default_locale, domain="messages")


def make_bot(settings: Settings, limiter: RateLimiter | None = None) -> Bot:
    session = JsonSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    if limiter is not None:
        session.middleware(ReplyCounter(limiter))
    return Bot(settings.token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


@dataclass
class SharedState:
    """Where conversations live and who may handle a chat's update now (see `make_state`)."""

    storage: BaseStorage
    isolation: BaseEventIsolation
    redis: Any = None  # a redis.asyncio.Redis when REDIS_URL is set


# How long a chat's lock in Redis (REDIS_URL) lives unless released. It is held while one update of
# the chat is handled: a slot of InFlight, the database work, the direct replies (exports run outside
# it); measured under 2 s, 3.3 s at most with two instances on a loaded 2-core machine. When its holder
# dies, that person's updates wait until it expires: aiogram's 60 s outlast the 30 s load balancers
# commonly allow a request, 15 s do not. A handler holding it longer would lose it (the chat's next
# update could start meanwhile). No blocking_timeout: giving up would answer Telegram 200 through the
# error handler (no resend) and ask the person to repeat the step.
CHAT_LOCK_SECONDS = 15


def make_state(settings: Settings, engine: AsyncEngine) -> SharedState:
    """By default conversation state is in the database and one process takes a chat's updates one
    at a time. With REDIS_URL, every instance shares Redis: aiogram's RedisStorage for the state, its
    lock per chat (RedisEventIsolation, lasting CHAT_LOCK_SECONDS) so no two instances handle one chat
    at once, and the flood counter."""
    if not settings.redis_url:
        return SharedState(SqlStorage(engine, writer=autocommit_engine(engine)), SimpleEventIsolation())
    from aiogram.fsm.storage.redis import DefaultKeyBuilder, RedisStorage
    from redis.asyncio import Redis

    redis = Redis.from_url(settings.redis_url)
    storage = RedisStorage(redis, key_builder=DefaultKeyBuilder(prefix="participa", with_destiny=True))
    isolation = storage.create_isolation(lock_kwargs={"timeout": CHAT_LOCK_SECONDS})
    return SharedState(storage, isolation, redis)


def make_dispatcher(
    settings: Settings,
    engine: AsyncEngine,
    state: SharedState,
    i18n: I18n,
    sender: Sender,
    in_flight: InFlight | None = None,
    once: OnceOnly | None = None,
) -> Dispatcher:
    # One update at a time per chat: a person's answers are taken in the order they were sent.
    dispatcher = Dispatcher(storage=state.storage, events_isolation=state.isolation)
    dispatcher["settings"] = settings
    dispatcher["sender"] = sender
    dispatcher["i18n"] = i18n
    dispatcher["engine"] = engine  # exports read the views in the background (handlers/reports.py)
    if in_flight is not None:
        dispatcher.update.outer_middleware(in_flight)
    dispatcher.update.outer_middleware(UpdateLog())
    if once is not None:  # a resent update (same update_id) is handled once
        dispatcher.update.outer_middleware(once)
    flood = FloodLimit(i18n, settings.default_locale, limit=settings.flood_limit, redis=state.redis)
    dispatcher.update.outer_middleware(flood)
    dispatcher.update.outer_middleware(UnitOfWorkMiddleware(session_factory(engine), sender.wake))
    LocaleMiddleware(i18n, settings.default_locale).setup(dispatcher)
    gate = ConsentGate(settings.privacy_notice_version)
    dispatcher.message.outer_middleware(gate)
    dispatcher.callback_query.outer_middleware(gate)
    dispatcher.include_router(build_router())
    workshop_renderers.bind(session_factory(engine))  # reminders and offers are checked at send time
    return dispatcher


async def create_app(settings: Settings, once_only: bool = True) -> App:
    """`once_only=False` is for the sandbox, whose fake server numbers updates from 1 on every run."""
    engine = create_engine(settings.database_url)
    if settings.is_sqlite:
        await upgrade(engine)  # the embedded default keeps itself up to date; PostgreSQL: `participa migrate`
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        await bootstrap_admins(uow, settings.sgp_admin_ids)
    i18n = make_i18n(settings.default_locale)
    limiter = RateLimiter(settings.send_rate)
    bot = make_bot(settings, limiter)
    sender = Sender(
        bot, OutboxStore(engine), i18n, limiter, default_locale=settings.default_locale,
        stale_after=timedelta(seconds=settings.claim_stale_seconds),
    )  # fmt: skip
    in_flight = InFlight()
    state = make_state(settings, engine)
    once = OnceOnly(UpdateLedger(engine)) if once_only else None
    dispatcher = make_dispatcher(settings, engine, state, i18n, sender, in_flight, once)
    if isinstance(state.storage, SqlStorage):
        state.storage.stage_writes(dispatcher, bot)
    return App(
        settings=settings,
        engine=engine,
        bot=bot,
        dispatcher=dispatcher,
        i18n=i18n,
        sender=sender,
        in_flight=in_flight,
        once=once,
    )


async def expire_offers_job(app: App) -> None:
    """Waiting-list offers not answered in time pass to the next person (idempotent; safe with
    several instances: each workshop is handled under its row lock)."""
    async with SqlUnitOfWork(session_factory(app.engine)) as uow:
        expired = await expire_offers(uow, policy=app.settings.workshop_policy)
    if expired:
        log.info("%d waiting-list offers expired and passed on", expired)
        app.sender.wake()


def make_scheduler(app: App) -> AsyncIOScheduler:
    """The app's one clock: it wakes the outbox sender every second and runs the periodic jobs.
    What is due lives in the database, so nothing is lost across restarts."""
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # not a line per tick
    scheduler = AsyncIOScheduler(timezone=UTC)
    options = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
    scheduler.add_job(app.sender.wake, "interval", seconds=1, id="outbox-tick", **options)
    scheduler.add_job(
        expire_offers_job,
        "interval",
        seconds=app.settings.offer_check_seconds,
        args=[app],
        id="expire-offers",
        **options,
    )
    scheduler.add_job(
        refresh_progress,
        "interval",
        seconds=3,
        args=(app.bot, session_factory(app.engine), app.sender.store, app.i18n, app.settings),
        id="broadcast-progress",
        **options,
    )
    scheduler.add_job(
        UpdateLedger(app.engine).forget_old, "interval", hours=1, id="forget-old-updates", **options
    )
    if app.once is not None:
        scheduler.add_job(app.once.ledger.flush, "interval", seconds=1, id="mark-updates", **options)
    return scheduler


# Conversations a polling process keeps in memory (a few kB each at most).
CONVERSATIONS_IN_MEMORY = 20_000

# How long a stopping instance waits for the updates in hand (a platform's SIGKILL follows SIGTERM
# after about 30 seconds on most hosts).
DRAIN_SECONDS = 20.0


# The bot's other threads hand results back to the event loop: aiosqlite runs one per connection. A
# thread waiting for the GIL gets it only after the running one held it for the switch interval (5 ms
# by default), so under load each database round trip waited up to that long, several times per
# update. With 0.5 ms (bench/journey.py, SQLite, one run each): p95 at 50 updates/s 72 -> 34 ms, at
# 40/s 51 -> 26 ms; saturation 102 -> 114 updates/s.
SWITCH_INTERVAL = 0.0005


# Full garbage collections at most every 100 younger ones (Python's default: 10); see _freeze_the_heap.
GC_THRESHOLDS = (700, 10, 100)


def _freeze_the_heap() -> None:
    """Once started, what the bot holds for good (modules, SQLAlchemy's mappers, aiogram's and
    pydantic's models: about 300,000 objects) leaves the garbage collector's sight (`gc.freeze`).
    Python's full collections went through all of it: under load (bench/journey.py, SQLite) 12 of
    them took 2.0 s in all, up to 250 ms each, and every update in hand waited. After the freeze they
    are short, but came at every tenth younger collection (9 in that run, up to 50 ms each): now at
    every hundredth. What the bot makes later and keeps is small (conversation state, caches)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


async def _publish_and_start(app: App) -> AsyncIOScheduler:
    sys.setswitchinterval(SWITCH_INTERVAL)
    await publish_commands(app.bot, app.i18n, app.settings.default_locale)
    async with SqlUnitOfWork(session_factory(app.engine)) as uow:
        holders = await role_holders(uow)
    with app.i18n.context():
        await publish_role_menus(app.bot, app.i18n, holders, app.settings.default_locale)
        await app.sender.start()
    scheduler = make_scheduler(app)
    scheduler.start()
    _freeze_the_heap()
    return scheduler


async def _finish(app: App, scheduler: AsyncIOScheduler | None) -> None:
    """After updates stopped coming in: finish the ones in hand, stop the clock, release deliveries."""
    if not await app.in_flight.drained(DRAIN_SECONDS):
        log.warning("stopped with %d updates still in hand", app.in_flight.count)
    if scheduler is not None:
        with contextlib.suppress(Exception):
            scheduler.shutdown(wait=False)
    await app.sender.stop()
    if app.once is not None:
        await app.once.ledger.flush()
    log.info("stopped")


async def run_polling(app: App) -> None:
    bot, dispatcher = app.bot, app.dispatcher
    me = await bot.get_me()
    log.info("started as @%s (polling)", me.username)
    await bot.delete_webhook(drop_pending_updates=False)
    # Only this process receives the bot's updates now: what it handled and wrote is all there is.
    if app.once is not None:
        app.once.newer_than = await app.once.ledger.newest()  # handlers/once.py
    if isinstance(dispatcher.storage, SqlStorage):
        dispatcher.storage.remember(CONVERSATIONS_IN_MEMORY)  # storage/fsm.py
    scheduler = await _publish_and_start(app)
    try:
        # SIGTERM/SIGINT stop the polling (aiogram's handle_signals); updates in hand go on as tasks.
        await dispatcher.start_polling(
            bot,
            allowed_updates=dispatcher.resolve_used_update_types(),
            handle_signals=True,
            close_bot_session=False,
        )
    finally:
        await _finish(app, scheduler)


async def run_webhook(app: App) -> None:
    """Serve Telegram's webhook on PORT until SIGTERM/SIGINT (see bot/webhook.py)."""
    from bot.webhook import serve

    me = await app.bot.get_me()
    log.info("started as @%s (webhook)", me.username)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    scheduler: AsyncIOScheduler | None = None
    async with serve(app) as started:
        scheduler = await _publish_and_start(app)
        await started.register()
        await stop.wait()
        log.info("stopping: no new updates are taken; finishing the ones in hand")
    await _finish(app, scheduler)
