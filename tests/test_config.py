import subprocess
import sys

import pytest

from bot.config import ConfigError, load_settings

TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef"


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BOT_TOKEN", "DATABASE_URL", "SGP_ADMIN_IDS", "DEFAULT_LOCALE", "TELEGRAM_API_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(_env_file=None)
    assert settings.database_url == "sqlite+aiosqlite:///participa.db"
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert settings.default_locale == "es" and settings.sgp_admin_ids == () and settings.token is None


def test_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SGP_ADMIN_IDS", "12345, 67890")
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:8081/")
    settings = load_settings(_env_file=None)
    assert settings.token == TOKEN and "ABCDEF" not in repr(settings)
    assert settings.sgp_admin_ids == (12345, 67890)
    assert settings.telegram_api_url == "http://127.0.0.1:8081"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SGP_ADMIN_IDS", "12,abc"),
        ("BOT_TOKEN", "not-a-token"),
        ("DATABASE_URL", "mysql://x"),
        ("DEFAULT_LOCALE", "fr"),
        ("PORT", "99999"),
        ("TELEGRAM_API_URL", "ftp://x"),
        ("REDIS_URL", "localhost:6379"),
    ],
)
def test_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as error:
        load_settings(_env_file=None)
    message = str(error.value)
    assert message.startswith(f"Configuration error: {name}:") and "\n" not in message


def test_start_up_stops_with_one_line(tmp_path) -> None:
    env = {"PATH": "/usr/bin:/bin", "SGP_ADMIN_IDS": "x", "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "bot"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "Configuration error: SGP_ADMIN_IDS: expected Telegram user ids separated by commas, e.g. 12345,67890"
    ]


def test_missing_token_says_what_to_do(tmp_path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "bot"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert (
        "BOT_TOKEN" in done.stderr and "participa sandbox" in done.stderr and "Traceback" not in done.stderr
    )
