"""Simulated people and chats of the fake Telegram server.

A :class:`FakePerson` is a Telegram user together with their private chat with the bot (chat id ==
user id).  A :class:`FakeGroup` is a group chat where several people post.  Both keep what the bot sent
to them as :class:`SeenMessage` objects, and both offer ``expect()`` / ``next()`` / ``unread()`` to wait
for what the bot sends next.

People act through coroutines (``send``, ``press``, ``tap``, ``share_contact`` ...) that create the same
updates Telegram would create; the server hands them to the bot through ``getUpdates`` or a webhook.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from .html import utf16_len

if TYPE_CHECKING:
    from .server import FakeTelegram

__all__ = ["Alert", "ButtonMatcher", "FakeChat", "FakeGroup", "FakePerson", "SeenMessage"]

#: How a button is chosen: exact text, a compiled regex (``search``), or a predicate on the text.
ButtonMatcher = str | re.Pattern[str] | Callable[[str], bool]

_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_@/])")

#: Where ``tap()`` on a ``request_location`` button says the person is (Lima, Plaza de Armas).
DEFAULT_LOCATION = (-12.0464, -77.0301)


class Alert(NamedTuple):
    """A notification shown after pressing a button (``answerCallbackQuery`` with a text)."""

    text: str
    show_alert: bool


@dataclass
class SeenMessage:
    """A message the bot sent, as the person sees it.

    ``text`` is the plain text (HTML parsed, entities decoded); for media it is the plain caption and for
    venues ``"title\\naddress"``.  ``html`` is the raw text/caption exactly as the bot sent it.
    """

    message_id: int
    chat_id: int
    kind: str  # "text" | "photo" | "document" | "venue" | "location" | "video" | "audio" | ...
    text: str = ""
    html: str | None = None
    caption: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    parse_mode: str | None = None
    buttons: list[list[dict[str, Any]]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    keyboard: list[list[dict[str, Any]]] | None = None  # reply keyboard sent along with this message
    file_bytes: bytes | None = None
    file_name: str | None = None
    mime_type: str | None = None
    file_id: str | None = None
    file_unique_id: str | None = None
    venue: dict[str, Any] | None = None
    location: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    edits: int = 0
    deleted: bool = False
    date: int = 0
    edit_date: int | None = None

    @property
    def button_texts(self) -> list[str]:
        """Texts of all inline buttons, row by row."""
        return [button.get("text", "") for row in self.buttons for button in row]

    def button(self, text: str) -> dict[str, Any] | None:
        """The inline button with exactly this text, or ``None``."""
        for row in self.buttons:
            for button in row:
                if button.get("text") == text:
                    return button
        return None

    def __str__(self) -> str:
        extra = f" buttons={self.button_texts}" if self.buttons else ""
        return f"#{self.message_id} [{self.kind}] {self.text!r}{extra}"


def _matches(matcher: ButtonMatcher, text: str) -> bool:
    """Whether a button text matches ``matcher`` (exact text, regex or predicate)."""
    if isinstance(matcher, str):
        return text == matcher
    if isinstance(matcher, re.Pattern):
        return matcher.search(text) is not None
    return bool(matcher(text))


def _command_entities(text: str) -> list[dict[str, Any]]:
    """``bot_command`` entities for every ``/command`` (or ``/command@bot``) that starts a word."""
    entities = []
    for match in _COMMAND_RE.finditer(text):
        entities.append(
            {
                "type": "bot_command",
                "offset": utf16_len(text[: match.start()]),
                "length": utf16_len(match.group()),
            }
        )
    return entities


class FakeChat:
    """A chat with the bot: the messages the bot sent there and a cursor for ``expect()``.

    Everything the bot does in the chat (new message, edit) is appended to an event log; ``expect()``
    returns events after the cursor.  Any action of a person in the chat moves the cursor to the end of
    the log, so ``expect()`` waits for what the bot does *in response*.
    """

    chat_type: str = "private"

    def __init__(self, server: FakeTelegram, chat_id: int) -> None:
        self._server = server
        self.chat_id = chat_id
        self._messages: dict[int, SeenMessage] = {}  # live bot messages by id, in order
        self._user_messages: dict[int, dict[str, Any]] = {}  # Message dicts sent by people
        self._events: list[SeenMessage] = []  # snapshots of bot messages/edits, in order
        self._cursor = 0
        self._changed = asyncio.Event()
        self._last_message_id = 0
        self._one_time_keyboard = False
        self.reply_keyboard: list[list[dict[str, Any]]] | None = None
        self.actions: list[str] = []  # sendChatAction actions ("typing", ...)

    # ----------------------------------------------------------------- reading what the bot sent
    @property
    def id(self) -> int:
        """The chat id."""
        return self.chat_id

    @property
    def messages(self) -> list[SeenMessage]:
        """Messages the bot sent here, oldest first, with edits applied and deleted ones removed."""
        return list(self._messages.values())

    @property
    def last(self) -> SeenMessage:
        """The newest (not deleted) message from the bot; ``AssertionError`` if there is none."""
        if not self._messages:
            raise AssertionError(f"the bot has not sent anything to chat {self.chat_id}")
        return next(reversed(self._messages.values()))

    def message(self, message_id: int) -> SeenMessage | None:
        """The bot message with this id (``None`` if unknown or deleted)."""
        return self._messages.get(message_id)

    def unread(self) -> list[SeenMessage]:
        """Events (new messages and edits) since the last ``expect()``/action, without waiting."""
        events = self._events[self._cursor :]
        self._cursor = len(self._events)
        return events

    async def expect(self, n: int = 1, timeout: float = 5.0) -> list[SeenMessage]:
        """Wait for ``n`` new events (messages or edits) from the bot and return them.

        Edits are returned as a snapshot of the edited message.  Raises ``AssertionError`` describing
        what was seen when they do not arrive within ``timeout`` seconds.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self._events) - self._cursor < n:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(self._describe_timeout(n, timeout))
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), remaining)
            except TimeoutError:
                pass
        events = self._events[self._cursor : self._cursor + n]
        self._cursor += n
        return events

    async def next(self, timeout: float = 5.0) -> SeenMessage:
        """Wait for the next event from the bot (``expect(1)[0]``)."""
        return (await self.expect(1, timeout))[0]

    async def expect_nothing(self, timeout: float = 0.3) -> None:
        """Assert the bot sends/edits nothing here within ``timeout`` seconds."""
        await asyncio.sleep(timeout)
        events = self.unread()
        if events:
            raise AssertionError(
                f"expected no messages in chat {self.chat_id}, got: " + "; ".join(map(str, events))
            )

    def _describe_timeout(self, n: int, timeout: float) -> str:
        new = self._events[self._cursor :]
        recent = self.messages[-5:]
        return (
            f"chat {self.chat_id}: expected {n} new message(s) within {timeout}s, got {len(new)}: "
            f"{[str(m) for m in new]}; latest messages: {[str(m) for m in recent]}"
        )

    # ---------------------------------------------------------------- called by the server
    def _next_message_id(self) -> int:
        self._last_message_id += 1
        return self._last_message_id

    def _record_event(self, message: SeenMessage, kind: str) -> None:
        """Append a snapshot of ``message`` to the event log and wake ``expect()`` waiters."""
        self._events.append(dataclasses.replace(message))
        changed = self._changed
        self._changed = asyncio.Event()
        changed.set()
        self._server._notify(kind, self, message)

    def _add_bot_message(self, message: SeenMessage, reply_markup: dict[str, Any] | None) -> None:
        """Store a new bot message and apply its reply keyboard."""
        self._messages[message.message_id] = message
        if reply_markup:
            if "keyboard" in reply_markup:
                self.reply_keyboard = message.keyboard
                self._one_time_keyboard = bool(reply_markup.get("one_time_keyboard"))
            elif reply_markup.get("remove_keyboard"):
                self.reply_keyboard = None
                self._one_time_keyboard = False
        self._record_event(message, "message")

    def _delete(self, message_id: int) -> bool:
        """Delete a bot or user message; ``False`` if there is no such message."""
        message = self._messages.pop(message_id, None)
        if message is not None:
            message.deleted = True
            self._server._notify("delete", self, message)
            return True
        return self._user_messages.pop(message_id, None) is not None

    @property
    def chat_dict(self) -> dict[str, Any]:
        """The Bot API ``Chat`` object of this chat."""
        raise NotImplementedError

    # ---------------------------------------------------------------- acting in the chat
    def _post(self, sender: FakePerson, content: dict[str, Any], reply_to: int | None = None) -> int:
        """Create a message from ``sender`` in this chat, queue its update and return its id."""
        message_id = self._next_message_id()
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": sender.user,
            "chat": self.chat_dict,
            "date": int(time.time()),
            **content,
        }
        if reply_to is not None:
            replied = self._reply_target(reply_to)
            if replied is not None:
                message["reply_to_message"] = replied
        self._user_messages[message_id] = message
        self._cursor = len(self._events)
        self._server._enqueue("message", message, self.chat_id)
        return message_id

    def _reply_target(self, message_id: int) -> dict[str, Any] | None:
        seen = self._messages.get(message_id)
        if seen is not None:
            return self._server._message_dict(self, seen, with_reply=False)
        user_message = self._user_messages.get(message_id)
        if user_message is None:
            return None
        return {k: v for k, v in user_message.items() if k != "reply_to_message"}

    def _post_text(self, sender: FakePerson, text: str, reply_to: int | None = None) -> int:
        content: dict[str, Any] = {"text": text}
        entities = _command_entities(text) if "/" in text else []
        if entities:
            content["entities"] = entities
        return self._post(sender, content, reply_to)

    def _post_edit(self, sender: FakePerson, message_id: int, text: str) -> None:
        original = self._user_messages.get(message_id)
        if original is None or original["from"]["id"] != sender.user_id or "text" not in original:
            raise AssertionError(
                f"{sender.first_name} has no text message #{message_id} in chat {self.chat_id}"
            )
        edited = {k: v for k, v in original.items() if k != "entities"}
        edited["text"] = text
        edited["edit_date"] = int(time.time())
        entities = _command_entities(text) if "/" in text else []
        if entities:
            edited["entities"] = entities
        self._user_messages[message_id] = edited
        self._cursor = len(self._events)
        self._server._enqueue("edited_message", edited, self.chat_id)

    def _find_inline_button(
        self, matcher: ButtonMatcher, message_id: int | None
    ) -> tuple[SeenMessage, dict[str, Any]]:
        """The newest bot message having a matching inline button, and that button."""
        for seen in reversed(self._messages.values()):
            if message_id is not None and seen.message_id != message_id:
                continue
            for row in seen.buttons:
                for button in row:
                    if _matches(matcher, button.get("text", "")):
                        return seen, button
        visible = [
            f"#{m.message_id}: {m.button_texts}" for m in reversed(self._messages.values()) if m.buttons
        ]
        where = f" in message #{message_id}" if message_id is not None else ""
        raise AssertionError(
            f"no inline button matching {matcher!r}{where} in chat {self.chat_id}; "
            f"visible buttons (newest first): {visible or 'none'}"
        )

    def _press(self, sender: FakePerson, matcher: ButtonMatcher, message_id: int | None) -> str:
        seen, button = self._find_inline_button(matcher, message_id)
        if "callback_data" not in button:
            kinds = [k for k in button if k != "text"]
            raise AssertionError(f"button {button.get('text')!r} is not a callback button ({kinds})")
        return self._press_callback(sender, button["callback_data"], seen.message_id)

    def _press_callback(self, sender: FakePerson, data: str, message_id: int | None) -> str:
        """Queue a ``callback_query`` update; returns the query id."""
        server = self._server
        query: dict[str, Any] = {
            "id": server._new_callback_query(sender, self),
            "from": sender.user,
            "chat_instance": str((self.chat_id * 2654435761 + server.bot_id) % (1 << 62)),
            "data": data,
        }
        if message_id is None and self._messages:
            message_id = next(reversed(self._messages))
        if message_id is not None:
            seen = self._messages.get(message_id)
            if seen is not None:
                query["message"] = server._message_dict(self, seen)
            else:  # deleted or never existed: Telegram sends an InaccessibleMessage
                query["message"] = {"chat": self.chat_dict, "message_id": message_id, "date": 0}
        self._cursor = len(self._events)
        server._enqueue("callback_query", query, self.chat_id)
        return query["id"]


class FakePerson(FakeChat):
    """A simulated Telegram user and their private chat with the bot (chat id == user id)."""

    chat_type = "private"

    def __init__(
        self,
        server: FakeTelegram,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        phone: str | None = None,
    ) -> None:
        super().__init__(server, user_id)
        self.user_id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.phone = phone or f"+5190{user_id % 10_000_000:07d}"
        self.alerts: list[Alert] = []
        self.user = self._user_dict()
        self._chat_dict = self._make_chat_dict()

    def _user_dict(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def _make_chat_dict(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.user_id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat

    @property
    def chat_dict(self) -> dict[str, Any]:
        return self._chat_dict

    @property
    def blocked(self) -> bool:
        """Whether this person has blocked the bot."""
        return self._server.is_blocked(self.user_id)

    def __repr__(self) -> str:
        return f"FakePerson({self.user_id}, {self.first_name!r})"

    # ---------------------------------------------------------------- actions
    async def send(self, text: str, *, reply_to: int | None = None) -> int:
        """Send a text message (``/cmd args`` gets a ``bot_command`` entity); returns its message id."""
        return self._post_text(self, text, reply_to)

    async def send_edit(self, message_id: int, text: str) -> None:
        """Edit one of this person's own text messages (an ``edited_message`` update)."""
        self._post_edit(self, message_id, text)

    async def share_contact(
        self,
        phone: str | None = None,
        user_id: int | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
    ) -> int:
        """Share a contact; by default the person's own (``user_id`` defaults to theirs, 0 = none)."""
        contact: dict[str, Any] = {
            "phone_number": phone or self.phone,
            "first_name": first_name or self.first_name,
        }
        if last_name or (first_name is None and self.last_name):
            contact["last_name"] = last_name or self.last_name
        uid = self.user_id if user_id is None else user_id
        if uid:
            contact["user_id"] = uid
        return self._post(self, {"contact": contact})

    async def send_location(self, latitude: float, longitude: float) -> int:
        """Share a location."""
        return self._post(self, {"location": {"latitude": latitude, "longitude": longitude}})

    async def send_document(
        self,
        data: bytes,
        filename: str = "file.bin",
        mime_type: str | None = None,
        caption: str | None = None,
    ) -> int:
        """Send a file as a document; the bot can download it with ``getFile``."""
        stored = self._server.store_file(data, filename, mime_type, "document")
        content: dict[str, Any] = {"document": stored.as_document()}
        if caption:
            content["caption"] = caption
        return self._post(self, content)

    async def send_photo(self, data: bytes, caption: str | None = None) -> int:
        """Send a photo."""
        stored = self._server.store_file(data, "photo.jpg", "image/jpeg", "photo")
        content: dict[str, Any] = {"photo": stored.as_photo_sizes()}
        if caption:
            content["caption"] = caption
        return self._post(self, content)

    async def press(self, button: ButtonMatcher, *, message_id: int | None = None) -> str:
        """Press an inline button (exact text, regex or predicate on the text) of the newest bot message
        that has one; sends its ``callback_data``.  Returns the callback query id."""
        return self._press(self, button, message_id)

    async def press_callback(self, data: str, message_id: int | None = None) -> str:
        """Send a raw ``callback_query`` with any data (forged or stale buttons)."""
        return self._press_callback(self, data, message_id)

    async def tap(self, button: ButtonMatcher) -> int:
        """Press a reply-keyboard button: sends its text, or the contact/location it requests."""
        keyboard = self.reply_keyboard
        if not keyboard:
            raise AssertionError(f"{self.first_name} has no reply keyboard; cannot tap {button!r}")
        for row in keyboard:
            for key in row:
                if _matches(button, key.get("text", "")):
                    if self._one_time_keyboard:
                        self.reply_keyboard = None
                        self._one_time_keyboard = False
                    if key.get("request_contact"):
                        return await self.share_contact()
                    if key.get("request_location"):
                        return await self.send_location(*DEFAULT_LOCATION)
                    return await self.send(key.get("text", ""))
        texts = [key.get("text", "") for row in keyboard for key in row]
        raise AssertionError(f"no reply-keyboard button matching {button!r}; keyboard: {texts}")


class FakeGroup(FakeChat):
    """A group chat with the bot where several people post."""

    def __init__(self, server: FakeTelegram, chat_id: int, title: str, chat_type: str) -> None:
        super().__init__(server, chat_id)
        self.title = title
        self.chat_type = chat_type
        self._chat_dict = {"id": chat_id, "type": chat_type, "title": title}

    @property
    def chat_dict(self) -> dict[str, Any]:
        return self._chat_dict

    def __repr__(self) -> str:
        return f"FakeGroup({self.chat_id}, {self.title!r})"

    async def send(self, person: FakePerson, text: str, *, reply_to: int | None = None) -> int:
        """``person`` posts a text message in the group; returns its message id."""
        return self._post_text(person, text, reply_to)

    async def send_edit(self, person: FakePerson, message_id: int, text: str) -> None:
        """``person`` edits one of their messages in the group."""
        self._post_edit(person, message_id, text)

    async def press(self, person: FakePerson, button: ButtonMatcher, *, message_id: int | None = None) -> str:
        """``person`` presses an inline button of a bot message in the group."""
        return self._press(person, button, message_id)

    async def press_callback(self, person: FakePerson, data: str, message_id: int | None = None) -> str:
        """``person`` sends a raw callback query from a message in the group."""
        return self._press_callback(person, data, message_id)
