"""The counts behind the Cuadros (bot/reports/stats.py), read from the tables and views."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.reports.stats import BASES, Counts


def _in(column: str, name: str, values: Sequence[str] | None) -> tuple[str, dict[str, Any]]:
    if values is None:
        return "", {}
    return f" AND {column} IN :{name}", {name: list(values)}


class SqlStats:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _rows(self, sql: str, params: dict[str, Any]) -> list[Any]:
        statement = text(sql)
        for name, value in params.items():
            if isinstance(value, list):
                statement = statement.bindparams(bindparam(name, expanding=True))
        return list((await self.session.execute(statement, params)).all())

    async def counts(
        self, regions: Sequence[str] | None = None, consultation: str | None = None, basis: str = "attended"
    ) -> Counts:
        """regions None: every region; consultation None: every consultation."""
        if basis not in BASES:
            raise ValueError(f"basis: expected one of {BASES}")
        where_people, params = _in("p.region_code", "regions", regions)
        if consultation is not None:
            where_people += (
                " AND p.id IN (SELECT f.person_id FROM feedback f"
                " JOIN commitment_versions v ON v.id = f.version_id"
                " JOIN consultations c ON c.id = v.consultation_id WHERE c.code = :consultation)"
            )
            params["consultation"] = consultation
        organisations = await self._rows(
            "SELECT o.type_code, COUNT(DISTINCT o.id) FROM organisations o"
            " JOIN people p ON p.organisation_id = o.id"
            f" WHERE p.erased_at IS NULL{where_people} GROUP BY o.type_code",
            params,
        )
        where_workshops, wparams = _in("w.region_code", "regions", regions)
        region_rows = await self._rows(
            "SELECT DISTINCT w.region_code, r.name FROM workshops w JOIN regions r ON r.code = w.region_code"
            f" WHERE w.kind = 'taller_regional'{where_workshops} ORDER BY w.region_code",
            wparams,
        )
        attended = "g.attended_at IS NOT NULL" if basis == "attended" else "g.status = 'confirmada'"
        participants = await self._rows(
            "SELECT w.region_code, ot.sector, COUNT(DISTINCT g.person_id) FROM registrations g"
            " JOIN workshops w ON w.id = g.workshop_id JOIN people p ON p.id = g.person_id"
            " LEFT JOIN organisation_types ot ON ot.code = p.org_type_code"
            f" WHERE w.kind = 'taller_regional' AND {attended}{where_workshops}"
            " GROUP BY w.region_code, ot.sector",
            wparams,
        )
        themes = await self._rows("SELECT code, name FROM themes ORDER BY position", {})
        where_contributions, cparams = _in("region_codigo", "regions", regions)
        if consultation is not None:
            where_contributions += " AND consulta_codigo = :consultation"
            cparams["consultation"] = consultation
        contributions = await self._rows(
            "SELECT eje_codigo, canal_codigo, COUNT(*) FROM v_contributions"
            f" WHERE oculto = 0{where_contributions} GROUP BY eje_codigo, canal_codigo",
            cparams,
        )
        scope = []
        if regions is not None:
            names = await self._rows(
                "SELECT name FROM regions WHERE code IN :regions ORDER BY code", {"regions": list(regions)}
            )
            scope.append("Regiones: " + ", ".join(name for (name,) in names))
        if consultation is not None:
            scope.append(f"Consulta: {consultation}")
        return Counts(
            organisations={kind: n for kind, n in organisations},
            regions=[(code, name) for code, name in region_rows],
            participants={(region, sector): n for region, sector, n in participants},
            themes=[(code, name) for code, name in themes],
            contributions={(theme, channel): n for theme, channel, n in contributions},
            basis=basis,
            scope=". ".join(scope),
        )
