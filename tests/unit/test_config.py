import asyncio
import multiprocessing
from pathlib import Path

import pytest

from shopkeep.config import Settings, checked_secret, stored_secret
from shopkeep.store.app import create_app


def _read_secret(path: str) -> str:
    return stored_secret(Path(path))


def test_a_generated_secret_is_private_random_and_kept(tmp_path: Path) -> None:
    secret = stored_secret(tmp_path / "webhook_secret")
    assert len(secret) == 64 and int(secret, 16) >= 0
    assert (tmp_path / "webhook_secret").stat().st_mode & 0o777 == 0o600
    assert stored_secret(tmp_path / "webhook_secret") == secret
    assert stored_secret(tmp_path / "other") != secret


def test_processes_starting_together_agree_on_one_secret(tmp_path: Path) -> None:
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        secrets = pool.map(_read_secret, [str(tmp_path / "webhook_secret")] * 8)
    assert len(set(secrets)) == 1 and len(secrets[0]) == 64
    assert [p.name for p in tmp_path.iterdir()] == ["webhook_secret"]  # no drafts left


@pytest.mark.parametrize("value", ["", "changeme", "secret", "short-but-real"])
def test_placeholder_or_short_webhook_secrets_are_refused(value: str) -> None:
    with pytest.raises(ValueError, match="at least 32 characters"):
        checked_secret(value, "SHOPKEEP_WEBHOOK_SECRET")


def test_a_configured_webhook_secret_is_used_as_given(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, webhook_secret="k" * 40)
    assert settings.resolved_webhook_secret == "k" * 40
    assert not (tmp_path / "webhook_secret").exists()


def test_the_token_secret_is_generated_into_the_data_dir_apart_from_the_webhook_secret(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path, webhook_secret="k" * 40)

    key = settings.resolved_secret_key

    assert len(key) == 64
    assert (tmp_path / "secret_key").read_text() == key
    assert Settings(data_dir=tmp_path).resolved_secret_key == key  # kept across restarts
    assert key != Settings(data_dir=tmp_path).resolved_webhook_secret


@pytest.mark.parametrize("value", ["", "changeme", "secret", "x" * 31])
def test_the_store_refuses_to_start_with_a_short_or_placeholder_token_secret(
    tmp_path: Path, value: str
) -> None:
    app = create_app(Settings(data_dir=tmp_path, webhook_secret="k" * 40, secret_key=value))

    async def start() -> None:
        async with app.router.lifespan_context(app):
            pass

    with pytest.raises(ValueError, match="SHOPKEEP_SECRET_KEY must be a random value"):
        asyncio.run(start())


def test_token_lifetime_and_login_limits_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPKEEP_TOKEN_MINUTES", "15")
    monkeypatch.setenv("SHOPKEEP_LOGIN_ATTEMPTS", "3")
    monkeypatch.setenv("SHOPKEEP_LOGIN_WINDOW_SECONDS", "300")

    settings = Settings()

    assert (settings.token_minutes, settings.login_attempts, settings.login_window_seconds) == (
        15,
        3,
        300,
    )
