"""Loading draft commitments (`participa load commitments`) and contributions received through other
channels (`participa load contributions`). Every record is checked before anything is stored; loading
the same file twice changes nothing.

Commitments: the code is the key. A changed text (title, problem, objective, activities,
responsible entity, Open Government values), or the same text put to another consultation round,
becomes a new version; opinions stay attached to the version they were given on. Theme, the
anticorruption tag and the status (borrador | retirado) are updated in place. A commitment missing
from a later file is left as it is: withdrawing one is an explicit `status: retirado`.

Contributions (foro virtual, correo, taller): the external id is the key. With a commitment code a
contribution is stored as feedback on that commitment's version in force on its date (a comment,
with no SMART answers); without one, as a proposal. Both keep the channel, so that one report
(`contributions_by_theme_and_channel`, Cuadro 4) covers every channel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any

from bot.domain.clock import LIMA, utcnow
from bot.domain.commitments import (
    CODE_MAX,
    COMMENT_MAX,
    IMPORTED_CHANNELS,
    PROPOSAL_MAX,
    Answers,
    Channel,
    Commitment,
    CommitmentDraft,
    CommitmentStatus,
    CommitmentText,
    CommitmentVersion,
    Consultation,
    Contribution,
    OpenGovValue,
    Proposal,
)
from bot.domain.errors import InvalidInput
from bot.domain.people import clean_text, normalize_organisation
from bot.domain.reference import ORG_TYPE_NAMES, REGIONS, THEME_NAMES, OrgType, Theme
from bot.services.loading import LoadReport, RecordError
from bot.services.ports import UnitOfWork

_TRUE = {"1", "true", "si", "sí", "yes", "x", "y", "s"}
_FALSE = {"", "0", "false", "no", "n"}
_EXTERNAL_ID_MAX = 80


@dataclass
class CommitmentLoadReport(LoadReport):
    new_versions: int = 0
    consultations_created: int = 0
    consultations_updated: int = 0

    def __str__(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated ({self.new_versions} new versions), "
            f"{self.unchanged} unchanged; consultations: {self.consultations_created} created, "
            f"{self.consultations_updated} updated"
        )


# -- field parsers -----------------------------------------------------------------------------
def _text(record: dict[str, Any], name: str, required: bool = True) -> str:
    value = record.get(name)
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise InvalidInput(name, "missing")
    return value


def _list(value: Any, separators: str) -> list[str]:
    """A list from YAML, or from one CSV cell split on `separators` (a regular expression)."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(item).strip() for item in value if str(item).strip()]
    return [part.strip() for part in re.split(separators, str(value)) if part.strip()]


def _flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = "" if value is None else str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidInput(name, "not yes/no")


def moment(value: Any, name: str) -> datetime:
    """A date or date-time; without an offset it is Lima time (a bare date: 00:00 in Lima)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise InvalidInput(name, "not a date-time (YYYY-MM-DD HH:MM)") from None
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, time(0, 0))
    if not isinstance(value, datetime):
        raise InvalidInput(name, "not a date-time (YYYY-MM-DD HH:MM)")
    return value.replace(tzinfo=LIMA) if value.tzinfo is None else value


def _key(value: str) -> str:
    return normalize_organisation(value)


_THEMES = {_key(t.value): t.value for t in Theme} | {_key(n): t.value for t, n in THEME_NAMES.items()}
_REGIONS = {_key(r.name): r.code for r in REGIONS} | {r.code: r.code for r in REGIONS}
_ORG_TYPES = (
    {_key(t.value): t.value for t in OrgType}
    | {_key(n): t.value for t, n in ORG_TYPE_NAMES.items()}
    | {"ong u organizacion de base": OrgType.ONG.value, "organizacion de base": OrgType.ONG.value}
)


def parse_theme(value: Any) -> str:
    theme = _THEMES.get(_key(str(value or "")))
    if theme is None:
        raise InvalidInput("theme", "unknown")
    return theme


def parse_region(value: Any) -> str | None:
    text = str(value or "").strip()
    if not text:
        return None
    code = _REGIONS.get(text.zfill(2) if text.isdigit() else _key(text))
    if code is None:
        raise InvalidInput("region", "unknown")
    return code


def parse_org_type(value: Any) -> str | None:
    text = str(value or "").strip()
    if not text:
        return None
    kind = _ORG_TYPES.get(_key(text))
    if kind is None:
        raise InvalidInput("org_type", "unknown")
    return kind


def _values(value: Any) -> tuple[OpenGovValue, ...]:
    values = []
    for item in _list(value, r"[,;]"):
        try:
            values.append(OpenGovValue(_key(item).replace(" ", "_")))
        except ValueError:
            raise InvalidInput("values", f"unknown value {item!r}") from None
    return tuple(dict.fromkeys(values))


# -- records ------------------------------------------------------------------------------------
def parse_consultation(record: dict[str, Any]) -> Consultation:
    return Consultation(
        code=_text(record, "code"),
        title=_text(record, "title"),
        opens_at=moment(record.get("opens_at"), "opens_at"),
        closes_at=moment(record.get("closes_at"), "closes_at"),
    ).validate()


def _code(value: str) -> str:
    if len(value) > CODE_MAX or not re.fullmatch(r"[\w.-]+", value):
        raise InvalidInput("code", "letters, digits, '-', '_' or '.', at most 40")
    return value


def parse_commitment(record: dict[str, Any]) -> CommitmentDraft:
    tags = {_key(tag) for tag in _list(record.get("tags"), r"[,;]")}
    anticorruption = _flag(record.get("anticorruption", record.get("anticorrupcion")), "anticorruption")
    try:
        status = CommitmentStatus(_text(record, "status", required=False) or CommitmentStatus.BORRADOR)
    except ValueError:
        raise InvalidInput("status", "borrador or retirado") from None
    text = CommitmentText(
        title=clean_text(_text(record, "title")),
        problem=_text(record, "problem"),
        objective=_text(record, "objective"),
        activities=tuple(_list(record.get("activities"), r"\n|\s\|\s")),
        responsible=clean_text(_text(record, "responsible")),
        values=_values(record.get("values")),
    ).validate()
    return CommitmentDraft(
        code=_code(_text(record, "code")),
        theme=parse_theme(record.get("theme")),
        consultation_code=_text(record, "consultation"),
        text=text,
        anticorruption=anticorruption or "anticorrupcion" in tags,
        status=status,
    )


def consultations_of_csv_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """CSV has one table: a row may define its consultation in consultation_title / _opens_at / _closes_at."""
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row.get("consultation_opens_at") or row.get("consultation_closes_at"):
            found[str(row.get("consultation", "")).strip()] = {
                "code": row.get("consultation"),
                "title": row.get("consultation_title") or row.get("consultation"),
                "opens_at": row.get("consultation_opens_at"),
                "closes_at": row.get("consultation_closes_at"),
            }
    return list(found.values())


def _parse_all(records: list[dict[str, Any]], parse: Any) -> list[Any]:
    parsed = []
    for index, record in enumerate(records):
        try:
            parsed.append(parse(record))
        except InvalidInput as exc:
            raise RecordError(index, exc.field, exc.reason) from None
        except (TypeError, ValueError, AttributeError) as exc:
            raise RecordError(index, "record", str(exc)) from None
    return parsed


async def load_commitments(
    uow: UnitOfWork,
    consultations: list[dict[str, Any]],
    commitments: list[dict[str, Any]],
    now: datetime | None = None,
) -> CommitmentLoadReport:
    """Create or update consultations and commitments; a changed text becomes a new version."""
    now = now or utcnow()
    rounds = _parse_all(consultations, parse_consultation)
    drafts: list[CommitmentDraft] = _parse_all(commitments, parse_commitment)
    codes = [draft.code for draft in drafts]
    if len(set(codes)) != len(codes):
        duplicate = next(code for code in codes if codes.count(code) > 1)
        raise RecordError(codes.index(duplicate, codes.index(duplicate) + 1), "code", "repeated in the file")
    report = CommitmentLoadReport()
    for consultation in rounds:
        outcome = await uow.commitments.upsert_consultation(consultation)
        if outcome == "created":
            report.consultations_created += 1
        elif outcome == "updated":
            report.consultations_updated += 1
    known: dict[str, Consultation] = {}
    for index, draft in enumerate(drafts):
        consultation = known.get(draft.consultation_code)
        if consultation is None:
            consultation = await uow.commitments.consultation_by_code(draft.consultation_code)
            if consultation is None:
                raise RecordError(index, "consultation", f"unknown consultation {draft.consultation_code!r}")
            known[draft.consultation_code] = consultation
        assert consultation.id is not None
        outcome = await _store_commitment(uow, draft, consultation.id, now, report)
        setattr(report, outcome, getattr(report, outcome) + 1)
    await uow.commit()
    return report


async def _store_commitment(
    uow: UnitOfWork, draft: CommitmentDraft, consultation_id: int, now: datetime, report: CommitmentLoadReport
) -> str:
    existing = await uow.commitments.get_by_code(draft.code)
    if existing is None:
        commitment = await uow.commitments.add(
            Commitment(draft.code, draft.theme, draft.anticorruption, draft.status), now
        )
        assert commitment.id is not None
        await uow.commitments.add_version(commitment.id, 1, draft.text, consultation_id, now)
        return "created"
    assert existing.id is not None
    changed = (existing.theme, existing.anticorruption, existing.status) != (
        draft.theme,
        draft.anticorruption,
        draft.status,
    )
    if changed:
        existing.theme, existing.anticorruption, existing.status = (
            draft.theme,
            draft.anticorruption,
            draft.status,
        )
        await uow.commitments.update(existing)
    versions = await uow.commitments.versions(existing.id)
    current = versions[-1] if versions else None
    if current is None or current.text != draft.text or current.consultation_id != consultation_id:
        number = current.number + 1 if current else 1
        await uow.commitments.add_version(existing.id, number, draft.text, consultation_id, now)
        report.new_versions += 1
        changed = True
    return "updated" if changed else "unchanged"


# -- contributions from other channels ---------------------------------------------------------
def parse_contribution(record: dict[str, Any]) -> Contribution:
    external_id = _text(record, "external_id", required=False) or _text(record, "id")
    if len(external_id) > _EXTERNAL_ID_MAX:
        raise InvalidInput("external_id", "too_long", _EXTERNAL_ID_MAX)
    try:
        channel = Channel(_text(record, "channel").lower())
    except ValueError:
        raise InvalidInput("channel", "foro, correo or taller") from None
    if channel not in IMPORTED_CHANNELS:
        raise InvalidInput("channel", "foro, correo or taller")
    commitment = _text(record, "commitment", required=False) or None
    theme = _text(record, "theme", required=not commitment)
    text = str(record.get("text") or "").strip()
    if not text:
        raise InvalidInput("text", "missing")
    limit = COMMENT_MAX if commitment else PROPOSAL_MAX
    if len(text) > limit:
        raise InvalidInput("text", "too_long", limit)
    return Contribution(
        external_id=external_id,
        channel=channel,
        theme=parse_theme(theme) if theme else "",
        region_code=parse_region(record.get("region")),
        commitment_code=commitment,
        org_type=parse_org_type(record.get("org_type")),
        text=text,
        date=moment(record.get("date"), "date"),
    )


def _version_at(versions: list[CommitmentVersion], when: datetime) -> CommitmentVersion:
    """The version in force on a date: the last one created by then, else the first."""
    before = [v for v in versions if v.created_at <= when]
    return before[-1] if before else versions[0]


async def load_contributions(uow: UnitOfWork, records: list[dict[str, Any]]) -> LoadReport:
    """Import contributions received by foro, correo or taller; the external id makes it idempotent."""
    contributions: list[Contribution] = _parse_all(records, parse_contribution)
    ids = [c.external_id for c in contributions]
    if len(set(ids)) != len(ids):
        duplicate = next(i for i in ids if ids.count(i) > 1)
        raise RecordError(ids.index(duplicate, ids.index(duplicate) + 1), "id", "repeated in the file")
    report = LoadReport()
    for index, contribution in enumerate(contributions):
        try:
            if contribution.commitment_code:
                outcome = await _store_feedback(uow, contribution)
            else:
                outcome = await _store_proposal(uow, contribution)
        except InvalidInput as exc:
            raise RecordError(index, exc.field, exc.reason) from None
        setattr(report, outcome, getattr(report, outcome) + 1)
    await uow.commit()
    return report


async def _store_feedback(uow: UnitOfWork, contribution: Contribution) -> str:
    assert contribution.commitment_code is not None
    commitment = await uow.commitments.get_by_code(contribution.commitment_code)
    if commitment is None or commitment.id is None:
        raise InvalidInput("commitment", f"unknown commitment {contribution.commitment_code!r}")
    if contribution.theme and contribution.theme != commitment.theme:
        raise InvalidInput("theme", f"commitment {commitment.code} is of theme {commitment.theme}")
    if await uow.proposals.by_external_id(contribution.external_id) is not None:
        raise InvalidInput("id", "imported before as a proposal (without commitment)")
    version = _version_at(await uow.commitments.versions(commitment.id), contribution.date)
    answers = Answers(comment=contribution.text)
    existing = await uow.feedback.by_external_id(contribution.external_id)
    if existing is None:
        await uow.feedback.add(
            None,
            version.id,
            contribution.channel,
            answers,
            contribution.date,
            region_code=contribution.region_code,
            org_type=contribution.org_type,
            external_id=contribution.external_id,
        )
        return "created"
    fresh = replace(
        existing,
        version_id=version.id,
        channel=contribution.channel,
        answers=answers,
        region_code=contribution.region_code,
        org_type=contribution.org_type,
        created_at=contribution.date,
        updated_at=contribution.date,
    )
    if fresh == existing:
        return "unchanged"
    await uow.feedback.overwrite(fresh)
    return "updated"


async def _store_proposal(uow: UnitOfWork, contribution: Contribution) -> str:
    if await uow.feedback.by_external_id(contribution.external_id) is not None:
        raise InvalidInput("id", "imported before as feedback on a commitment")
    existing = await uow.proposals.by_external_id(contribution.external_id)
    fresh = Proposal(
        id=existing.id if existing else 0,
        person_id=None,
        channel=contribution.channel,
        theme=contribution.theme,
        region_code=contribution.region_code,
        problem=None,
        proposal=contribution.text,
        responsible=None,
        created_at=contribution.date,
        org_type=contribution.org_type,
        external_id=contribution.external_id,
    )
    if existing is None:
        await uow.proposals.add(fresh)
        return "created"
    fresh = replace(
        fresh,
        disposition=existing.disposition,
        disposition_reason=existing.disposition_reason,
        decided_at=existing.decided_at,
        hidden=existing.hidden,
    )
    if fresh == existing:
        return "unchanged"
    await uow.proposals.overwrite(fresh)
    return "updated"


async def contributions_by_theme_and_channel(uow: UnitOfWork) -> dict[tuple[str, str], int]:
    """Cuadro 4: contributions (opinions and proposals, hidden ones included) by theme and channel."""
    counts = dict(await uow.feedback.count_by_theme_and_channel())
    for key, value in (await uow.proposals.count_by_theme_and_channel()).items():
        counts[key] = counts.get(key, 0) + value
    return counts
