"""A fake Telegram Bot API server with simulated people, for end-to-end tests and the sandbox.

>>> from bot.fakeapi import FakeTelegram
>>> async with FakeTelegram() as server:      # doctest: +SKIP
...     ana = server.person(1001, "Ana")
...     await ana.send("/start")
...     print((await ana.next()).text)
"""

from .html import HtmlParseError, parse_html, trim_text, utf16_len
from .people import Alert, ButtonMatcher, FakeChat, FakeGroup, FakePerson, SeenMessage
from .server import DEFAULT_TOKEN, ApiError, FakeTelegram, RateLimits, StoredFile, Upload

__all__ = [
    "DEFAULT_TOKEN",
    "Alert",
    "ApiError",
    "ButtonMatcher",
    "FakeChat",
    "FakeGroup",
    "FakePerson",
    "FakeTelegram",
    "HtmlParseError",
    "RateLimits",
    "SeenMessage",
    "StoredFile",
    "Upload",
    "parse_html",
    "trim_text",
    "utf16_len",
]
