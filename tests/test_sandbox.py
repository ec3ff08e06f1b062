"""`participa sandbox`: the real bot against the fake Telegram server, chatted with through text streams."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.config import Settings
from bot.fakeapi.people import Alert, SeenMessage
from bot.sandbox import ChatEvent, TerminalChat, UpdateTracker, render_text, run_sandbox

PIPED_INPUT = "/start\n:salir\n"


@pytest.fixture(scope="module")
def command(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    """`participa sandbox` run as a person would, with stdin piped and no BOT_TOKEN.

    Started once, early (the in-process test asks for it too) so that its start-up, mostly importing
    aiogram, overlaps the other tests; test_command_with_piped_stdin checks what it did.
    """
    workdir = tmp_path_factory.mktemp("command")
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "DATABASE_URL", "TELEGRAM_API_URL")}
    env |= {"TMPDIR": str(workdir), "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"}
    process = subprocess.Popen(
        [sys.executable, "-c", "from bot.cli import main; main(['sandbox'])"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=workdir,
    )
    assert process.stdin is not None
    process.stdin.write(PIPED_INPUT)
    process.stdin.flush()
    yield process, workdir
    if process.poll() is None:
        process.kill()
        process.communicate()


class Screen(io.StringIO):
    """What the sandbox prints (not a TTY: no colours)."""

    def __init__(self) -> None:
        super().__init__()
        self.mark = 0

    def since_mark(self) -> str:
        return self.getvalue()[self.mark :]

    async def wait_for(self, text: str, timeout: float = 10.0) -> str:
        """Wait until `text` appears after the mark; return the output after the mark."""
        deadline = asyncio.get_running_loop().time() + timeout
        while text not in self.since_mark():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(
                    f"{text!r} not shown; output since the last line typed:\n{self.since_mark()}"
                )
            await asyncio.sleep(0.02)
        return self.since_mark()


def in_use(workdirs: Path) -> bool:
    return bool(list(workdirs.glob("participa-sandbox-*/sandbox.db")))


async def person_typing(screen: Screen, workdirs: Path) -> AsyncIterator[str]:
    """Ana's lines; each one after the bot has answered the previous one."""

    def typed(line: str) -> str:
        screen.mark = len(screen.getvalue())
        return line + "\n"

    yield typed("/start")
    shown = await screen.wait_for("Runa Simi")
    assert "[1] Español" in shown
    assert in_use(workdirs), "the throwaway database is in use"

    yield typed("1")  # Español
    shown = await screen.wait_for("¿Aceptas?")
    assert "Ley N° 29733" in shown
    assert "[1] ✅ Acepto" in shown and "[2] No acepto" in shown

    yield typed("7")  # no such button: a local note, nothing sent
    shown = await screen.wait_for("no hay botón 7")
    assert "── Participa" not in shown

    yield typed("1")  # ✅ Acepto
    shown = await screen.wait_for("¿Cuál es tu nombre completo?")
    assert "(editado · edited)" in shown  # the buttons of the notice were taken away

    yield typed("Ana Quispe")
    shown = await screen.wait_for("¿En qué región vives o trabajas?")
    assert "[1] La Libertad" in shown

    yield typed(":ayuda")
    await screen.wait_for(":contacto")

    yield typed(":salir")


async def test_chat_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: tuple[subprocess.Popen[str], Path]
) -> None:
    workdirs = tmp_path / "tmp"
    workdirs.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(workdirs))
    # What the environment says is ignored: the sandbox uses its own server, token and database.
    not_this_db = tmp_path / "not-this.db"
    settings = Settings(_env_file=None, bot_token=None, database_url=f"sqlite+aiosqlite:///{not_this_db}")
    screen = Screen()

    code = await asyncio.wait_for(
        run_sandbox(settings, stdin=person_typing(screen, workdirs), stdout=screen), timeout=30
    )

    output = screen.getvalue()
    assert code == 0, output
    assert output.startswith("Participa · sandbox")
    assert "Ana › Ana Quispe" in output
    assert "Bye!" in output
    assert list(workdirs.iterdir()) == [], "the temporary database and folder are deleted"
    assert not not_this_db.exists()


def test_render_text_entities() -> None:
    text = "🔒 Tus datos y un enlace"
    entities = [
        {"type": "bold", "offset": 0, "length": 12},  # UTF-16: the emoji counts 2
        {"type": "text_link", "offset": 18, "length": 6, "url": "https://example.org"},
    ]
    assert render_text(text, entities, color=False) == "🔒 Tus datos y un enlace <https://example.org>"
    assert render_text(text, entities, color=True).startswith("\033[1m🔒 Tus datos\033[22m y")


def test_command_with_piped_stdin(command: tuple[subprocess.Popen[str], Path]) -> None:
    process, workdir = command
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert "Soy Participa" in stdout and "[1] Español" in stdout, stdout
    assert stdout.index("Ana › /start") < stdout.index("Soy Participa") < stdout.index("Ana › :salir")
    assert "Traceback" not in stderr, stderr
    assert not list(workdir.glob("participa-sandbox-*")), "the temporary database is deleted"


async def test_display_and_numbering(tmp_path: Path) -> None:
    """Documents, venues, alerts, URL buttons and the reply keyboard, without a bot."""
    server = SimpleNamespace(bot_first_name="Participa", stats={"updates": 0})
    person = SimpleNamespace(reply_keyboard=None)
    screen = io.StringIO()
    chat = TerminalChat(server, person, UpdateTracker(), screen, tmp_path / "files")

    document = SeenMessage(5, 1001, "document", text="Tus datos", file_name="misdatos.json", file_bytes=b"{}")
    chat.show(ChatEvent("message", document, None))
    venue = {"title": "Auditorio", "address": "Av. Unión 200, Arequipa"}
    location = {"latitude": -16.3927, "longitude": -71.5375}
    chat.show(ChatEvent("message", SeenMessage(6, 1001, "venue", venue=venue, location=location), None))
    chat.show(ChatEvent("message", SeenMessage(7, 1001, "photo", file_bytes=b"jpeg"), None))
    rows = [
        [{"text": "Sí", "callback_data": "y"}, {"text": "No", "callback_data": "n"}],
        [{"text": "Web", "url": "https://x.pe"}],
    ]
    chat.show(ChatEvent("message", SeenMessage(8, 1001, "text", text="¿Vienes?", buttons=rows), None))
    shown = screen.getvalue()
    assert "[documento: misdatos.json, 2 bytes] → " in shown
    assert (tmp_path / "files" / "5-misdatos.json").read_bytes() == b"{}"
    assert (
        "📍 Auditorio\n   Av. Unión 200, Arequipa\n   https://www.openstreetmap.org/?mlat=-16.3927&mlon=-71.5375"
        in shown
    )
    assert "[foto]" in shown
    assert "[1] Sí   [2] No\n  [3] Web ↗ https://x.pe" in shown

    await chat.press(3)  # a URL button: shown, nothing sent
    assert "enlace · link: https://x.pe" in screen.getvalue()
    await chat.press(4)
    assert "no hay botón 4" in screen.getvalue()

    keyboard = [[{"text": "📱 Compartir", "request_contact": True}], [{"text": "Omitir"}]]
    person.reply_keyboard = keyboard
    chat.show(
        ChatEvent("message", SeenMessage(9, 1001, "text", text="¿Tu número?", keyboard=keyboard), keyboard)
    )
    chat.show(ChatEvent("alert", Alert("Ese botón ya no está vigente.", True), keyboard))
    shown = screen.getvalue()
    # The keyboard came after the message with buttons: it is numbered from 1.
    assert "[1] 📱 Compartir (comparte tu teléfono · shares your phone)\n  [2] Omitir" in shown
    assert "(aviso) Ese botón ya no está vigente." in shown
    edited = SeenMessage(8, 1001, "text", text="¿Vienes?", edits=1)
    chat.show(ChatEvent("edit", edited, keyboard))
    assert "(botones quitados · buttons removed)" in screen.getvalue()
