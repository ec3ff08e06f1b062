"""Webhook helpers for end-to-end tests: a bot process in webhook mode, a round-robin proxy in front
of several of them, and the update log read back from the processes' output."""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import time
from collections import Counter
from pathlib import Path

from aiohttp import ClientError, ClientSession, ClientTimeout, web

from bot.fakeapi import FakeTelegram
from tests.e2e.harness import BotProcess

SECRET = "participa-test-secret_1"
HANDLED = ("handled", "unhandled", "error", "throttled")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class WebhookBot(BotProcess):
    """`python -m bot` with WEBHOOK_URL (its own port, or a proxy's address) and PORT."""

    def __init__(
        self,
        server: FakeTelegram,
        database_url: str,
        log_path: Path,
        public_url: str | None = None,
        **env: str,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            "WEBHOOK_URL": public_url or f"{self.url}/telegram",
            "PORT": str(self.port),
            "WEBHOOK_SECRET": SECRET,
            **env,
        }
        super().__init__(server, database_url, log_path, **env)

    async def start(self, timeout: float = 40.0) -> None:
        """Start the bot and wait until it set its webhook (it is listening by then)."""
        before = len(self.server.calls("setWebhook"))
        log = self.log_path.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", env=self.environment(), stdout=log, stderr=log
        )
        log.close()
        deadline = time.monotonic() + timeout
        while len(self.server.calls("setWebhook")) <= before:
            if self.process.returncode is not None or time.monotonic() > deadline:
                raise AssertionError(f"the bot did not set its webhook:\n{self.log()}")
            await asyncio.sleep(0.05)

    def update_outcomes(self) -> list[tuple[int, str]]:
        """(update_id, outcome) of every JSON update log line this process wrote."""
        found = []
        for line in self.log(tail=None).splitlines():
            if '"latency_ms"' in line:
                record = json.loads(line)
                found.append((record["update_id"], record["outcome"]))
        return found


def handled_counts(*bots: WebhookBot) -> Counter[int]:
    """How many times each update id was handled (skipped duplicates not counted) across processes."""
    return Counter(uid for bot in bots for uid, outcome in bot.update_outcomes() if outcome in HANDLED)


class RoundRobinProxy:
    """One public address in front of several instances, as a load balancer: each chat's updates go
    to the instances in turn (so one conversation alternates between them); an instance that cannot be
    reached is answered for with 502 and left out from then on, one that answers too late with 504
    (it is slow, e.g. waiting for a chat's lock, not gone); Telegram then resends the update."""

    def __init__(self, backends: list[str]) -> None:
        self.backends = backends
        self.down: set[str] = set()
        self.turns: Counter[int] = Counter()
        self.forwarded: Counter[str] = Counter()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._runner: web.AppRunner | None = None
        self._http: ClientSession | None = None

    async def __aenter__(self) -> RoundRobinProxy:
        self._http = ClientSession(timeout=ClientTimeout(total=30))
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None and self._http is not None
        await self._runner.cleanup()
        await self._http.close()

    def pick(self, chat: int) -> str | None:
        alive = [backend for backend in self.backends if backend not in self.down]
        if not alive:
            return None
        turn = self.turns[chat]
        self.turns[chat] += 1
        wanted = self.backends[turn % len(self.backends)]
        return wanted if wanted in alive else alive[turn % len(alive)]

    async def forward(self, request: web.Request) -> web.StreamResponse:
        assert self._http is not None
        body = await request.read()
        backend = self.pick(_chat_of(body))
        if backend is None:
            return web.Response(status=502, text="no instance")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        try:
            async with self._http.request(
                request.method, backend + request.path_qs, data=body, headers=headers
            ) as response:
                payload = await response.read()
                self.forwarded[backend] += 1
                return web.Response(
                    status=response.status,
                    body=payload,
                    headers={"Content-Type": response.headers.get("Content-Type", "application/json")},
                )
        except TimeoutError:  # before ClientError: aiohttp's ServerTimeoutError is both
            return web.Response(status=504, text="instance answered too late")
        except (ClientError, OSError):
            self.down.add(backend)
            return web.Response(status=502, text="instance did not answer")


def _chat_of(body: bytes) -> int:
    try:
        update = json.loads(body)
    except ValueError:
        return 0
    for kind in ("message", "edited_message", "callback_query"):
        event = update.get(kind)
        if isinstance(event, dict):
            return int((event.get("from") or event.get("chat") or {}).get("id", 0))
    return 0
