"""Domain errors carry their HTTP status; one handler turns them into `{"detail": ...}`."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel


class ShopError(Exception):
    status_code: ClassVar[int] = 400
    headers: ClassVar[dict[str, str] | None] = None

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def response_headers(self) -> dict[str, str] | None:
        return self.headers


class BadRequest(ShopError):
    status_code = 400


class Unauthorized(ShopError):
    status_code = 401
    headers: ClassVar[dict[str, str] | None] = {"WWW-Authenticate": "Bearer"}


class InvalidSignature(Unauthorized):
    """A payment callback whose `Shopkeep-Signature` is missing, wrong or stale."""

    headers: ClassVar[dict[str, str] | None] = {
        "WWW-Authenticate": 'Signature header="Shopkeep-Signature"'
    }


class Forbidden(ShopError):
    status_code = 403


class NotFound(ShopError):
    status_code = 404


class Conflict(ShopError):
    status_code = 409


class TooManyRequests(ShopError):
    status_code = 429

    def __init__(self, detail: str, retry_after_seconds: int) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds

    def response_headers(self) -> dict[str, str] | None:
        return {"Retry-After": str(self.retry_after_seconds)}


class BadGateway(ShopError):
    status_code = 502


class ServiceUnavailable(ShopError):
    status_code = 503


class ErrorBody(BaseModel):
    detail: str


_DESCRIPTIONS = {
    400: "The request cannot be carried out as asked.",
    401: "Missing or invalid credentials or signature.",
    403: "The credentials are valid but do not allow this.",
    404: "The resource does not exist.",
    409: "The resource conflicts with an existing one.",
    429: "Too many attempts; try again after the `Retry-After` seconds.",
    502: "A service this one depends on gave an unusable answer.",
    503: "The service is briefly unable to answer.",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the error codes an endpoint can answer."""
    return {code: {"model": ErrorBody, "description": _DESCRIPTIONS[code]} for code in codes}
