"""`participa sandbox`: chat with the real bot in this terminal, with no Telegram token and no network.

One process, one asyncio loop: the fake Telegram Bot API server (bot.fakeapi), the real bot polling it
over HTTP, a throwaway SQLite database with the demo workshops, and a terminal chat in which you are
"Ana". The bot's messages are printed as they arrive, their buttons numbered; typing a number presses
that button.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import dataclasses
import logging
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from pydantic import SecretStr

from bot.config import Settings

log = logging.getLogger("participa.sandbox")

TOKEN = "7000000001:SANDBOX-participa-not-a-real-token"
BOT_ID = 7000000001
BOT_USERNAME = "participa_sandbox_bot"
PERSON_ID = 1001
PERSON_NAME = "Ana"
PERSON_PHONE = "+51 987 654 321"

#: After an action: how long the bot may take to handle it before the chat goes on without waiting,
#: and how long it must then stay quiet (a message sent after its handler returned).
HANDLING_TIMEOUT = 30.0
QUIET_PERIOD = 0.2

QUIT = frozenset({":salir", ":quit", ":exit", ":q"})
HELP = frozenset({":ayuda", ":help", ":h", ":?"})
CONTACT = frozenset({":contacto", ":contact"})

INTRO = """\
Participa · sandbox
  Prueba el bot aquí, sin Telegram: un servidor de Telegram simulado y el bot real, con talleres de
  demostración. Eres «Ana» (usuaria 1001).
  Try the bot here, without Telegram: a simulated Telegram server and the real bot, with demo workshops.
  You are "Ana" (user 1001).

  Escribe un mensaje y pulsa Enter · Type a message and press Enter.
  Botones: escribe su número (p. ej. 1) · Buttons: type their number (e.g. 1).
  :contacto  compartir tu teléfono · share your phone ({phone})
  :ayuda     esta ayuda · this help
  :salir     salir (o Ctrl-D) · quit (or Ctrl-D)
  Datos · data: {database}

Para empezar escribe /start · To begin, type /start"""

HELP_TEXT = """\
Comandos del sandbox · sandbox commands:
  N          pulsar el botón N · press button N
  :contacto  compartir tu teléfono · share your phone ({phone})
  :ayuda     esta ayuda · this help
  :salir     salir (o Ctrl-D) · quit (or Ctrl-D)
  \\TEXTO     enviar TEXTO tal cual (p. ej. \\1) · send TEXT as is (e.g. \\1)
Todo lo demás se envía al bot · anything else is sent to the bot."""

_SPECIAL_RE = re.compile(r"^:[^\W\d_]+$")

_ANSI = {
    "bold": ("\033[1m", "\033[22m"),
    "italic": ("\033[3m", "\033[23m"),
    "underline": ("\033[4m", "\033[24m"),
    "strikethrough": ("\033[9m", "\033[29m"),
    "code": ("\033[36m", "\033[39m"),
    "pre": ("\033[36m", "\033[39m"),
}
_DIM = ("\033[2m", "\033[22m")


# --------------------------------------------------------------------------- input


async def _thread_lines(read: Callable[[], str | bytes | None], encoding: str) -> AsyncIterator[str]:
    """Lines from a blocking `read` run in a daemon thread (never blocks the loop nor the exit)."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")

    def put(item: str | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is already closed: nobody is listening
            loop.call_soon_threadsafe(queue.put_nowait, item)

    def worker() -> None:
        pending = ""
        try:
            while True:
                chunk = read()
                if not chunk:
                    break
                pending += decoder.decode(chunk) if isinstance(chunk, bytes) else chunk
                while "\n" in pending:
                    line, pending = pending.split("\n", 1)
                    put(line.rstrip("\r"))
            pending += decoder.decode(b"", final=True)
            if pending:
                put(pending.rstrip("\r"))
        except (OSError, ValueError):
            pass
        put(None)

    threading.Thread(target=worker, name="participa-sandbox-stdin", daemon=True).start()
    while (line := await queue.get()) is not None:
        yield line


def _input_lines(stdin: Any) -> AsyncIterator[str]:
    """Lines typed by the person, from an async iterable of lines, a file object or sys.stdin."""
    if stdin is None:
        stdin = sys.stdin
    if stdin is None:  # no stdin at all (pythonw, closed): nothing will be typed
        return _strip_newlines(_no_lines())
    if isinstance(stdin, AsyncIterable):
        return _strip_newlines(stdin)
    encoding = getattr(stdin, "encoding", None) or "utf-8"
    try:
        fd = stdin.fileno()
    except (AttributeError, OSError, ValueError):
        fd = None
    if fd is not None:
        # The raw descriptor, not the buffered reader: a daemon thread blocked in os.read holds no lock
        # that the interpreter would need at exit.
        return _thread_lines(lambda: os.read(fd, 65536), encoding)
    return _thread_lines(stdin.readline, encoding)


async def _no_lines() -> AsyncIterator[str]:
    return
    yield


async def _strip_newlines(lines: AsyncIterable[str]) -> AsyncIterator[str]:
    async for line in lines:
        for part in str(line).splitlines() or [""]:
            yield part


# --------------------------------------------------------------------------- output


def _utf16_index(text: str) -> dict[int, int]:
    """UTF-16 offset (Telegram's unit for entities) -> index in the Python string."""
    index, offset = {}, 0
    for position, char in enumerate(text):
        index[offset] = position
        offset += 2 if ord(char) > 0xFFFF else 1
    index[offset] = len(text)
    return index


def render_text(text: str, entities: list[dict[str, Any]] | None, color: bool) -> str:
    """The plain text with its entities: ANSI styles on a terminal, link targets always shown."""
    if not entities:
        return text
    index = _utf16_index(text)
    inserts: list[tuple[int, int, str]] = []  # (position, order, string); closings before openings
    for entity in entities:
        start = index.get(entity.get("offset", 0))
        end = index.get(entity.get("offset", 0) + entity.get("length", 0))
        if start is None or end is None:
            continue
        kind = entity.get("type")
        if color and kind in _ANSI:
            opening, closing = _ANSI[kind]
            inserts.append((start, 1, opening))
            inserts.append((end, 0, closing))
        if kind == "text_link" and entity.get("url") and entity["url"] != text[start:end]:
            inserts.append((end, 0, f" <{entity['url']}>"))
    out, last = [], 0
    for position, _order, string in sorted(inserts, key=lambda item: (item[0], item[1])):
        out.append(text[last:position])
        out.append(string)
        last = position
    out.append(text[last:])
    return "".join(out)


def _button_label(button: dict[str, Any]) -> str:
    label = str(button.get("text", ""))
    if button.get("url"):
        label += f" ↗ {button['url']}"
    elif button.get("request_contact"):
        label += " (comparte tu teléfono · shares your phone)"
    elif button.get("request_location"):
        label += " (comparte tu ubicación · shares your location)"
    return label


def _osm(location: dict[str, Any]) -> str:
    lat, lon = location.get("latitude"), location.get("longitude")
    return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"


_KIND_LABELS = {
    "photo": "foto",
    "video": "video",
    "audio": "audio",
    "voice": "nota de voz",
    "animation": "animación",
    "document": "documento",
}


# --------------------------------------------------------------------------- the chat


class UpdateTracker:
    """An outer middleware on the bot's updates: how many it has finished handling."""

    def __init__(self) -> None:
        self.running = 0
        self.finished = 0
        self._changed = asyncio.Event()

    async def __call__(
        self, handler: Callable[[Any, dict[str, Any]], Awaitable[Any]], event: Any, data: dict[str, Any]
    ) -> Any:
        self.running += 1
        try:
            return await handler(event, data)
        finally:
            self.running -= 1
            self.finished += 1
            self._changed.set()

    async def wait_handled(self, count: int, timeout: float) -> bool:  # noqa: ASYNC109
        """Wait until `count` updates were handled and none is running; False on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.finished < count or self.running:
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), deadline - loop.time())
            except TimeoutError:
                return False
        return True


@dataclasses.dataclass
class ChatEvent:
    kind: str  # "message" | "edit" | "delete" | "alert"
    item: Any
    keyboard: list[list[dict[str, Any]]] | None


class TerminalChat:
    """Prints what the bot does in the person's chat, and turns typed lines into the person's actions."""

    def __init__(
        self, server: Any, person: Any, tracker: UpdateTracker, out: TextIO, files_dir: Path
    ) -> None:
        self.server = server
        self.tracker = tracker
        self.person = person
        self.out = out
        self.files_dir = files_dir
        self.color = _isatty(out) and not os.environ.get("NO_COLOR")
        self.events: asyncio.Queue[ChatEvent] = asyncio.Queue()
        self.changed = asyncio.Event()
        self.printed: dict[int, tuple[str, list[list[dict[str, Any]]]]] = {}
        self.keyboard: list[list[dict[str, Any]]] | None = None  # the reply keyboard, as printed
        self.keyboard_message_id = 0  # the message that brought it
        self.shown_keyboard: tuple[int, int] | None = None

    # ------------------------------------------------------------- server events
    def listener(self, event: str, chat: Any, item: Any) -> None:
        if chat is not self.person:
            return
        if event in ("message", "edit", "delete"):
            item = dataclasses.replace(item)  # a snapshot: later edits change the live object
        self.events.put_nowait(ChatEvent(event, item, chat.reply_keyboard))
        self.changed.set()

    async def print_events(self) -> None:
        while True:
            event = await self.events.get()
            try:
                self.show(event)
            except Exception:  # a display problem must never end the chat
                log.exception("sandbox: could not show %s", event.kind)
            finally:
                self.events.task_done()

    # ------------------------------------------------------------- printing
    def write(self, text: str = "") -> None:
        try:
            self.out.write(text + "\n")
            self.out.flush()
        except (OSError, ValueError):  # a closed pipe: nothing to show anything on
            pass

    def dim(self, text: str) -> str:
        return f"{_DIM[0]}{text}{_DIM[1]}" if self.color else text

    def note(self, text: str) -> None:
        self.write(self.dim(f"· {text}"))

    def header(self, mark: str = "") -> None:
        title = f"── {self.server.bot_first_name}{mark} "
        self.write("")
        self.write(self.dim(title + "─" * max(3, 48 - len(title))))

    def show(self, event: ChatEvent) -> None:
        if event.kind == "alert":
            self.write(f"(aviso) {event.item.text}")
        elif event.kind == "delete":
            first_line = (event.item.text or f"[{event.item.kind}]").splitlines()[0][:60]
            self.write(self.dim(f"(mensaje borrado · message deleted: «{first_line}»)"))
            self.printed.pop(event.item.message_id, None)
        else:
            self.show_message(event.item, edited=event.kind == "edit")
            if event.kind == "message" and event.item.keyboard is not None:
                self.keyboard_message_id = event.item.message_id
        self.keyboard = event.keyboard
        self.show_keyboard()

    def show_message(self, message: Any, edited: bool) -> None:
        body = self.body(message)
        buttons = message.buttons or []
        previous = self.printed.get(message.message_id)
        self.printed[message.message_id] = (body, buttons)
        if edited and previous is not None and previous[0] == body:
            self.header(" (editado · edited)")
            if not buttons:
                self.write(self.dim("(botones quitados · buttons removed)"))
        else:
            self.header(" (editado · edited)" if edited else "")
            if body:
                self.write(body)
        self.show_buttons(buttons)

    def body(self, message: Any) -> str:
        text = render_text(message.text or "", message.entities, self.color)
        kind = message.kind
        if kind == "text":
            return text
        if kind == "venue":
            venue = message.venue or {}
            lines = [f"📍 {venue.get('title', '')}"]
            if venue.get("address"):
                lines.append(f"   {venue['address']}")
            lines.append(f"   {_osm(message.location or venue.get('location') or {})}")
            return "\n".join(lines)
        if kind == "location":
            return f"[ubicación · location] {_osm(message.location or {})}"
        label = _KIND_LABELS.get(kind, kind)
        if kind == "document":
            size = len(message.file_bytes) if message.file_bytes is not None else 0
            line = f"[{label}: {message.file_name or 'archivo'}, {size} bytes]"
        else:
            line = f"[{label}]"
        saved = self.save_file(message)
        if saved is not None:
            line += f" → {saved}"
        return f"{line}\n{text}" if text else line

    def save_file(self, message: Any) -> Path | None:
        if not message.file_bytes:
            return None
        name = Path(message.file_name or f"{message.kind}-{message.message_id}").name
        path = self.files_dir / f"{message.message_id}-{name}"
        try:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            path.write_bytes(message.file_bytes)
        except OSError:
            return None
        return path

    def show_buttons(self, rows: list[list[dict[str, Any]]]) -> None:
        number = 0
        for row in rows:
            labels = []
            for button in row:
                number += 1
                labels.append(f"[{number}] {_button_label(button)}")
            self.write("  " + "   ".join(labels))

    def show_keyboard(self) -> None:
        """The reply keyboard, when it appears or its numbers change."""
        offset = len(self.inline_buttons()[1])
        state = (self.keyboard_message_id, offset) if self.keyboard else None
        if state == self.shown_keyboard:
            return
        self.shown_keyboard = state
        if not self.keyboard:
            return
        self.write(self.dim("  teclado · keyboard:"))
        number = offset
        for row in self.keyboard:
            labels = []
            for button in row:
                number += 1
                labels.append(f"[{number}] {_button_label(button)}")
            self.write("  " + "   ".join(labels))

    # ------------------------------------------------------------- buttons
    def inline_buttons(self) -> tuple[int | None, list[dict[str, Any]]]:
        """The newest message (as printed) with inline buttons, and its buttons in order.

        With a reply keyboard up, only messages newer than the keyboard count: the keyboard is then
        numbered after them, or from 1 when there are none.
        """
        floor = self.keyboard_message_id if self.keyboard else 0
        for message_id in sorted(self.printed, reverse=True):
            if message_id <= floor:
                break
            _body, rows = self.printed[message_id]
            if rows:
                return message_id, [button for row in rows for button in row]
        return None, []

    def keyboard_buttons(self) -> list[dict[str, Any]]:
        return [button for row in self.keyboard or [] for button in row]

    # ------------------------------------------------------------- acting
    async def settle(self) -> None:
        """Wait until the bot has handled every update so far and then stays quiet a moment."""
        if not await self.tracker.wait_handled(self.server.stats["updates"], HANDLING_TIMEOUT):
            self.note("el bot tarda en responder · the bot is taking long to answer")
        while True:
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), QUIET_PERIOD)
            except TimeoutError:
                break
        await self.events.join()

    async def act(self, action: Callable[[], Awaitable[Any]]) -> None:
        try:
            await action()
        except Exception as exc:  # e.g. the fake server refuses an impossible action
            self.note(f"no se pudo · could not: {exc}")
            return
        await self.settle()

    async def press(self, number: int) -> None:
        if self.person.reply_keyboard is None:  # a one-time keyboard closes once tapped
            self.keyboard = None
        message_id, inline = self.inline_buttons()
        keyboard = self.keyboard_buttons()
        if not 1 <= number <= len(inline) + len(keyboard):
            total = len(inline) + len(keyboard)
            if total:
                self.note(
                    f"no hay botón {number}; los botones van de 1 a {total} · no button {number} (1-{total})"
                )
            else:
                self.note(f"no hay botones · there are no buttons (envía \\{number} para mandar el número)")
            return
        if number <= len(inline):
            button = inline[number - 1]
            if "callback_data" in button:
                data = button["callback_data"]
                await self.act(lambda: self.person.press_callback(data, message_id=message_id))
            elif button.get("url"):
                self.note(f"enlace · link: {button['url']}")
            else:
                self.note(
                    "este tipo de botón no se puede probar aquí · this kind of button can't be tried here"
                )
            return
        button = keyboard[number - len(inline) - 1]
        await self.act(lambda: self.person.tap(button.get("text", "")))

    async def handle(self, line: str) -> bool:
        """Do what a typed line says; False when the person wants to leave."""
        text = line.strip()
        if not text:
            return True
        command = text.casefold()
        if command in QUIT:
            return False
        if command in HELP:
            self.write(HELP_TEXT.format(phone=PERSON_PHONE))
            return True
        if command in CONTACT:
            await self.act(lambda: self.person.share_contact(phone=PERSON_PHONE))
            return True
        if text.isdigit() and text.isascii():
            await self.press(int(text))
            return True
        if _SPECIAL_RE.match(text):
            self.note(f"comando desconocido · unknown command {text}; escribe :ayuda · type :help")
            return True
        if text.startswith("\\") and len(text) > 1:
            text = text[1:]
        await self.act(lambda: self.person.send(text))
        return True


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, OSError, ValueError):
        return False


# --------------------------------------------------------------------------- the bot


async def _stop_polling(app: Any, task: asyncio.Task[None]) -> None:
    if not task.done():
        try:
            await asyncio.wait_for(app.dispatcher.stop_polling(), 5)
        except (RuntimeError, TimeoutError):  # not started yet, or stuck: cancel it
            task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
    if task.done() and not task.cancelled() and task.exception() is not None:
        log.error("sandbox: the bot stopped with an error", exc_info=task.exception())


@contextlib.contextmanager
def _quiet_logs() -> Iterator[None]:
    """Library chatter (polling started, migrations) would drown the chat; keep it unless -v."""
    # aiogram.dispatcher only reports polling (started, stopped, "Received SIGINT signal"); a handler's
    # exception is logged by aiogram.event, which stays as it is.
    levels = {
        "aiogram": logging.WARNING,
        "aiogram.dispatcher": logging.ERROR,
        "alembic": logging.WARNING,
        "bot.fakeapi": logging.WARNING,
        "participa": logging.WARNING,
    }
    if logging.getLogger().getEffectiveLevel() <= logging.DEBUG:
        yield
        return
    saved = {name: logging.getLogger(name).level for name in levels}
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    try:
        yield
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def _paths(database: str | None) -> tuple[Path, Path]:
    """A fresh working folder (downloaded files, the throwaway database) and the database file."""
    workdir = Path(tempfile.mkdtemp(prefix="participa-sandbox-"))
    if not database:
        return workdir, workdir / "sandbox.db"
    path = Path(database).expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return workdir, path


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{path}{suffix}").unlink()


async def run_sandbox(
    settings: Settings,
    database: str | None = None,
    user_language: str = "es",
    *,
    stdin: Any = None,
    stdout: TextIO | None = None,
) -> int:
    """Run the sandbox until EOF, `:salir` or Ctrl-C; returns the exit code (0).

    `stdin`: None (sys.stdin), a file object, or an async iterable of lines; `stdout`: a text stream.
    """
    out = stdout if stdout is not None else sys.stdout
    if stdout is None:
        with contextlib.suppress(AttributeError, ValueError):
            sys.stdout.reconfigure(errors="replace")  # type: ignore[union-attr]
    interactive = stdin is None and _isatty(sys.stdin)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    handled_signals = _install_signal_handlers(loop, stop)
    workdir, db_path = _paths(database)
    try:
        with _quiet_logs():
            return await _run(
                settings, db_path, bool(database), workdir, user_language, stdin, out, stop, interactive
            )
    finally:
        _remove_signal_handlers(loop, handled_signals)
        if not database:
            _remove_database(db_path)
        shutil.rmtree(workdir, ignore_errors=True)


async def _run(
    settings: Settings,
    db_path: Path,
    kept: bool,
    workdir: Path,
    user_language: str,
    stdin: Any,
    out: TextIO,
    stop: asyncio.Event,
    interactive: bool,
) -> int:
    from bot.app import create_app, run_polling
    from bot.demo import load_demo
    from bot.fakeapi.server import FakeTelegram
    from storage.db import session_factory
    from storage.uow import SqlUnitOfWork

    server = FakeTelegram(token=TOKEN, bot_id=BOT_ID, bot_username=BOT_USERNAME, rate_limits=None)
    await server.start(host="127.0.0.1", port=0)
    app = None
    polling: asyncio.Task[None] | None = None
    printer: asyncio.Task[None] | None = None
    unsubscribe: Callable[[], None] | None = None
    try:
        sandbox_settings = settings.model_copy(
            update={
                "bot_token": SecretStr(TOKEN),
                "telegram_api_url": server.base_url.rstrip("/"),
                "database_url": f"sqlite+aiosqlite:///{db_path}",
                "webhook_url": None,
                "webhook_secret": None,
                "redis_url": None,
            }
        )
        app = await create_app(sandbox_settings, once_only=False)  # its server counts from 1 each run
        async with SqlUnitOfWork(session_factory(app.engine)) as uow:
            await load_demo(uow)

        person = server.person(
            user_id=PERSON_ID, first_name=PERSON_NAME, language_code=user_language or None, phone=PERSON_PHONE
        )
        tracker = UpdateTracker()
        app.dispatcher.update.outer_middleware(tracker)
        chat = TerminalChat(server, person, tracker, out, workdir / "files")
        unsubscribe = server.subscribe(chat.listener)
        printer = asyncio.create_task(chat.print_events(), name="sandbox-printer")
        # The bot's own polling, exactly as `participa run` does it. It takes over Ctrl-C and SIGTERM
        # (aiogram's handle_signals): they stop the polling, which ends the chat below.
        polling = asyncio.create_task(run_polling(app), name="sandbox-polling")

        where = f"{db_path} (se conserva · kept)" if kept else "temporales, se borran al salir · throwaway"
        chat.write(INTRO.format(phone=PERSON_PHONE, database=where))

        lines = _input_lines(stdin)
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while True:
                reading = asyncio.ensure_future(anext(lines, None))
                done, _pending = await asyncio.wait(
                    {reading, stopping, polling}, return_when="FIRST_COMPLETED"
                )
                if reading not in done:
                    reading.cancel()
                    with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                        await reading
                    break
                line = reading.result()
                if line is None:  # EOF
                    break
                if not interactive:
                    chat.write(chat.dim(f"{PERSON_NAME} › {line}"))
                if not await _until_stopped(chat.handle(line), {stopping, polling}):
                    break
        finally:
            stopping.cancel()
            with contextlib.suppress(Exception):
                await lines.aclose()  # type: ignore[attr-defined]
        if polling.done() and not polling.cancelled() and polling.exception() is not None:
            chat.note("el bot se detuvo por un error · the bot stopped on an error")
        else:
            await tracker.wait_handled(server.stats["updates"], 5)  # what was sent last, before closing
        chat.write("")
        chat.note("¡Hasta pronto! · Bye!")
        return 0
    except asyncio.CancelledError:  # Ctrl-C where the signal handler could not be installed
        return 0
    finally:
        if polling is not None:
            await _stop_polling(app, polling)
        if printer is not None:
            printer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await printer
        if unsubscribe is not None:
            unsubscribe()
        if app is not None:
            await app.close()
        await server.stop()


async def _until_stopped(action: Awaitable[bool], stoppers: set[asyncio.Future[Any]]) -> bool:
    """Run one action of the person; False if the chat must end meanwhile (the action is abandoned)."""
    task = asyncio.ensure_future(action)
    await asyncio.wait({task, *stoppers}, return_when="FIRST_COMPLETED")
    if not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return False
    return task.result()


def _install_signal_handlers(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> list[tuple[int, Any]]:
    """Ctrl-C (and SIGTERM) end the chat cleanly, also before polling starts; returns what to restore."""
    installed = []
    if threading.current_thread() is not threading.main_thread():
        return installed
    for signum in (signal.SIGINT, signal.SIGTERM):
        previous = signal.getsignal(signum)
        try:
            loop.add_signal_handler(signum, stop.set)
        except (NotImplementedError, RuntimeError, ValueError):  # Windows: KeyboardInterrupt path
            continue
        installed.append((signum, previous))
    return installed


def _remove_signal_handlers(loop: asyncio.AbstractEventLoop, installed: list[tuple[int, Any]]) -> None:
    for signum, previous in installed:
        with contextlib.suppress(Exception):
            loop.remove_signal_handler(signum)
            signal.signal(signum, previous)
