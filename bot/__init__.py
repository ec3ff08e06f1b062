"""Participa: a Telegram bot for citizen participation in Peru's Open Government action plans."""
