"""The consultation of draft commitments: reading them (/compromisos), structured SMART feedback,
proposals (/proponer), SGP's dispositions and the messages that close the loop.

Importing this package registers the outbox renderers of its messages (handlers/consultation/decisions.py).
"""

from __future__ import annotations

from aiogram import Router

from handlers.consultation import browse, decisions, feedback, proposals


def build_router() -> Router:
    """Commands and menu buttons come first (browse, proposals' /proponer, /disposicion), so that a
    command typed in the middle of a conversation is never taken as its answer."""
    router = Router(name="consultation")
    router.include_routers(browse.router, proposals.router, decisions.router, feedback.router)
    return router
