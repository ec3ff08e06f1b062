"""Filters run in the event loop, not in aiogram's worker threads, and still filter; each router's gate
lets through what one of its handlers may take."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Chat, Message, User

from handlers import build_router, inline_plain_filters
from handlers.routing import GATES, GatedRouter, gate_routers


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


def test_every_feature_router_is_gated_once_however_often_the_tree_is_built() -> None:
    first = [(router, GATES[router]) for router in build_router().chain_tail if router in GATES]
    assert sum(len(gates) for _, gates in first) >= 20
    again = build_router()
    assert all(GATES[router] is gates for router, gates in first)
    assert [router for router in again.chain_tail if router in GATES] == [router for router, _ in first]


class _Cb(CallbackData, prefix="cb"):
    n: int


class _Other(CallbackData, prefix="cbx"):
    n: int


class _Steps(StatesGroup):
    one = State()
    two = State()


def _message(text: str | None) -> Message:
    chat = Chat(id=1, type="private")
    return Message(message_id=1, date=datetime.now(UTC), chat=chat, text=text)


def _query(data: str | None) -> CallbackQuery:
    person = User(id=1, is_bot=False, first_name="A")
    return CallbackQuery(id="1", from_user=person, chat_instance="1", data=data)


async def test_a_gate_lets_through_exactly_what_some_handler_of_its_router_may_take() -> None:
    router = Router()

    @router.message(Command("talleres", "Ayuda", ignore_case=True))
    async def command(message: Message) -> None: ...

    @router.message(_Steps.one, F.text)
    async def typed(message: Message) -> None: ...

    @router.message(StateFilter(_Steps.two), Command("fin"))
    async def ended(message: Message) -> None: ...

    @router.callback_query(_Steps.two, _Cb.filter(F.n > 1))
    async def pressed(query: CallbackQuery) -> None: ...

    gate_routers(router)
    inline_plain_filters(router)
    gates = GATES[router]
    gate_routers(router)  # a second tree: the same gates
    assert GATES[router] is gates
    message_gate, callback_gate = gates["message"], gates["callback_query"]
    one, two = _Steps.one.state, _Steps.two.state

    for text, state, expected in [
        ("/talleres", None, True),
        ("/talleres@participa_bot arequipa", two, True),
        ("/AYUDA", None, True),  # Command casefolds: "ayuda"
        ("/otro", None, False),
        ("/otro", one, True),  # `typed` reads only the state and the text
        ("hola", one, True),
        ("hola", None, False),
        ("hola", two, False),
        ("/fin", two, True),
        ("/fin", None, False),
        (None, one, True),
        (None, None, False),
    ]:
        assert await message_gate(_message(text), raw_state=state) is expected, (text, state)
    assert await callback_gate(_query("cb:1"))  # the handler itself still checks n > 1 and the state
    assert not await callback_gate(_query("cbx:1"))
    assert not await callback_gate(_query(None))


def test_a_router_with_a_handler_for_any_button_or_any_message_is_not_gated_for_it() -> None:
    router = Router()

    @router.callback_query(_Other.filter())
    async def known(query: CallbackQuery) -> None: ...

    @router.callback_query()
    async def anything(query: CallbackQuery) -> None: ...

    gate_routers(router)
    assert "callback_query" not in GATES[router]


async def test_a_gated_router_visits_only_the_sub_routers_whose_gate_lets_the_update_through() -> None:
    first, second, catch_all = Router(name="first"), Router(name="second"), Router(name="catch_all")
    visits: list[str] = []
    for sub in (first, second, catch_all):

        async def visited(handler, event, data, name=sub.name):
            visits.append(name)
            return await handler(event, data)

        sub.message.outer_middleware(visited)

    @first.message(Command("talleres"))
    async def workshops(message: Message) -> str:
        return "first"

    @second.message(_Steps.one)
    async def step(message: Message) -> str:
        return "second"

    @catch_all.message()
    async def anything(message: Message) -> str:
        return "catch_all"

    root = GatedRouter(name="root")
    root.include_routers(first, second, catch_all)
    gate_routers(root)

    async def handled(text: str, state: str | None) -> str:
        visits.clear()
        return await root.propagate_event("message", _message(text), raw_state=state, bot=None)

    assert await handled("/talleres", None) == "first" and visits == ["first"]
    assert await handled("hola", _Steps.one.state) == "second" and visits == ["second"]
    assert await handled("/talleres", _Steps.one.state) == "first" and visits == ["first"]  # in order
    assert await handled("hola", None) == "catch_all" and visits == ["catch_all"]
