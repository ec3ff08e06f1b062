"""The consultation of draft commitments: reading them (/compromisos), structured SMART feedback,
proposals (/proponer), SGP's dispositions and the messages that close the loop.

Importing this package registers the outbox renderers of its messages (handlers/consultation/decisions.py).
"""

from __future__ import annotations

from aiogram import Router

from handlers.consultation import browse, decisions, feedback, proposals
from handlers.routing import GatedRouter


def build_router() -> Router:
    """Commands and menu buttons come first (browse, proposals' /proponer, /disposicion), so that a
    command typed in the middle of a conversation is never taken as its answer."""
    router = GatedRouter(name="consultation")
    parts = [browse.router, proposals.router, decisions.router, feedback.router]
    for part in parts:  # released from a previous tree (several apps in one process)
        part._parent_router = None
    router.include_routers(*parts)
    return router
