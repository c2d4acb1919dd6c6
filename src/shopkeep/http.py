"""HTTP plumbing shared by the apps: fast JSON responses, query parsing, error handlers and a
request body size limit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import orjson
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import validation_error_definition, validation_error_response_definition
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shopkeep.errors import ErrorBody, ShopError

MAX_BODY_BYTES = 1024 * 1024
SECRET_FIELDS = frozenset({"password"})
ModelT = TypeVar("ModelT", bound=BaseModel)


class App(FastAPI):
    """FastAPI with layers in front of its own.

    FastAPI wraps every request in layers of its own (error pages, its telemetry, a body limit)
    before any middleware added with `add_middleware` sees it. Layers added with `add_front`
    see each HTTP request first, so an answer they give on their own (a response kept in
    memory) costs only them; the rest of the request goes on through FastAPI as usual.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._front_layers: list[tuple[Callable[..., ASGIApp], dict[str, Any]]] = []
        self.front: ASGIApp | None = None

    def add_front(self, layer: Callable[..., ASGIApp], **options: Any) -> None:
        """Put `layer(app, **options)` in front of the layers added before it."""
        if self.front is not None:
            raise RuntimeError("front layers cannot be added once the app has served")
        self._front_layers.insert(0, (layer, options))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._front_layers:
            await super().__call__(scope, receive, send)
            return
        if self.front is None:
            front: ASGIApp = self._behind_front
            for layer, options in reversed(self._front_layers):
                front = layer(front, **options)
            self.front = front
        scope["app"] = self
        await self.front(scope, receive, send)

    async def _behind_front(self, scope: Scope, receive: Receive, send: Send) -> None:
        await super().__call__(scope, receive, send)

    def layers(self) -> Iterator[Any]:
        """The layers a request goes through, outermost first (once the app has served)."""
        for outermost in (self.front, self.middleware_stack):
            layer: Any = outermost
            while layer is not None:
                yield layer
                layer = getattr(layer, "app", None)


class JSON(Response):
    """A JSON response rendered by orjson; endpoints on hot paths return it directly, so
    FastAPI skips re-validating data the service already shaped."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def parse_query(model: type[ModelT], request: Request) -> ModelT:
    """Validate all query parameters with one model in one call.

    FastAPI validates query parameters one by one, which dominates a fast endpoint's time;
    this does the same validation in a single pass and reports errors the same way (422).
    """
    try:
        return model.model_validate(dict(request.query_params))
    except ValidationError as error:
        raise invalid_request_error(error, "query") from error


def invalid_request_error(
    error: ValidationError, where: str, *, include_input: bool = True
) -> RequestValidationError:
    """A model's validation error as FastAPI's 422, located in `where` ("query", "body")."""
    return RequestValidationError(
        [
            {**detail, "loc": (where, *detail["loc"])}
            for detail in error.errors(
                include_url=False, include_context=False, include_input=include_input
            )
        ]
    )


def query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """OpenAPI entries for a model parsed by `parse_query`, so `/docs` still lists them."""
    schema = model.model_json_schema()
    required = set(schema.get("required", ()))
    return [
        {
            "name": name,
            "in": "query",
            "required": name in required,
            "description": field.pop("description", ""),
            "schema": field,
        }
        for name, field in schema["properties"].items()
    ]


def _lenient_text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def _lenient_str(value: str) -> str:
    """Text as valid UTF-8: a lone surrogate (which JSON escapes can smuggle in) becomes '?'."""
    return value.encode("utf-8", errors="replace").decode("utf-8")


def _json_int(value: int) -> int | str:
    """Integers beyond 64 bits (which orjson cannot write) are echoed back as text."""
    return value if -(2**63) <= value < 2**64 else str(value)


def _without_secrets(error: Any) -> Any:
    """A validation error without any password in its input: a password is never sent back,
    not even to whoever typed it."""
    loc = error.get("loc") or ()
    given = error.get("input")
    if loc and loc[-1] in SECRET_FIELDS:
        return {key: value for key, value in error.items() if key != "input"}
    if isinstance(given, dict) and not SECRET_FIELDS.isdisjoint(given):
        kept = {key: value for key, value in given.items() if key not in SECRET_FIELDS}
        return {**error, "input": kept}
    return error


BODY_PARSING_FAILED = "There was an error parsing the body"
MAX_ECHOED_PATH = 200


def http_error_detail(request: Request, exc: HTTPException) -> str:
    """A sentence that says what to do, in place of Starlette's and FastAPI's bare phrases
    ("Not Found", "Method Not Allowed", "There was an error parsing the body")."""
    path = request.url.path[:MAX_ECHOED_PATH]
    if exc.status_code == 404 and exc.detail == "Not Found":
        return f"There is nothing at {path}: check the address (the API's paths are in /docs)."
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        return f"{path} does not take {request.method} requests; send {allowed or 'another'}."
    if exc.status_code == 400 and exc.detail == BODY_PARSING_FAILED:
        if "json" in request.headers.get("content-type", ""):
            return "The request body is not valid JSON: send JSON text encoded in UTF-8."
        return (
            "The request body could not be read as a form: send it URL-encoded "
            "(application/x-www-form-urlencoded) or as multipart/form-data."
        )
    return str(exc.detail)


def shop_error_response(error: ShopError) -> JSON:
    """A refusal as every endpoint answers it: its status and `{"detail": "..."}`."""
    return JSON(
        {"detail": error.detail}, status_code=error.status_code, headers=error.response_headers()
    )


def install_error_handlers(app: FastAPI) -> None:
    async def shop_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ShopError)
        return shop_error_response(exc)

    async def invalid_request(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        # FastAPI's 422 list, rendered whatever the client sent: undecodable bytes and lone
        # surrogates are shown with replacement characters, huge integers as text, NaN or
        # infinity as null.
        detail = jsonable_encoder(
            [_without_secrets(error) for error in exc.errors()],
            custom_encoder={bytes: _lenient_text, str: _lenient_str, int: _json_int},
        )
        return JSON({"detail": detail}, status_code=422)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return JSON(
            {"detail": http_error_detail(request, exc)},
            status_code=exc.status_code,
            headers=exc.headers,
        )

    app.add_exception_handler(ShopError, shop_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(HTTPException, http_error)
    document_every_status(app)


# Statuses any operation can answer, whatever its endpoint says, and why.
_BODY_METHODS = frozenset({"post", "put", "patch", "delete"})
_TOO_LARGE = "The request body is larger than 1 MiB."
_UNREADABLE = "The request body could not be parsed."
_INVALID = "Validation Error"


def document_every_status(app: FastAPI) -> None:
    """Make `/openapi.json` list what the plumbing below the endpoints can answer too: 413
    (`BodySizeLimit`) on every method that carries a body, 400 when a declared body cannot be
    parsed, and 422 (FastAPI's list) wherever parameters or a body are validated, hand-parsed
    ones included."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        error_ref = {"$ref": "#/components/schemas/ErrorBody"}
        invalid_ref = {"$ref": "#/components/schemas/HTTPValidationError"}
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.setdefault("ErrorBody", ErrorBody.model_json_schema())
        components.setdefault("ValidationError", validation_error_definition)
        components.setdefault("HTTPValidationError", validation_error_response_definition)
        for operations in schema.get("paths", {}).values():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                wanted: dict[str, tuple[str, dict[str, str]]] = {}
                if method in _BODY_METHODS:
                    wanted["413"] = (_TOO_LARGE, error_ref)
                if "requestBody" in operation:
                    wanted["400"] = (_UNREADABLE, error_ref)
                if operation.get("parameters") or "requestBody" in operation:
                    wanted["422"] = (_INVALID, invalid_ref)
                for status, (description, ref) in wanted.items():
                    responses.setdefault(
                        status,
                        {
                            "description": description,
                            "content": {"application/json": {"schema": ref}},
                        },
                    )
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


class BodySizeLimit:
    """Refuses request bodies over `limit` bytes with a JSON 413, declared or streamed.

    Bodies of methods that carry one are read (up to the limit) before the app runs, then
    handed to it whole, so an oversized body never reaches an endpoint half-read.
    """

    METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in self.METHODS:
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and (not value.isdigit() or int(value) > self.limit):
                await self._refuse(send)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self._refuse(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body_sent = False

        async def replay() -> Message:
            nonlocal body_sent
            if body_sent:
                return await receive()
            body_sent = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        await JSON(
            {"detail": f"Request body is larger than {self.limit // 1024} KiB."}, status_code=413
        )({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}
