"""Files about a workshop: its calendar entry (.ics, iCalendar with the America/Lima time zone) and
the QR code of its check-in link (PNG)."""

from __future__ import annotations

import io
from datetime import datetime

import segno
from icalendar import Calendar, Event, vGeo

from bot.domain.clock import LIMA
from bot.domain.workshops import Workshop

PRODID = "-//Secretaría de Gestión Pública (PCM)//Participa//ES"
UID_DOMAIN = "participa.gob.pe"


def ics_filename(workshop: Workshop) -> str:
    return f"{workshop.code}.ics"


def workshop_ics(workshop: Workshop, description: str, now: datetime) -> bytes:
    """One VEVENT in Lima time with its VTIMEZONE; the UID is stable per workshop, so adding the
    file again after a change updates the same calendar entry (SEQUENCE follows the date changes)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{workshop.code}@{UID_DOMAIN}")
    event.add("sequence", workshop.schedule_version)
    event.add("dtstamp", now)
    event.add("dtstart", workshop.starts_at.astimezone(LIMA))
    event.add("dtend", workshop.ends_at.astimezone(LIMA))
    event.add("summary", workshop.title)
    event.add("location", f"{workshop.venue_name}, {workshop.venue_address}")
    event.add("description", description)
    if workshop.latitude is not None and workshop.longitude is not None:
        event.add("geo", vGeo((workshop.latitude, workshop.longitude)))
    event.add("status", "CANCELLED" if workshop.status == "cancelado" else "CONFIRMED")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def checkin_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start=asistencia-{code}"


def qr_png(data: str, scale: int = 10) -> bytes:
    """A QR code image (PNG) of `data`, large enough to scan from a projector or a printed sheet."""
    buffer = io.BytesIO()
    segno.make(data, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
