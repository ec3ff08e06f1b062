"""How an update finds its handler without asking every handler of the bot.

aiogram offers an update to the routers in order, and each router asks each of its handlers in
turn: every filter of every handler, with the update's whole context copied at each call. A button
press near the end of the tree (the SMART questions) went through about 40 handlers, a message
through up to 60; under load that walk was about a tenth of the bot's CPU (py-spy, bench/journey.py).

`gate_routers` gives each router without sub-routers a gate for buttons and one for messages,
read from what its handlers' filters declare: could any of them take the update at all?

- a button press: its callback data starts with the prefix of one of the router's CallbackData
  filters (a router with a handler that has none gets no gate for buttons);
- a message: the command it starts with, if any, is one a Command filter names, and the conversation
  state is one a state filter allows. Other filters (magic filters, text) are not read: a handler
  with only those may take any message, so the gate lets everything through to it.

A router with no handler at all for a kind of update gets a gate that lets none through.

A gate only ever skips a router none of whose handlers would match; the handlers still check
everything themselves. What it decides for a command and a state is kept (a few hundred answers at
most: the known commands, one key for every other, and the states).

The gates are asked by a `GatedRouter` (the root, private and consultation routers) before it
offers an update to a sub-router: aiogram visits every sub-router in turn, and even a visit that
ends at once costs about 30 µs (its outer middlewares wrapped, its filters called, the context
copied twice). A gated router under a plain Router is simply visited, as aiogram does.
"""

from __future__ import annotations

import re
from typing import Any
from weakref import WeakKeyDictionary

from aiogram import Router
from aiogram.dispatcher.event.bases import REJECTED, UNHANDLED
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.dispatcher.event.telegram import TelegramEventObserver
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message

_OTHER_COMMAND = "\0other"


# router -> update type -> its gate
GATES: WeakKeyDictionary[Router, dict[str, _Gate]] = WeakKeyDictionary()


def gate_routers(root: Router) -> None:
    """Gates for each router without sub-routers, before handlers.inline_plain_filters wraps the
    filters they are read from; a router gated already keeps its gates (the routers are module-level
    and a tree can be built again over them)."""
    for router in root.chain_tail:
        if router.sub_routers or router in GATES:
            continue
        gates = {
            "callback_query": _callback_gate(router.callback_query.handlers),
            "message": _message_gate(router.message.handlers),
        }
        GATES[router] = {kind: gate for kind, gate in gates.items() if gate is not None}


class GatedRouter(Router):
    """Offers an update only to the sub-routers whose gate lets it through (see the module's
    docstring); otherwise aiogram's own propagation, which this follows line by line."""

    async def _propagate_event(
        self, observer: TelegramEventObserver | None, update_type: str, event: Any, **kwargs: Any
    ) -> Any:
        if observer:
            result, data = await observer.check_root_filters(event, **kwargs)
            if not result:
                return UNHANDLED
            kwargs.update(data)
            response = await observer.trigger(event, **kwargs)
            if response is REJECTED:  # pragma: no cover  (as aiogram's)
                return UNHANDLED
            if response is not UNHANDLED:
                return response
        raw_state = kwargs.get("raw_state")
        for router in self.sub_routers:
            gate = GATES.get(router, {}).get(update_type)
            if gate is not None and not await gate(event, raw_state=raw_state):
                continue
            response = await router.propagate_event(update_type=update_type, event=event, **kwargs)
            if response is not UNHANDLED:
                return response
        return UNHANDLED


def _filters(handler: HandlerObject) -> list[Any]:
    return [check.callback for check in handler.filters or ()]


class _Gate:
    async def __call__(self, event: Any, raw_state: str | None = None) -> bool:
        return False  # no handler: nothing to let through


class CallbackPrefixes(_Gate):
    def __init__(self, prefixes: tuple[str, ...]) -> None:
        self.prefixes = prefixes

    async def __call__(self, query: CallbackQuery, raw_state: str | None = None) -> bool:
        return (query.data or "").startswith(self.prefixes)


def _callback_gate(handlers: list[HandlerObject]) -> _Gate | None:
    if not handlers:
        return _Gate()
    prefixes = []
    for handler in handlers:
        data = [check.callback_data for check in _filters(handler) if isinstance(check, CallbackQueryFilter)]
        if not data:
            return None  # this handler may take any button
        prefixes += [kind.__prefix__ + kind.__separator__ for kind in data]
    return CallbackPrefixes(tuple(sorted(set(prefixes))))


class _Admits:
    """What one message handler's filters say about the command and the state."""

    def __init__(self, commands: frozenset[str] | None, states: list[StateFilter]) -> None:
        self.commands, self.states = commands, states

    async def __call__(self, command: str | None, raw_state: str | None) -> bool:
        if self.commands is not None and command not in self.commands:
            return False
        for state in self.states:
            if not await state(None, raw_state):  # type: ignore[arg-type]  # states read no event
                return False
        return True


class MessageGate(_Gate):
    def __init__(self, handlers: list[_Admits]) -> None:
        self.handlers = handlers
        self.known = frozenset().union(*(h.commands or () for h in handlers))
        self.decided: dict[tuple[str | None, str | None], bool] = {}

    async def __call__(self, message: Message, raw_state: str | None = None) -> bool:
        key = (self._command(message), raw_state)
        if key not in self.decided:
            self.decided[key] = any([await handler(*key) for handler in self.handlers])
        return self.decided[key]

    def _command(self, message: Message) -> str | None:
        """The command as Command reads it ("/Start@bot x" is "Start"), or one key for any unknown."""
        text = message.text or message.caption
        if not text or not text.startswith("/"):
            return None
        name = text.split(maxsplit=1)[0][1:].partition("@")[0]
        if name in self.known:
            return name
        return name.casefold() if name.casefold() in self.known else _OTHER_COMMAND


def _message_gate(handlers: list[HandlerObject]) -> _Gate:
    if not handlers:
        return _Gate()
    admits = []
    for handler in handlers:
        commands: frozenset[str] | None = None
        states = []
        for check in _filters(handler):
            if isinstance(check, Command):
                if check.prefix != "/" or any(isinstance(c, re.Pattern) for c in check.commands):
                    continue  # read as "may take any command"
                names = frozenset(check.commands)
                commands = names if commands is None else commands & names
            elif isinstance(check, StateFilter):
                states.append(check)
            elif isinstance(check, State):
                states.append(StateFilter(check))
        admits.append(_Admits(commands, states))
    return MessageGate(admits)
