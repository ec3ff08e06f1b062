"""Callback data of the workshop buttons. Ids in them are checked by the services on arrival
(existence, ownership, the organiser's region): a button is trusted for nothing."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

# Participant actions on a workshop.
WORKSHOP_ACTIONS = ("list", "view", "join", "wait", "ics", "materials")
# Actions on one's own registration (named by its id).
REGISTRATION_ACTIONS = ("cancel", "accept", "release")
# Organiser actions on a workshop of their regions.
MANAGE_ACTIONS = ("menu", "roster", "attendance", "capacity", "date", "cancel", "cancel_yes")


class WorkshopCb(CallbackData, prefix="ws"):
    action: str
    id: int = 0


class MaterialCb(CallbackData, prefix="wsmat"):
    id: int  # the workshop
    n: int  # the material's place in the workshop's list


class RegistrationCb(CallbackData, prefix="reg"):
    action: str
    id: int


class ManageCb(CallbackData, prefix="wsadm"):
    action: str
    id: int


class PresentCb(CallbackData, prefix="present"):
    id: int  # a registration
