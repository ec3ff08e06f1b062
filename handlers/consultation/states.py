"""Conversation states of the consultation (kept in the database by storage.fsm.SqlStorage)."""

from aiogram.fsm.state import State, StatesGroup

from bot.domain.commitments import Criterion


class Opinion(StatesGroup):
    support = State()
    especifico = State()
    medible = State()
    realizable = State()
    realista = State()
    plazos = State()
    comment = State()
    summary = State()


CRITERION_STATES = {
    Criterion.ESPECIFICO: Opinion.especifico,
    Criterion.MEDIBLE: Opinion.medible,
    Criterion.REALIZABLE: Opinion.realizable,
    Criterion.REALISTA: Opinion.realista,
    Criterion.PLAZOS: Opinion.plazos,
}


class Proposing(StatesGroup):
    theme = State()
    region = State()
    problem = State()
    proposal = State()
    responsible = State()
    summary = State()


class Deciding(StatesGroup):
    choose = State()
    reason = State()
    confirm = State()
