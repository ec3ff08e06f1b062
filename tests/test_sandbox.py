"""`participa sandbox`: the real bot against the fake Telegram server, chatted with through text streams."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.sandbox import render_text, run_sandbox


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


async def test_chat_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
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


def test_command_with_piped_stdin(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "DATABASE_URL", "TELEGRAM_API_URL")}
    env |= {"TMPDIR": str(tmp_path), "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"}
    result = subprocess.run(
        [sys.executable, "-c", "from bot.cli import main; main(['sandbox'])"],
        input="/start\n:salir\n",
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=tmp_path,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert "Soy Participa" in result.stdout and "[1] Español" in result.stdout, result.stdout
    assert "Traceback" not in result.stderr
    assert not list(tmp_path.glob("participa-sandbox-*")), "the temporary database is deleted"
