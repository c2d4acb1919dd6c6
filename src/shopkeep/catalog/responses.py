"""Responses kept in memory under the catalog version they were made at.

The store's catalog responses (`shopkeep.store.response_cache`) and the storefront's grid pages
(`shopkeep.web.grid_cache`) are both kept as the bytes sent, under the catalog version read
before the response was made, and reused only while the version is still the same (see
`shopkeep.catalog.version`). At most `max_bytes` of them are kept, least recently used first out.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Generic, Protocol, TypeVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shopkeep.catalog.version import SQLiteVersionProbe, probe_of


class Sized(Protocol):
    @property
    def size(self) -> int:
        """Bytes held, about."""


E = TypeVar("E", bound=Sized)


class CatalogResponses(Generic[E]):
    """The cached responses of one process, all made at one catalog version."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.version: int | None = None
        self.bytes = 0
        self._entries: OrderedDict[str, E] = OrderedDict()
        # Lookups answered from memory and not, for `/metrics`.
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def at(self, version: int) -> CatalogResponses[E]:
        """Forget everything made at another version."""
        if version != self.version:
            self._entries.clear()
            self.bytes = 0
            self.version = version
        return self

    def get(self, key: str) -> E | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
            self.hits += 1
        else:
            self.misses += 1
        return entry

    def put(self, version: int, key: str, entry: E) -> None:
        if version != self.version or entry.size > self.max_bytes // 8:
            return
        previous = self._entries.pop(key, None)
        if previous is not None:
            self.bytes -= previous.size
        self._entries[key] = entry
        self.bytes += entry.size
        while self.bytes > self.max_bytes:
            _, dropped = self._entries.popitem(last=False)
            self.bytes -= dropped.size


async def catalog_version(database: Any) -> int | None:
    """The catalog version of `database` (a `shopkeep.db.Database`, or None) as committed now;
    None when it cannot be probed (no database, an in-memory one, or one that fails: the app
    then answers, and fails in its own way, with its error page)."""
    try:
        probe = None if database is None else probe_of(database)
        if probe is None:
            return None
        if isinstance(probe, SQLiteVersionProbe):
            return probe.current_now()  # no await: a hit then costs no trip through the loop
        return await probe.current()
    except Exception:
        return None


async def captured(
    app: ASGIApp, scope: Scope, receive: Receive, send: Send
) -> tuple[Message | None, bytes]:
    """Run `app`, holding back its response's start (None if it sent none) and body, returned
    for the caller to send; other messages go straight to `send`."""
    start: Message | None = None
    chunks: list[bytes] = []

    async def capture(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
        else:
            await send(message)

    await app(scope, receive, capture)
    return start, b"".join(chunks)
