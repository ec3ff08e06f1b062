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


class WorkshopEdit(StatesGroup):
    """An organiser typing a new value for a workshop (its id is in the conversation data)."""

    capacity = State()
    starts_at = State()
