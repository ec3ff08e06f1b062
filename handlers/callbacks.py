"""Callback data factories. Everything here is validated on arrival and trusted for nothing else."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class LanguageCb(CallbackData, prefix="lang"):
    code: str


class ConsentCb(CallbackData, prefix="consent"):
    accept: bool


class RegionCb(CallbackData, prefix="region"):
    code: str


class OrgTypeCb(CallbackData, prefix="orgtype"):
    code: str


class OrganisationCb(CallbackData, prefix="org"):
    id: int  # 0 = a new organisation with the name the person typed


class MenuCb(CallbackData, prefix="menu"):
    action: str


class EraseCb(CallbackData, prefix="erase"):
    confirm: bool


class ProfileEditCb(CallbackData, prefix="editprofile"):
    field: str  # name | region | organisation | phone


class BroadcastKindCb(CallbackData, prefix="bck"):
    kind: str


class BroadcastTargetCb(CallbackData, prefix="bct"):
    target: str


class BroadcastCb(CallbackData, prefix="bc"):
    action: str  # send | edit | cancel | stop
    id: int


class ExportCb(CallbackData, prefix="exp"):
    dataset: str
    fmt: str = ""  # empty: the dataset was chosen, the format comes next
