"""Cuadros 1–4 from a fixture with known counts, cell by cell; rounding; text, CSV, JSON, PNG."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.reports.stats import cuadros, render_csv, render_png, render_text, shares
from storage.db import session_factory
from storage.stats import SqlStats
from tests import report_fixture as fx

# Its fixture writes known counts straight into a SQLite file (tests/report_fixture.py); the same
# views, exports and statistics are checked on PostgreSQL by tests/test_exports_pg.py.
pytestmark = pytest.mark.skipif(os.environ.get("TEST_DATABASE") == "postgres", reason="SQLite fixture")


@pytest.fixture
def db_path(database_url: str) -> Path:
    path = Path(database_url.split("///", 1)[1])
    fx.populate(path)
    return path


async def tables(engine: AsyncEngine, **kwargs: object) -> list:
    async with session_factory(engine)() as session:
        return cuadros(await SqlStats(session).counts(**kwargs))


async def test_cuadros_1_and_2(engine: AsyncEngine, db_path: Path) -> None:
    one, two, *_ = await tables(engine)
    assert one.columns == ["Tipo de organización", "N", "%"]
    assert one.rows == [["OSC", 5, 71.4], ["Entidades públicas", 2, 28.6], ["Total", 7, 100.0]]
    assert two.rows == [
        ["Academia", 1, 20.0], ["Cooperación internacional", 1, 20.0], ["Empresa privada", 1, 20.0],
        ["ONG", 2, 40.0], ["Total", 5, 100.0],
    ]  # fmt: skip


async def test_cuadro_3_attended_and_registered(engine: AsyncEngine, db_path: Path) -> None:
    three = (await tables(engine))[2]
    assert three.columns == ["Región", "Sector público", "Organización de la Sociedad Civil", "Total"]
    assert three.rows == [
        ["La Libertad", 1, 1, 2], ["San Martín", 1, 2, 3], ["Total", 2, 3, 5], ["Total (%)", 40, 60, 100],
    ]  # fmt: skip
    assert any("1 participante(s) a título personal" in note for note in three.notes)
    registered = (await tables(engine, basis="registered"))[2]
    assert registered.rows == [
        ["La Libertad", 1, 2, 3], ["San Martín", 1, 2, 3], ["Total", 2, 4, 6], ["Total (%)", 33, 67, 100],
    ]  # fmt: skip
    only = (await tables(engine, regions=["22"]))[2]
    assert only.rows[0] == ["San Martín", 1, 2, 3] and len(only.rows) == 3


async def test_cuadro_4(engine: AsyncEngine, db_path: Path) -> None:
    four = (await tables(engine))[3]
    assert four.columns == [
        "Eje temático",
        "Vía foro virtual",
        "Vía correo",
        "Vía Telegram",
        "Vía taller",
        "Total",
    ]
    assert four.rows == [
        ["Salud", 1, 0, 3, 0, 4],
        ["Educación", 1, 1, 1, 1, 4],
        ["Infraestructura", 0, 0, 0, 0, 0],
        ["Saneamiento", 0, 0, 0, 0, 0],
        ["Ambiente", 0, 0, 0, 0, 0],
        ["Seguridad ciudadana", 0, 0, 0, 0, 0],
        ["Total", 2, 1, 4, 1, 8],
    ]
    consultation = (await tables(engine, consultation="consulta-2026"))[3]
    assert consultation.rows[-1] == ["Total", 1, 1, 3, 1, 6]  # proposals belong to no consultation
    region = (await tables(engine, regions=["13"]))[3]
    assert region.rows[0] == ["Salud", 0, 0, 2, 0, 2] and region.rows[-1] == ["Total", 1, 0, 2, 0, 3]


def test_shares_add_up() -> None:
    assert shares([1, 1, 1], 1) == [33.4, 33.3, 33.3]
    assert shares([1, 2], 0) == [33, 67]
    assert shares([0, 0], 0) == [0, 0]
    assert sum(shares([7, 11, 13, 17, 19], 1)) == pytest.approx(100.0)


async def test_outputs(engine: AsyncEngine, db_path: Path, tmp_path: Path) -> None:
    one, _two, three, four = await tables(engine)
    text = render_text(one)
    assert text.splitlines()[0] == "Cuadro 1. Organizaciones participantes por tipo"
    assert "OSC".ljust(20) + "  5   71.4" in text.splitlines()
    lines = render_text(four).splitlines()
    assert len({len(line) for line in lines[2:10]}) == 1, "columns aligned"
    rows = list(csv.reader(io.StringIO(render_csv(three).lstrip("\ufeff"))))
    assert rows[-1] == ["Total (%)", "40", "60", "100"]
    png = render_png(four, tmp_path / "cuadro4.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


def test_cli_stats_and_roles_sql(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{db_path}")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as done:
        main(["stats", "--basis", "registered"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "Cuadro 4. Aportes recibidos por eje temático y canal" in out and "Total (%)" in out
    with pytest.raises(SystemExit):
        main(["stats", "--format", "json", "--output", str(tmp_path / "out")])
    import json

    data = json.loads((tmp_path / "out" / "cuadros.json").read_text(encoding="utf-8"))
    assert data[2]["filas"][-1] == ["Total (%)", 40, 60, 100]  # attended, the default
    with pytest.raises(SystemExit):
        main(["roles", "sql", "analistas"])
    sql = capsys.readouterr().out
    assert "GRANT SELECT ON public.v_feedback, public.v_proposals" in sql and "CREATE ROLE analistas" in sql
    assert "GRANT SELECT ON ALL" not in sql
