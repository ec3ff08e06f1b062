"""Renderers: each kind of outbox message becomes text and buttons in the recipient's language.

Features register theirs with `@renderer("kind")`; a renderer gets the payload (ids and values only)
and runs inside the recipient's locale, so gettext gives their language at send time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str
    reply_markup: InlineKeyboardMarkup | None = None
    photo: str | None = None  # a Telegram file_id
    document: str | None = None  # a Telegram file_id


class Skip(Exception):
    """Raised by a renderer when the message no longer applies (a cancelled registration, say)."""


Renderer = Callable[[dict[str, Any], Any], Awaitable[Rendered]]
RENDERERS: dict[str, Renderer] = {}


def renderer(kind: str) -> Callable[[Renderer], Renderer]:
    def register(function: Renderer) -> Renderer:
        if kind in RENDERERS and RENDERERS[kind] is not function:
            raise ValueError(f"two renderers for {kind!r}")
        RENDERERS[kind] = function
        return function

    return register


@contextmanager
def translating(i18n: I18n, locale: str) -> Iterator[None]:
    """gettext in `locale` outside an update (the sender, scheduled jobs)."""
    with i18n.context(), i18n.use_locale(locale):
        yield
