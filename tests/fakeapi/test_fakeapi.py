"""Tests of the fake Telegram Bot API server, driven by a real aiogram Bot and Dispatcher."""

from __future__ import annotations

import asyncio
import html
import json
import re
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.filters import Command, CommandStart
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiohttp import web

from bot.fakeapi import FakeTelegram, HtmlParseError, RateLimits, parse_html

pytestmark = pytest.mark.asyncio

TOKEN = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"
PNG_640x480 = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + (640).to_bytes(4, "big") + (480).to_bytes(4, "big") + b"\x08"
)


# --------------------------------------------------------------------------- fixtures
class QuickCloseSession(AiohttpSession):
    """aiogram's own aiohttp session, minus the 0.25 s grace sleep on close (keeps the tests fast)."""

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


def make_bot(server: FakeTelegram, token: str = TOKEN) -> Bot:
    """A real aiogram Bot with an aiohttp session pointed at the fake server."""
    return Bot(token, session=QuickCloseSession(api=TelegramAPIServer.from_base(server.base_url)))


@pytest_asyncio.fixture
async def server() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN) as srv:
        yield srv


@pytest_asyncio.fixture
async def bot(server: FakeTelegram) -> AsyncIterator[Bot]:
    tg_bot = make_bot(server)
    yield tg_bot
    await tg_bot.session.close()


def make_router() -> Router:
    """A tiny bot: greeting with inline buttons, reply keyboard, contact, echo, document, edits."""
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        assert message.from_user is not None
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(text="Acepto", callback_data="accept"),
                    InlineKeyboardButton(text="Web", url="https://example.org"),
                ]
            ]
        )
        name = html.escape(message.from_user.first_name)
        await message.answer(f"Hola <b>{name}</b>", parse_mode="HTML", reply_markup=keyboard)

    @router.callback_query(F.data == "accept")
    async def accept(query: CallbackQuery) -> None:
        await query.answer("Gracias", show_alert=True)
        assert isinstance(query.message, Message)
        await query.message.edit_text("Aceptado")

    @router.callback_query()
    async def unknown_button(query: CallbackQuery) -> None:
        await query.answer("Botón desconocido")

    @router.message(Command("kb"))
    async def keyboard(message: Message) -> None:
        markup = ReplyKeyboardMarkup(
            keyboard=[
                [KeyboardButton(text="Omitir")],
                [KeyboardButton(text="Compartir", request_contact=True)],
            ],
            one_time_keyboard=True,
            resize_keyboard=True,
        )
        await message.answer("Elige", reply_markup=markup)

    @router.message(Command("escape"))
    async def escape(message: Message) -> None:
        await message.answer("Valor: " + html.escape("<b>x</b>"), parse_mode="HTML")

    @router.message(F.contact)
    async def contact(message: Message) -> None:
        assert message.contact is not None
        await message.answer(
            f"Tel: {message.contact.phone_number} ({message.contact.user_id})",
            reply_markup=ReplyKeyboardRemove(),
        )

    @router.message(F.document)
    async def document(message: Message, bot: Bot) -> None:
        assert message.document is not None
        data = await bot.download(message.document.file_id)
        assert data is not None
        await message.answer(f"{message.document.file_name}: {len(data.getvalue())} bytes")

    @router.message(F.text == "Omitir")
    async def skip(message: Message) -> None:
        await message.answer("Omitido")

    @router.edited_message(F.text)
    async def edited(message: Message) -> None:
        await message.answer(f"editado: {message.text}")

    @router.message(F.text)
    async def echo(message: Message) -> None:
        assert message.text is not None
        await message.answer(html.escape(message.text), parse_mode="HTML")

    return router


@pytest_asyncio.fixture
async def polling(server: FakeTelegram, bot: Bot) -> AsyncIterator[Dispatcher]:
    """A real Dispatcher long-polling the fake server in the background."""
    dp = Dispatcher()
    dp.include_router(make_router())
    task = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=5))
    await server.wait_for_call("getUpdates")
    yield dp
    await dp.stop_polling()
    await task


# --------------------------------------------------------------------------- conversations
async def test_message_round_trip(server: FakeTelegram, polling: Dispatcher) -> None:
    ana = server.person(1001, "Ana")
    await ana.send("hola")
    reply = await ana.next()
    assert reply.text == "hola"
    assert reply.kind == "text"
    assert reply.chat_id == 1001
    assert ana.last is ana.messages[-1]
    params = server.calls("sendMessage")[-1]
    assert params["chat_id"] == 1001
    assert params["text"] == "hola"
    assert server.stats["sent"] == 1


async def test_inline_button_press_and_alert(server: FakeTelegram, polling: Dispatcher) -> None:
    ana = server.person(1001, "Ana")
    await ana.send("/start")
    greeting = await ana.next()
    assert greeting.text == "Hola Ana"
    assert greeting.entities == [{"type": "bold", "offset": 5, "length": 3}]
    assert greeting.button_texts == ["Acepto", "Web"]
    assert greeting.buttons[0][0] == {"text": "Acepto", "callback_data": "accept"}

    await ana.press("Acepto")
    edited = await ana.next()
    assert edited.message_id == greeting.message_id
    assert edited.text == "Aceptado"
    assert edited.edits == 1
    assert edited.buttons == []  # editMessageText without reply_markup removes the keyboard
    assert ana.alerts == [("Gracias", True)]
    assert len(ana.messages) == 1

    with pytest.raises(AssertionError, match="no inline button matching 'Acepto'"):
        await ana.press("Acepto")
    with pytest.raises(AssertionError, match="not a callback button"):
        await ana.send("/start")
        await ana.next()
        await ana.press(re.compile("^We"))

    await ana.press_callback("forged-data")
    await ana.expect_nothing(0.2)
    await server.wait_for_call("answerCallbackQuery", 2)
    assert ana.alerts[-1] == ("Botón desconocido", False)


async def test_reply_keyboard_tap_and_contact(server: FakeTelegram, polling: Dispatcher) -> None:
    ana = server.person(1001, "Ana", phone="+51987654321")
    with pytest.raises(AssertionError, match="no reply keyboard"):
        await ana.tap("Omitir")
    await ana.send("/kb")
    await ana.next()
    assert [[key["text"] for key in row] for row in ana.reply_keyboard or []] == [["Omitir"], ["Compartir"]]
    await ana.tap("Omitir")
    assert (await ana.next()).text == "Omitido"
    assert ana.reply_keyboard is None  # one_time_keyboard

    await ana.send("/kb")
    await ana.next()
    with pytest.raises(AssertionError, match="keyboard: \\['Omitir', 'Compartir'\\]"):
        await ana.tap("Nope")
    await ana.tap("Compartir")
    assert (await ana.next()).text == "Tel: +51987654321 (1001)"
    assert ana.reply_keyboard is None

    await ana.share_contact(phone="+51911111111", user_id=2002)
    assert (await ana.next()).text == "Tel: +51911111111 (2002)"


async def test_html_shown_as_plain_text(server: FakeTelegram, bot: Bot, polling: Dispatcher) -> None:
    ana = server.person(1001, "Ana")
    await ana.send("/escape")
    reply = await ana.next()
    assert reply.text == "Valor: <b>x</b>"
    assert reply.entities == []
    assert reply.html == "Valor: &lt;b&gt;x&lt;/b&gt;"

    await ana.send("<i>no es html</i> & co")
    assert (await ana.next()).text == "<i>no es html</i> & co"

    sent = await bot.send_message(
        1001, "😀 <b>negrita</b> <a href='https://x.org/?a=1&amp;b=2'>link</a>", parse_mode="HTML"
    )
    assert sent.text == "😀 negrita link"
    assert ana.last.entities == [
        {"type": "bold", "offset": 3, "length": 7},
        {"type": "text_link", "offset": 11, "length": 4, "url": "https://x.org/?a=1&b=2"},
    ]
    assert sent.entities is not None and sent.entities[0].type == "bold"


async def test_edited_message_and_group(server: FakeTelegram, polling: Dispatcher) -> None:
    ana = server.person(1001, "Ana")
    message_id = await ana.send("hola")
    await ana.next()
    await ana.send_edit(message_id, "chau")
    assert (await ana.next()).text == "editado: chau"

    group = server.group(-100123, title="Mesa")
    await group.send(ana, "/start@participa_test_bot")
    reply = await group.next()
    assert reply.text == "Hola Ana"
    assert reply.chat_id == -100123
    await group.press(ana, "Acepto")
    assert (await group.next()).text == "Aceptado"
    assert ana.alerts == [("Gracias", True)]
    assert ana.unread() == []


async def test_person_document_is_downloadable(server: FakeTelegram, polling: Dispatcher) -> None:
    ana = server.person(1001, "Ana")
    await ana.send_document(b"a,b\n1,2\n", filename="datos.csv")
    assert (await ana.next()).text == "datos.csv: 8 bytes"


async def test_many_people_concurrently(server: FakeTelegram, polling: Dispatcher) -> None:
    people = [server.person(5000 + i, f"P{i}") for i in range(200)]
    await asyncio.gather(*(p.send(f"msg {p.user_id}") for p in people))
    replies = await asyncio.gather(*(p.next(timeout=10) for p in people))
    assert [r.text for r in replies] == [f"msg {p.user_id}" for p in people]
    assert all(server.duplicates(p.user_id) == [] for p in people)
    assert server.updates_pending == 0


async def test_expect_timeout_reports_what_was_seen(server: FakeTelegram, bot: Bot) -> None:
    ana = server.person(1001, "Ana")
    await bot.send_message(1001, "uno")
    await ana.next()
    with pytest.raises(AssertionError, match=r"expected 1 new message\(s\).*'uno'"):
        await ana.expect(1, timeout=0.05)
    await bot.send_message(1001, "dos")
    await bot.send_message(1001, "tres")
    assert [m.text for m in ana.unread()] == ["dos", "tres"]
    await bot.delete_message(1001, ana.last.message_id)
    assert [m.text for m in ana.messages] == ["uno", "dos"]


# --------------------------------------------------------------------------- html parser
@pytest.mark.parametrize(
    ("source", "text", "entities"),
    [
        ("a &lt;b&gt; &amp; &quot;q&quot; &#39;x&#x27;", "a <b> & \"q\" 'x'", []),
        ("AT&T & co &unknown;", "AT&T & co &unknown;", []),
        ("<B>x</B>", "x", [{"type": "bold", "offset": 0, "length": 1}]),
        ("<tg-spoiler>s</tg-spoiler><span class=\"tg-spoiler\">t</span>", "st",
         [{"type": "spoiler", "offset": 0, "length": 1}, {"type": "spoiler", "offset": 1, "length": 1}]),
        ('<pre><code class="language-python">x = 1</code></pre>', "x = 1",
         [{"type": "pre", "offset": 0, "length": 5, "language": "python"}]),
        ("<blockquote expandable>q</blockquote>", "q",
         [{"type": "expandable_blockquote", "offset": 0, "length": 1}]),
        ("<b>a<i>😀</i></b>", "a😀",
         [{"type": "bold", "offset": 0, "length": 3}, {"type": "italic", "offset": 1, "length": 2}]),
        ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍",
         [{"type": "custom_emoji", "offset": 0, "length": 2, "custom_emoji_id": "5368324170671202286"}]),
        ("<b></b>x", "x", []),
    ],
)  # fmt: skip
async def test_parse_html_valid(source: str, text: str, entities: list[dict[str, object]]) -> None:
    assert parse_html(source) == (text, entities)


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("hola <foo>x</foo>", 'Unsupported start tag "foo" at byte offset 5'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("ñ <3 tú", 'Unsupported start tag "3" at byte offset 3'),
        ("ñ <3", "Unclosed start tag at byte offset 3"),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x <b", "Unclosed start tag at byte offset 2"),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<a href=x/y>z</a>", "Unexpected end of name token at byte offset 8"),
    ],
)
async def test_parse_html_errors(source: str, error: str) -> None:
    with pytest.raises(HtmlParseError) as info:
        parse_html(source)
    assert str(info.value) == error


# --------------------------------------------------------------------------- errors
async def test_errors_raise_real_aiogram_exceptions(server: FakeTelegram, bot: Bot) -> None:
    ana = server.person(1001, "Ana")

    async def bad(pattern: str, call: object) -> None:
        with pytest.raises(TelegramBadRequest) as info:
            await call  # type: ignore[misc]
        assert re.search(pattern, info.value.message), info.value.message

    await bad(
        r"^Bad Request: can't parse entities: Unsupported start tag \"foo\" at byte offset 5$",
        bot.send_message(1001, "hola <foo>", parse_mode="HTML"),
    )
    await bad(
        "Can't find end tag corresponding to start tag", bot.send_message(1001, "<b>x", parse_mode="HTML")
    )
    await bad("^Bad Request: message text is empty$", bot.send_message(1001, "  \n "))
    await bad("^Bad Request: message text is empty$", bot.send_message(1001, "<b> </b>", parse_mode="HTML"))
    await bad("^Bad Request: message is too long$", bot.send_message(1001, "x" * 4097))
    await bad("^Bad Request: message is too long$", bot.send_message(1001, "😀" * 2049))
    await bot.send_message(1001, "😀" * 2048)
    await bot.send_message(1001, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    doc = BufferedInputFile(b"x", filename="x.txt")
    await bad("^Bad Request: message caption is too long$", bot.send_document(1001, doc, caption="c" * 1025))

    long_data = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="a", callback_data="ñ" * 33)]]
    )
    await bad("^Bad Request: BUTTON_DATA_INVALID$", bot.send_message(1001, "x", reply_markup=long_data))
    text_only = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="a")]])
    await bad(
        "^Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
        bot.send_message(1001, "x", reply_markup=text_only),
    )

    ok_kb = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="a", callback_data="a")]])
    sent = await bot.send_message(1001, "<b>igual</b>", parse_mode="HTML", reply_markup=ok_kb)
    not_modified = "^Bad Request: message is not modified: specified new message content and reply markup"
    await bad(
        not_modified,
        bot.edit_message_text("<b>igual</b>", chat_id=1001, message_id=sent.message_id, parse_mode="HTML",
                              reply_markup=ok_kb),
    )  # fmt: skip
    await bad(
        not_modified,
        bot.edit_message_reply_markup(chat_id=1001, message_id=sent.message_id, reply_markup=ok_kb),
    )
    await bot.edit_message_text("igual", chat_id=1001, message_id=sent.message_id, reply_markup=ok_kb)
    assert ana.last.text == "igual" and ana.last.entities == [] and ana.last.edits == 1
    await bad(
        "^Bad Request: message to edit not found$", bot.edit_message_text("x", chat_id=1001, message_id=999)
    )
    await bad("^Bad Request: message to delete not found$", bot.delete_message(1001, 999))
    await bad("^Bad Request: chat not found$", bot.send_message(424242, "x"))
    await bad(
        "^Bad Request: query is too old and response timeout expired or query ID is invalid$",
        bot.answer_callback_query("nope"),
    )

    server.block(1001)
    with pytest.raises(TelegramForbiddenError, match="Forbidden: bot was blocked by the user"):
        await bot.send_message(1001, "x")
    server.unblock(1001)
    await bot.send_message(1001, "de vuelta")
    updates = await bot.get_updates(timeout=0)
    statuses = [(u.my_chat_member.old_chat_member.status, u.my_chat_member.new_chat_member.status)
                for u in updates if u.my_chat_member]  # fmt: skip
    assert statuses == [("member", "kicked"), ("kicked", "member")]

    server.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    with pytest.raises(TelegramRetryAfter) as retry:
        await bot.send_message(1001, "x")
    assert retry.value.retry_after == 7
    server.fail_next("sendMessage", 502, chat_id=2002)
    await bot.send_message(1001, "other chat is not affected")
    server.person(2002, "Bob")
    with pytest.raises(TelegramServerError):
        await bot.send_message(2002, "x")
    server.fail_next("getMe", 400, "Bad Request: injected")
    await bad("^Bad Request: injected$", bot.get_me())
    assert server.stats["400"] >= 10


async def test_callback_query_expiry(server: FakeTelegram, bot: Bot) -> None:
    ana = server.person(1001, "Ana")
    await bot.send_message(1001, "x", reply_markup=InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="b", callback_data="b")]]))  # fmt: skip
    first = await ana.press("b")
    second = await ana.press_callback("forged", message_id=777)
    updates = await bot.get_updates(timeout=0)
    queries = [u.callback_query for u in updates if u.callback_query]
    assert [q.id for q in queries] == [first, second]
    assert queries[0].data == "b" and isinstance(queries[0].message, Message)
    assert queries[1].message is not None and queries[1].message.date == 0  # InaccessibleMessage
    assert await bot.answer_callback_query(first, text="ok")
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(first)  # already answered
    server.callback_timeout = 0.05
    await asyncio.sleep(0.1)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(second)
    assert ana.alerts == [("ok", False)]


async def test_wrong_token_and_raw_http(server: FakeTelegram) -> None:
    wrong = make_bot(server, token="999:WRONG")
    with pytest.raises(TelegramUnauthorizedError):
        await wrong.get_me()
    await wrong.session.close()

    ana = server.person(1001, "Ana")
    keyboard = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{server.api_url}/sendMessage", json={
            "chat_id": 1001, "text": "<i>json</i>", "parse_mode": "HTML", "reply_markup": keyboard,
        }) as response:  # fmt: skip
            body = await response.json()
        assert body["ok"] and body["result"]["text"] == "json"
        assert body["result"]["reply_markup"] == keyboard
        assert body["result"]["from"]["is_bot"] is True
        form = {"chat_id": "1001", "text": "form", "reply_markup": json.dumps(keyboard)}
        async with http.post(f"{server.api_url}/sendmessage", data=form) as response:
            assert (await response.json())["result"]["text"] == "form"
        assert ana.last.buttons == keyboard["inline_keyboard"]
        async with http.post(f"{server.api_url}/noSuchMethod") as response:
            assert response.status == 404
            assert await response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        async with http.get(f"{server.base_url}/bot1:nope/getMe") as response:
            assert response.status == 401
            assert (await response.json())["description"] == "Unauthorized"


# --------------------------------------------------------------------------- rate limits
async def test_rate_limits_exceeded() -> None:
    limits = RateLimits(global_per_second=5, per_chat_per_second=1, per_chat_burst=3, per_group_per_minute=2)
    async with FakeTelegram(token=TOKEN, rate_limits=limits) as server:
        limited = make_bot(server)
        try:
            for user_id in (1, 2, 3, 4):
                server.person(user_id)
            for _ in range(3):
                await limited.send_message(1, "burst")
            with pytest.raises(TelegramRetryAfter) as info:
                await limited.send_message(1, "too fast")
            assert info.value.retry_after >= 1
            await limited.edit_message_text("edits are free", chat_id=1, message_id=1)
            await limited.send_message(2, "x")
            await limited.send_message(3, "y")  # 5 sends in this second: the global limit is reached
            with pytest.raises(TelegramRetryAfter, match="Too Many Requests: retry after 1"):
                await limited.send_message(4, "z")

            group = server.group(-100555, "G")
            assert server.stats["429"] == 2
            server.rate_limits = RateLimits(global_per_second=0, per_group_per_minute=2)  # fresh counters
            await limited.send_message(group.chat_id, "g1")
            await limited.send_message(group.chat_id, "g2")
            with pytest.raises(TelegramRetryAfter) as info:
                await limited.send_message(group.chat_id, "g3")
            assert 58 <= info.value.retry_after <= 60
            assert server.delivered[1] == ["burst"] * 3
            assert server.stats["sent"] == 7
        finally:
            await limited.session.close()


async def test_rate_limits_respected() -> None:
    limits = RateLimits(
        global_per_second=30, per_chat_per_second=20, per_chat_burst=1, per_group_per_minute=20
    )
    async with FakeTelegram(token=TOKEN, rate_limits=limits) as server:
        limited = make_bot(server)
        try:
            for user_id in range(1, 21):
                server.person(user_id)
            await asyncio.gather(*(limited.send_message(user_id, "hola") for user_id in range(1, 21)))
            for _ in range(3):
                await asyncio.sleep(0.06)
                await limited.send_message(1, "paced")
            assert server.stats["429"] == 0
            assert server.stats["sent"] == 23
        finally:
            await limited.session.close()


# --------------------------------------------------------------------------- files, venues, commands
async def test_uploads_and_file_ids(server: FakeTelegram, bot: Bot) -> None:
    ana = server.person(1001, "Ana")
    document = BufferedInputFile(b"%PDF-1.4 fake", filename="acta.pdf")
    sent = await bot.send_document(1001, document, caption="<b>Acta</b> firmada", parse_mode="HTML")
    seen = ana.last
    assert (seen.kind, seen.file_bytes, seen.file_name, seen.mime_type) == (
        "document", b"%PDF-1.4 fake", "acta.pdf", "application/pdf"
    )  # fmt: skip
    assert seen.text == seen.caption == "Acta firmada"
    assert seen.entities == [{"type": "bold", "offset": 0, "length": 4}]
    assert sent.document is not None and sent.document.file_id == seen.file_id
    assert sent.document.file_name == "acta.pdf" and sent.document.file_size == 13
    assert server.calls("sendDocument")[0]["document"] == b"%PDF-1.4 fake"

    await bot.send_document(1001, sent.document.file_id)
    assert ana.last.file_bytes == b"%PDF-1.4 fake" and ana.last.message_id == seen.message_id + 1

    photo = await bot.send_photo(1001, BufferedInputFile(PNG_640x480, filename="foto.png"))
    assert photo.photo is not None and (photo.photo[-1].width, photo.photo[-1].height) == (640, 480)
    assert ana.last.kind == "photo" and ana.last.file_bytes == PNG_640x480
    with pytest.raises(TelegramBadRequest, match="wrong file identifier/HTTP URL specified"):
        await bot.send_document(1001, "no-such-file-id")
    with pytest.raises(TelegramBadRequest, match="can't use file of type Photo as Document"):
        await bot.send_document(1001, photo.photo[-1].file_id)

    venue = await bot.send_venue(1001, -12.05, -77.04, "Municipalidad", "Jr. Conde de Superunda 141")
    assert venue.venue is not None and venue.venue.title == "Municipalidad"
    assert ana.last.kind == "venue" and ana.last.venue == {
        "location": {"latitude": -12.05, "longitude": -77.04},
        "title": "Municipalidad",
        "address": "Jr. Conde de Superunda 141",
    }
    await bot.send_location(1001, -12.0, -77.0)
    assert ana.last.kind == "location" and ana.last.location == {"latitude": -12.0, "longitude": -77.0}
    assert await bot.send_chat_action(1001, "typing")
    assert ana.actions == ["typing"]


async def test_commands(server: FakeTelegram, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand(command="start", description="Inicio")], language_code="es")
    await bot.set_my_commands(
        [BotCommand(command="admin", description="Panel")], scope=BotCommandScopeChat(chat_id=1001)
    )
    assert server.commands[('{"type": "default"}', "es")] == [{"command": "start", "description": "Inicio"}]
    assert server.commands_for({"type": "chat", "chat_id": 1001}) == [
        {"command": "admin", "description": "Panel"}
    ]
    assert [c.command for c in await bot.get_my_commands(language_code="es")] == ["start"]
    assert await bot.get_my_commands() == []
    await bot.delete_my_commands(language_code="es")
    assert server.commands_for(language_code="es") == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Mal!", description="x")])


# --------------------------------------------------------------------------- getUpdates and webhooks
async def test_get_updates_offsets_and_long_polling(server: FakeTelegram, bot: Bot) -> None:
    ana = server.person(1001, "Ana", username="ana")
    group = server.group(-100123, title="Mesa")
    await ana.send("/start abc")
    await group.send(ana, "/start@participa_test_bot")
    await ana.send("tres")
    assert server.updates_pending == 3

    first = await bot.get_updates(timeout=0)
    assert [u.update_id for u in first] == [1, 2, 3]
    message = first[0].message
    assert message is not None and message.from_user is not None
    assert (message.from_user.id, message.from_user.username, message.from_user.language_code) == (
        1001,
        "ana",
        "es",
    )
    assert message.chat.type == "private" and message.entities is not None
    assert (message.entities[0].type, message.entities[0].length) == ("bot_command", 6)
    in_group = first[1].message
    assert in_group is not None and in_group.chat.type == "supergroup" and in_group.chat.title == "Mesa"
    assert in_group.entities is not None and in_group.entities[0].length == len("/start@participa_test_bot")

    assert [u.update_id for u in await bot.get_updates(timeout=0)] == [1, 2, 3]  # nothing confirmed yet
    assert [u.update_id for u in await bot.get_updates(offset=2, limit=1, timeout=0)] == [2]
    assert [u.update_id for u in await bot.get_updates(offset=4, timeout=0)] == []
    assert server.updates_pending == 0
    assert [u.update_id for u in await bot.get_updates(offset=1, timeout=0)] == []  # confirmed stay gone

    waiting = asyncio.create_task(bot.get_updates(offset=4, timeout=5))
    await asyncio.sleep(0.05)
    await ana.send("despierta")
    woken = await asyncio.wait_for(waiting, 2)
    assert [u.message.text for u in woken if u.message] == ["despierta"]

    older = asyncio.create_task(bot.get_updates(offset=5, timeout=5))
    await asyncio.sleep(0.05)
    newer = asyncio.create_task(bot.get_updates(offset=5, timeout=5))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
        await asyncio.wait_for(older, 2)
    await ana.press_callback("x")
    await ana.send("solo mensajes")
    assert [u.update_id for u in await asyncio.wait_for(newer, 2)] == [5, 6]
    only_messages = await bot.get_updates(offset=5, timeout=0, allowed_updates=["message"])
    assert [u.update_id for u in only_messages] == [6]


async def test_webhook_delivery(server: FakeTelegram, bot: Bot) -> None:
    received: asyncio.Queue[tuple[str | None, dict[str, object]]] = asyncio.Queue()
    failures = [1]

    async def receive(request: web.Request) -> web.Response:
        if failures[0]:
            failures[0] -= 1
            return web.Response(status=500)
        update = await request.json()
        await received.put((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), update))
        if update.get("message", {}).get("text") == "hola":
            return web.json_response({"method": "sendMessage", "chat_id": 1001, "text": "<b>vía</b> webhook",
                                      "parse_mode": "HTML"})  # fmt: skip
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        server.webhook_retry_delay = 0.05
        ana = server.person(1001, "Ana")
        await ana.send("antes")  # queued before the webhook is set: delivered to it afterwards
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
        assert await bot.set_webhook(url, secret_token="s3cret-Token_1")
        await ana.send("hola")
        assert (await ana.next()).text == "vía webhook"
        got = [await asyncio.wait_for(received.get(), 2) for _ in range(2)]
        assert [secret for secret, _ in got] == ["s3cret-Token_1"] * 2
        assert [update["message"]["text"] for _, update in got] == ["antes", "hola"]  # type: ignore[index]
        info = await bot.get_webhook_info()
        assert info.url == url and info.pending_update_count == 0
        assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
        with pytest.raises(
            TelegramConflictError, match="can't use getUpdates method while webhook is active"
        ):
            await bot.get_updates(timeout=0)

        assert await bot.delete_webhook()
        await ana.send("después")
        updates = await bot.get_updates(timeout=0)
        assert [u.message.text for u in updates if u.message] == ["después"]
        assert received.empty()
        assert await bot.delete_webhook(drop_pending_updates=True)
        assert server.updates_pending == 0
    finally:
        await runner.cleanup()


async def test_concurrent_pollers_without_conflicts() -> None:
    async with FakeTelegram(token=TOKEN, polling_conflicts=False) as server:
        bots = [make_bot(server) for _ in range(3)]
        try:
            polls = [asyncio.create_task(b.get_updates(timeout=5)) for b in bots]
            await server.wait_for_call("getUpdates", 3)
            await server.person(1001, "Ana").send("hola")
            results = await asyncio.wait_for(asyncio.gather(*polls), 2)
            assert [[u.update_id for u in r] for r in results] == [[1], [1], [1]]  # unconfirmed: seen by all
        finally:
            for b in bots:
                await b.session.close()
