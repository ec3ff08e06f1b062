"""Callback data of the consultation's buttons. Validated on arrival; trusted for nothing else."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class CommitmentCb(CallbackData, prefix="cm"):
    """Browsing: a: themes | theme | show | opine | edit | decide | comments."""

    a: str
    t: str = ""  # theme code
    p: int = 0  # page, from 0
    id: int = 0  # commitment id
    v: int = 0  # version id (opine, edit)
    n: bool = False  # answer in a new message instead of editing this one


class FeedbackCb(CallbackData, prefix="fb"):
    """A step of the feedback: s: support | <criterion> | nocomment | change | confirm."""

    s: str
    x: str = ""  # the answer (or, for change, which answer)
    v: int = 0  # the version the conversation is about: an old button of another one is stale


class ProposalCb(CallbackData, prefix="pp"):
    """A step of /proponer: s: theme | region | unknown | change | send | drop."""

    s: str
    x: str = ""


class ModerationCb(CallbackData, prefix="md"):
    """An administrator hides (h=True) or shows again a comment; c and p: the list to show after."""

    id: int
    h: bool
    c: int
    p: int = 0


class DecisionCb(CallbackData, prefix="dc"):
    """An administrator's disposition: s: choose | confirm | cancel."""

    s: str
    x: str = ""
