"""The one interface every backend (offline corpus, live web, ZIM archive) implements."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from browser.models import Document, SearchResult


@runtime_checkable
class Backend(Protocol):
    """Search and open pages. The environment never knows which backend it talks to.

    ``search`` returns at most ``limit`` results, best first, and an empty list when
    nothing matches (never raises for an unmatched query). ``open`` returns the page at
    ``url`` and raises :class:`browser.errors.PageNotFound` when there is none; other
    failures raise :class:`browser.errors.BackendError`. ``close`` releases files and
    connections; calling it twice is harmless.
    """

    name: str

    def search(self, query: str, *, limit: int = 10) -> list[SearchResult]: ...

    def open(self, url: str) -> Document: ...

    def close(self) -> None: ...
