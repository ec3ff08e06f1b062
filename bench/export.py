"""Export speed and memory: one million feedback rows to CSV.

    python bench/export.py [--rows 1000000] [--keep DIR]

Creates a migrated SQLite database with N feedback rows (executemany on the raw sqlite3 connection),
then times `participa export feedback --output FILE` (a child process; its peak RSS is read with
resource.getrusage(RUSAGE_CHILDREN)) against the sqlite3 command-line tool's own CSV output of the
same view on the same file (`sqlite3 -csv -header FILE "select * from v_feedback"`; when the tool
is missing, Python's sqlite3 module writing with csv, and the JSON says so).
Prints JSON. Targets: ratio <= 2, peak RSS < 300 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from storage.db import create_engine
from storage.migrate import upgrade

T = "2026-11-15 14:30:00.000000"
THEMES = ("salud", "educacion", "infraestructura", "saneamiento", "ambiente", "seguridad")
CHANNELS = ("telegram", "foro", "correo", "taller")
SUPPORT = ("de_acuerdo", "de_acuerdo_con_cambios", "en_desacuerdo")
RATINGS = ("cumple", "en_parte", "no_cumple", "no_se")
ORG_TYPES = ("entidad_publica", "ong", "academia", "cooperacion", "empresa", "personal")
COMMENTS = (
    "Es necesario precisar las metas y los indicadores de cada actividad del compromiso.",
    "Educación intercultural bilingüe en las comunidades nativas de la región.",
    '=HYPERLINK("http://example.com","ver")',
    "-Falta el presupuesto",
    None,
)


def build(path: Path, rows: int) -> None:
    async def migrate() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(migrate())
    db = sqlite3.connect(path)
    db.execute(
        "INSERT INTO consultations (id, code, title, opens_at, closes_at, updated_at)"
        " VALUES (1, 'consulta-2026', 'Consulta virtual 2026', ?, ?, ?)",
        (T, T, T),
    )
    for i in range(1, 19):
        db.execute(
            "INSERT INTO commitments (id, code, theme_code, anticorruption, status, created_at, updated_at)"
            " VALUES (?, ?, ?, FALSE, 'borrador', ?, ?)",
            (i, f"C{i:02d}", THEMES[i % 6], T, T),
        )
        db.execute(
            "INSERT INTO commitment_versions (id, commitment_id, number, title, problem, objective,"
            " activities, responsible, og_values, consultation_id, created_at)"
            " VALUES (?, ?, 1, ?, 'p', 'o', '[]', 'PCM', '[]', 1, ?)",
            (i, i, f"Compromiso {i}: servicios públicos más cercanos a la ciudadanía", T),
        )
    rng = random.Random(6)
    regions = [f"{n:02d}" for n in range(1, 26)]

    def feedback():
        for n in range(1, rows + 1):
            yield (
                n, None, rng.randint(1, 18), rng.choice(CHANNELS), rng.choice(SUPPORT),
                *(rng.choice(RATINGS) for _ in range(5)), rng.choice(COMMENTS), rng.choice(regions),
                rng.choice(ORG_TYPES), T, T,
            )  # fmt: skip

    db.commit()
    db.execute("PRAGMA synchronous=OFF")
    db.executemany(
        "INSERT INTO feedback (id, person_id, version_id, channel, support, especifico, medible, realizable,"
        " realista, plazos, comment, hidden, region_code, org_type_code, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, FALSE, ?, ?, ?, ?)",
        feedback(),
    )
    db.commit()
    db.close()


def timed(command: list[str], output: Path, env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    with output.open("wb") as out:
        subprocess.run(command, stdout=out, check=True, env=env)
    return time.perf_counter() - started


def python_csv(database: Path, output: Path) -> float:
    started = time.perf_counter()
    db = sqlite3.connect(database)
    cursor = db.execute("select * from v_feedback")
    with output.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([d[0] for d in cursor.description])
        while chunk := cursor.fetchmany(5000):
            writer.writerows(chunk)
    db.close()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="build the database in this folder and keep it")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="participa-bench-export-"))
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "bench.db"
    try:
        if not database.exists():
            started = time.perf_counter()
            build(database, args.rows)
            built = time.perf_counter() - started
        else:
            built = 0.0
        env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
        participa = [sys.executable, "-c", "from bot.cli import main; main()"]
        export = timed([*participa, "export", "feedback", "--output", str(folder / "participa.csv")],
                       Path(os.devnull), env)  # fmt: skip
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # only the export so far
        tool = shutil.which("sqlite3")
        if tool:
            reference = timed([tool, "-csv", "-header", str(database), "select * from v_feedback"],
                              folder / "sqlite3.csv")  # fmt: skip
            reference_by = "sqlite3 command-line tool"
        else:
            reference = python_csv(database, folder / "sqlite3.csv")
            reference_by = "python sqlite3 module + csv (sqlite3 command-line tool not installed)"
        with (folder / "participa.csv").open(encoding="utf-8-sig") as handle:
            exported = sum(1 for _ in csv.reader(handle)) - 1
        ratio = export / reference
        print(
            json.dumps(
                {
                    "rows": args.rows,
                    "rows_exported": exported,
                    "seconds_build": round(built, 2),
                    "seconds_export": round(export, 2),
                    "seconds_sqlite3": round(reference, 2),
                    "reference": reference_by,
                    "ratio": round(ratio, 2),
                    "peak_rss_mb": round(peak_kb / 1024, 1),
                    "csv_mb": round((folder / "participa.csv").stat().st_size / 1_048_576, 1),
                    "targets": {"ratio<=2": ratio <= 2, "rss<300": peak_kb / 1024 < 300},
                },
                indent=2,
            )
        )
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
