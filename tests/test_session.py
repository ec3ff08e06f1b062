"""The bot's Bot API session against the fake server: JSON bodies, multipart only for files."""

from __future__ import annotations

from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from bot.app import make_bot
from bot.config import load_settings
from bot.fakeapi import DEFAULT_TOKEN, FakeTelegram


async def test_requests_go_as_json_and_uploads_as_multipart() -> None:
    async with FakeTelegram() as server:
        settings = load_settings(_env_file=None, bot_token=DEFAULT_TOKEN, telegram_api_url=server.base_url)
        bot = make_bot(settings)
        try:
            ana = server.person(1001, "Ana")
            keyboard = InlineKeyboardMarkup(
                inline_keyboard=[[InlineKeyboardButton(text="Sí", callback_data="y")]]
            )
            await bot.send_message(1001, "<b>Hola</b> 👋", reply_markup=keyboard, disable_notification=False)
            assert (
                server.stats["body application/json"] == 1 and server.stats["body multipart/form-data"] == 0
            )
            assert server.calls("sendMessage")[-1]["parse_mode"] == "HTML" and ana.last.text == "Hola 👋"
            assert ana.last.button_texts == ["Sí"]
            document = BufferedInputFile(b"a,b\n1,2\n", filename="datos.csv")
            await bot.send_document(1001, document, caption="Datos")
            assert (
                server.stats["body multipart/form-data"] == 1 and server.stats["body application/json"] == 1
            )
            assert server.calls("sendDocument")[-1]["document"] == b"a,b\n1,2\n"
            assert (ana.last.file_name, ana.last.text) == ("datos.csv", "Datos")
        finally:
            await bot.session.close()
