import hmac

import pytest

from shopkeep import signature

SECRET = "s" * 40
BODY = b'{"order_id":"abc","status":"success"}'
NOW = 1_800_000_000


def test_a_signature_made_by_sign_verifies() -> None:
    header = signature.sign(SECRET, BODY, timestamp=NOW)
    signature.verify(SECRET, BODY, header, now=NOW)


def test_the_header_carries_the_timestamp_and_an_hmac_sha256_of_timestamp_dot_body() -> None:
    header = signature.sign(SECRET, BODY, timestamp=NOW)
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, "sha256").hexdigest()
    assert header == f"t={NOW},v1={expected}"


@pytest.mark.parametrize(
    ("secret", "body", "header_body"),
    [
        ("w" * 40, BODY, BODY),  # wrong secret
        (SECRET, BODY.replace(b"success", b"failed!"), BODY),  # tampered body
    ],
)
def test_a_wrong_secret_or_a_tampered_body_is_refused(
    secret: str, body: bytes, header_body: bytes
) -> None:
    header = signature.sign(secret, header_body, timestamp=NOW)
    with pytest.raises(signature.InvalidSignature, match="does not match"):
        signature.verify(SECRET, body, header, now=NOW)


def test_a_tampered_timestamp_is_refused() -> None:
    header = signature.sign(SECRET, BODY, timestamp=NOW).replace(f"t={NOW}", f"t={NOW + 1}")
    with pytest.raises(signature.InvalidSignature):
        signature.verify(SECRET, BODY, header, now=NOW)


@pytest.mark.parametrize("age", [0, 299, 300, -300])
def test_signatures_within_five_minutes_are_accepted(age: int) -> None:
    header = signature.sign(SECRET, BODY, timestamp=NOW - age)
    signature.verify(SECRET, BODY, header, now=NOW)


@pytest.mark.parametrize("age", [301, 3600, -301])
def test_signatures_older_or_newer_than_five_minutes_are_refused(age: int) -> None:
    header = signature.sign(SECRET, BODY, timestamp=NOW - age)
    with pytest.raises(signature.InvalidSignature, match="window"):
        signature.verify(SECRET, BODY, header, now=NOW)


@pytest.mark.parametrize(
    "header", [None, "", "garbage", "t=abc,v1=00", f"t={NOW}", "v1=00", f"t={NOW},v1=é"]
)
def test_missing_or_malformed_headers_are_refused(header: str | None) -> None:
    with pytest.raises(signature.InvalidSignature):
        signature.verify(SECRET, BODY, header, now=NOW)


def test_comparison_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(signature.hmac, "compare_digest", spy)
    header = signature.sign(SECRET, BODY, timestamp=NOW)
    signature.verify(SECRET, BODY, header, now=NOW)
    assert len(compared) == 1
    with pytest.raises(signature.InvalidSignature):
        signature.verify(SECRET, BODY, header[:-1] + "0", now=NOW)
    assert len(compared) == 2
