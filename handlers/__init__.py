"""The Telegram conversation layer: one Router per feature, composed here."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.dispatcher.event.handler import CallbackType

from handlers import (
    broadcasts,
    common,
    consultation,
    hardening,
    onboarding,
    privacy,
    reports,
    roles,
    workshop_admin,
    workshop_renderers,
    workshops,
)
from handlers.routing import GatedRouter, gate_routers

# Imported for their side effect: the outbox renderers of the workshops feature.
_RENDERERS = workshop_renderers


def build_router() -> Router:
    """The whole conversation: private-chat features in order of precedence, then the fallbacks.

    Feature routers are module-level (their handlers are declared with decorators); aiogram lets a
    router have one parent, so a new tree first releases them from any previous one (several apps
    in one process: the sandbox, the tests). Workshops come before onboarding: "/start
    asistencia-CODE" (a scanned QR code) is theirs."""
    features = [
        common.router,
        privacy.router,
        roles.router,
        reports.router,
        broadcasts.router,
        workshops.router,
        workshop_admin.router,
        onboarding.router,
        consultation.build_router(),
        common.buttons,
    ]
    for router in [*features, hardening.router, common.fallback]:
        router._parent_router = None
    root = GatedRouter(name="participa")
    private = GatedRouter(name="private")
    private.message.filter(F.chat.type == "private")
    private.callback_query.filter(F.message.chat.type == "private")
    private.include_routers(*features)
    root.include_routers(hardening.router, private, common.fallback)
    gate_routers(root)
    inline_plain_filters(root)
    return root


def inline_plain_filters(root: Router) -> None:
    """aiogram calls a filter that is not a coroutine function (a magic filter such as
    `F.chat.type == "private"`, a lambda) in a worker thread, `asyncio.to_thread`, at every check:
    a thread round trip per filter per update, queued on the default executor's few threads. Ours
    only read attributes of the update, so they run in the event loop instead."""
    for router in root.chain_tail:
        for observer in router.observers.values():
            for handler in (observer._handler, *observer.handlers):  # the router's own filters first
                for plain in [f for f in handler.filters or () if not f.awaitable]:
                    plain.callback, plain.awaitable = _in_loop(plain.callback), True


def _in_loop(callback: CallbackType) -> CallbackType:
    async def run(*args: Any, **kwargs: Any) -> Any:
        return callback(*args, **kwargs)

    return run
