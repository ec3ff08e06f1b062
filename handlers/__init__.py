"""The Telegram conversation layer: one Router per feature, composed here."""

from __future__ import annotations

from aiogram import F, Router

from handlers import common, onboarding, privacy, workshop_admin, workshop_renderers, workshops

# Imported for their side effect: the outbox renderers of the workshops feature.
_RENDERERS = workshop_renderers


def build_router() -> Router:
    root = Router(name="participa")
    private = Router(name="private")
    private.message.filter(F.chat.type == "private")
    private.callback_query.filter(F.message.chat.type == "private")
    # Workshops come before onboarding: "/start asistencia-CODE" (a scanned QR code) is theirs.
    private.include_routers(
        common.router,
        privacy.router,
        workshops.router,
        workshop_admin.router,
        onboarding.router,
        common.buttons,
    )
    root.include_routers(private, common.fallback)
    return root
