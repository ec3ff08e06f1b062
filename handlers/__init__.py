"""The Telegram conversation layer: one Router per feature, composed here."""

from __future__ import annotations

from aiogram import F, Router

from handlers import common, consultation, onboarding, privacy


def build_router() -> Router:
    root = Router(name="participa")
    private = Router(name="private")
    private.message.filter(F.chat.type == "private")
    private.callback_query.filter(F.message.chat.type == "private")
    private.include_routers(
        common.router, privacy.router, onboarding.router, consultation.build_router(), common.buttons
    )
    root.include_routers(private, common.fallback)
    return root
