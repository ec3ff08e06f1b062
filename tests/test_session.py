"""The bot's Bot API session against the fake server: JSON bodies, multipart only for files; sent
keyboards not read back, response models held."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import EditMessageText, Response, SendDocument, SendMessage
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.app import make_bot
from bot.config import load_settings
from bot.fakeapi import DEFAULT_TOKEN, FakeTelegram


async def test_json_bodies_multipart_uploads_and_sent_keyboards_not_read_back() -> None:
    async with FakeTelegram() as server:
        settings = load_settings(_env_file=None, bot_token=DEFAULT_TOKEN, telegram_api_url=server.base_url)
        bot = make_bot(settings)
        try:
            ana = server.person(1001, "Ana")
            keyboard = InlineKeyboardMarkup(
                inline_keyboard=[[InlineKeyboardButton(text="Sí", callback_data="y")]]
            )
            sent = await bot.send_message(
                1001, "<b>Hola</b> 👋", reply_markup=keyboard, disable_notification=False
            )
            assert (
                server.stats["body application/json"] == 1 and server.stats["body multipart/form-data"] == 0
            )
            assert server.calls("sendMessage")[-1]["parse_mode"] == "HTML" and ana.last.text == "Hola 👋"
            assert ana.last.button_texts == ["Sí"]
            assert (sent.message_id, sent.html_text, sent.chat.id) == (
                ana.last.message_id,
                "<b>Hola</b> 👋",
                1001,
            )
            assert sent.reply_markup is None and sent.bot is bot
            document = BufferedInputFile(b"a,b\n1,2\n", filename="datos.csv")
            await bot.send_document(1001, document, caption="Datos")
            assert (
                server.stats["body multipart/form-data"] == 1 and server.stats["body application/json"] == 1
            )
            assert server.calls("sendDocument")[-1]["document"] == b"a,b\n1,2\n"
            assert (ana.last.file_name, ana.last.text) == ("datos.csv", "Datos")
            edited = await bot.edit_message_text("Chau", chat_id=1001, message_id=sent.message_id)
            assert edited.text == "Chau"
            with pytest.raises(TelegramBadRequest, match="message to edit not found"):
                await bot.edit_message_text("?", chat_id=1001, message_id=999_999)
            await bot.send_message(1001, "Otra vez")
            held = bot.session.response_models  # one response model a method, held for the next answer
            assert set(held) == {SendMessage, SendDocument, EditMessageText}
            assert held[SendMessage] is Response[Message]
        finally:
            await bot.session.close()


async def test_the_server_echoes_the_keyboard_that_aiogram_would_read_back() -> None:
    """What the previous test's `reply_markup is None` is measured against."""
    async with FakeTelegram() as server:
        server.person(1001, "Ana")
        plain = Bot(DEFAULT_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(server.base_url)))
        try:
            keyboard = InlineKeyboardMarkup(
                inline_keyboard=[[InlineKeyboardButton(text="Sí", callback_data="y")]]
            )
            sent = await plain.send_message(1001, "Hola", reply_markup=keyboard)
            assert sent.reply_markup.inline_keyboard[0][0].callback_data == "y"
        finally:
            await plain.session.close()
