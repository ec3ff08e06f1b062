"""The statistics SGP publishes: Cuadros 1–4 (DESIGN.md section 1), from plain counts.

Counting rules (also in the README):
- Cuadros 1 and 2 count organisations, by type: an organisation takes part when at least one person
  who has not erased their data represents it (restricted to a region or a consultation: a person of
  that region, or who gave an opinion in that consultation). People taking part "a título personal"
  represent no organisation: they are not in Cuadros 1 and 2.
- Cuadro 3 counts people (each person once per region) in the regional workshops (taller regional):
  basis "attended" counts those checked in; basis "registered" those with a confirmed registration.
  People "a título personal" are neither public sector nor civil society: they are left out of the
  columns and the Total, and their number is given in a note under the table.
- Cuadro 4 counts contributions (opinions on a commitment and proposals) of every channel by theme;
  contributions hidden by moderation are not counted. With a consultation, only that consultation's
  opinions are counted (proposals belong to no consultation).
- Percentages are rounded by the largest-remainder method, so that the shown parts add up exactly to
  100 (100.0 for one decimal): each part is rounded down, and the missing units go to the parts with
  the largest remainders (the first in the table's order on a tie). With a total of 0 every part is 0.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BASES = ("attended", "registered")
OSC_TYPES = (("academia", "Academia"), ("cooperacion", "Cooperación internacional"),
             ("empresa", "Empresa privada"), ("ong", "ONG"))  # fmt: skip
CHANNEL_COLUMNS = (("foro", "Vía foro virtual"), ("correo", "Vía correo"), ("telegram", "Vía Telegram"),
                   ("taller", "Vía taller"))  # fmt: skip
SECTOR_COLUMNS = (("publico", "Sector público"), ("sociedad_civil", "Organización de la Sociedad Civil"))


@dataclass(slots=True)
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    notes: list[str] = field(default_factory=list)
    percent_columns: tuple[int, ...] = ()  # columns shown with one decimal

    def as_dict(self) -> dict[str, Any]:
        return {"cuadro": self.key, "titulo": self.title, "columnas": self.columns, "filas": self.rows,
                "notas": self.notes}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Counts:
    """What the Cuadros are made of (storage/stats.py reads it from the database)."""

    organisations: Mapping[str, int]  # organisation type -> participating organisations
    regions: Sequence[tuple[str, str]]  # (code, name) of the regions with regional workshops
    participants: Mapping[tuple[str, str | None], int]  # (region, sector or None) -> people
    themes: Sequence[tuple[str, str]]  # (code, name), in order
    contributions: Mapping[tuple[str, str], int]  # (theme, channel) -> contributions
    basis: str = "attended"
    scope: str = ""  # e.g. "Regiones: La Libertad" or "Consulta: ..."


def shares(counts: Sequence[int], decimals: int = 1) -> list[float] | list[int]:
    """Percentages of `counts` adding up exactly to 100, by the largest-remainder method."""
    total = sum(counts)
    scale = 10**decimals
    if total == 0:
        return [0 if decimals == 0 else 0.0 for _ in counts]
    exact = [count * 100 * scale for count in counts]
    units = [value // total for value in exact]
    missing = 100 * scale - sum(units)
    order = sorted(range(len(counts)), key=lambda i: (-(exact[i] % total), i))
    for i in order[:missing]:
        units[i] += 1
    return [unit for unit in units] if decimals == 0 else [unit / scale for unit in units]


def _share_table(key: str, title: str, label: str, parts: Sequence[tuple[str, int]]) -> Table:
    values = [n for _name, n in parts]
    percents = shares(values, 1)
    total = sum(values)
    rows = [[name, n, p] for (name, n), p in zip(parts, percents, strict=True)]
    rows.append(["Total", total, 100.0 if total else 0.0])
    return Table(key, title, [label, "N", "%"], rows, percent_columns=(2,))


def cuadro1(counts: Counts) -> Table:
    osc = sum(counts.organisations.get(code, 0) for code, _ in OSC_TYPES)
    public = counts.organisations.get("entidad_publica", 0)
    table = _share_table(
        "cuadro1", "Cuadro 1. Organizaciones participantes por tipo", "Tipo de organización",
        [("OSC", osc), ("Entidades públicas", public)],
    )  # fmt: skip
    table.notes.append("No incluye a las personas que participan a título personal.")
    return table


def cuadro2(counts: Counts) -> Table:
    table = _share_table(
        "cuadro2", "Cuadro 2. Organizaciones de la sociedad civil (OSC) por tipo", "Tipo de OSC",
        [(name, counts.organisations.get(code, 0)) for code, name in OSC_TYPES],
    )  # fmt: skip
    return table


def cuadro3(counts: Counts) -> Table:
    rows: list[list[Any]] = []
    totals = [0, 0]
    for code, name in counts.regions:
        values = [counts.participants.get((code, sector), 0) for sector, _ in SECTOR_COLUMNS]
        totals = [a + b for a, b in zip(totals, values, strict=True)]
        rows.append([name, *values, sum(values)])
    grand = sum(totals)
    rows.append(["Total", *totals, grand])
    rows.append(["Total (%)", *shares(totals, 0), 100 if grand else 0])
    basis = "asistentes registrados" if counts.basis == "attended" else "inscripciones confirmadas"
    personal = sum(n for (region, sector), n in counts.participants.items() if sector is None)
    notes = [f"Base: {basis}. Cada persona se cuenta una vez por región."]
    if personal:
        notes.append(f"No incluye a {personal} participante(s) a título personal (ni sector público ni OSC).")
    return Table(
        "cuadro3", "Cuadro 3. Participantes en los talleres regionales por región",
        ["Región", *(name for _code, name in SECTOR_COLUMNS), "Total"], rows, notes,
    )  # fmt: skip


def cuadro4(counts: Counts) -> Table:
    rows: list[list[Any]] = []
    totals = [0] * len(CHANNEL_COLUMNS)
    for code, name in counts.themes:
        values = [counts.contributions.get((code, channel), 0) for channel, _ in CHANNEL_COLUMNS]
        totals = [a + b for a, b in zip(totals, values, strict=True)]
        rows.append([name, *values, sum(values)])
    rows.append(["Total", *totals, sum(totals)])
    return Table(
        "cuadro4", "Cuadro 4. Aportes recibidos por eje temático y canal",
        ["Eje temático", *(name for _code, name in CHANNEL_COLUMNS), "Total"], rows,
        ["Opiniones sobre los compromisos y propuestas; sin los aportes ocultados por moderación."],
    )  # fmt: skip


def cuadros(counts: Counts) -> list[Table]:
    tables = [cuadro1(counts), cuadro2(counts), cuadro3(counts), cuadro4(counts)]
    if counts.scope:
        for table in tables:
            table.notes.insert(0, counts.scope)
    return tables


# -- output ---------------------------------------------------------------------------------------
def _cell(table: Table, column: int, value: Any) -> str:
    if column in table.percent_columns and isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def render_text(table: Table) -> str:
    """The table aligned for a monospace font: labels left, numbers right."""
    cells = [table.columns] + [[_cell(table, i, v) for i, v in enumerate(row)] for row in table.rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(table.columns))]

    def line(row: Sequence[str]) -> str:
        first = row[0].ljust(widths[0])
        return "  ".join(
            [first, *(value.rjust(width) for value, width in zip(row[1:], widths[1:], strict=True))]
        )

    rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
    first_total = next((i for i, row in enumerate(cells) if i and row[0].startswith("Total")), len(cells))
    body = [line(cells[0]), rule, *(line(row) for row in cells[1:first_total]), rule]
    body += [line(row) for row in cells[first_total:]]
    return "\n".join([table.title, "", *body, *table.notes])


def render_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    writer.writerows([[_cell(table, i, v) for i, v in enumerate(row)] for row in table.rows])
    return "\ufeff" + out.getvalue()


def render_png(table: Table, path: Path) -> Path:
    """A bar chart of the table (without its Total rows), titled in Spanish."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    data = [row for row in table.rows if not str(row[0]).startswith("Total")]
    labels = [str(row[0]) for row in data]
    figure, axes = pyplot.subplots(figsize=(10, 5.6), dpi=110)
    if table.key in ("cuadro1", "cuadro2"):
        bars = axes.bar(labels, [row[1] for row in data], color="#c8102e")
        axes.bar_label(bars, labels=[f"{row[1]} ({row[2]:.1f} %)" for row in data])
        axes.set_ylabel("Organizaciones")
    else:
        series = table.columns[1:-1]
        width = 0.8 / max(len(series), 1)
        palette = ["#c8102e", "#1f5aa6", "#2e8b57", "#e0a100", "#6a4c93"]
        for i, name in enumerate(series):
            positions = [x + (i - (len(series) - 1) / 2) * width for x in range(len(data))]
            bars = axes.bar(positions, [row[i + 1] for row in data], width, label=name, color=palette[i % 5])
            axes.bar_label(bars, fontsize=8)
        axes.set_xticks(range(len(data)), labels)
        axes.legend(fontsize=9)
        axes.set_ylabel("Participantes" if table.key == "cuadro3" else "Aportes")
    axes.set_title(table.title, fontsize=12, wrap=True)
    axes.spines[["top", "right"]].set_visible(False)
    axes.yaxis.get_major_locator().set_params(integer=True)
    pyplot.setp(
        axes.get_xticklabels(),
        rotation=15 if len(labels) > 4 else 0,
        ha="right" if len(labels) > 4 else "center",
    )
    figure.tight_layout()
    figure.savefig(path)
    pyplot.close(figure)
    return path
