"""/exportar (SGP administrators) and /estadisticas (administrators and organisers).

/exportar: dataset buttons, then format buttons; the file is produced in the background and sent
as a document when ready (past Telegram's upload limit: its size and the command to use instead).
Every export is recorded in the audit log by bot.services.reports before it is produced.
/estadisticas [inscritos]: the Cuadros as text and the charts as photos; organisers see their regions.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import threading
from html import escape
from pathlib import Path

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, CallbackQuery, FSInputFile, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n import ngettext
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.domain.errors import InvalidInput
from bot.domain.roles import Forbidden
from bot.reports.dictionary import DATASETS
from bot.reports.stats import Table, render_png, render_text
from bot.reports.writers import FORMATS
from bot.services import reports as service
from bot.services.ports import UnitOfWork
from handlers.callbacks import ExportCb
from handlers.keyboards import InlineKeyboard
from storage.exports import export_to_file

log = logging.getLogger(__name__)
router = Router(name="reports")

DATASET_LABELS = {
    "feedback": __("Opiniones"),
    "proposals": __("Propuestas"),
    "contributions": __("Todos los aportes"),
    "registrations": __("Inscripciones"),
    "participants": __("Participantes"),
    "organisations": __("Organizaciones"),
    "workshops": __("Talleres"),
}
FORMAT_LABELS = {
    "csv": "CSV (Excel, LibreOffice)",
    "xlsx": "Excel (XLSX)",
    "json": "JSON",
    "jsonl": "JSON Lines",
}
_tasks: set[asyncio.Task[None]] = set()  # exports running in the background
_charts = threading.Lock()  # matplotlib draws one chart at a time


def datasets_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for name in DATASETS:
        builder.button(text=str(DATASET_LABELS[name]), callback_data=ExportCb(dataset=name))
    return builder.adjust(2).as_markup()


def formats_keyboard(dataset: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for fmt in FORMATS:
        builder.button(text=FORMAT_LABELS[fmt], callback_data=ExportCb(dataset=dataset, fmt=fmt))
    return builder.adjust(2).as_markup()


def _admins_only() -> str:
    return _("/exportar es solo para la administración de la SGP.")


@router.message(Command("exportar"))
async def export_command(message: Message, uow: UnitOfWork) -> None:
    roles = await service.roles_of(uow, message.from_user.id)
    if not roles.admin:
        await message.answer(_admins_only())
        return
    await message.answer(_("¿Qué datos quieres exportar?"), reply_markup=datasets_keyboard())


@router.callback_query(ExportCb.filter())
async def export_pressed(
    query: CallbackQuery,
    callback_data: ExportCb,
    uow: UnitOfWork,
    bot: Bot,
    engine: AsyncEngine,
    settings: Settings,
) -> None:
    dataset, fmt = callback_data.dataset, callback_data.fmt
    if dataset not in DATASETS or (fmt and fmt not in FORMATS):
        await query.answer(_("Ese botón ya no es válido. Escribe /exportar otra vez."), show_alert=True)
        return
    label = str(DATASET_LABELS[dataset])
    if not fmt:
        roles = await service.roles_of(uow, query.from_user.id)
        if not roles.admin:
            await query.answer(_admins_only(), show_alert=True)
            return
        await query.answer()
        await query.message.edit_text(
            _("<b>{dataset}</b>: ¿en qué formato?").format(dataset=escape(label)),
            reply_markup=formats_keyboard(dataset),
        )
        return
    try:
        await service.request_export(uow, query.from_user.id, dataset, fmt)
    except Forbidden:
        await query.answer(_admins_only(), show_alert=True)
        return
    except InvalidInput:
        await query.answer(_("Ese botón ya no es válido. Escribe /exportar otra vez."), show_alert=True)
        return
    await query.answer()
    await query.message.edit_text(
        _("Preparando el archivo de {dataset} ({format}). Te lo envío apenas esté listo.").format(
            dataset=escape(label), format=FORMAT_LABELS[fmt]
        )
    )
    task = asyncio.create_task(
        _produce_and_send(bot, engine, query.message.chat.id, dataset, fmt, settings.export_max_bytes)
    )
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


async def _produce_and_send(
    bot: Bot, engine: AsyncEngine, chat_id: int, dataset: str, fmt: str, limit: int
) -> None:
    label = str(DATASET_LABELS[dataset])
    with tempfile.TemporaryDirectory(prefix="participa-export-") as folder:
        path = Path(folder) / f"{DATASETS[dataset].file}.{fmt}"
        try:
            rows = await export_to_file(engine, dataset, fmt, path)
            size = path.stat().st_size
            if size > limit:
                command = f"participa export {dataset} --format {fmt} --output {path.name}"
                await bot.send_message(
                    chat_id,
                    _(
                        "El archivo de {dataset} pesa {size} MB: más de lo que Telegram deja enviar a un bot "
                        "({limit} MB). Genéralo en el servidor con:\n<code>{command}</code>"
                    ).format(
                        dataset=escape(label),
                        size=f"{size / 1_048_576:.1f}",
                        limit=f"{limit / 1_048_576:.0f}",
                        command=escape(command),
                    ),
                )
                return
            caption = ngettext("{dataset}: {n} fila.", "{dataset}: {n} filas.", rows).format(
                dataset=label, n=rows
            )
            await bot.send_document(chat_id, FSInputFile(path, filename=path.name), caption=escape(caption))
        except Exception:
            log.exception("export of %s as %s failed", dataset, fmt)
            await bot.send_message(
                chat_id,
                _(
                    "No pude preparar el archivo. Inténtalo de nuevo, o usa <code>participa export</code> "
                    "en el servidor."
                ),
            )


def _chart(table: Table) -> bytes:
    with _charts, tempfile.TemporaryDirectory() as folder:
        return render_png(table, Path(folder) / "chart.png").read_bytes()


@router.message(Command("estadisticas"))
async def statistics_command(message: Message, command: CommandObject, uow: UnitOfWork) -> None:
    basis = "registered" if (command.args or "").strip().lower() in ("inscritos", "inscritas") else "attended"
    try:
        tables, _regions = await service.statistics(uow, message.from_user.id, basis)
    except Forbidden:
        await message.answer(
            _("/estadisticas es para quienes organizan talleres y para la administración de la SGP.")
        )
        return
    text = "\n\n".join(f"<pre>{escape(render_text(table))}</pre>" for table in tables)
    await message.answer(text)
    for table in tables:
        png = await asyncio.to_thread(_chart, table)
        await message.answer_photo(
            BufferedInputFile(png, filename=f"{table.key}.png"), caption=escape(table.title)
        )
