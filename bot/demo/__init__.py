"""Demo data: the three regional workshops and the Lima national table, dated in the coming weeks, and
18 draft commitments in a virtual consultation open from a week ago to a week ahead.

Dates are relative to today so that the sandbox always shows upcoming workshops and an open consultation.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import yaml

from bot.domain.clock import LIMA
from bot.domain.reference import Theme
from bot.services.commitment_loading import load_commitments
from bot.services.loading import LoadReport, load_workshops
from bot.services.ports import UnitOfWork

ALL_THEMES = [theme.value for theme in Theme]

_WORKSHOPS = (
    # code, kind, region, title, days ahead, venue name, address, latitude, longitude, capacity
    ("taller-la-libertad", "taller_regional", "13", "Taller regional de Gobierno Abierto: La Libertad", 10,
     "Auditorio del Gobierno Regional de La Libertad", "Los Brillantes 650, Urb. Santa Inés, Trujillo",
     -8.1036, -79.0265, 80),
    ("taller-san-martin", "taller_regional", "22", "Taller regional de Gobierno Abierto: San Martín", 17,
     "Auditorio del Gobierno Regional de San Martín", "Jr. Ángel Delgado Morey s/n, Moyobamba",
     -6.0342, -76.9745, 60),
    ("taller-arequipa", "taller_regional", "04", "Taller regional de Gobierno Abierto: Arequipa", 24,
     "Auditorio del Gobierno Regional de Arequipa", "Av. Unión 200, Cercado, Arequipa",
     -16.3927, -71.5375, 80),
    ("mesa-nacional-lima", "mesa_nacional", "15", "Mesa nacional de co-creación de compromisos", 31,
     "Sede de la Presidencia del Consejo de Ministros", "Calle Schell 310, Miraflores, Lima",
     -12.1218, -77.0296, 120),
)  # fmt: skip


def demo_workshops(today: date | None = None) -> list[dict[str, Any]]:
    today = today or datetime.now(LIMA).date()
    records = []
    for code, kind, region, title, days, venue, address, lat, lon, capacity in _WORKSHOPS:
        day = today + timedelta(days=days)
        starts = datetime.combine(day, time(9, 0), LIMA)
        records.append(
            {
                "code": code,
                "kind": kind,
                "region": region,
                "title": title,
                "themes": ALL_THEMES,
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=4),
                "venue": {"name": venue, "address": address, "latitude": lat, "longitude": lon},
                "capacity": capacity,
                "registration_opens_at": datetime.combine(today, time(0, 0), LIMA) - timedelta(days=7),
                "registration_closes_at": starts - timedelta(days=1),
            }
        )
    return records


COMMITMENTS_FILE = Path(__file__).with_name("commitments.yaml")


def demo_commitments(today: date | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(consultations, commitments) of bot/demo/commitments.yaml; the consultation open from 7 days
    ago to 7 days ahead (it lasted two weeks in 2017)."""
    today = today or datetime.now(LIMA).date()
    data = yaml.safe_load(COMMITMENTS_FILE.read_text(encoding="utf-8"))
    consultations = [
        {
            **record,
            "opens_at": datetime.combine(today - timedelta(days=7), time(0, 0), LIMA),
            "closes_at": datetime.combine(today + timedelta(days=7), time(23, 59), LIMA),
        }
        for record in data["consultations"]
    ]
    return consultations, data["commitments"]


async def load_demo(uow: UnitOfWork) -> LoadReport:
    """The demo workshops and commitments; loading twice changes nothing (but the dates, kept current)."""
    workshops = await load_workshops(uow, demo_workshops())
    commitments = await load_commitments(uow, *demo_commitments())
    return LoadReport(
        created=workshops.created + commitments.created,
        updated=workshops.updated + commitments.updated,
        unchanged=workshops.unchanged + commitments.unchanged,
    )
