"""Exports read back with csv, openpyxl and json and compared with the database's views; formula
injection, accents, sheet roll-over, filters and the anonymised open-data ZIP."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.reports import exporting
from bot.reports.dictionary import DATASETS
from bot.reports.writers import FORMATS, XlsxWriter, neutralise, writer_for
from storage.exports import ViewQuery, export_to_file, stream_view, view_columns
from tests import report_fixture as fx

# Its fixture writes known counts straight into a SQLite file (tests/report_fixture.py); the same
# views, exports and statistics are checked on PostgreSQL by tests/test_exports_pg.py.
pytestmark = pytest.mark.skipif(os.environ.get("TEST_DATABASE") == "postgres", reason="SQLite fixture")


@pytest.fixture
def db_path(database_url: str) -> Path:
    path = Path(database_url.split("///", 1)[1])
    fx.populate(path)
    return path


def expected(db_path: Path, view: str, where: str = "") -> tuple[list[str], list[list[Any]]]:
    db = sqlite3.connect(db_path)
    cursor = db.execute(f"SELECT * FROM {view} {where} ORDER BY 1, 2, 3")
    columns = [d[0] for d in cursor.description]
    rows = [
        [v[:19] if c.endswith("_utc") and v is not None else v for c, v in zip(columns, row, strict=True)]
        for row in cursor.fetchall()
    ]
    db.close()
    return columns, rows


def visible(data: Any) -> str:
    return "WHERE oculto = 0" if data.has_hidden else ""


async def export(engine: AsyncEngine, name: str, fmt: str, path: Path, **filters: Any) -> int:
    """csv: the lines SQLite makes itself (the CLI's and the chat's path); csv-rows: rows through the
    csv module (the path of PostgreSQL and of the open data)."""
    if fmt == "csv":
        return await export_to_file(engine, name, fmt, path, exporting.Filters(**filters))
    fmt = fmt.removesuffix("-rows")
    data = DATASETS[name]
    query = ViewQuery(data.view, exporting.conditions(data, exporting.Filters(**filters)))
    if fmt == "xlsx":
        return await exporting.write_rows(stream_view(engine, query), writer_for("xlsx", path), data.names)
    with path.open("w", encoding="utf-8", newline="") as out:
        return await exporting.write_rows(stream_view(engine, query), writer_for(fmt, out), data.names)


def as_csv(value: Any) -> str:
    if value is None:
        return ""
    return neutralise(value) if isinstance(value, str) else str(value)


def read_back(fmt: str, path: Path) -> tuple[list[str], list[list[Any]]]:
    if fmt == "csv":
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), "CSV starts with the UTF-8 byte-order mark"
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
        return rows[0], rows[1:]
    if fmt == "xlsx":
        book = openpyxl.load_workbook(path, read_only=True)
        rows = [list(r) for sheet in book.worksheets for r in sheet.iter_rows(values_only=True)]
        width = len(rows[0])  # write-only sheets record no dimension: trailing empty cells come short
        return [str(c) for c in rows[0]], [row + [None] * (width - len(row)) for row in rows[1:]]
    text = path.read_text(encoding="utf-8")
    objects = json.loads(text) if fmt == "json" else [json.loads(line) for line in text.splitlines()]
    columns = list(objects[0]) if objects else []
    return columns, [list(o.values()) for o in objects]


async def test_the_views_have_the_documented_columns(engine: AsyncEngine) -> None:
    for data in DATASETS.values():
        assert await view_columns(engine, data.view) == list(data.names), data.name


@pytest.mark.parametrize("fmt", [*FORMATS, "csv-rows"])
async def test_every_dataset_round_trips_against_the_database(
    engine: AsyncEngine, db_path: Path, tmp_path: Path, fmt: str
) -> None:
    for name, data in DATASETS.items():
        path = tmp_path / f"{name}.{fmt}"
        count = await export(engine, name, fmt, path)
        columns, rows = expected(db_path, data.view, visible(data))
        assert rows, f"the fixture has rows for {name}"
        got_columns, got = read_back(fmt.removesuffix("-rows"), path)
        assert count == len(rows) == len(got), name
        assert got_columns == columns == list(data.names), name
        if fmt.startswith("csv"):
            assert got == [[as_csv(v) for v in row] for row in rows], name
        elif fmt == "xlsx":
            assert got == [[neutralise(v) if isinstance(v, str) else v for v in row] for row in rows], name
        else:
            assert got == rows, name


async def test_formulas_exported_inert_and_accents_round_trip(
    engine: AsyncEngine, db_path: Path, tmp_path: Path
) -> None:
    await export(engine, "feedback", "csv", tmp_path / "f.csv")
    await export(engine, "feedback", "xlsx", tmp_path / "f.xlsx")
    _cols, rows = read_back("csv", tmp_path / "f.csv")
    comments = {row[0]: row[list(DATASETS["feedback"].names).index("comentario")] for row in rows}
    assert comments["1"] == "'" + fx.HYPERLINK
    assert (
        comments["3"].startswith("'@")
        and comments["4"].startswith("'-")
        and comments["5"] == "'\tcon tabulación"
    )
    assert comments["7"] == "'+51 propuestas claras"
    assert comments["2"] == "Educación intercultural bilingüe, ñandú y acentos: áéíóú"
    assert "6" not in comments, "hidden comments are left out unless asked for"
    sheet = openpyxl.load_workbook(tmp_path / "f.xlsx").worksheets[0]
    cell = sheet.cell(row=2, column=list(DATASETS["feedback"].names).index("comentario") + 1)
    assert cell.data_type == "s" and cell.value == "'" + fx.HYPERLINK
    assert sheet.cell(row=2, column=1).value == 1 and sheet.cell(row=2, column=1).data_type == "n"
    (tmp_path / "f.csv").read_bytes().decode("utf-8-sig").encode("cp1252", errors="strict")  # plain text


async def test_xlsx_starts_a_new_sheet_when_one_is_full(
    engine: AsyncEngine, db_path: Path, tmp_path: Path
) -> None:
    data = DATASETS["feedback"]
    writer = XlsxWriter(tmp_path / "f.xlsx", max_rows=3)  # a header and two rows a sheet
    count = await exporting.write_rows(stream_view(engine, ViewQuery(data.view)), writer, data.names)
    book = openpyxl.load_workbook(tmp_path / "f.xlsx", read_only=True)
    sizes = [len(list(sheet.iter_rows(values_only=True))) for sheet in book.worksheets]
    assert count == len(fx.FEEDBACK) and sizes == [3, 3, 3, 2]
    assert all(next(sheet.iter_rows(values_only=True))[0] == "id" for sheet in book.worksheets)


async def test_filters_and_hidden(engine: AsyncEngine, db_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    assert await export(engine, "feedback", "csv", path, regions=("13",)) == 2
    assert await export(engine, "feedback", "csv", path, regions=("13",), include_hidden=True) == 3
    assert await export(engine, "contributions", "csv", path, theme="salud") == 4
    assert await export(engine, "contributions", "csv", path, consultation="consulta-2026") == 6
    assert await export(engine, "registrations", "csv", path, regions=("22", "13")) == 9
    with pytest.raises(exporting.ExportError):
        exporting.conditions(DATASETS["organisations"], exporting.Filters(regions=("13",)))


async def test_open_data_zip_holds_no_personal_data(
    engine: AsyncEngine, db_path: Path, tmp_path: Path
) -> None:
    def sources(data: Any) -> Any:
        filters = exporting.Filters()
        return stream_view(engine, ViewQuery(data.view, exporting.conditions(data, filters, public=True)))

    target = tmp_path / "abiertos.zip"
    await exporting.write_open_data(target, sources, "secreto")
    db = sqlite3.connect(db_path)
    secrets = [
        str(v) for row in db.execute("SELECT full_name, phone, telegram_id FROM people") for v in row if v
    ]
    secrets += [name for (name,) in db.execute("SELECT full_name FROM people WHERE full_name IS NOT NULL")]
    secrets += [str(tid) for (tid,) in db.execute("SELECT telegram_id FROM roles")]
    db.close()
    assert len(secrets) >= 27
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        assert {"diccionario.csv", "README.md", "opiniones.csv", "participantes.csv"} <= set(names)
        content = {name: archive.read(name).decode("utf-8-sig") for name in names}
    everything = "\n".join(content.values())
    for secret in secrets:
        assert secret not in everything, secret
        assert secret.lstrip("+") not in everything, secret
    assert "comentario ofensivo" not in everything and "propuesta abusiva" not in everything
    opinions = list(csv.DictReader(io.StringIO(content["opiniones.csv"])))
    persona = {row["id"]: row["persona"] for row in opinions}
    assert persona["1"] == exporting.pseudonym("secreto", 1) and persona["3"] == ""
    contributions = list(csv.DictReader(io.StringIO(content["aportes.csv"])))
    assert persona["1"] in {row["persona"] for row in contributions}, "pseudonyms are stable across files"
    dictionary = list(csv.DictReader(io.StringIO(content["diccionario.csv"])))
    for name in names:
        if name.endswith(".csv") and name != "diccionario.csv":
            header = next(csv.reader(io.StringIO(content[name])))
            assert header == [r["columna"] for r in dictionary if r["archivo"] == name], name
            assert not {"nombre", "telefono", "persona_id", "telegram_id"} & set(header), name
    participants = list(csv.DictReader(io.StringIO(content["participantes.csv"])))
    personal = [row for row in participants if row["tipo_organizacion_codigo"] == "personal"]
    assert personal and all(row["organizacion"] == "" for row in personal)
    assert "OPEN_DATA_SECRET" in content["README.md"] or "clave secreta" in content["README.md"]


async def test_open_data_needs_its_secret(tmp_path: Path) -> None:
    with pytest.raises(exporting.ExportError, match="OPEN_DATA_SECRET"):
        await exporting.write_open_data(tmp_path / "x.zip", lambda data: None, "")


def test_cli_piped_prints_only_the_data(db_path: Path, tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{db_path}", "PATH": "/usr/bin:/bin"}
    run = subprocess.run(
        [sys.executable, "-c", "from bot.cli import main; main()", "export", "proposals", "--region", "22"],
        capture_output=True, env=env, timeout=60, cwd=tmp_path, check=True,
    )  # fmt: skip
    assert run.stderr == b""
    rows = list(csv.reader(io.StringIO(run.stdout.decode("utf-8-sig"))))
    assert rows[0] == list(DATASETS["proposals"].names) and len(rows) == 2 and rows[1][0] == "1"
    audit = sqlite3.connect(db_path).execute(
        "SELECT actor_telegram_id, action, target, details FROM audit_log"
    )
    assert [(actor, action, target, json.loads(details)) for actor, action, target, details in audit] == [
        (None, "export", "proposals", {"format": "csv", "channel": "cli", "rows": 1, "regions": ["22"]})
    ]
    bad = subprocess.run(
        [sys.executable, "-c", "from bot.cli import main; main()", "export", "--open-data",
         "--output", str(tmp_path / "o.zip")],
        capture_output=True, env=env, timeout=60, cwd=tmp_path,
    )  # fmt: skip
    assert bad.returncode == 2 and b"OPEN_DATA_SECRET" in bad.stderr
