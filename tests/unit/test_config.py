import multiprocessing
from pathlib import Path

import pytest

from shopkeep.config import Settings, checked_secret, stored_secret


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
