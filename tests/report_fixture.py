"""A small database with known counts, for the export and statistics tests.

Known answers (hidden contributions and personal-capacity participants as the README says):
- Cuadro 1: OSC 5 (71.4 %), Entidades públicas 2 (28.6 %), Total 7.
- Cuadro 2: Academia 1, Cooperación internacional 1, Empresa privada 1, ONG 2 (20/20/20/40 %).
- Cuadro 3 (attended): La Libertad 1 + 1 = 2, San Martín 1 + 2 = 3; Total 2, 3, 5; Total (%) 40, 60, 100.
  (registered): La Libertad 1 + 2 = 3, San Martín 1 + 2 = 3; Total 2, 4, 6; Total (%) 33, 67, 100.
- Cuadro 4: Salud foro 1, correo 0, Telegram 3, taller 0, Total 4; Educación 1, 1, 1, 1, 4;
  other themes 0; Total 2, 1, 4, 1, 8.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

T = "2026-11-01 10:00:00.000000"

ORGANISATIONS = [
    (1, "Municipalidad Provincial de Trujillo", "entidad_publica"),
    (2, "Dirección Regional de Salud San Martín", "entidad_publica"),
    (3, "Universidad Nacional de Trujillo", "academia"),
    (4, "Asociación Educación Viva", "ong"),
    (5, "Red Agua Limpia", "ong"),
    (6, "Cooperación Técnica Andina", "cooperacion"),
    (7, "Empresa Minera Ejemplo", "empresa"),
    (8, "ONG sin participantes", "ong"),
]
# id, telegram id, name, phone, region, organisation type, organisation, erased
PEOPLE = [
    (1, 700001, "Ana Quispe Mamani", "+51987650001", "13", "entidad_publica", 1, False),
    (2, 700002, "Bruno Huamán Díaz", "+51987650002", "13", "ong", 4, False),
    (3, 700003, "Carmen Ñaupari Ríos", "+51987650003", "13", "academia", 3, False),
    (4, 700004, "Diego Ccori Yupanqui", "+51987650004", "13", "personal", None, False),
    (5, 700005, "Elena Tuesta Vela", "+51987650005", "22", "entidad_publica", 2, False),
    (6, 700006, "Fabio Sangama Pinedo", "+51987650006", "22", "ong", 5, False),
    (7, 700007, "Gloria Ruiz Panduro", "+51987650007", "22", "cooperacion", 6, False),
    (8, 700008, "Héctor Salas Zapata", "+51987650008", "04", "empresa", 7, False),
    (9, 700009, "Irma Condori Apaza", "+51987650009", "04", "ong", 4, False),
    (10, None, None, None, "15", "ong", None, True),
]
WORKSHOPS = [(1, "taller-ll", "taller_regional", "13"), (2, "taller-sm", "taller_regional", "22"),
             (3, "mesa-lima", "mesa_nacional", "15")]  # fmt: skip
# workshop, person, status, attended
REGISTRATIONS = [
    (1, 1, "confirmada", True), (1, 2, "confirmada", True), (1, 3, "confirmada", False),
    (1, 4, "confirmada", True), (1, 9, "en_espera", False),
    (2, 5, "confirmada", True), (2, 6, "confirmada", True), (2, 7, "confirmada", True),
    (2, 8, "cancelada", False), (3, 1, "confirmada", True),
]  # fmt: skip
HYPERLINK = '=HYPERLINK("http://example.com/x","clic aquí")'
# id, person, version (1: salud, 2: educación), channel, comment, hidden, region, org type, external id
FEEDBACK = [
    (1, 1, 1, "telegram", HYPERLINK, False, "13", "entidad_publica", None),
    (
        2,
        2,
        1,
        "telegram",
        "Educación intercultural bilingüe, ñandú y acentos: áéíóú",
        False,
        "13",
        "ong",
        None,
    ),
    (3, None, 1, "foro", "@todos revisen el plazo", False, "15", "ong", "foro-1"),
    (4, None, 2, "correo", "-menos burocracia", False, "04", "academia", "correo-1"),
    (5, None, 2, "taller", "\tcon tabulación", False, "22", "entidad_publica", "taller-1"),
    (6, 3, 2, "telegram", "comentario ofensivo", True, "13", "academia", None),
    (7, 5, 2, "telegram", "+51 propuestas claras", False, "22", "entidad_publica", None),
]
# id, person, theme, channel, proposal, hidden, region, org type, external id
PROPOSALS = [
    (1, 6, "salud", "telegram", "Postas con horario extendido", False, "22", "ong", None),
    (2, None, "educacion", "foro", "Becas regionales", False, "13", "ong", "foro-p1"),
    (3, None, "salud", "correo", "propuesta abusiva", True, "15", None, "correo-p1"),
]


class _Recorder:
    """Records the statements, to run them on SQLite (sqlite3) or PostgreSQL (asyncpg)."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, list[tuple[Any, ...]]]] = []

    def executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        self.statements.append((sql, [tuple(row) for row in rows]))

    def execute(self, sql: str, row: tuple[Any, ...] = ()) -> None:
        self.statements.append((sql, [row]))


def populate(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("PRAGMA foreign_keys=ON")
    for sql, rows in statements():
        db.executemany(sql, rows)
    db.commit()
    db.close()


async def populate_postgres(connection: Any) -> None:
    """`connection`: an asyncpg connection."""
    for sql, rows in statements():
        n = 0

        def mark(_match: Any) -> str:
            nonlocal n
            n += 1
            return f"${n}"

        numbered = re.sub(r"\?", mark, sql)
        await connection.executemany(numbered, [tuple(_pg(v) for v in row) for row in rows])
    for table in ("organisations", "people", "workshops", "registrations", "feedback", "proposals"):
        await connection.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
        )


def _pg(value: Any) -> Any:
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", value):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value


def statements() -> list[tuple[str, list[tuple[Any, ...]]]]:
    db = _Recorder()
    db.executemany(
        "INSERT INTO organisations (id, name, name_key, type_code, created_at) VALUES (?, ?, ?, ?, ?)",
        [(i, name, name.lower(), kind, T) for i, name, kind in ORGANISATIONS],
    )
    db.executemany(
        "INSERT INTO people (id, telegram_id, locale, consent_version, consent_at, full_name, region_code,"
        " org_type_code, organisation_id, phone, announcements, reachable, created_at, updated_at,"
        " erased_at) VALUES (?, ?, 'es', 1, ?, ?, ?, ?, ?, ?, TRUE, TRUE, ?, ?, ?)",
        [(i, tg, T, name, region, kind, org, phone, T, T, T if erased else None)
         for i, tg, name, phone, region, kind, org, erased in PEOPLE],
    )  # fmt: skip
    db.executemany(
        "INSERT INTO workshops (id, code, kind, region_code, title, themes, starts_at, ends_at, venue_name,"
        " venue_address, capacity, registration_opens_at, registration_closes_at, status, updated_at,"
        " queue_seq, schedule_version) VALUES (?, ?, ?, ?, ?, '[\"salud\"]', ?, ?, 'Auditorio',"
        " 'Jr. Pizarro 123', 50, ?, ?, 'programado', ?, 0, 0)",
        [(i, code, kind, region, f"Taller {code}", T, T, T, T, T) for i, code, kind, region in WORKSHOPS],
    )
    db.executemany(
        "INSERT INTO registrations (workshop_id, person_id, status, seq, created_at, updated_at, attended_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(w, p, status, n, T, T, T if attended else None)
         for n, (w, p, status, attended) in enumerate(REGISTRATIONS)],
    )  # fmt: skip
    db.execute(
        "INSERT INTO consultations (id, code, title, opens_at, closes_at, updated_at)"
        " VALUES (1, 'consulta-2026', 'Consulta virtual 2026', ?, ?, ?)",
        (T, "2026-12-31 00:00:00.000000", T),
    )
    for i, theme in ((1, "salud"), (2, "educacion")):
        db.execute(
            "INSERT INTO commitments (id, code, theme_code, anticorruption, status, created_at, updated_at)"
            " VALUES (?, ?, ?, FALSE, 'borrador', ?, ?)",
            (i, f"C{i}", theme, T, T),
        )
        db.execute(
            "INSERT INTO commitment_versions (id, commitment_id, number, title, problem, objective,"
            " activities, responsible, og_values, consultation_id, created_at)"
            " VALUES (?, ?, 1, ?, 'p', 'o', '[]', 'PCM', '[]', 1, ?)",
            (i, i, f"Compromiso de {theme}", T),
        )
    db.executemany(
        "INSERT INTO feedback (id, person_id, version_id, channel, support, especifico, medible, realizable,"
        " realista, plazos, comment, hidden, region_code, org_type_code, external_id, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, 'de_acuerdo', 'cumple', 'en_parte', 'no_cumple', 'no_se',"
        " 'cumple', ?, ?, ?, ?, ?, ?, ?)",
        [(*row, T, T) for row in FEEDBACK],
    )
    db.executemany(
        "INSERT INTO proposals (id, person_id, theme_code, channel, proposal, hidden, region_code,"
        " org_type_code, external_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(*row, T) for row in PROPOSALS],
    )
    return db.statements
