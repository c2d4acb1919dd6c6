"""Log lines: plain text by default, one JSON object a line with `SHOPKEEP_LOG_FORMAT=json`.

Every line written while a request is being served carries that request's id (`request_id`),
kept in a context variable: the proxy's `X-Request-ID` when it sent a usable one, else one made
here (see `request_id_from`).
"""

from __future__ import annotations

import itertools
import logging
import logging.config
import re
import secrets
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal

import orjson

LogFormat = Literal["text", "json"]

# The id of the request being served in this task ("" outside any request).
request_id: ContextVar[str] = ContextVar("request_id", default="")

# A proxy's id is taken as it is when it is short and made of characters safe in a header and a
# log line; anything else is replaced by one of ours.
SAFE_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")

# Attributes every LogRecord has: what is left in `__dict__` came from `extra=`.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


# Ids made here: a random prefix per process and a counter (unique, and cheap on every request).
_PREFIX = secrets.token_hex(8)
_made = itertools.count(1)


def request_id_from(header: bytes | None) -> str:
    if header is not None and SAFE_REQUEST_ID.fullmatch(header):
        return header.decode("ascii")
    return f"{_PREFIX}{next(_made):016x}"


class RequestIdFilter(logging.Filter):
    """Stamps each record with the id of the request it was written in, as it is written (a
    handler may format it later, outside the request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = request_id.get()
        return True


def _request_id_of(record: logging.LogRecord) -> str:
    return getattr(record, "request_id", "") or request_id.get()


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request id, extras, error."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        current = _request_id_of(record)
        if current:
            line["request_id"] = current
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key != "request_id" and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        current = _request_id_of(record)
        return f"{text} [request {current}]" if current else text


def logging_config(log_format: LogFormat) -> dict[str, Any]:
    """A `logging.config.dictConfig` that sends every logger's lines (uvicorn's too) to stderr
    in `log_format`: uvicorn applies it in each of its worker processes as well."""
    formatter = "shopkeep.telemetry.logs." + (
        "JsonFormatter" if log_format == "json" else "TextFormatter"
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"shop": {"()": formatter}},
        "filters": {"request_id": {"()": "shopkeep.telemetry.logs.RequestIdFilter"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "shop",
                "filters": ["request_id"],
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": "INFO"},
        "loggers": {
            **{
                name: {"handlers": [], "propagate": True, "level": "INFO"}
                for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
            },
            # One line per outgoing request is noise; the outbox logs each delivery itself.
            "httpx": {"level": "WARNING"},
        },
    }


def configure_logging(log_format: LogFormat) -> None:
    logging.config.dictConfig(logging_config(log_format))
