"""``check_backend``: the conformance check every backend's tests run (like Gymnasium's
``check_env``).

    from browser.checker import check_backend
    check_backend(MyBackend(), query="Seurat")

It raises :class:`BackendCheckError` naming the first broken rule of
:class:`browser.backend.Backend`'s contract, and drives a full browser episode over the
backend so rendering, links and quoting are exercised too.
"""

from __future__ import annotations

from browser.backend import Backend
from browser.env import BrowserEnv
from browser.errors import BackendError, BrowserError, PageNotFound
from browser.models import Document, SearchResult
from browser.render import render_document


class BackendCheckError(BrowserError, AssertionError):
    """A backend breaks the :class:`~browser.backend.Backend` contract."""


def check_backend(backend: Backend, *, query: str, limit: int = 5) -> None:
    """Check ``backend`` against the contract, using ``query`` (which must have results).

    Raises:
        BackendCheckError: the first rule the backend breaks, with the offending value.
    """
    _expect(isinstance(backend, Backend), f"{backend!r} lacks name/search/open/close")
    _expect(isinstance(backend.name, str) and backend.name != "", "backend.name must be a word")
    results = backend.search(query, limit=limit)
    _expect(isinstance(results, list), f"search returned {type(results).__name__}, not a list")
    _expect(bool(results), f"search({query!r}) found nothing; pick a query with results")
    _expect(len(results) <= limit, f"search returned {len(results)} results for limit={limit}")
    _expect(
        all(isinstance(r, SearchResult) for r in results), "search must return SearchResult items"
    )
    _expect(backend.search(query, limit=1) == results[:1], "search is not deterministic")
    for nonsense in ("", "zqxjvkw qqqzzz", '"unbalanced AND (', "NEAR OR * ^title:"):
        found = backend.search(nonsense, limit=limit)
        _expect(isinstance(found, list), f"search({nonsense!r}) must return a list")
    for result in results:
        _check_document(backend, result.url)
    _expect_not_found(backend, results[0].url + "-no-such-page-9f3a")
    _check_episode(backend, query)


def _check_document(backend: Backend, url: str) -> None:
    document = backend.open(url)
    _expect(isinstance(document, Document), f"open({url!r}) returned {type(document).__name__}")
    _expect(document.text.strip() != "", f"open({url!r}) returned a page with no text")
    page = render_document(document, width=80)
    _expect(bool(page.lines), f"{url!r} renders to no lines")
    for link in document.links:
        _expect(link.url.strip() != "", f"{url!r} has a link with an empty url")


def _expect_not_found(backend: Backend, url: str) -> None:
    try:
        backend.open(url)
    except PageNotFound:
        return
    except BackendError as exc:
        raise BackendCheckError(f"open({url!r}) raised {exc!r}, expected PageNotFound") from exc
    raise BackendCheckError(f"open({url!r}) returned a page for a url that does not exist")


def _check_episode(backend: Backend, query: str) -> None:
    env = BrowserEnv(backend)
    env.reset(f"check: {query}")
    searched = env.step(f"search {query}")
    _expect(searched.error is None, f"the browser could not search: {searched.error}")
    opened = env.step("click 0")
    _expect(opened.error is None, f"the browser could not open result 0: {opened.error}")
    line = next((line for line in opened.observation.window if line.strip()), "")
    quoted = env.step(
        f"quote lines {opened.observation.first_line}-{opened.observation.first_line}"
    )
    _expect(quoted.error is None, f"the browser could not quote line 1 ({line!r}): {quoted.error}")
    answered = env.step("answer checked [1]")
    _expect(answered.terminated, f"the episode did not end on answer: {answered.error}")


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise BackendCheckError(message)
