"""Conversation states (kept in the database by storage.fsm.SqlStorage)."""

from aiogram.fsm.state import State, StatesGroup


class Onboarding(StatesGroup):
    language = State()
    consent = State()
    name = State()
    region = State()
    org_type = State()
    organisation = State()
    organisation_pick = State()
    phone = State()
