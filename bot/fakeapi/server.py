"""A fake Telegram Bot API server for end-to-end tests and the terminal sandbox.

The bot talks to it exactly as to ``api.telegram.org`` (``{base_url}/bot{token}/{method}``, JSON,
form-urlencoded or multipart bodies) and gets the same JSON answers and errors, so aiogram raises its
real exceptions.  Simulated people (:mod:`bot.fakeapi.people`) create updates, which the bot fetches
with ``getUpdates`` (long polling) or receives on its webhook.

Everything lives on one asyncio event loop; the server holds no global state, so several servers can
run in one process.  Hot-path operations are O(1): chats, messages, files and callback queries are
looked up in dicts, pending updates live in a deque.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import mimetypes
import re
import secrets
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from aiohttp import ClientError, ClientResponse, ClientSession, ClientTimeout, MultipartReader, web

from .html import HtmlParseError, parse_html, trim_text, utf16_len
from .people import Alert, FakeChat, FakeGroup, FakePerson, SeenMessage

__all__ = ["ApiError", "FakeTelegram", "RateLimits", "StoredFile", "Upload"]

log = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_UPLOAD_BYTES = 50 * 1024 * 1024

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
TEXT_BUTTONS_UNALLOWED = (
    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLLING_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)

ALL_UPDATE_TYPES = frozenset(
    {
        "message", "edited_message", "channel_post", "edited_channel_post", "business_connection",
        "business_message", "edited_business_message", "deleted_business_messages", "message_reaction",
        "message_reaction_count", "inline_query", "chosen_inline_result", "callback_query",
        "shipping_query", "pre_checkout_query", "purchased_paid_media", "poll", "poll_answer",
        "my_chat_member", "chat_member", "chat_join_request", "chat_boost", "removed_chat_boost",
    }
)  # fmt: skip
#: What Telegram sends when ``allowed_updates`` was never set or set to ``[]``.
DEFAULT_ALLOWED_UPDATES = ALL_UPDATE_TYPES - {"chat_member", "message_reaction", "message_reaction_count"}

#: Form fields that are plain strings and must never be JSON-decoded.
_TEXT_FIELDS = frozenset(
    {
        "text", "caption", "parse_mode", "title", "address", "foursquare_id", "foursquare_type",
        "google_place_id", "google_place_type", "callback_query_id", "url", "secret_token",
        "language_code", "action", "emoji", "inline_message_id", "name", "description",
        "short_description", "first_name", "last_name", "phone_number", "vcard", "file_id",
        "document", "photo", "video", "audio", "voice", "animation", "sticker", "thumbnail",
        "certificate", "ip_address", "business_connection_id", "message_effect_id", "question",
        "explanation", "performer", "query", "data", "method",
    }
)  # fmt: skip
_INLINE_BUTTON_ACTIONS = (
    "callback_data", "url", "login_url", "switch_inline_query", "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat", "callback_game", "pay", "web_app", "copy_text",
)  # fmt: skip
_CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
        "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
    }
)  # fmt: skip
#: send method -> Message field / file kind
_MEDIA_METHODS = {
    "senddocument": "document",
    "sendphoto": "photo",
    "sendvideo": "video",
    "sendaudio": "audio",
    "sendvoice": "voice",
    "sendanimation": "animation",
}
_FILE_ID_PREFIX = {
    "document": "BQACAgEAAxkBAAI",
    "photo": "AgACAgEAAxkBAAI",
    "video": "BAACAgEAAxkBAAI",
    "audio": "CQACAgEAAxkBAAI",
    "voice": "AwACAgEAAxkBAAI",
    "animation": "CgACAgEAAxkBAAI",
}
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")

#: A queued update: (update_id, update type, Update dict, chat id used to keep per-chat order).
QueuedUpdate = tuple[int, str, dict[str, Any], int]
#: A method call found in a webhook answer: (method, params, files).
_WebhookReply = tuple[str, dict[str, Any], dict[str, "Upload"]]
#: ``callback(event, chat, item)``; event is "message", "edit", "delete" (item: SeenMessage) or "alert"
Listener = Callable[[str, FakeChat, Any], None]


class ApiError(Exception):
    """An error answer of the Bot API (``{"ok": false, "error_code": ..., "description": ...}``)."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def to_json(self) -> dict[str, Any]:
        """The JSON body Telegram sends for this error."""
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(message: str) -> ApiError:
    """A 400 error with Telegram's ``"Bad Request: "`` prefix."""
    return ApiError(400, f"Bad Request: {message}")


@dataclass
class RateLimits:
    """Flood limits enforced on sends (``None``/0 disables a limit).

    Telegram's documented limits: about 30 messages per second overall, one per second in a private
    chat (short bursts tolerated) and 20 per minute in a group.
    """

    global_per_second: int = 30
    per_chat_per_second: float = 1
    per_chat_burst: int = 3
    per_group_per_minute: int = 20


@dataclass
class Upload:
    """A file received in a multipart request."""

    data: bytes
    filename: str
    content_type: str | None = None


@dataclass
class StoredFile:
    """A file known to the server (uploaded by the bot or sent by a person)."""

    file_id: str
    file_unique_id: str
    kind: str
    data: bytes | None
    file_name: str | None
    mime_type: str | None
    file_path: str
    thumb_file_id: str = ""
    width: int = 1280
    height: int = 960

    @property
    def size(self) -> int:
        """Size in bytes (0 when only a URL is known)."""
        return len(self.data) if self.data is not None else 0

    def as_document(self) -> dict[str, Any]:
        """A Bot API ``Document`` (also used as the base of other media objects)."""
        doc: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
        }
        if self.file_name:
            doc["file_name"] = self.file_name
        if self.mime_type:
            doc["mime_type"] = self.mime_type
        return doc

    def as_photo_sizes(self) -> list[dict[str, Any]]:
        """A Bot API photo: a list of ``PhotoSize`` (thumbnail first, full size last)."""
        scale = max(self.width, self.height) / 90
        thumb = {
            "file_id": self.thumb_file_id or self.file_id,
            "file_unique_id": self.file_unique_id + "t",
            "width": max(1, round(self.width / scale)),
            "height": max(1, round(self.height / scale)),
            "file_size": min(self.size, 1500),
        }
        full = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "width": self.width,
            "height": self.height,
            "file_size": self.size,
        }
        return [thumb, full]

    def as_media(self) -> dict[str, Any] | list[dict[str, Any]]:
        """The Message field value for this file's kind."""
        if self.kind == "photo":
            return self.as_photo_sizes()
        media = self.as_document()
        if self.kind in ("video", "animation"):
            media.update(width=self.width, height=self.height, duration=1)
        elif self.kind in ("audio", "voice"):
            media["duration"] = 1
        return media


@dataclass
class _FailRule:
    method: str
    code: int
    description: str
    retry_after: int | None
    chat_id: int | None
    times: int


@dataclass
class _CallbackQuery:
    person: FakePerson
    chat: FakeChat
    created: float
    answered: bool = False


@dataclass
class _Webhook:
    url: str
    secret_token: str | None
    max_connections: int
    queues: list[asyncio.Queue[QueuedUpdate]] = field(default_factory=list)
    workers: list[asyncio.Task[None]] = field(default_factory=list)
    inflight: dict[int, QueuedUpdate] = field(default_factory=dict)
    last_error_date: int | None = None
    last_error_message: str | None = None


class _RateLimiter:
    """Sliding windows (global per second, per group per minute) and a token bucket per private chat."""

    def __init__(self, limits: RateLimits) -> None:
        self.limits = limits
        self._global: deque[float] = deque()
        self._buckets: dict[int, tuple[float, float]] = {}  # chat id -> (tokens, timestamp)
        self._groups: dict[int, deque[float]] = {}

    def _tokens(self, chat_id: int, now: float) -> float:
        burst = float(self.limits.per_chat_burst or 1)
        bucket = self._buckets.get(chat_id)
        if bucket is None:
            return burst
        return min(burst, bucket[0] + (now - bucket[1]) * self.limits.per_chat_per_second)

    def check(self, chat_id: int, is_group: bool, now: float) -> int | None:
        """Seconds to wait (>= 1) if a send to ``chat_id`` now would exceed a limit, else ``None``."""
        limits = self.limits
        wait = 0.0
        if limits.global_per_second:
            window = self._global
            while window and window[0] <= now - 1.0:
                window.popleft()
            if len(window) >= limits.global_per_second:
                wait = max(wait, window[0] + 1.0 - now)
        if is_group:
            if limits.per_group_per_minute:
                window = self._groups.setdefault(chat_id, deque())
                while window and window[0] <= now - 60.0:
                    window.popleft()
                if len(window) >= limits.per_group_per_minute:
                    wait = max(wait, window[0] + 60.0 - now)
        elif limits.per_chat_per_second:
            tokens = self._tokens(chat_id, now)
            if tokens < 1.0:
                wait = max(wait, (1.0 - tokens) / limits.per_chat_per_second)
        if wait > 0:
            return max(1, math.ceil(wait))
        return None

    def consume(self, chat_id: int, is_group: bool, now: float) -> None:
        """Account one successful send."""
        if self.limits.global_per_second:
            self._global.append(now)
        if is_group:
            if self.limits.per_group_per_minute:
                self._groups.setdefault(chat_id, deque()).append(now)
        elif self.limits.per_chat_per_second:
            self._buckets[chat_id] = (self._tokens(chat_id, now) - 1.0, now)


def _as_int(value: Any) -> int | None:
    """``value`` as an int (accepting numeric strings), or ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _as_bool(value: Any) -> bool:
    """Telegram's lenient boolean: true/1/"true"/"1"."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)


def _as_json(value: Any) -> Any:
    """A JSON-serialized field (form data, or a string inside a JSON body) decoded; others unchanged."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _decode_form_value(key: str, value: str) -> Any:
    """Form fields are strings; aiogram JSON-encodes numbers, booleans, objects and arrays."""
    if key in _TEXT_FIELDS or not value or value[0] not in '{["-0123456789tfn':
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _image_size(data: bytes | None) -> tuple[int, int] | None:
    """Width/height of a PNG, GIF or JPEG image, or ``None``."""
    if not data:
        return None
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                return None
            marker = data[i + 1]
            length = int.from_bytes(data[i + 2 : i + 4], "big")
            if marker in (0xC0, 0xC1, 0xC2):
                return int.from_bytes(data[i + 7 : i + 9], "big"), int.from_bytes(data[i + 5 : i + 7], "big")
            i += 2 + length
    return None


class FakeTelegram:
    """A fake Telegram Bot API server with simulated people.

    >>> async with FakeTelegram() as server:          # doctest: +SKIP
    ...     ana = server.person(1001, "Ana")
    ...     # run the bot with TELEGRAM_API_URL=server.base_url, then:
    ...     await ana.send("/start")
    ...     reply = await ana.next()
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_id: int | None = None,
        bot_username: str = "participa_test_bot",
        bot_first_name: str = "Participa",
        rate_limits: RateLimits | None = None,
        *,
        callback_timeout: float = 15.0,
        polling_conflicts: bool = True,
        webhook_retry_delay: float = 0.5,
        webhook_max_retries: int = 20,
        webhook_timeout: float = 10.0,
        record_requests: bool = True,
    ) -> None:
        """Create the server (call :meth:`start` or use ``async with``).

        ``bot_id`` defaults to the numeric part of ``token``.  ``rate_limits=None`` enforces no flood
        limits.  ``callback_timeout`` is how long a callback query can be answered.  With
        ``polling_conflicts`` a new ``getUpdates`` ends a pending one with 409 "terminated by other
        getUpdates request", as Telegram does.  ``record_requests=False`` keeps :attr:`requests` empty.
        """
        if bot_id is None:
            bot_id = _as_int(token.split(":", 1)[0]) or 123456
        self.token = token
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self._rate_limits = rate_limits
        self.callback_timeout = callback_timeout
        self.polling_conflicts = polling_conflicts
        self.webhook_retry_delay = webhook_retry_delay
        self.webhook_max_retries = webhook_max_retries
        self.webhook_timeout = webhook_timeout
        self.record_requests = record_requests

        self.me: dict[str, Any] = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self._bot_user = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }

        #: every API call received, in order: (method as requested, decoded params; files as bytes)
        self.requests: list[tuple[str, dict[str, Any]]] = []
        #: setMyCommands: (json.dumps(scope, sort_keys=True), language_code or "") -> commands
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        #: counters: "sent", "edited", "deleted", "requests", "updates", "errors" and one per error code
        self.stats: Counter[str] = Counter({"sent": 0, "429": 0, "errors": 0, "requests": 0})
        #: chat id -> plain texts of every message delivered there (media: caption or "[kind]")
        self.delivered: dict[int, list[str]] = {}

        self._persons: dict[int, FakePerson] = {}
        self._groups: dict[int, FakeGroup] = {}
        self._chats: dict[int, FakeChat] = {}
        self._blocked: set[int] = set()
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._file_counter = 0
        self._callbacks: dict[str, _CallbackQuery] = {}
        self._callback_counter = 0
        self._fail_rules: list[_FailRule] = []
        self._limiter: _RateLimiter | None = _RateLimiter(rate_limits) if rate_limits else None
        self._listeners: list[Listener] = []
        self._call_counts: Counter[str] = Counter()
        self._call_waiters: list[tuple[str, int, asyncio.Future[None]]] = []

        self._pending: deque[QueuedUpdate] = deque()
        self._last_update_id = 0
        self._allowed_updates: frozenset[str] = DEFAULT_ALLOWED_UPDATES
        self._poll_waiters: set[asyncio.Future[str]] = set()
        self._webhook: _Webhook | None = None

        self._runner: web.AppRunner | None = None
        self._http: ClientSession | None = None
        self.host = "127.0.0.1"
        self.port = 0

        self._methods: dict[str, Callable[[dict[str, Any], dict[str, Upload]], Awaitable[Any]]] = {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "editmessagecaption": self._edit_message_caption,
            "answercallbackquery": self._answer_callback_query,
            "sendvenue": self._send_venue,
            "sendlocation": self._send_location,
            "sendchataction": self._send_chat_action,
            "deletemessage": self._delete_message,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "getchat": self._get_chat,
            "getchatmember": self._get_chat_member,
            "getfile": self._get_file,
            "close": self._ok,
            "logout": self._ok,
            "setmydescription": self._ok,
            "setmyshortdescription": self._ok,
            "setmyname": self._ok,
            "setchatmenubutton": self._ok,
            "setmydefaultadministratorrights": self._ok,
            "pinchatmessage": self._ok,
            "unpinchatmessage": self._ok,
            "unpinallchatmessages": self._ok,
            "setmessagereaction": self._ok,
        }
        for method in _MEDIA_METHODS:
            self._methods[method] = self._send_media_method(method)

    # ================================================================= lifecycle
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on ``host:port`` (port 0 picks a free one); see :attr:`base_url`."""
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=1.0, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        self.host = host
        self.port = runner.addresses[0][1]
        self._http = ClientSession()

    async def stop(self) -> None:
        """Stop serving: pending long polls return, webhook delivery stops, the port is released."""
        for waiter in list(self._poll_waiters):
            if not waiter.done():
                waiter.set_result("stop")
        await self._remove_webhook()
        if self._http is not None:
            await self._http.close()
            self._http = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def rate_limits(self) -> RateLimits | None:
        """The enforced flood limits; assigning new limits (or ``None``) starts counting afresh."""
        return self._rate_limits

    @rate_limits.setter
    def rate_limits(self, limits: RateLimits | None) -> None:
        self._rate_limits = limits
        self._limiter = _RateLimiter(limits) if limits else None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``: give it to the bot as its API server."""
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        """``{base_url}/bot{token}``; methods are ``{api_url}/{method}``."""
        return f"{self.base_url}/bot{self.token}"

    # ================================================================= people and chats
    def person(
        self,
        user_id: int,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "es",
        phone: str | None = None,
    ) -> FakePerson:
        """The simulated person with this id (created on first call; later calls return the same one)."""
        person = self._persons.get(user_id)
        if person is None:
            person = FakePerson(
                self, user_id, first_name or f"User{user_id}", last_name, username, language_code, phone
            )
            self._persons[user_id] = person
            self._chats[user_id] = person
        return person

    def group(self, chat_id: int, title: str = "Group", chat_type: str | None = None) -> FakeGroup:
        """The group chat with this id (``-100...`` ids are supergroups unless ``chat_type`` says)."""
        group = self._groups.get(chat_id)
        if group is None:
            if chat_type is None:
                chat_type = "supergroup" if str(chat_id).startswith("-100") else "group"
            group = FakeGroup(self, chat_id, title, chat_type)
            self._groups[chat_id] = group
            self._chats[chat_id] = group
        return group

    @property
    def people(self) -> list[FakePerson]:
        """All simulated people."""
        return list(self._persons.values())

    def chat(self, chat_id: int) -> FakeChat | None:
        """The person or group with this chat id."""
        return self._chats.get(chat_id)

    def block(self, user_id: int, *, notify: bool = True) -> None:
        """The person blocks the bot (or the bot is kicked from the group ``user_id``).

        Sends then fail with 403.  With ``notify`` the bot gets a ``my_chat_member`` update.
        """
        if user_id in self._blocked:
            return
        self._blocked.add(user_id)
        person = self._persons.get(user_id)
        if notify and person is not None:
            self._enqueue("my_chat_member", self._member_update(person, "member", "kicked"), user_id)

    def unblock(self, user_id: int, *, notify: bool = True) -> None:
        """Undo :meth:`block`."""
        if user_id not in self._blocked:
            return
        self._blocked.discard(user_id)
        person = self._persons.get(user_id)
        if notify and person is not None:
            self._enqueue("my_chat_member", self._member_update(person, "kicked", "member"), user_id)

    def is_blocked(self, chat_id: int) -> bool:
        """Whether sends to ``chat_id`` fail with 403."""
        return chat_id in self._blocked

    def _member_update(self, person: FakePerson, old: str, new: str) -> dict[str, Any]:
        def member(status: str) -> dict[str, Any]:
            data: dict[str, Any] = {"status": status, "user": self._bot_user}
            if status == "kicked":
                data["until_date"] = 0
            return data

        return {
            "chat": person.chat_dict,
            "from": person.user,
            "date": int(time.time()),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }

    # ================================================================= test helpers
    def calls(self, method: str) -> list[dict[str, Any]]:
        """Params of every call of ``method`` (case-insensitive), in order."""
        key = method.lower()
        return [params for name, params in self.requests if name.lower() == key]

    async def wait_for_call(self, method: str, count: int = 1, timeout: float = 5.0) -> None:
        """Wait until ``method`` has been called at least ``count`` times in total."""
        key = method.lower()
        if self._call_counts[key] >= count:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiter = (key, count, future)
        self._call_waiters.append(waiter)
        try:
            await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise AssertionError(
                f"{method} was called {self._call_counts[key]} time(s), expected {count} within {timeout}s"
            ) from None
        finally:
            with contextlib.suppress(ValueError):
                self._call_waiters.remove(waiter)

    def fail_next(
        self,
        method: str,
        code: int,
        description: str | None = None,
        retry_after: int | None = None,
        chat_id: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls of ``method`` ("*" = any; optionally only for ``chat_id``) fail.

        Injected errors take precedence over everything else.  ``description`` defaults to Telegram's
        wording for the code; a 429 without ``retry_after`` gets ``retry_after=1``.
        """
        if code == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            description = {
                400: "Bad Request: injected error",
                401: "Unauthorized",
                403: "Forbidden: bot was blocked by the user",
                404: "Not Found",
                409: POLLING_CONFLICT,
                429: f"Too Many Requests: retry after {retry_after}",
                500: "Internal Server Error",
                502: "Bad Gateway",
            }.get(code, f"Error {code}")
        self._fail_rules.append(_FailRule(method.lower(), code, description, retry_after, chat_id, times))

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(event, chat, item)`` on each bot message/edit/delete/alert; returns unsubscribe."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return unsubscribe

    def duplicates(self, chat_id: int) -> list[str]:
        """Texts delivered more than once to ``chat_id``."""
        counts = Counter(self.delivered.get(chat_id, []))
        return [text for text, n in counts.items() if n > 1]

    def commands_for(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, str]]:
        """Commands stored by setMyCommands for ``scope`` (default scope if ``None``) and language."""
        return self.commands.get(self._commands_key(scope, language_code), [])

    @property
    def updates_pending(self) -> int:
        """Updates not yet confirmed by getUpdates / not yet delivered to the webhook."""
        count = len(self._pending)
        hook = self._webhook
        if hook is not None:
            count += len(hook.inflight) + sum(q.qsize() for q in hook.queues)
        return count

    @property
    def webhook_url(self) -> str | None:
        """The webhook URL, if one is set."""
        return self._webhook.url if self._webhook else None

    def store_file(
        self, data: bytes | None, file_name: str | None, mime_type: str | None, kind: str
    ) -> StoredFile:
        """Register a file (as if uploaded to Telegram) and return it with fresh ids."""
        self._file_counter += 1
        n = self._file_counter
        if mime_type is None and file_name:
            mime_type = mimetypes.guess_type(file_name)[0]
        if kind == "document" and mime_type is None:
            mime_type = "application/octet-stream"
        extension = mimetypes.guess_extension(mime_type or "") or ""
        if file_name and "." in file_name:
            extension = "." + file_name.rsplit(".", 1)[1]
        stored = StoredFile(
            file_id=f"{_FILE_ID_PREFIX.get(kind, 'BQACAgEAAxkBAAI')}{n:06d}{secrets.token_urlsafe(18)}",
            file_unique_id=f"AgAD{n:05d}{secrets.token_hex(2)}",
            kind=kind,
            data=data,
            file_name=file_name,
            mime_type=mime_type,
            file_path=f"{kind}s/file_{n}{extension}",
        )
        size = _image_size(data) if kind in ("photo", "video", "animation") else None
        if size:
            stored.width, stored.height = size
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        if kind == "photo":
            stored.thumb_file_id = stored.file_id + "-thumb"
            self._files[stored.thumb_file_id] = stored
        return stored

    def file(self, file_id: str) -> StoredFile | None:
        """The stored file with this id."""
        return self._files.get(file_id)

    # ================================================================= internals used by people
    def _notify(self, event: str, chat: FakeChat, item: Any) -> None:
        for listener in list(self._listeners):
            try:
                listener(event, chat, item)
            except Exception:
                log.exception("fake telegram listener failed")

    def _new_callback_query(self, person: FakePerson, chat: FakeChat) -> str:
        self._callback_counter += 1
        query_id = f"{self.bot_id}{self._callback_counter:010d}"
        self._callbacks[query_id] = _CallbackQuery(person, chat, time.monotonic())
        return query_id

    def _enqueue(self, update_type: str, payload: dict[str, Any], chat_id: int) -> int | None:
        """Queue an update for getUpdates or the webhook; returns its id (``None`` if filtered out)."""
        if update_type not in self._allowed_updates:
            return None
        self._last_update_id += 1
        update_id = self._last_update_id
        item: QueuedUpdate = (update_id, update_type, {"update_id": update_id, update_type: payload}, chat_id)
        self.stats["updates"] += 1
        if self._webhook is not None:
            self._route_to_webhook(self._webhook, item)
        else:
            self._pending.append(item)
            for waiter in self._poll_waiters:
                if not waiter.done():
                    waiter.set_result("update")
        return update_id

    def _message_dict(self, chat: FakeChat, seen: SeenMessage, with_reply: bool = True) -> dict[str, Any]:
        """The Bot API ``Message`` for a bot message, as it is now."""
        message: dict[str, Any] = {
            "message_id": seen.message_id,
            "from": self._bot_user,
            "chat": chat.chat_dict,
            "date": seen.date,
        }
        if seen.edit_date:
            message["edit_date"] = seen.edit_date
        if with_reply and seen.reply_to_message_id is not None:
            replied = chat._reply_target(seen.reply_to_message_id)
            if replied is not None:
                message["reply_to_message"] = replied
        if seen.kind == "text":
            message["text"] = seen.text
            if seen.entities:
                message["entities"] = seen.entities
        elif seen.kind == "venue":
            message["venue"] = seen.venue
            message["location"] = seen.location
        elif seen.kind == "location":
            message["location"] = seen.location
        else:
            stored = self._files.get(seen.file_id or "")
            if stored is not None:
                message[seen.kind] = stored.as_media()
            if seen.caption:
                message["caption"] = seen.caption
                if seen.entities:
                    message["caption_entities"] = seen.entities
        if seen.reply_markup and "inline_keyboard" in seen.reply_markup:
            message["reply_markup"] = seen.reply_markup
        return message

    # ================================================================= HTTP layer
    def _response(self, body: dict[str, Any], status: int = 200) -> web.Response:
        return web.json_response(body, status=status)

    def _error_response(self, error: ApiError) -> web.Response:
        self.stats["errors"] += 1
        self.stats[str(error.code)] += 1
        return self._response(error.to_json(), status=error.code)

    async def _handle_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error_response(ApiError(401, "Unauthorized"))
        method = request.match_info["method"]
        key = method.lower()
        if key not in self._methods:
            return self._error_response(ApiError(404, "Not Found"))
        try:
            params, files = await self._read_params(request)
        except ValueError:
            return self._error_response(bad_request("can't parse request body"))
        except ApiError as error:
            return self._error_response(error)
        try:
            result = await self._call(method, key, params, files)
        except ApiError as error:
            return self._error_response(error)
        return self._response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401, text="Unauthorized")
        stored = self._files_by_path.get(request.match_info["path"])
        if stored is None or stored.data is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")

    async def _read_params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
        """Decode query string + JSON / urlencoded / multipart body into params and uploaded files."""
        params: dict[str, Any] = {k: _decode_form_value(k, v) for k, v in request.query.items()}
        if not request.body_exists:
            return params, {}
        content_type = request.content_type
        self.stats[f"body {content_type}"] += 1  # how bots send: tests check the wire format
        if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
            form = await request.post()
            items: list[tuple[str, str | Upload]] = []
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    items.append((name, Upload(value.file.read(), value.filename, value.content_type)))
                elif isinstance(value, str):
                    items.append((name, value))
                else:
                    items.append((name, bytes(value).decode("utf-8", "replace")))
            return self._decode_items(items, params)
        raw = await request.read()
        if not raw.strip():
            return params, {}
        body = json.loads(raw)
        if not isinstance(body, dict):
            raise bad_request("JSON body must be an object")
        params.update(body)
        return params, {}

    def _decode_items(
        self, items: list[tuple[str, str | Upload]], params: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Upload]]:
        """Decode form fields and resolve ``attach://name`` references to uploaded parts."""
        uploads: dict[str, Upload] = {}
        for name, value in items:
            if isinstance(value, Upload):
                uploads[name] = value
            else:
                params[name] = _decode_form_value(name, value)
        files: dict[str, Upload] = {}
        if uploads:
            for name, value in list(params.items()):
                if isinstance(value, str) and value.startswith("attach://"):
                    upload = uploads.pop(value[len("attach://") :], None)
                    if upload is not None:
                        files[name] = upload
                        params[name] = upload.data
            for name, upload in uploads.items():
                files[name] = upload
                params[name] = upload.data
        return params, files

    async def _call(self, method: str, key: str, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        """Run one API method (already validated to exist); raises :class:`ApiError`."""
        if self.record_requests:
            self.requests.append((method, params))
        self.stats["requests"] += 1
        self._call_counts[key] += 1
        if self._call_waiters:
            for name, count, future in self._call_waiters:
                if name == key and self._call_counts[key] >= count and not future.done():
                    future.set_result(None)
        if self._fail_rules:
            rule = self._take_fail_rule(key, params)
            if rule is not None:
                raise ApiError(rule.code, rule.description, rule.retry_after)
        return await self._methods[key](params, files)

    def _take_fail_rule(self, key: str, params: dict[str, Any]) -> _FailRule | None:
        for rule in self._fail_rules:
            if rule.method not in (key, "*"):
                continue
            if rule.chat_id is not None and _as_int(params.get("chat_id")) != rule.chat_id:
                continue
            rule.times -= 1
            if rule.times <= 0:
                self._fail_rules.remove(rule)
            return rule
        return None

    # ================================================================= shared validation
    def _chat(self, params: dict[str, Any], *, check_blocked: bool = True) -> FakeChat:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise bad_request("chat_id is empty")
        chat_id = _as_int(raw)
        chat = self._chats.get(chat_id) if chat_id is not None else None
        if chat is None:
            raise bad_request("chat not found")
        if check_blocked and chat.chat_id in self._blocked:
            if isinstance(chat, FakeGroup):
                raise ApiError(403, f"Forbidden: bot was kicked from the {chat.chat_type} chat")
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _format(self, text: str, parse_mode: Any, entities: Any) -> tuple[str, list[dict[str, Any]]]:
        """Plain text and entities of a text/caption, trimmed like Telegram does."""
        entities = _as_json(entities)
        if isinstance(entities, list) and entities:
            plain, result = text, [e for e in entities if isinstance(e, dict)]
        else:
            mode = str(parse_mode or "").lower()
            if mode == "html":
                try:
                    plain, result = parse_html(text)
                except HtmlParseError as error:
                    raise bad_request(f"can't parse entities: {error}") from None
            elif mode in ("", "markdown", "markdownv2"):
                plain, result = text, []  # Markdown is not interpreted by the fake server
            else:
                raise bad_request("unsupported parse_mode")
        return trim_text(plain, result)

    def _text_param(self, params: dict[str, Any], name: str) -> str:
        value = params.get(name)
        if value is None:
            return ""
        return value if isinstance(value, str) else str(value)

    def _reply_markup(self, params: dict[str, Any], *, inline_only: bool = False) -> dict[str, Any] | None:
        """Validate and normalize ``reply_markup`` like Telegram."""
        raw = params.get("reply_markup")
        if raw is None or raw == "":
            return None
        markup = _as_json(raw)
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise bad_request(
                    'can\'t parse inline keyboard: field "inline_keyboard" must be an Array of Arrays'
                )
            keyboard = []
            for row in rows:
                new_row = []
                for button in row:
                    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                        raise bad_request(
                            'can\'t parse inline keyboard button: Field "text" must be of type String'
                        )
                    button = {k: v for k, v in button.items() if v is not None}
                    if not any(action in button for action in _INLINE_BUTTON_ACTIONS):
                        raise bad_request(TEXT_BUTTONS_UNALLOWED)
                    if "callback_data" in button:
                        data = button["callback_data"]
                        if (
                            not isinstance(data, str)
                            or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES
                        ):
                            raise bad_request("BUTTON_DATA_INVALID")
                    if "url" in button and not button["url"]:
                        raise bad_request("BUTTON_URL_INVALID")
                    new_row.append(button)
                keyboard.append(new_row)
            return {"inline_keyboard": keyboard}
        if inline_only:
            raise bad_request("inline keyboard expected")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise bad_request(
                    'can\'t parse reply keyboard markup: field "keyboard" must be an Array of Arrays'
                )
            keyboard = [
                [{"text": key} if isinstance(key, str) else {k: v for k, v in key.items() if v is not None}
                 for key in row]
                for row in rows
            ]  # fmt: skip
            if any(
                not isinstance(key.get("text"), str) or not key["text"] for row in keyboard for key in row
            ):
                raise bad_request("keyboard button text must be non-empty")
            return {**markup, "keyboard": keyboard}
        if markup.get("remove_keyboard") or markup.get("force_reply"):
            return markup
        raise bad_request("can't parse reply keyboard markup JSON object")

    def _reply_to(self, chat: FakeChat, params: dict[str, Any]) -> int | None:
        reply = _as_json(params.get("reply_parameters"))
        if isinstance(reply, dict):
            message_id = _as_int(reply.get("message_id"))
            allow = _as_bool(reply.get("allow_sending_without_reply"))
        else:
            message_id = _as_int(params.get("reply_to_message_id"))
            allow = _as_bool(params.get("allow_sending_without_reply"))
        if message_id is None:
            return None
        if message_id in chat._messages or message_id in chat._user_messages:
            return message_id
        if allow:
            return None
        raise bad_request("message to be replied not found")

    def _deliver(self, chat: FakeChat, seen: SeenMessage, markup: dict[str, Any] | None) -> dict[str, Any]:
        """Rate-limit, then store a bot message in its chat; returns the Message object."""
        now = time.monotonic()
        is_group = isinstance(chat, FakeGroup)
        if self._limiter is not None:
            retry_after = self._limiter.check(chat.chat_id, is_group, now)
            if retry_after is not None:
                raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
            self._limiter.consume(chat.chat_id, is_group, now)
        seen.message_id = chat._next_message_id()
        seen.date = int(time.time())
        if markup:
            if "inline_keyboard" in markup:
                seen.buttons = markup["inline_keyboard"]
            elif "keyboard" in markup:
                seen.keyboard = markup["keyboard"]
        chat._add_bot_message(seen, markup)
        self.stats["sent"] += 1
        self.delivered.setdefault(chat.chat_id, []).append(seen.text or f"[{seen.kind}]")
        return self._message_dict(chat, seen)

    # ================================================================= methods: bot & updates
    async def _ok(self, params: dict[str, Any], files: dict[str, Upload]) -> bool:
        return True

    async def _get_me(self, params: dict[str, Any], files: dict[str, Upload]) -> dict[str, Any]:
        return self.me

    def _set_allowed_updates(self, allowed: Any) -> None:
        allowed = _as_json(allowed)
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(map(str, allowed)) or DEFAULT_ALLOWED_UPDATES

    def _confirm(self, offset: int) -> None:
        pending = self._pending
        if offset > 0:
            while pending and pending[0][0] < offset:
                pending.popleft()
        elif offset < 0:
            while len(pending) > -offset:
                pending.popleft()

    def _peek(self, limit: int) -> list[dict[str, Any]]:
        batch: list[dict[str, Any]] = []
        allowed = self._allowed_updates
        for _, update_type, update, _ in self._pending:
            if update_type in allowed:
                batch.append(update)
                if len(batch) >= limit:
                    break
        return batch

    async def _get_updates(self, params: dict[str, Any], files: dict[str, Upload]) -> list[dict[str, Any]]:
        if self._webhook is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        offset = _as_int(params.get("offset")) or 0
        limit = min(max(_as_int(params.get("limit")) or 100, 1), 100)
        try:
            timeout = max(float(params.get("timeout") or 0), 0.0)
        except (TypeError, ValueError):
            timeout = 0.0
        if params.get("allowed_updates") is not None:
            self._set_allowed_updates(params["allowed_updates"])
        self._confirm(offset)
        if self.polling_conflicts:
            for waiter in self._poll_waiters:
                if not waiter.done():
                    waiter.set_result("conflict")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            batch = self._peek(limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0:
                return batch
            waiter: asyncio.Future[str] = loop.create_future()
            self._poll_waiters.add(waiter)
            try:
                await asyncio.wait((waiter,), timeout=remaining)
            finally:
                self._poll_waiters.discard(waiter)
            reason = waiter.result() if waiter.done() else "timeout"
            if reason == "conflict":
                raise ApiError(409, POLLING_CONFLICT)
            if reason == "webhook":
                raise ApiError(409, WEBHOOK_CONFLICT)
            if reason == "stop":
                return []

    # ----------------------------------------------------------------- webhook
    async def _set_webhook(self, params: dict[str, Any], files: dict[str, Upload]) -> bool:
        url = self._text_param(params, "url")
        drop = _as_bool(params.get("drop_pending_updates"))
        if not url:
            await self._remove_webhook()
            if drop:
                self._pending.clear()
            return True
        if not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token") or None
        if secret is not None and not _SECRET_TOKEN.fullmatch(str(secret)):
            raise bad_request("secret token contains unallowed characters")
        max_connections = min(max(_as_int(params.get("max_connections")) or 40, 1), 100)
        if params.get("allowed_updates") is not None:
            self._set_allowed_updates(params["allowed_updates"])
        await self._remove_webhook()
        if drop:
            self._pending.clear()
        hook = _Webhook(
            url=url, secret_token=str(secret) if secret else None, max_connections=max_connections
        )
        hook.queues = [asyncio.Queue() for _ in range(max_connections)]
        if self._http is None:
            self._http = ClientSession()
        self._webhook = hook
        hook.workers = [asyncio.create_task(self._webhook_worker(hook, queue)) for queue in hook.queues]
        while self._pending:
            self._route_to_webhook(hook, self._pending.popleft())
        for waiter in self._poll_waiters:
            if not waiter.done():
                waiter.set_result("webhook")
        return True

    async def _delete_webhook(self, params: dict[str, Any], files: dict[str, Upload]) -> bool:
        await self._remove_webhook()
        if _as_bool(params.get("drop_pending_updates")):
            self._pending.clear()
        return True

    async def _get_webhook_info(self, params: dict[str, Any], files: dict[str, Upload]) -> dict[str, Any]:
        hook = self._webhook
        info: dict[str, Any] = {
            "url": hook.url if hook else "",
            "has_custom_certificate": False,
            "pending_update_count": self.updates_pending,
        }
        if hook is not None:
            info["max_connections"] = hook.max_connections
            info["ip_address"] = "127.0.0.1"
            if hook.last_error_date:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
        if self._allowed_updates != DEFAULT_ALLOWED_UPDATES:
            info["allowed_updates"] = sorted(self._allowed_updates)
        return info

    def _route_to_webhook(self, hook: _Webhook, item: QueuedUpdate) -> None:
        """Queue for delivery; updates of one chat always go to the same worker, so they stay in order."""
        hook.queues[item[3] % len(hook.queues)].put_nowait(item)

    async def _remove_webhook(self) -> None:
        """Stop webhook delivery; undelivered updates go back to the getUpdates queue."""
        hook = self._webhook
        if hook is None:
            return
        self._webhook = None
        current = asyncio.current_task()
        workers = [task for task in hook.workers if task is not current]
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        leftovers = list(hook.inflight.values())
        for queue in hook.queues:
            while not queue.empty():
                leftovers.append(queue.get_nowait())
        if leftovers:
            self._pending = deque(sorted([*self._pending, *leftovers], key=lambda item: item[0]))

    async def _webhook_worker(self, hook: _Webhook, queue: asyncio.Queue[QueuedUpdate]) -> None:
        """Deliver the updates of one queue (a fixed subset of chats) one after another."""
        while self._webhook is hook:
            item = await queue.get()
            hook.inflight[item[0]] = item
            reply = await self._post_update(hook, item)
            hook.inflight.pop(item[0], None)
            if reply is not None:
                method, params, files = reply
                try:
                    await self._call(method, method.lower(), params, files)
                except ApiError as error:  # Telegram ignores errors of methods called in webhook replies
                    self.stats["errors"] += 1
                    self.stats[str(error.code)] += 1

    async def _post_update(self, hook: _Webhook, item: QueuedUpdate) -> _WebhookReply | None:
        """POST one update, retrying on failure; returns the method call found in the answer, if any."""
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        body = json.dumps(item[2])
        timeout = ClientTimeout(total=self.webhook_timeout)
        for attempt in range(self.webhook_max_retries + 1):
            if attempt:
                await asyncio.sleep(self.webhook_retry_delay)
            http = self._http
            if http is None or http.closed:
                return None
            try:
                async with http.post(hook.url, data=body, headers=headers, timeout=timeout) as response:
                    if 200 <= response.status < 300:
                        self.stats["webhook_delivered"] += 1
                        return await self._read_webhook_reply(response)
                    error = f"Wrong response from the webhook: {response.status} {response.reason}"
            except (ClientError, TimeoutError, OSError) as exc:
                error = f"Connection error: {type(exc).__name__}"
            hook.last_error_date = int(time.time())
            hook.last_error_message = error
            self.stats["webhook_failed"] += 1
        log.warning("fake telegram: giving up update %s for %s", item[0], hook.url)
        return None

    async def _read_webhook_reply(self, response: ClientResponse) -> _WebhookReply | None:
        """A method call returned in a webhook answer (JSON or multipart, as aiogram sends it)."""
        try:
            if response.content_type == "application/json":
                data = await response.json()
                if not isinstance(data, dict) or not data.get("method"):
                    return None
                method = str(data.pop("method"))
                params: dict[str, Any] = data
                files: dict[str, Upload] = {}
            elif response.content_type == "multipart/form-data":
                reader = MultipartReader(response.headers, response.content)
                items: list[tuple[str, str | Upload]] = []
                while True:
                    part = await reader.next()
                    if part is None:
                        break
                    if isinstance(part, MultipartReader) or part.name is None:
                        continue
                    if part.filename:
                        items.append((part.name, Upload(bytes(await part.read()), part.filename)))
                    else:
                        items.append((part.name, await part.text()))
                params, files = self._decode_items(items, {})
                method = str(params.pop("method", ""))
            else:
                return None
        except (ValueError, ClientError):
            return None
        if method.lower() not in self._methods:
            return None
        return method, params, files

    # ================================================================= methods: messages
    async def _send_message(self, params: dict[str, Any], files: dict[str, Upload]) -> dict[str, Any]:
        chat = self._chat(params)
        text = self._text_param(params, "text")
        if not text:
            raise bad_request("message text is empty")
        plain, entities = self._format(text, params.get("parse_mode"), params.get("entities"))
        if not plain:
            raise bad_request("message text is empty")
        if utf16_len(plain) > MAX_TEXT_LENGTH:
            raise bad_request("message is too long")
        markup = self._reply_markup(params)
        seen = SeenMessage(
            message_id=0,
            chat_id=chat.chat_id,
            kind="text",
            text=plain,
            html=text,
            entities=entities,
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
            reply_to_message_id=self._reply_to(chat, params),
        )
        return self._deliver(chat, seen, markup)

    def _send_media_method(
        self, method: str
    ) -> Callable[[dict[str, Any], dict[str, Upload]], Awaitable[Any]]:
        kind = _MEDIA_METHODS[method]

        async def send(params: dict[str, Any], files: dict[str, Upload]) -> dict[str, Any]:
            return await self._send_media(kind, params, files)

        return send

    def _resolve_file(self, kind: str, params: dict[str, Any], files: dict[str, Upload]) -> StoredFile:
        upload = files.get(kind)
        if upload is not None:
            if len(upload.data) > MAX_UPLOAD_BYTES:
                raise ApiError(413, "Request Entity Too Large")
            mime = "image/jpeg" if kind == "photo" else None
            if mime is None and upload.content_type not in (None, "application/octet-stream"):
                mime = mimetypes.guess_type(upload.filename or "")[0] or upload.content_type
            return self.store_file(upload.data, upload.filename, mime, kind)
        value = params.get(kind)
        if isinstance(value, str) and value:
            stored = self._files.get(value)
            if stored is not None:
                if stored.kind != kind:
                    raise bad_request(f"can't use file of type {stored.kind.title()} as {kind.title()}")
                return stored
            if value.startswith(("http://", "https://")):
                name = value.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0] or kind
                return self.store_file(None, name, None, kind)
            raise bad_request("wrong file identifier/HTTP URL specified")
        raise bad_request(f"there is no {kind} in the request")

    async def _send_media(
        self, kind: str, params: dict[str, Any], files: dict[str, Upload]
    ) -> dict[str, Any]:
        chat = self._chat(params)
        stored = self._resolve_file(kind, params, files)
        caption = self._text_param(params, "caption")
        plain, entities = self._format(caption, params.get("parse_mode"), params.get("caption_entities"))
        if utf16_len(plain) > MAX_CAPTION_LENGTH:
            raise bad_request("message caption is too long")
        markup = self._reply_markup(params)
        seen = SeenMessage(
            message_id=0,
            chat_id=chat.chat_id,
            kind=kind,
            text=plain,
            html=caption or None,
            caption=plain or None,
            entities=entities,
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
            file_bytes=stored.data,
            file_name=stored.file_name,
            mime_type=stored.mime_type,
            file_id=stored.file_id,
            file_unique_id=stored.file_unique_id,
            reply_to_message_id=self._reply_to(chat, params),
        )
        return self._deliver(chat, seen, markup)

    def _coordinates(self, params: dict[str, Any]) -> dict[str, float]:
        try:
            latitude = float(params["latitude"])
            longitude = float(params["longitude"])
        except (KeyError, TypeError, ValueError):
            raise bad_request("wrong latitude/longitude specified") from None
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise bad_request("wrong latitude/longitude specified")
        return {"latitude": latitude, "longitude": longitude}

    async def _send_venue(self, params: dict[str, Any], files: dict[str, Upload]) -> dict[str, Any]:
        chat = self._chat(params)
        location = self._coordinates(params)
        title = self._text_param(params, "title")
        address = self._text_param(params, "address")
        if not title:
            raise bad_request("VENUE_TITLE_INVALID")
        venue: dict[str, Any] = {"location": location, "title": title, "address": address}
        for extra in ("foursquare_id", "foursquare_type", "google_place_id", "google_place_type"):
            if params.get(extra):
                venue[extra] = params[extra]
        markup = self._reply_markup(params)
        seen = SeenMessage(
            message_id=0,
            chat_id=chat.chat_id,
            kind="venue",
            text=f"{title}\n{address}" if address else title,
            venue=venue,
            location=location,
            reply_markup=markup,
            reply_to_message_id=self._reply_to(chat, params),
        )
        return self._deliver(chat, seen, markup)

    async def _send_location(self, params: dict[str, Any], files: dict[str, Upload]) -> dict[str, Any]:
        chat = self._chat(params)
        location = self._coordinates(params)
        markup = self._reply_markup(params)
        seen = SeenMessage(
            message_id=0,
            chat_id=chat.chat_id,
            kind="location",
            location=location,
            reply_markup=markup,
            reply_to_message_id=self._reply_to(chat, params),
        )
        return self._deliver(chat, seen, markup)

    def _editable(self, params: dict[str, Any]) -> tuple[FakeChat, SeenMessage]:
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self._chat(params)
        message_id = _as_int(params.get("message_id"))
        if message_id is None:
            raise bad_request("message identifier is not specified")
        seen = chat._messages.get(message_id)
        if seen is None:
            if message_id in chat._user_messages:
                raise bad_request("message can't be edited")
            raise bad_request("message to edit not found")
        return chat, seen

    def _apply_edit(self, chat: FakeChat, seen: SeenMessage, markup: dict[str, Any] | None) -> dict[str, Any]:
        seen.reply_markup = markup
        seen.buttons = markup["inline_keyboard"] if markup else []
        seen.edits += 1
        seen.edit_date = int(time.time())
        self.stats["edited"] += 1
        chat._record_event(seen, "edit")
        return self._message_dict(chat, seen)

    async def _edit_message_text(self, params: dict[str, Any], files: dict[str, Upload]) -> dict[str, Any]:
        chat, seen = self._editable(params)
        text = self._text_param(params, "text")
        if not text:
            raise bad_request("message text is empty")
        plain, entities = self._format(text, params.get("parse_mode"), params.get("entities"))
        if not plain:
            raise bad_request("message text is empty")
        if utf16_len(plain) > MAX_TEXT_LENGTH:
            raise bad_request("message is too long")
        markup = self._reply_markup(params, inline_only=True)
        if seen.kind != "text":
            raise bad_request("there is no text in the message to edit")
        buttons = markup["inline_keyboard"] if markup else []
        if plain == seen.text and entities == seen.entities and buttons == seen.buttons:
            raise bad_request(NOT_MODIFIED)
        seen.text, seen.html, seen.entities = plain, text, entities
        seen.parse_mode = params.get("parse_mode")
        return self._apply_edit(chat, seen, markup)

    async def _edit_message_caption(self, params: dict[str, Any], files: dict[str, Upload]) -> dict[str, Any]:
        chat, seen = self._editable(params)
        caption = self._text_param(params, "caption")
        plain, entities = self._format(caption, params.get("parse_mode"), params.get("caption_entities"))
        if utf16_len(plain) > MAX_CAPTION_LENGTH:
            raise bad_request("message caption is too long")
        markup = self._reply_markup(params, inline_only=True)
        if seen.kind in ("text", "venue", "location"):
            raise bad_request("there is no caption in the message to edit")
        buttons = markup["inline_keyboard"] if markup else []
        if plain == (seen.caption or "") and entities == seen.entities and buttons == seen.buttons:
            raise bad_request(NOT_MODIFIED)
        seen.text, seen.caption, seen.html, seen.entities = plain, plain or None, caption or None, entities
        seen.parse_mode = params.get("parse_mode")
        return self._apply_edit(chat, seen, markup)

    async def _edit_message_reply_markup(
        self, params: dict[str, Any], files: dict[str, Upload]
    ) -> dict[str, Any]:
        chat, seen = self._editable(params)
        markup = self._reply_markup(params, inline_only=True)
        buttons = markup["inline_keyboard"] if markup else []
        if buttons == seen.buttons:
            raise bad_request(NOT_MODIFIED)
        return self._apply_edit(chat, seen, markup)

    async def _delete_message(self, params: dict[str, Any], files: dict[str, Upload]) -> bool:
        chat = self._chat(params, check_blocked=False)
        message_id = _as_int(params.get("message_id"))
        if message_id is None:
            raise bad_request("message identifier is not specified")
        if not chat._delete(message_id):
            raise bad_request("message to delete not found")
        self.stats["deleted"] += 1
        return True

    async def _answer_callback_query(self, params: dict[str, Any], files: dict[str, Upload]) -> bool:
        query = self._callbacks.get(self._text_param(params, "callback_query_id"))
        if query is None or query.answered or time.monotonic() - query.created > self.callback_timeout:
            raise bad_request(QUERY_TOO_OLD)
        text = self._text_param(params, "text")
        if len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answered = True
        if text:
            alert = Alert(text, _as_bool(params.get("show_alert")))
            query.person.alerts.append(alert)
            self._notify("alert", query.chat, alert)
        return True

    async def _send_chat_action(self, params: dict[str, Any], files: dict[str, Upload]) -> bool:
        chat = self._chat(params)
        action = self._text_param(params, "action")
        if action not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        chat.actions.append(action)
        return True

    # ================================================================= methods: chats, files, commands
    async def _get_chat(self, params: dict[str, Any], files: dict[str, Upload]) -> dict[str, Any]:
        chat = self._chat(params, check_blocked=False)
        return {
            **chat.chat_dict,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        }

    async def _get_chat_member(self, params: dict[str, Any], files: dict[str, Upload]) -> dict[str, Any]:
        chat = self._chat(params, check_blocked=False)
        user_id = _as_int(params.get("user_id"))
        if user_id == self.bot_id:
            return {"status": "member", "user": self._bot_user}
        person = self._persons.get(user_id) if user_id is not None else None
        if person is None or (isinstance(chat, FakePerson) and chat is not person):
            raise bad_request("user not found")
        return {"status": "member", "user": person.user}

    async def _get_file(self, params: dict[str, Any], files: dict[str, Upload]) -> dict[str, Any]:
        stored = self._files.get(self._text_param(params, "file_id"))
        if stored is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }

    @staticmethod
    def _commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
        scope = _as_json(scope)
        if not isinstance(scope, dict) or not scope:
            scope = {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(language_code or "")

    async def _set_my_commands(self, params: dict[str, Any], files: dict[str, Upload]) -> bool:
        commands = _as_json(params.get("commands"))
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        stored = []
        for command in commands:
            if not isinstance(command, dict):
                raise bad_request("can't parse BotCommand JSON object")
            name = str(command.get("command", ""))
            description = str(command.get("description", ""))
            if not _COMMAND_NAME.fullmatch(name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            stored.append({"command": name, "description": description})
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        if stored:
            self.commands[key] = stored
        else:
            self.commands.pop(key, None)
        return True

    async def _get_my_commands(
        self, params: dict[str, Any], files: dict[str, Upload]
    ) -> list[dict[str, str]]:
        return self.commands.get(self._commands_key(params.get("scope"), params.get("language_code")), [])

    async def _delete_my_commands(self, params: dict[str, Any], files: dict[str, Upload]) -> bool:
        self.commands.pop(self._commands_key(params.get("scope"), params.get("language_code")), None)
        return True
