"""The consultation's domain rules and services, with in-memory fakes (no database, no Telegram)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.demo import demo_commitments
from bot.domain.commitments import (
    COMMENT_MAX,
    AlreadyDecided,
    Answers,
    Channel,
    CommitmentWithdrawn,
    Consultation,
    ConsultationClosed,
    ConsultationNotOpen,
    Criterion,
    Phase,
    ProposalInput,
    Rating,
    Support,
    VersionChanged,
    validate_comment,
)
from bot.domain.errors import ConsentRequired, InvalidInput, NotFound
from bot.domain.people import ProfileInput
from bot.domain.reference import OrgType
from bot.domain.roles import Forbidden
from bot.services import commitments, dispositions, onboarding, proposals
from bot.services.commitment_loading import (
    contributions_by_theme_and_channel,
    load_commitments,
    load_contributions,
    parse_commitment,
    parse_contribution,
)
from bot.services.loading import RecordError
from tests.fakes_consultation import ConsultationUnitOfWork

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
DAY = timedelta(days=1)
ADMIN = 900

COMPLETE = Answers(
    support=Support.CON_CAMBIOS,
    ratings={
        Criterion.ESPECIFICO: Rating.CUMPLE, Criterion.MEDIBLE: Rating.EN_PARTE,
        Criterion.REALIZABLE: Rating.NO_CUMPLE, Criterion.REALISTA: Rating.NO_SE,
        Criterion.PLAZOS: Rating.CUMPLE,
    },
    comment="Precisar las metas.",
)  # fmt: skip


def record(code: str = "SAL-01", **changes: object) -> dict:
    base = {
        "code": code, "theme": "salud", "consultation": "ronda", "title": f"Título de {code}",
        "problem": "Un problema.", "objective": "Un objetivo.", "activities": ["Una actividad (6 meses)."],
        "responsible": "MINSA", "values": ["transparencia"],
    }  # fmt: skip
    return base | changes


def rounds(opens: timedelta = -DAY, closes: timedelta = 10 * DAY, code: str = "ronda") -> list[dict]:
    return [{"code": code, "title": "Ronda", "opens_at": NOW + opens, "closes_at": NOW + closes}]


async def person(uow: ConsultationUnitOfWork, telegram_id: int, region: str = "04") -> int:
    await onboarding.accept_consent(uow, telegram_id, "es", 1, NOW)
    saved = await onboarding.save_profile(
        uow, telegram_id, ProfileInput(f"Persona {telegram_id}", region, OrgType.ONG, organisation_name="Red")
    )
    return saved.id


async def loaded(*records: dict, **window: timedelta) -> ConsultationUnitOfWork:
    uow = ConsultationUnitOfWork()
    await load_commitments(uow, rounds(**window), list(records or [record()]), NOW - 2 * DAY)
    return uow


async def current(uow: ConsultationUnitOfWork, code: str = "SAL-01") -> tuple[int, int]:
    commitment = await uow.commitments.get_by_code(code)
    card = await uow.commitments.card(commitment.id)
    return card.id, card.version.id


# -- domain ------------------------------------------------------------------------------------
def test_a_consultation_has_a_window() -> None:
    consultation = Consultation("c", "C", NOW, NOW + 14 * DAY)
    assert consultation.phase(NOW - DAY) is Phase.PENDING
    assert consultation.phase(NOW) is Phase.OPEN
    assert consultation.phase(NOW + 14 * DAY) is Phase.CLOSED
    with pytest.raises(ConsultationNotOpen):
        consultation.require_open(NOW - DAY)
    with pytest.raises(ConsultationClosed) as closed:
        consultation.require_open(NOW + 15 * DAY)
    assert closed.value.closes_at == NOW + 14 * DAY
    with pytest.raises(InvalidInput, match="closes_at"):
        Consultation("c", "C", NOW, NOW).validate()


def test_comments_are_at_most_2000_characters() -> None:
    assert validate_comment("x" * COMMENT_MAX) == "x" * COMMENT_MAX
    with pytest.raises(InvalidInput) as refused:
        validate_comment("x" * (COMMENT_MAX + 1))
    assert (refused.value.reason, refused.value.limit) == ("too_long", 2000)
    assert validate_comment("  línea  uno \n\n\n\n línea   dos ") == "línea uno\n\nlínea dos"
    assert validate_comment("   \n ") is None


def test_answers_from_the_conversation_are_checked() -> None:
    assert Answers.from_plain(COMPLETE.to_plain()) == COMPLETE
    with pytest.raises(InvalidInput):
        Answers.from_plain({**COMPLETE.to_plain(), "medible": "muy_bien"})
    assert not Answers.from_plain({"support": "de_acuerdo", "especifico": "cumple"}).complete


def test_commitment_records_accept_csv_cells() -> None:
    draft = parse_commitment(
        record(activities="Primera | Segunda", values="transparencia, rendicion cuentas", anticorrupcion="sí",
               theme="Seguridad ciudadana")
    )  # fmt: skip
    assert draft.text.activities == ("Primera", "Segunda")
    assert [v.value for v in draft.text.values] == ["transparencia", "rendicion_cuentas"]
    assert draft.anticorruption and draft.theme == "seguridad"
    with pytest.raises(InvalidInput, match="values"):
        parse_commitment(record(values=["apertura"]))
    with pytest.raises(InvalidInput, match="theme"):
        parse_commitment(record(theme="deporte"))


def test_the_demo_has_18_commitments_in_an_open_consultation() -> None:
    consultations, records = demo_commitments()
    themes = [parse_commitment(r).theme for r in records]
    assert {theme: themes.count(theme) for theme in set(themes)} == {
        "ambiente": 3, "educacion": 4, "infraestructura": 5, "salud": 2, "saneamiento": 2, "seguridad": 2,
    }  # fmt: skip
    assert consultations[0]["opens_at"] < datetime.now(UTC) < consultations[0]["closes_at"]


# -- loading -----------------------------------------------------------------------------------
async def test_loading_twice_changes_nothing_and_a_new_text_is_a_new_version() -> None:
    uow = ConsultationUnitOfWork()
    first = await load_commitments(uow, rounds(), [record(), record("SAL-02")], NOW)
    again = await load_commitments(uow, rounds(), [record(), record("SAL-02")], NOW)
    changed = await load_commitments(
        uow, rounds(), [record(title="Otro título"), record("SAL-02", status="retirado")], NOW
    )
    assert (first.created, again.unchanged, again.new_versions) == (2, 2, 0)
    assert (changed.updated, changed.new_versions) == (2, 1)
    versions = await uow.commitments.versions((await uow.commitments.get_by_code("SAL-01")).id)
    assert [(v.number, v.text.title) for v in versions] == [(1, "Título de SAL-01"), (2, "Otro título")]
    assert (await uow.commitments.get_by_code("SAL-02")).withdrawn
    assert await uow.commitments.count_by_theme() == {"salud": 1}


async def test_a_bad_file_names_its_record_and_stores_nothing() -> None:
    uow = ConsultationUnitOfWork()
    with pytest.raises(RecordError, match="record 2: consultation"):
        await load_commitments(uow, rounds(), [record(), record("SAL-02", consultation="otra")], NOW)
    with pytest.raises(RecordError, match="record 2: code: repeated"):
        await load_commitments(uow, rounds(), [record(), record()], NOW)
    with pytest.raises(RecordError, match="record 1: activities"):
        await load_commitments(uow, rounds(), [record(activities=[])], NOW)
    assert uow.commits == 0


async def test_contributions_from_other_channels_are_counted_with_their_channel() -> None:
    uow = await loaded(record(), record("EDU-01", theme="educacion"))
    rows = [
        {"id": "foro-1", "channel": "foro", "theme": "salud", "region": "Arequipa", "commitment": "SAL-01",
         "org_type": "ONG", "text": "Bien.", "date": "2017-09-25"},
        {"id": "correo-7", "channel": "correo", "theme": "Educación", "region": "13", "commitment": "",
         "org_type": "Academia", "text": "Proponemos tutorías.", "date": "2017-09-26 10:30"},
        {"id": "taller-3", "channel": "taller", "theme": "", "commitment": "EDU-01", "text": "Más plazos.",
         "date": "2017-09-27"},
    ]  # fmt: skip
    first = await load_contributions(uow, rows)
    again = await load_contributions(uow, rows)
    assert (first.created, again.unchanged) == (3, 3)
    rows[0] = {**rows[0], "text": "Muy bien."}
    assert (await load_contributions(uow, rows)).updated == 1
    feedback = await uow.feedback.by_external_id("foro-1")
    assert (feedback.channel, feedback.person_id, feedback.answers.comment, feedback.region_code) == (
        Channel.FORO, None, "Muy bien.", "04",
    )  # fmt: skip
    assert not feedback.answers.complete  # a comment only: no SMART answers
    proposal = await uow.proposals.by_external_id("correo-7")
    assert (proposal.theme, proposal.region_code, proposal.org_type) == ("educacion", "13", "academia")
    await person(uow, 1)
    await commitments.save_feedback(uow, 1, *await current(uow), COMPLETE, NOW)
    assert await contributions_by_theme_and_channel(uow) == {
        ("salud", "foro"): 1, ("salud", "telegram"): 1, ("educacion", "correo"): 1,
        ("educacion", "taller"): 1,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"channel": "telegram"}, "channel"),
        ({"channel": "fax"}, "channel"),
        ({"commitment": "", "theme": ""}, "theme"),
        ({"text": ""}, "text"),
        ({"text": "x" * 2001}, "text"),
        ({"region": "Atlántida"}, "region"),
        ({"date": "ayer"}, "date"),
    ],
)
def test_a_bad_contribution_is_refused(change: dict, field: str) -> None:
    row = {
        "id": "x",
        "channel": "foro",
        "theme": "salud",
        "commitment": "SAL-01",
        "text": "t",
        "date": "2017-09-25",
    }
    with pytest.raises(InvalidInput) as refused:
        parse_contribution(row | change)
    assert refused.value.field == field


async def test_a_contribution_on_an_unknown_commitment_stops_the_import() -> None:
    uow = await loaded()
    with pytest.raises(RecordError, match="record 1: commitment"):
        await load_contributions(uow, [{"id": "f", "channel": "foro", "commitment": "NO-1", "text": "t",
                                        "date": "2017-09-25"}])  # fmt: skip


# -- reading -----------------------------------------------------------------------------------
async def test_overview_has_every_theme_and_pages_are_clamped() -> None:
    uow = await loaded(*(record(f"INF-0{n}", theme="infraestructura") for n in range(1, 6)))
    overview = await commitments.overview(uow, NOW)
    assert list(overview.counts) == [
        "salud",
        "educacion",
        "infraestructura",
        "saneamiento",
        "ambiente",
        "seguridad",
    ]
    assert overview.counts["infraestructura"] == 5 and overview.consultation.code == "ronda"
    page = await commitments.theme_page(uow, "infraestructura", 7, page_size=2)
    assert (page.page, page.pages, [c.commitment.code for c in page.cards]) == (2, 3, ["INF-05"])
    with pytest.raises(InvalidInput):
        await commitments.theme_page(uow, "deporte", 0)


def test_the_consultation_to_announce() -> None:
    closed = Consultation("a", "A", NOW - 20 * DAY, NOW - 5 * DAY)
    later = Consultation("b", "B", NOW + 5 * DAY, NOW + 20 * DAY)
    open_ = Consultation("c", "C", NOW - DAY, NOW + DAY)
    assert commitments.relevant_consultation([closed, later, open_], NOW) is open_
    assert commitments.relevant_consultation([closed, later], NOW) is later
    assert commitments.relevant_consultation([closed], NOW) is closed
    assert commitments.relevant_consultation([], NOW) is None


# -- feedback ----------------------------------------------------------------------------------
async def test_one_opinion_per_version_edits_keep_the_history() -> None:
    uow = await loaded()
    await person(uow, 1)
    commitment_id, version_id = await current(uow)
    first = await commitments.save_feedback(uow, 1, commitment_id, version_id, COMPLETE, NOW)
    changed = Answers(support=Support.DE_ACUERDO, ratings=dict.fromkeys(Criterion, Rating.CUMPLE))
    second = await commitments.save_feedback(uow, 1, commitment_id, version_id, changed, NOW + DAY)
    assert first.created and not second.created and first.feedback.id == second.feedback.id
    assert len(uow.feedback.rows) == 1
    stored = uow.feedback.rows[first.feedback.id]
    assert (stored.answers, stored.created_at, stored.updated_at, stored.channel) == (
        changed, NOW, NOW + DAY, Channel.TELEGRAM,
    )  # fmt: skip
    assert (stored.region_code, stored.org_type) == ("04", "ong")
    history = await uow.feedback.history(first.feedback.id)
    assert [(h.answers, h.answered_at, h.replaced_at) for h in history] == [(COMPLETE, NOW, NOW + DAY)]
    reading = await commitments.read_commitment(uow, 1, commitment_id, NOW)
    assert reading.own is not None and reading.phase is Phase.OPEN and not reading.can_decide


@pytest.mark.parametrize(
    ("window", "error"),
    [
        ({"opens": DAY, "closes": 5 * DAY}, ConsultationNotOpen),
        ({"opens": -5 * DAY, "closes": -DAY}, ConsultationClosed),
    ],
)
async def test_outside_the_window_nothing_is_saved(window: dict, error: type) -> None:
    uow = await loaded(**window)
    await person(uow, 1)
    commits = uow.commits
    with pytest.raises(error):
        await commitments.begin_feedback(uow, 1, *await current(uow), NOW)
    with pytest.raises(error):
        await commitments.save_feedback(uow, 1, *await current(uow), COMPLETE, NOW)
    assert uow.feedback.rows == {} and uow.commits == commits


async def test_old_buttons_of_a_withdrawn_or_changed_commitment_save_nothing() -> None:
    uow = await loaded()
    await person(uow, 1)
    commitment_id, old_version = await current(uow)
    await load_commitments(uow, rounds(), [record(title="Nueva redacción")], NOW)
    with pytest.raises(VersionChanged):
        await commitments.save_feedback(uow, 1, commitment_id, old_version, COMPLETE, NOW)
    await load_commitments(uow, rounds(), [record(title="Nueva redacción", status="retirado")], NOW)
    with pytest.raises(CommitmentWithdrawn):
        await commitments.save_feedback(uow, 1, *await current(uow), COMPLETE, NOW)
    with pytest.raises(CommitmentWithdrawn):
        await commitments.read_commitment(uow, 1, commitment_id, NOW)
    with pytest.raises(NotFound):
        await commitments.check_open(uow, 999, 1, NOW)
    assert uow.feedback.rows == {}


async def test_incomplete_answers_or_no_profile_save_nothing() -> None:
    uow = await loaded()
    with pytest.raises(ConsentRequired):
        await commitments.save_feedback(uow, 1, *await current(uow), COMPLETE, NOW)
    await person(uow, 1)
    with pytest.raises(InvalidInput):
        await commitments.save_feedback(uow, 1, *await current(uow), Answers(support=Support.DE_ACUERDO), NOW)
    assert uow.feedback.rows == {}


# -- dispositions and moderation --------------------------------------------------------------
async def test_a_disposition_reaches_every_contributor_once() -> None:
    uow = await loaded()
    for telegram_id in (1, 2, 3):
        await person(uow, telegram_id)
    commitment_id, v1 = await current(uow)
    await commitments.save_feedback(uow, 1, commitment_id, v1, COMPLETE, NOW)
    await commitments.save_feedback(uow, 2, commitment_id, v1, COMPLETE, NOW)
    await load_commitments(uow, rounds(), [record(objective="Más preciso.")], NOW)
    _, v2 = await current(uow)
    await commitments.save_feedback(uow, 1, commitment_id, v2, COMPLETE, NOW)  # a second opinion
    uow.roles.admins.add(ADMIN)

    with pytest.raises(Forbidden):
        await dispositions.decide_commitment(uow, 3, "SAL-01", "incorporado", "Motivo.")
    assert uow.outbox.items == [] and (await uow.commitments.get(commitment_id)).disposition is None

    result = await dispositions.decide_commitment(
        uow, ADMIN, "SAL-01", "Incorporado", " Lo asume  el MINSA. ", NOW
    )
    assert (result.recorded, result.notified) == (True, 2)
    assert sorted(item.chat_id for item in uow.outbox.items) == [1, 2]
    notice = uow.outbox.items[0]
    assert notice.kind == "disposition" and notice.dedupe_key == f"disposition:commitment:{commitment_id}:1"
    assert notice.payload == {
        "target": "commitment", "id": commitment_id, "code": "SAL-01", "title": "Título de SAL-01",
        "disposition": "incorporado", "reason": "Lo asume el MINSA.",
    }  # fmt: skip
    again = await dispositions.decide_commitment(uow, None, "SAL-01", "incorporado", "Lo asume el MINSA.")
    assert (again.recorded, again.notified, len(uow.outbox.items)) == (False, 0, 2)
    with pytest.raises(AlreadyDecided):
        await dispositions.decide_commitment(uow, None, "SAL-01", "desestimado", "Otro.")
    with pytest.raises(AlreadyDecided):
        await dispositions.pending_decision(uow, ADMIN, "commitment", commitment_id)
    # Someone who gives an opinion after the decision hears it too, once.
    await commitments.save_feedback(uow, 3, commitment_id, v2, COMPLETE, NOW)
    assert sorted(item.chat_id for item in uow.outbox.items) == [1, 2, 3]
    assert [entry[:3] for entry in uow.audit.entries][:1] == [(ADMIN, "commitment.disposition", "SAL-01")]


async def test_a_disposition_needs_a_reason_and_a_known_value() -> None:
    uow = await loaded()
    with pytest.raises(InvalidInput, match="disposition"):
        await dispositions.decide_commitment(uow, None, "SAL-01", "aprobado", "Motivo.")
    with pytest.raises(InvalidInput, match="reason"):
        await dispositions.decide_commitment(uow, None, "SAL-01", "incorporado", "   ")
    with pytest.raises(NotFound):
        await dispositions.decide_commitment(uow, None, "NO-1", "incorporado", "Motivo.")


async def test_a_proposal_and_its_disposition() -> None:
    uow = ConsultationUnitOfWork()
    await person(uow, 5, region="22")
    with pytest.raises(InvalidInput) as refused:
        await proposals.submit_proposal(uow, 5, ProposalInput("salud", None, "p" * 1001, "Algo.", None))
    assert refused.value.limit == 1000
    saved = await proposals.submit_proposal(
        uow, 5, ProposalInput("salud", None, "Faltan médicos.", "Turnos en línea.", "  "), NOW
    )
    assert (saved.region_code, saved.responsible, saved.channel, saved.org_type) == (
        "22",
        None,
        Channel.TELEGRAM,
        "ong",
    )
    uow.roles.admins.add(ADMIN)
    pending = await dispositions.pending_decision(uow, ADMIN, "proposal", saved.id)
    assert (pending.label, pending.recipients) == (str(saved.id), 1)
    result = await dispositions.decide_proposal(uow, ADMIN, saved.id, "desestimado", "No corresponde.", NOW)
    assert result.notified == 1 and uow.outbox.items[0].dedupe_key == f"disposition:proposal:{saved.id}"
    assert uow.outbox.items[0].payload["title"] == "Turnos en línea."
    assert (await uow.proposals.get(saved.id)).disposition.value == "desestimado"


async def test_hiding_a_comment_tells_its_author_without_the_reason_once() -> None:
    uow = await loaded()
    await person(uow, 1)
    saved = await commitments.save_feedback(uow, 1, *await current(uow), COMPLETE, NOW)
    with pytest.raises(Forbidden):
        await dispositions.hide_feedback(uow, 1, saved.feedback.id)
    uow.roles.admins.add(ADMIN)
    assert await dispositions.hide_feedback(uow, ADMIN, saved.feedback.id, now=NOW)
    assert not await dispositions.hide_feedback(uow, ADMIN, saved.feedback.id, now=NOW)
    stored = uow.feedback.rows[saved.feedback.id]
    assert stored.hidden and stored.answers.comment == "Precisar las metas."  # kept in the database
    assert uow.feedback.hidden_by[saved.feedback.id] == ADMIN
    [notice] = uow.outbox.items
    assert notice.kind == "contribution_hidden" and notice.payload == {
        "target": "feedback", "code": "SAL-01", "title": "Título de SAL-01",
    }  # fmt: skip
    assert await dispositions.hide_feedback(uow, None, saved.feedback.id, hidden=False)
    assert await dispositions.hide_feedback(uow, None, saved.feedback.id)
    assert len(uow.outbox.items) == 1  # told once


async def test_administrators_see_the_comments_to_moderate() -> None:
    uow = await loaded()
    for telegram_id in (1, 2, 3):
        await person(uow, telegram_id)
        answers = COMPLETE if telegram_id != 2 else Answers(COMPLETE.support, COMPLETE.ratings, None)
        await commitments.save_feedback(
            uow, telegram_id, *await current(uow), answers, NOW + telegram_id * DAY
        )
    commitment_id, _ = await current(uow)
    with pytest.raises(Forbidden):
        await dispositions.comments_to_moderate(uow, 1, commitment_id)
    uow.roles.admins.add(ADMIN)
    page = await dispositions.comments_to_moderate(uow, ADMIN, commitment_id, page=5, page_size=1)
    assert (page.total, page.pages, page.page, page.code) == (2, 2, 1, "SAL-01")
    assert [f.telegram_id for f in page.feedback] == [1]  # newest first: person 3, then person 1
