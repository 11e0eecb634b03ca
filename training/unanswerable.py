"""Questions the corpus cannot answer, made from ones it can: hide the page that answers.

    backend = WithoutPages(corpus, {question.url})
    run_episode(question.question, teacher, BrowserEnv(backend))   # should abstain

A generated question comes from one article; without that article in the index the corpus
usually cannot answer it (sometimes another page states the fact too, as on the real
web). Such questions tune the abstention threshold and teach the policy to abstain, without
touching the real evaluation questions.
"""

from __future__ import annotations

from collections.abc import Iterable

from browser.backend import Backend
from browser.errors import PageNotFound
from browser.models import Document, SearchResult


class WithoutPages:
    """A backend that lacks some pages: they are never found and never open."""

    def __init__(self, backend: Backend, hidden: Iterable[str]) -> None:
        self.backend = backend
        self.hidden = frozenset(hidden)
        self.name = backend.name

    def search(self, query: str, *, limit: int = 10) -> list[SearchResult]:
        found = self.backend.search(query, limit=limit + len(self.hidden))
        return [result for result in found if result.url not in self.hidden][:limit]

    def open(self, url: str) -> Document:
        if url in self.hidden:
            raise PageNotFound(url)
        return self.backend.open(url)

    def close(self) -> None:
        """The backend underneath is shared; it is not closed here."""
