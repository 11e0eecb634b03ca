"""``check_backend`` is only trusted once it has been seen to fail: broken backends, each
breaking one rule of the contract, and the message that names the rule."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from browser.checker import BackendCheckError, check_backend
from browser.corpus import CorpusBackend
from browser.errors import BackendError, PageNotFound
from browser.models import Document, SearchResult


@dataclass
class Wrapped:
    """The tiny corpus, with one rule broken (chosen by ``flaw``)."""

    inner: CorpusBackend
    flaw: str
    name: str = "broken"
    calls: list[str] = field(default_factory=list)

    def search(self, query: str, *, limit: int = 10) -> list[SearchResult]:
        results = self.inner.search(query, limit=limit)
        self.calls.append(query)
        if self.flaw == "too many":
            return results * (limit + 1)
        if self.flaw == "not deterministic" and len(self.calls) > 1:
            shuffled = self.inner.search(query, limit=10)
            return (shuffled[1:] + shuffled[:1])[:limit]
        if self.flaw == "tuple":
            return tuple(results)  # type: ignore[return-value]
        return results

    def open(self, url: str) -> Document:
        if self.flaw == "empty page":
            return Document(url=url, title="t", text="   ")
        if self.flaw == "invents pages" and url.endswith("-no-such-page-9f3a"):
            return Document(url=url, title="t", text="made up")
        if self.flaw == "wrong error" and url.endswith("-no-such-page-9f3a"):
            raise BackendError("boom")
        if self.flaw == "crashes":
            raise KeyError(url)
        return self.inner.open(url)

    def close(self) -> None:
        pass


class NoClose:
    name = "no-close"

    def search(self, query: str, *, limit: int = 10) -> list[SearchResult]:
        return []

    def open(self, url: str) -> Document:
        raise PageNotFound(url)


@pytest.mark.parametrize(
    ("flaw", "message"),
    [
        ("too many", "results for limit=5"),
        ("not deterministic", "not deterministic"),
        ("tuple", "not a list"),
        ("empty page", "a page with no text"),
        ("invents pages", "for a url that does not exist"),
        ("wrong error", "expected PageNotFound"),
    ],
)
def test_each_broken_rule_is_named(tiny_corpus: CorpusBackend, flaw: str, message: str) -> None:
    with pytest.raises(BackendCheckError, match=message):
        check_backend(Wrapped(tiny_corpus, flaw), query="pointillism")


def test_the_same_backend_unbroken_passes(tiny_corpus: CorpusBackend) -> None:
    check_backend(Wrapped(tiny_corpus, "none"), query="pointillism")


def test_a_backend_without_close_or_results_is_refused(tiny_corpus: CorpusBackend) -> None:
    with pytest.raises(BackendCheckError, match="lacks name/search/open/close"):
        check_backend(NoClose(), query="pointillism")  # type: ignore[arg-type]
    with pytest.raises(BackendCheckError, match="found nothing"):
        check_backend(Wrapped(tiny_corpus, "none"), query="zqxjvkw")
