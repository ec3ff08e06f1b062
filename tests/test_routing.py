"""Filters run in the event loop, not in aiogram's worker threads, and still filter."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram import F, Router
from aiogram.types import Chat, Message

from handlers import build_router, inline_plain_filters


def test_no_filter_of_the_bot_runs_in_a_worker_thread() -> None:
    root = build_router()
    checks = [
        check
        for router in root.chain_tail
        for observer in router.observers.values()
        for handler in (observer._handler, *observer.handlers)
        for check in handler.filters or ()
    ]
    assert len(checks) > 50 and all(check.awaitable for check in checks)


async def test_a_magic_filter_run_in_the_loop_still_filters() -> None:
    router = Router()
    router.message.filter(F.chat.type == "private")

    @router.message(F.text.startswith("/"))
    async def command(message: Message) -> None: ...

    inline_plain_filters(router)
    inline_plain_filters(router)  # a second tree over the same routers changes nothing more

    def message(chat_type: str, text: str) -> Message:
        chat = Chat(id=1, type=chat_type)
        return Message(message_id=1, date=datetime.now(UTC), chat=chat, text=text)

    assert (await router.message._handler.check(message("private", "hola")))[0]
    assert not (await router.message._handler.check(message("group", "hola")))[0]
    handler = router.message.handlers[0]
    assert (await handler.check(message("private", "/start")))[0]
    assert not (await handler.check(message("private", "hola")))[0]
