"""Time: stored in UTC, shown in America/Lima."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

LIMA = ZoneInfo("America/Lima")


def utcnow() -> datetime:
    return datetime.now(UTC)
