"""The Telegram conversation layer: one Router per feature, composed here."""

from __future__ import annotations

from aiogram import F, Router

from handlers import (
    broadcasts,
    common,
    consultation,
    hardening,
    onboarding,
    privacy,
    reports,
    roles,
    workshop_admin,
    workshop_renderers,
    workshops,
)

# Imported for their side effect: the outbox renderers of the workshops feature.
_RENDERERS = workshop_renderers


def build_router() -> Router:
    """The whole conversation: private-chat features in order of precedence, then the fallbacks.

    Feature routers are module-level (their handlers are declared with decorators); aiogram lets a
    router have one parent, so a new tree first releases them from any previous one (several apps
    in one process: the sandbox, the tests). Workshops come before onboarding: "/start
    asistencia-CODE" (a scanned QR code) is theirs."""
    features = [
        common.router,
        privacy.router,
        roles.router,
        reports.router,
        broadcasts.router,
        workshops.router,
        workshop_admin.router,
        onboarding.router,
        consultation.build_router(),
        common.buttons,
    ]
    for router in [*features, hardening.router, common.fallback]:
        router._parent_router = None
    root = Router(name="participa")
    private = Router(name="private")
    private.message.filter(F.chat.type == "private")
    private.callback_query.filter(F.message.chat.type == "private")
    private.include_routers(*features)
    root.include_routers(hardening.router, private, common.fallback)
    return root
