"""Export a dataset to a file, or the anonymised open-data release as one ZIP.

The rows come as chunks from an async source (storage.exports.stream_view on the dataset's view);
they are written as they come.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import zipfile
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

from bot.reports.dictionary import DATASETS, FILTER_COLUMNS, Dataset
from bot.reports.writers import CsvWriter, Writer, normaliser

Chunks = AsyncIterator[tuple[list[str], list[tuple[Any, ...]]]]
Progress = Callable[[int], None]

# The datasets of the open-data release, in the order of the ZIP.
OPEN_DATASETS = (
    "feedback",
    "proposals",
    "contributions",
    "registrations",
    "participants",
    "workshops",
    "organisations",
)


class ExportError(Exception):
    """A request that cannot be exported (unknown dataset, a filter the dataset has no column for)."""


@dataclass(frozen=True, slots=True)
class Filters:
    regions: tuple[str, ...] = ()  # several: an organiser's regions
    theme: str | None = None
    consultation: str | None = None
    since: datetime | None = None
    include_hidden: bool = False

    def describe(self) -> dict[str, Any]:
        return {
            key: value
            for key, value in (
                ("regions", list(self.regions)),
                ("theme", self.theme),
                ("consultation", self.consultation),
                ("since", self.since.isoformat() if self.since else None),
                ("include_hidden", self.include_hidden or None),
            )
            if value
        }


@dataclass(slots=True)
class ExportResult:
    rows: int = 0
    files: list[str] = field(default_factory=list)


def dataset(name: str) -> Dataset:
    try:
        return DATASETS[name]
    except KeyError:
        raise ExportError(f"unknown dataset {name!r}; expected one of {', '.join(DATASETS)}") from None


def conditions(data: Dataset, filters: Filters, public: bool = False) -> list[tuple[str, str, Any]]:
    """The view conditions for these filters; a filter the dataset cannot apply is an error."""
    found: list[tuple[str, str, Any]] = []
    if filters.regions:
        if "region" not in data.filters:
            raise ExportError(f"{data.name} cannot be filtered by region")
        found.append((FILTER_COLUMNS["region"], "in", list(filters.regions)))
    for key in ("theme", "consultation"):
        value = getattr(filters, key)
        if value:
            if key not in data.filters:
                raise ExportError(f"{data.name} cannot be filtered by {key}")
            found.append((FILTER_COLUMNS[key], "=", value))
    if filters.since:
        found.append((data.since, ">=", filters.since))
    if data.has_hidden and (public or not filters.include_hidden):
        found.append(("oculto", "=", 0))
    return found


async def write_rows(
    chunks: Chunks,
    writer: Writer,
    expected: Sequence[str] | None = None,
    progress: Progress | None = None,
    prepared: bool = False,
) -> int:
    """Write the chunks; prepared: each row is one finished CSV line made by the database (times
    formatted, formulas neutralised: storage.exports.ViewQuery(spreadsheet=True))."""
    count, normalise, started = 0, None, False
    if prepared and isinstance(writer, CsvWriter):
        writer.prepared = True
    async for columns, rows in chunks:
        if not started:
            if expected is not None and list(columns) != list(expected):
                raise ExportError(f"the view's columns changed: {columns} != {list(expected)}")
            writer.header(columns)
            times = any(c.endswith("_utc") for c in columns)
            normalise = normaliser(columns) if times and not prepared else None
            started = True
        writer.rows(map(normalise, rows) if normalise else rows)
        count += len(rows)
        if progress and rows:
            progress(len(rows))
    writer.close()
    return count


# -- open data ------------------------------------------------------------------------------------
def pseudonym(secret: str, person_id: int) -> str:
    """A stable pseudonym: HMAC-SHA256 of the person's id keyed with OPEN_DATA_SECRET, 16 hex digits.
    The same person has the same pseudonym in every file and every release made with that secret;
    without the secret it cannot be traced back to the id."""
    digest = hmac.new(secret.encode(), str(person_id).encode(), hashlib.sha256).hexdigest()
    return digest[:16]


def open_columns(data: Dataset) -> list[tuple[str, str, str]]:
    """(column, kind, description) of the dataset's open-data file."""
    found = []
    for column in data.columns:
        if column.personal or column.name in ("oculto", "id_externo"):
            continue
        if column.person:
            found.append(("persona", "texto", "Seudónimo estable de la persona (HMAC-SHA256, 16 hex)"))
        else:
            found.append((column.name, column.kind, column.description))
    return found


def _anonymiser(data: Dataset, columns: Sequence[str], secret: str) -> Callable[[Sequence[Any]], list[Any]]:
    public = {c.name for c in data.columns if not c.personal and c.name not in ("oculto", "id_externo")}
    keep = [i for i, name in enumerate(columns) if name in public]
    person = columns.index("persona_id") if "persona_id" in columns else None
    org_type = columns.index("tipo_organizacion_codigo") if "tipo_organizacion_codigo" in columns else None
    org = (
        columns.index("organizacion") if "organizacion" in columns and data.name != "organisations" else None
    )
    normalise = normaliser(columns)
    cache: dict[int, str] = {}

    def anonymise(row: Sequence[Any]) -> list[Any]:
        values = normalise(row)
        if person is not None and values[person] is not None:
            pid = values[person]
            values[person] = cache.get(pid) or cache.setdefault(pid, pseudonym(secret, pid))
        if org is not None and (org_type is None or values[org_type] in (None, "personal")):
            values[org] = None  # a person in a personal capacity names no organisation
        return [values[i] for i in keep]

    return anonymise


README = """# Datos abiertos de la co-creación del Plan de Acción de Gobierno Abierto

Fuente: Secretaría de Gestión Pública (SGP, PCM), bot Participa.
Fecha de generación: {generated} (UTC).
Licencia sugerida: Creative Commons Atribución 4.0 Internacional (CC BY 4.0).

## Archivos
{files}
- `diccionario.csv`: cada columna de cada archivo (archivo, columna, descripción, tipo).

Todos los archivos son CSV en UTF-8 con marca de orden de bytes (BOM), separados por comas, con una
fila de encabezado. Las fechas y horas están en UTC (AAAA-MM-DD HH:MM:SS). Los nombres en español van
junto a sus códigos (por ejemplo `region_codigo` y `region`).

## Anonimización
- No contiene nombres, teléfonos, identificadores de Telegram ni nombres de usuario de ninguna persona.
- Cada persona aparece con un seudónimo estable (`persona`): los primeros 16 dígitos hexadecimales de
  HMAC-SHA256 de su número interno, con una clave secreta que guarda la SGP. El mismo seudónimo une las
  filas de una misma persona en todos los archivos, pero no permite saber quién es.
- Las personas que participan a título personal no tienen organización: no se publica ninguna.
- Los comentarios ocultados por moderación no se incluyen.
"""


async def write_open_data(
    target: Any,
    sources: Callable[[Dataset], Chunks],
    secret: str,
    generated: datetime | None = None,
    progress: Progress | None = None,
) -> ExportResult:
    """The open-data ZIP: one CSV per dataset, diccionario.csv and README.md. `sources(dataset)` gives
    the chunks of the dataset's view with hidden rows already left out."""
    if not secret:
        raise ExportError("OPEN_DATA_SECRET is not set: it keys the pseudonyms of the open-data release")
    result = ExportResult()
    generated = generated or datetime.now(UTC)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in OPEN_DATASETS:
            data = DATASETS[name]
            file = f"{data.file}.csv"
            with archive.open(file, "w", force_zip64=True) as raw:
                out = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                writer = CsvWriter(out)
                started, anonymise = False, None
                async for columns, rows in sources(data):
                    if not started:
                        anonymise = _anonymiser(data, columns, secret)
                        writer.header([c for c, _k, _d in open_columns(data)])
                        started = True
                    writer.rows(map(anonymise, rows))
                    result.rows += len(rows)
                    if progress and rows:
                        progress(len(rows))
                writer.close()
                out.detach()
            result.files.append(file)
        dictionary = io.StringIO()
        dictionary.write("\ufeff")
        table = csv.writer(dictionary, lineterminator="\r\n")
        table.writerow(["archivo", "columna", "descripcion", "tipo"])
        for name in OPEN_DATASETS:
            data = DATASETS[name]
            for column, kind, description in open_columns(data):
                table.writerow([f"{data.file}.csv", column, description, kind])
        archive.writestr("diccionario.csv", dictionary.getvalue().encode("utf-8"))
        files = "\n".join(f"- `{DATASETS[n].file}.csv`: {DATASETS[n].description}." for n in OPEN_DATASETS)
        text = README.format(generated=generated.strftime("%Y-%m-%d %H:%M"), files=files)
        archive.writestr("README.md", text.encode("utf-8"))
    result.files += ["diccionario.csv", "README.md"]
    return result


def text_output(stream: IO[bytes]) -> IO[str]:
    return io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=False)
