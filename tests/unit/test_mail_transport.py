"""Reading `SHOPKEEP_SMTP_URL`, and the header-safe pieces of a message."""

from __future__ import annotations

import pytest

from shopkeep.mail.compose import one_line
from shopkeep.mail.transport import SmtpServer, parse_smtp_url


@pytest.mark.parametrize(
    ("url", "server"),
    [
        ("smtp://mail.example:2525", SmtpServer("mail.example", 2525, None, None, False, False)),
        ("smtp://mail.example", SmtpServer("mail.example", 25, None, None, False, False)),
        (
            "smtp://ann:p%40ss@mail.example:587?starttls=1",
            SmtpServer("mail.example", 587, "ann", "p@ss", False, True),
        ),
        (
            "smtp://mail.example?starttls=1",
            SmtpServer("mail.example", 587, None, None, False, True),
        ),
        ("smtps://u:p@mail.example", SmtpServer("mail.example", 465, "u", "p", True, False)),
    ],
)
def test_smtp_urls_name_the_server_its_account_and_its_tls(url: str, server: SmtpServer) -> None:
    assert parse_smtp_url(url) == server


@pytest.mark.parametrize("url", ["http://mail.example", "smtp://", "mail.example:25"])
def test_an_smtp_url_that_is_not_one_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="SHOPKEEP_SMTP_URL"):
        parse_smtp_url(url)


def test_header_text_is_one_line() -> None:
    assert one_line("Eve\r\nBcc: x@example.com\u2028\tend ") == "Eve Bcc: x@example.com end"
