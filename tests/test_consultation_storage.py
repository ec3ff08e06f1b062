"""The consultation on a real SQLite file: feedback rows and their history, versions, imports, counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli import read_commitments, read_table
from bot.demo import demo_commitments
from bot.domain.commitments import Answers, Criterion, Rating, Support
from bot.domain.people import ProfileInput
from bot.domain.reference import OrgType
from bot.services import commitments, dispositions, onboarding, privacy
from bot.services.commitment_loading import (
    contributions_by_theme_and_channel,
    load_commitments,
    load_contributions,
)
from storage.db import session_factory
from storage.models import (
    CommitmentVersionRow,
    DeliveryRow,
    FeedbackHistoryRow,
    FeedbackRow,
    ProposalRow,
)
from storage.uow import SqlUnitOfWork

NOW = datetime.now(UTC).replace(microsecond=0)
ANSWERS = Answers(
    support=Support.EN_DESACUERDO,
    ratings={
        Criterion.ESPECIFICO: Rating.NO_CUMPLE, Criterion.MEDIBLE: Rating.EN_PARTE,
        Criterion.REALIZABLE: Rating.CUMPLE, Criterion.REALISTA: Rating.NO_SE,
        Criterion.PLAZOS: Rating.NO_CUMPLE,
    },
    comment="Sin plazos claros.",
)  # fmt: skip


async def _demo(engine: AsyncEngine) -> None:
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        await load_commitments(uow, *demo_commitments())


async def _person(engine: AsyncEngine, telegram_id: int) -> None:
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        await onboarding.accept_consent(uow, telegram_id, "es", 1, NOW)
        await onboarding.save_profile(
            uow, telegram_id, ProfileInput("Ana", "13", OrgType.ENTIDAD_PUBLICA, organisation_name="GORE")
        )


async def _card(engine: AsyncEngine, code: str) -> tuple[int, int]:
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        commitment = await uow.commitments.get_by_code(code)
        card = await uow.commitments.card(commitment.id)
    return card.id, card.version.id


async def test_loading_the_demo_twice_changes_nothing(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with SqlUnitOfWork(sessions) as uow:
        first = await load_commitments(uow, *demo_commitments())
    async with SqlUnitOfWork(sessions) as uow:
        second = await load_commitments(uow, *demo_commitments())
        counts = await uow.commitments.count_by_theme()
        page = await uow.commitments.cards_of_theme("infraestructura", 0, 10)
    assert (first.created, first.consultations_created, second.unchanged, second.new_versions) == (
        18,
        1,
        18,
        0,
    )
    assert counts == {"ambiente": 3, "educacion": 4, "infraestructura": 5, "salud": 2, "saneamiento": 2,
                      "seguridad": 2}  # fmt: skip
    assert [card.commitment.code for card in page] == [f"INF-0{n}" for n in range(1, 6)]
    assert page[1].commitment.anticorruption and page[1].consultation.code == "consulta-virtual"


async def test_feedback_rows_hold_the_version_every_answer_and_their_history(engine: AsyncEngine) -> None:
    await _demo(engine)
    await _person(engine, 77)
    commitment_id, version_id = await _card(engine, "SAN-01")
    sessions = session_factory(engine)
    async with SqlUnitOfWork(sessions) as uow:
        await commitments.save_feedback(uow, 77, commitment_id, version_id, ANSWERS, NOW)
    edited = Answers(
        support=Support.DE_ACUERDO, ratings=dict.fromkeys(Criterion, Rating.CUMPLE), comment=None
    )
    async with SqlUnitOfWork(sessions) as uow:
        saved = await commitments.save_feedback(
            uow, 77, commitment_id, version_id, edited, NOW + timedelta(hours=2)
        )
    assert not saved.created
    async with sessions() as session:
        row = (await session.execute(select(FeedbackRow))).scalar_one()
        history = (await session.execute(select(FeedbackHistoryRow))).scalars().all()
    assert (row.version_id, row.channel, row.support, row.comment) == (
        version_id,
        "telegram",
        "de_acuerdo",
        None,
    )
    assert [getattr(row, c.value) for c in Criterion] == ["cumple"] * 5
    assert (row.created_at, row.updated_at, row.region_code, row.org_type_code) == (
        NOW, NOW + timedelta(hours=2), "13", "entidad_publica",
    )  # fmt: skip
    assert [(h.feedback_id, h.support, h.especifico, h.medible, h.realizable, h.realista, h.plazos, h.comment,
             h.answered_at, h.replaced_at) for h in history] == [
        (row.id, "en_desacuerdo", "no_cumple", "en_parte", "cumple", "no_se", "no_cumple",
         "Sin plazos claros.",
         NOW, NOW + timedelta(hours=2)),
    ]  # fmt: skip


async def test_one_telegram_opinion_per_person_and_version_in_the_database(engine: AsyncEngine) -> None:
    await _demo(engine)
    await _person(engine, 78)
    commitment_id, version_id = await _card(engine, "AMB-01")
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        await commitments.save_feedback(uow, 78, commitment_id, version_id, ANSWERS, NOW)
    async with session_factory(engine)() as session:
        person_id = (await session.execute(select(FeedbackRow.person_id))).scalar_one()
        session.add(FeedbackRow(person_id=person_id, version_id=version_id, channel="telegram", hidden=False,
                                created_at=NOW, updated_at=NOW))  # fmt: skip
        with pytest.raises(IntegrityError):
            await session.commit()


async def test_a_new_version_leaves_the_opinions_on_the_old_one(engine: AsyncEngine) -> None:
    await _demo(engine)
    await _person(engine, 79)
    commitment_id, v1 = await _card(engine, "EDU-01")
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        await commitments.save_feedback(uow, 79, commitment_id, v1, ANSWERS, NOW)
    consultations, records = demo_commitments()
    records = [dict(r, title="Nueva redacción") if r["code"] == "EDU-01" else r for r in records]
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        report = await load_commitments(uow, consultations, records)
    _, v2 = await _card(engine, "EDU-01")
    assert (report.updated, report.new_versions, report.unchanged) == (1, 1, 17) and v2 != v1
    async with session_factory(engine)() as session:
        assert (await session.execute(select(FeedbackRow.version_id))).scalars().all() == [v1]
        numbers = (await session.execute(
            select(CommitmentVersionRow.number).where(CommitmentVersionRow.commitment_id == commitment_id)
        )).scalars().all()  # fmt: skip
    assert sorted(numbers) == [1, 2]


async def test_erasing_a_person_keeps_their_opinions_anonymously(engine: AsyncEngine) -> None:
    await _demo(engine)
    await _person(engine, 80)
    commitment_id, version_id = await _card(engine, "SAL-01")
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        await commitments.save_feedback(uow, 80, commitment_id, version_id, ANSWERS, NOW)
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        assert await privacy.erase(uow, 80)
    async with session_factory(engine)() as session:
        row = (await session.execute(select(FeedbackRow))).scalar_one()
    assert (row.person_id, row.region_code, row.support) == (None, "13", "en_desacuerdo")


async def test_contributions_imported_from_a_csv_file(engine: AsyncEngine, tmp_path: Path) -> None:
    await _demo(engine)
    path = tmp_path / "aportes.csv"
    path.write_text(
        "id;channel;theme;region;commitment;org_type;text;date\n"
        "foro-1;foro;Salud;La Libertad;SAL-01;ONG;Falta el enfoque intercultural.;2017-09-25\n"
        "foro-2;foro;Seguridad ciudadana;San Martín;;Academia;Un observatorio del delito.;2017-09-26\n"
        'correo-1;correo;educacion;04;EDU-02;Entidad pública;"Incluir a las UGEL; y a las DRE.";2017-09-27\n',
        encoding="utf-8",
    )
    rows = read_table(path)
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        first = await load_contributions(uow, rows)
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        second = await load_contributions(uow, rows)
        counts = await contributions_by_theme_and_channel(uow)
    assert (first.created, second.unchanged) == (3, 3)
    assert counts == {("salud", "foro"): 1, ("seguridad", "foro"): 1, ("educacion", "correo"): 1}
    async with session_factory(engine)() as session:
        proposal = (await session.execute(select(ProposalRow))).scalar_one()
        comments = (
            (await session.execute(select(FeedbackRow.comment).order_by(FeedbackRow.id))).scalars().all()
        )
    assert (proposal.channel, proposal.region_code, proposal.org_type_code, proposal.person_id) == (
        "foro", "22", "academia", None,
    )  # fmt: skip
    assert comments == ["Falta el enfoque intercultural.", "Incluir a las UGEL; y a las DRE."]


async def test_commitments_from_a_csv_file(engine: AsyncEngine, tmp_path: Path) -> None:
    path = tmp_path / "compromisos.csv"
    path.write_text(
        "code,theme,consultation,consultation_title,consultation_opens_at,consultation_closes_at,title,problem,"
        "objective,activities,responsible,values,anticorrupcion\n"
        "SAL-9,salud,ronda-csv,Ronda CSV,2030-01-01 00:00,2030-01-15 00:00,Un título,Un problema,Un objetivo,"
        '"Primera | Segunda",MINSA,"transparencia, participacion",sí\n',
        encoding="utf-8",
    )
    consultations, records = read_commitments(path)
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        report = await load_commitments(uow, consultations, records)
        card = await uow.commitments.card((await uow.commitments.get_by_code("SAL-9")).id)
    assert (report.created, report.consultations_created) == (1, 1)
    assert card.version.text.activities == ("Primera", "Segunda") and card.commitment.anticorruption
    assert card.consultation.opens_at == datetime(2030, 1, 1, 5, 0, tzinfo=UTC)  # Lima time, stored in UTC


async def test_a_disposition_is_one_delivery_per_person(engine: AsyncEngine) -> None:
    await _demo(engine)
    for telegram_id in (81, 82):
        await _person(engine, telegram_id)
    commitment_id, version_id = await _card(engine, "SEG-02")
    for telegram_id in (81, 82):
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            await commitments.save_feedback(uow, telegram_id, commitment_id, version_id, ANSWERS, NOW)
    for _ in range(2):
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            await dispositions.decide_commitment(
                uow, None, "SEG-02", "modificado", "Se precisaron las metas."
            )
    async with session_factory(engine)() as session:
        rows = (
            await session.execute(select(DeliveryRow.chat_id, DeliveryRow.kind, DeliveryRow.priority))
        ).all()
        count = (await session.execute(select(func.count()).select_from(DeliveryRow))).scalar()
    assert sorted(rows) == [(81, "disposition", 5), (82, "disposition", 5)] and count == 2
