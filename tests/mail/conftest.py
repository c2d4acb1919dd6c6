from __future__ import annotations

from collections.abc import Iterator

import pytest

from shopkeep.config import Settings
from tests.smtp import SmtpServer, smtp_server


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server on loopback, listening."""
    with smtp_server() as server:
        yield server


def mail_settings(settings: Settings, smtp: SmtpServer, **changes: object) -> Settings:
    return settings.model_copy(
        update={
            "smtp_url": smtp.url,
            "shop_email": "owner@shop.example",
            "mail_from": "Test Shop <orders@shop.example>",
            "public_url": "https://shop.example",
            **changes,
        }
    )
