from __future__ import annotations

import pytest

from browser.caching import CachingBackend
from browser.corpus import CorpusBackend
from browser.errors import PageNotFound


class CountingBackend:
    """Delegates to a real corpus and counts the calls that reach it."""

    def __init__(self, inner: CorpusBackend) -> None:
        self.inner, self.name, self.calls = inner, inner.name, 0

    def search(self, query: str, *, limit: int = 10):  # type: ignore[no-untyped-def]
        self.calls += 1
        return self.inner.search(query, limit=limit)

    def open(self, url: str):  # type: ignore[no-untyped-def]
        self.calls += 1
        return self.inner.open(url)


def test_repeated_searches_and_pages_reach_the_backend_once(tiny_corpus: CorpusBackend) -> None:
    counting = CountingBackend(tiny_corpus)
    cache = CachingBackend(counting)
    first = cache.search("pointillism", limit=3)
    assert cache.search("pointillism", limit=3) == first
    assert cache.open(first[0].url) == cache.open(first[0].url)
    assert counting.calls == 2 and cache.hits == 2
    cache.search("pointillism", limit=2)  # another limit is another request
    assert counting.calls == 3


def test_errors_are_remembered_too(tiny_corpus: CorpusBackend) -> None:
    counting = CountingBackend(tiny_corpus)
    cache = CachingBackend(counting)
    for _ in range(2):
        with pytest.raises(PageNotFound):
            cache.open("https://nowhere")
    assert counting.calls == 1
