"""Property: whatever people send, the bot answers or deliberately ignores it, never crashes, and the
database stays consistent. Random updates go through the real dispatcher and the real HTTP session
against the fake Bot API (which rejects bad HTML, long texts and bad buttons as Telegram does)."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import App, create_app
from bot.config import load_settings
from bot.fakeapi import DEFAULT_TOKEN, FakeTelegram
from tests.databases import Databases, is_postgres, run_sql

USERS = (9001, 9002, 9003)
GROUP = -100999
COMMANDS = [
    "/start", "/start asistencia-XYZ", "/ayuda", "/idioma", "/cancelar", "/privacidad", "/misdatos",
    "/borrarmisdatos", "/difundir", "/roles", "/roles dar 1 sgp", "/nada", "/start@participa_test_bot",
]  # fmt: skip
CALLBACK_PREFIXES = [
    "lang",
    "consent",
    "region",
    "orgtype",
    "org",
    "menu",
    "erase",
    "editprofile",
    "bck",
    "bct",
    "bc",
]


class Harness:
    def __init__(self, loop: asyncio.AbstractEventLoop, server: FakeTelegram, app: App, db: str) -> None:
        self.loop, self.server, self.app, self.db = loop, server, app, db
        self.update_ids = itertools.count(1_000_000)
        self.message_ids = itertools.count(1)
        self.errors: list[logging.LogRecord] = []


class Collect(logging.Handler):
    def __init__(self, sink: list[logging.LogRecord]) -> None:
        super().__init__(level=logging.ERROR)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record)


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory, databases: Databases) -> Iterator[Harness]:
    loop = asyncio.new_event_loop()
    db = databases.new(tmp_path_factory.mktemp("fuzz"))
    server = FakeTelegram(record_requests=True)
    loop.run_until_complete(server.start())
    for user in USERS:
        server.person(user, f"U{user}", language_code="es")
    server.group(GROUP, "Grupo")
    config = load_settings(
        bot_token=DEFAULT_TOKEN, telegram_api_url=server.base_url, database_url=db,
        flood_limit=100_000, sgp_admin_ids=(USERS[0],),
    )  # fmt: skip
    app = loop.run_until_complete(create_app(config))
    loop.run_until_complete(app.bot.get_me())
    h = Harness(loop, server, app, db)
    collector = Collect(h.errors)
    for name in ("participa.errors", "aiogram.event", "aiogram.dispatcher"):
        logging.getLogger(name).addHandler(collector)
    yield h
    for name in ("participa.errors", "aiogram.event", "aiogram.dispatcher"):
        logging.getLogger(name).removeHandler(collector)
    loop.run_until_complete(app.close())
    loop.run_until_complete(server.stop())
    loop.close()


texts = st.one_of(
    st.text(max_size=50),
    st.text(min_size=4000, max_size=6000),
    st.sampled_from(COMMANDS),
    st.builds(lambda c, a: f"{c} {a}", st.sampled_from(COMMANDS), st.text(max_size=30)),
    st.sampled_from(
        ["<b>", "&amp;", "<script>x</script>", "Arequipa", "Omitir", "🌟" * 50, "\u200f\u202e", ""]
    ),
)
callback_data = st.one_of(
    st.text(max_size=80),
    st.builds(lambda p, rest: f"{p}:{rest}", st.sampled_from(CALLBACK_PREFIXES), st.text(max_size=20)),
    st.sampled_from(["lang:es", "lang:qu", "consent:1", "consent:0", "region:04", "region:99", "orgtype:ong",
                     "org:0", "org:999999", "menu:profile", "erase:1", "bc:stop:1", "bct:04", "bck:region"]),
)  # fmt: skip
events = st.one_of(
    st.tuples(st.just("text"), st.sampled_from(USERS), texts),
    st.tuples(st.just("callback"), st.sampled_from(USERS), callback_data),
    st.tuples(st.just("contact"), st.sampled_from(USERS), st.sampled_from([0, 1])),
    st.tuples(st.just("media"), st.sampled_from(USERS), st.sampled_from(["photo", "document", "location"])),
    st.tuples(st.just("edited"), st.sampled_from(USERS), texts),
    st.tuples(st.just("group"), st.sampled_from(USERS), texts),
)


def build(h: Harness, kind: str, user: int, value: Any) -> dict[str, Any]:
    sender = {"id": user, "is_bot": False, "first_name": f"U{user}", "language_code": "es"}
    private = {"id": user, "type": "private", "first_name": f"U{user}"}
    message: dict[str, Any] = {
        "message_id": next(h.message_ids),
        "date": 1796000000,
        "chat": private,
        "from": sender,
    }
    update: dict[str, Any] = {"update_id": next(h.update_ids)}
    if kind in ("text", "edited", "group"):
        message["text"] = value or "."
        if message["text"].startswith("/"):
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(message["text"].split()[0])}
            ]
        if kind == "group":
            message["chat"] = {"id": GROUP, "type": "supergroup", "title": "Grupo"}
        if kind == "edited":
            message["edit_date"] = 1796000001
        update["edited_message" if kind == "edited" else "message"] = message
    elif kind == "callback":
        bot_message = {"message_id": 1, "date": 1796000000, "chat": private, "text": "x",
                       "from": {"id": 123456, "is_bot": True, "first_name": "Participa"}}  # fmt: skip
        person = h.server.person(user)
        query_id = h.server._new_callback_query(person, person)  # known to the server, as Telegram's are
        update["callback_query"] = {"id": query_id, "from": sender, "chat_instance": "1",
                                    "message": bot_message, "data": value}  # fmt: skip
    elif kind == "contact":
        message["contact"] = {"phone_number": "+51987654321", "first_name": "X", "user_id": user + value}
        update["message"] = message
    else:
        message.update(
            {"photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]} if value == "photo"
            else {"document": {"file_id": "d", "file_unique_id": "d"}} if value == "document"
            else {"location": {"latitude": -12.0, "longitude": -77.0}}
        )  # fmt: skip
        update["message"] = message
    return update


def answered(h: Harness, before: int, kind: str, user: int) -> bool:
    chat = GROUP if kind == "group" else user
    for method, params in h.server.requests[before:]:
        if method == "answerCallbackQuery" or str(params.get("chat_id")) == str(chat):
            return True
    return False


def consistent(db: str) -> None:
    if not is_postgres(db):  # PostgreSQL enforces foreign keys itself and has no such pragmas
        assert run_sql(db, "pragma integrity_check") == [("ok",)]
        assert run_sql(db, "pragma foreign_key_check") == []
    duplicates = (
        "select count(*) from people where telegram_id is not null group by telegram_id having count(*) > 1"
    )
    assert run_sql(db, duplicates) == []
    assert run_sql(db, "select count(*) from people where consent_version < 1") == [(0,)]
    organisations = "select count(*) from organisations group by name_key, type_code having count(*) > 1"
    assert run_sql(db, organisations) == []


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(st.lists(events, min_size=5, max_size=25))
def test_random_updates_never_break_the_bot(harness: Harness, sequence: list[tuple[str, int, Any]]) -> None:
    for kind, user, value in sequence:
        before = len(harness.server.requests)
        update = build(harness, kind, user, value)
        harness.loop.run_until_complete(harness.app.dispatcher.feed_raw_update(harness.app.bot, update))
        assert not harness.errors, [r.getMessage() for r in harness.errors]
        assert answered(harness, before, kind, user), (kind, value)
    consistent(harness.db)
