"""Webhook mode (WEBHOOK_URL set): an aiohttp server on PORT behind Telegram, or behind a load
balancer in front of several instances.

- POST on the path of WEBHOOK_URL: one update. The secret token Telegram sends with each update
  (X-Telegram-Bot-Api-Secret-Token) is checked; a request without it gets 403.
- The update is handled *before* the answer: Telegram gets 200 only after the update's unit of work
  committed. If this instance dies first, Telegram gets no answer and resends the update (to any
  instance); the update ledger (storage/updates.py) recognises an update already handled.
- GET /healthz: 200 {"status": "ok"} when the database answers `SELECT 1`, else 503.
- On SIGTERM the listening socket is closed first (the load balancer sends new updates elsewhere;
  Telegram retries what it could not deliver), the requests in hand are finished, then the app stops.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger("participa")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_secret(settings: Settings) -> str:
    """WEBHOOK_SECRET, or one derived from the token: the same on every instance, never guessable."""
    if settings.webhook_secret is not None and settings.webhook_secret.get_secret_value():
        return settings.webhook_secret.get_secret_value()
    return hashlib.sha256(b"participa-webhook:" + (settings.token or "").encode()).hexdigest()


def webhook_path(settings: Settings) -> str:
    return urlsplit(settings.webhook_url or "").path or "/"


class UpdateHandler(SimpleRequestHandler):
    """aiogram's handler, answering only after the update was handled (handle_in_background=False),
    with 403 for a wrong secret; the bot's session belongs to the app, which closes it."""

    def __init__(self, dispatcher: Dispatcher, bot: Bot, secret: str) -> None:
        super().__init__(dispatcher, bot, handle_in_background=False, secret_token=secret)

    async def handle(self, request: web.Request) -> web.Response:
        if not self.verify_secret(request.headers.get(SECRET_HEADER, ""), self.bot):
            return web.json_response({"error": "forbidden"}, status=403)
        try:
            await request.json()
        except ValueError:
            return web.json_response({"error": "not an update"}, status=400)
        return await self._handle_request(bot=self.bot, request=request)

    async def close(self) -> None:
        """Nothing: App.close() closes the bot's session after the sender has stopped."""


def healthz(engine: AsyncEngine, timeout: float = 5.0) -> Any:
    async def check(_request: web.Request) -> web.Response:
        try:
            async with asyncio.timeout(timeout), engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as exc:
            log.warning("health check failed: %s", type(exc).__name__)
            return web.json_response({"status": "unavailable", "database": type(exc).__name__}, status=503)
        return web.json_response({"status": "ok"})

    return check


def make_web_app(app: App) -> web.Application:
    web_app = web.Application()
    handler = UpdateHandler(app.dispatcher, app.bot, webhook_secret(app.settings))
    web_app.router.add_get("/healthz", healthz(app.engine))
    web_app.router.add_post(webhook_path(app.settings), handler.handle)
    return web_app


@dataclass
class Started:
    app: App

    async def register(self) -> None:
        """setWebhook: every instance sets the same address and secret (idempotent)."""
        settings = self.app.settings
        await self.app.bot.set_webhook(
            settings.webhook_url or "",
            secret_token=webhook_secret(settings),
            allowed_updates=self.app.dispatcher.resolve_used_update_types(),
            drop_pending_updates=False,
        )
        log.info("webhook set; listening on port %d", settings.port)


@asynccontextmanager
async def serve(app: App, host: str = "0.0.0.0", shutdown_timeout: float = 20.0) -> AsyncIterator[Started]:
    runner = web.AppRunner(
        make_web_app(app), handle_signals=False, access_log=None, shutdown_timeout=shutdown_timeout
    )
    await runner.setup()
    site = web.TCPSite(runner, host=host, port=app.settings.port)
    await site.start()
    try:
        yield Started(app)
    finally:
        # Stops listening, lets the requests in hand finish (up to shutdown_timeout), then closes.
        await runner.cleanup()
