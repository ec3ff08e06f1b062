"""Configuration from the environment (DESIGN.md section 3), through pydantic-settings.

A missing or malformed value stops start-up with one line naming the variable: see `load_settings`.
"""

from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

if TYPE_CHECKING:
    from bot.services.workshops import Policy

Locale = Literal["es", "en", "qu"]
LOCALES: tuple[str, ...] = ("es", "en", "qu")

_TOKEN_RE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{20,}$")


class ConfigError(Exception):
    """A configuration problem, already phrased as one line for the operator."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    database_url: str = "sqlite+aiosqlite:///participa.db"
    redis_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    port: int = Field(default=8080, ge=1, le=65535)
    sgp_admin_ids: Annotated[tuple[int, ...], NoDecode] = ()
    default_locale: Locale = "es"
    # `participa run` logs JSON lines (one per update, no personal data); "text" for people reading.
    log_format: Literal["json", "text"] = "json"
    # Outbox sender: messages per second overall (Telegram allows 30; direct replies use the rest).
    send_rate: float = Field(default=25.0, gt=0, le=30)
    # More than this many updates from one person within 10 seconds are ignored after one notice.
    flood_limit: int = Field(default=20, ge=1)
    # PostgreSQL: on start, deliveries another sender claimed longer ago than this are taken back
    # (that sender died); SQLite has one sender and takes back all of them (seconds).
    claim_stale_seconds: float = Field(default=120.0, gt=0)
    # /compromisos: commitments shown on one page of a theme.
    commitments_page_size: int = Field(default=5, ge=1, le=20)
    # Where the consent notice changes, bump this: people are asked to consent again.
    privacy_notice_version: int = Field(default=1, ge=1)
    # Workshops: reminders before the start (24h, 2h, 30m, 45s), and how long a freed seat is held
    # for the next person on the waiting list before it passes on (hours; fractions for tests).
    reminder_offsets: str = "24h,2h"
    offer_hours: float = Field(default=24.0, gt=0)
    # How often the bot looks for waiting-list offers that ran out (seconds).
    offer_check_seconds: float = Field(default=30.0, gt=0)
    # Exports: the key of the open-data pseudonyms (keep it secret and the same across releases),
    # and the largest file the bot sends in the chat (Telegram's bot upload limit is 50 MB).
    open_data_secret: SecretStr | None = None
    export_max_bytes: int = Field(default=50 * 1024 * 1024, ge=1)

    @field_validator("reminder_offsets")
    @classmethod
    def _offsets(cls, value: str) -> str:
        from bot.domain.workshops import parse_offsets

        parse_offsets(value)
        return value

    @property
    def reminder_seconds(self) -> tuple[int, ...]:
        from bot.domain.workshops import parse_offsets

        return parse_offsets(self.reminder_offsets)

    @property
    def workshop_policy(self) -> Policy:
        """Reminder offsets and offer deadline, as the workshop services take them."""
        from bot.services.workshops import Policy

        return Policy(reminder_offsets=self.reminder_seconds, offer_hours=self.offer_hours)

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _TOKEN_RE.match(value.get_secret_value()):
            raise ValueError("expected the shape 123456789:ABC... given by @BotFather")
        return value

    @field_validator("telegram_api_url", "webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None if value == "" else value
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("expected an http:// or https:// address")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not re.match(r"^(sqlite\+aiosqlite|postgresql\+asyncpg)://", value):
            raise ValueError("expected sqlite+aiosqlite:///FILE or postgresql+asyncpg://USER@HOST/DB")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value and not re.match(r"^(redis|rediss|unix)://", value):
            raise ValueError("expected redis://HOST:PORT/DB")
        return value or None

    @field_validator("sgp_admin_ids", mode="before")
    @classmethod
    def _comma_separated_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            if not all(re.fullmatch(r"-?\d+", part) for part in parts):
                raise ValueError("expected Telegram user ids separated by commas, e.g. 12345,67890")
            return tuple(int(part) for part in parts)
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def token(self) -> str | None:
        return self.bot_token.get_secret_value() if self.bot_token else None


def load_settings(**overrides: object) -> Settings:
    """Read the settings; raise ConfigError with one readable line on any bad value."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error["loc"] else "configuration"
        message = error["msg"].removeprefix("Value error, ")
        raise ConfigError(f"Configuration error: {name}: {message}") from None


def settings_or_exit(**overrides: object) -> Settings:
    try:
        return load_settings(**overrides)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None
