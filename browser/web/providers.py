"""Search providers: SearXNG (self-hosted, the default), the Brave Search API, DuckDuckGo.

    provider = SearxngProvider(client, base_url="http://127.0.0.1:8888")
    provider.search("pointillism", limit=5)    # [SearchResult(url=…, title=…, snippet=…)]

Each turns a query into at most ``limit`` results, best first, and raises
:class:`~browser.web.errors.SearchFailed` with a clear message when the service fails, times
out, rate-limits (HTTP 429) or answers malformed JSON; the browser shows that message as
the step's error. Results are untrusted text: titles and snippets are cleaned like page text
and only http(s) result urls are kept. SearXNG and Brave go through the ``httpx.Client``
handed in (so through its address checks: a SearXNG on this machine must be allow-listed);
DuckDuckGo goes through the ``ddgs`` package, which has its own HTTP client.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import closing
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import httpx

from browser.errors import BackendError
from browser.html_text import clean_inline
from browser.models import SearchResult
from browser.web.addresses import shorten
from browser.web.body import read_body
from browser.web.deadline import deadline as network_deadline
from browser.web.errors import SearchFailed, WebConfigError
from browser.web.fetch import http_status
from browser.web.untrusted import bounded_json

if TYPE_CHECKING:
    from ddgs import DDGS

BRAVE_ENDPOINT = "https://api.search.brave.com/res/v1/web/search"
BRAVE_MAX_COUNT = 20  # the API's largest page
MAX_JSON_BYTES = 4_000_000
MAX_SNIPPET_CHARS = 600


@runtime_checkable
class SearchProvider(Protocol):
    """Anything that turns a query into web search results."""

    name: str

    def search(self, query: str, *, limit: int) -> list[SearchResult]: ...


class SearxngProvider:
    """A SearXNG instance's JSON API: ``GET {base_url}/search?q=…&format=json``.

    The instance must list ``json`` under ``search.formats`` in its ``settings.yml``.
    """

    name = "searxng"

    def __init__(self, client: httpx.Client, *, base_url: str, timeout_s: float = 10.0) -> None:
        self._client = client
        base = _http_url(base_url, what="searxng_url")
        self._endpoint = base.copy_with(path=base.path.rstrip("/") + "/search")
        self._timeout_s = timeout_s

    def search(self, query: str, *, limit: int) -> list[SearchResult]:
        payload = _get_json(
            self._client,
            self._endpoint,
            params={"q": query, "format": "json"},
            headers={},
            timeout_s=self._timeout_s,
            what="SearXNG",
        )
        results = payload.get("results") if isinstance(payload, dict) else None
        if not isinstance(results, list):
            raise SearchFailed("SearXNG answered JSON without a 'results' list")
        rows = (row for row in results if isinstance(row, dict))
        return to_results(((r.get("url"), r.get("title"), r.get("content")) for r in rows), limit)


class BraveProvider:
    """The Brave Search API; its key comes from ``api_key`` or ``$BRAVE_API_KEY``.

    Raises:
        WebConfigError: no key was given and ``BRAVE_API_KEY`` is unset.
    """

    name = "brave"

    def __init__(
        self,
        client: httpx.Client,
        *,
        api_key: str | None = None,
        endpoint: str = BRAVE_ENDPOINT,
        timeout_s: float = 10.0,
    ) -> None:
        key = api_key if api_key is not None else os.environ.get("BRAVE_API_KEY", "")
        if not key.strip():
            raise WebConfigError("the Brave provider needs an API key: set BRAVE_API_KEY")
        self._client = client
        self._key = key.strip()
        self._endpoint = _http_url(endpoint, what="endpoint")
        self._timeout_s = timeout_s

    def search(self, query: str, *, limit: int) -> list[SearchResult]:
        payload = _get_json(
            self._client,
            self._endpoint,
            params={"q": query[:400], "count": str(max(1, min(limit, BRAVE_MAX_COUNT)))},
            headers={"X-Subscription-Token": self._key},
            timeout_s=self._timeout_s,
            what="Brave Search",
        )
        if not isinstance(payload, dict):
            raise SearchFailed("Brave Search answered JSON that is not an object")
        web = payload.get("web")  # absent when nothing matched
        results = web.get("results", []) if isinstance(web, dict) else []
        if not isinstance(results, list):
            raise SearchFailed("Brave Search answered JSON whose web.results is not a list")
        rows = (row for row in results if isinstance(row, dict))
        triples = ((r.get("url"), r.get("title"), r.get("description")) for r in rows)
        return to_results(triples, limit)


class DuckDuckGoProvider:
    """DuckDuckGo through the ``ddgs`` package (its own HTTP client, not ours).

    Args:
        ddgs: a configured ``ddgs.DDGS`` (a proxy, a timeout); a default one when None.
        region: DuckDuckGo's region code.
    """

    name = "ddgs"

    def __init__(
        self, *, ddgs: DDGS | None = None, region: str = "us-en", timeout_s: float = 15.0
    ) -> None:
        if ddgs is None:
            from ddgs import DDGS  # imported here: ddgs is only needed for this provider

            ddgs = DDGS(timeout=10)
        self._ddgs = ddgs
        self._region = region
        self._timeout_s = timeout_s

    def search(self, query: str, *, limit: int) -> list[SearchResult]:
        from ddgs.exceptions import DDGSException, RatelimitException, TimeoutException

        # ddgs talks through its own client: our deadline cannot reach its sockets, so the
        # call runs in a worker thread that we stop waiting for at the time limit
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ddgs")
        call = pool.submit(
            self._ddgs.text, query, region=self._region, max_results=limit, backend="duckduckgo"
        )
        pool.shutdown(wait=False)
        try:
            rows = call.result(timeout=self._timeout_s)
        except FutureTimeout:
            raise SearchFailed(f"DuckDuckGo did not answer within {self._timeout_s:g} s") from None
        except RatelimitException:
            raise SearchFailed("DuckDuckGo is rate-limiting us; try again later") from None
        except TimeoutException:
            raise SearchFailed("DuckDuckGo did not answer in time") from None
        except DDGSException as exc:
            if "no results" in str(exc).lower():
                return []
            raise SearchFailed(f"DuckDuckGo search failed: {shorten(str(exc), 300)}") from None
        return to_results(((r.get("href"), r.get("title"), r.get("body")) for r in rows), limit)


def to_results(rows: Iterable[tuple[Any, Any, Any]], limit: int) -> list[SearchResult]:
    """Search results from ``(url, title, snippet)`` rows of untrusted JSON.

    Rows without an http(s) url are skipped, a url seen before is skipped, a missing title
    becomes the url and a missing snippet the empty string.
    """
    results: list[SearchResult] = []
    seen: set[str] = set()
    for url, title, snippet in rows:
        if len(results) >= limit:
            break
        if not isinstance(url, str):
            continue
        try:
            parsed = httpx.URL(url.strip())
        except (httpx.InvalidURL, ValueError):
            continue
        address = str(parsed)
        if parsed.scheme not in ("http", "https") or not parsed.host or address in seen:
            continue
        seen.add(address)
        results.append(
            SearchResult(
                url=address,
                title=clean_inline(title if isinstance(title, str) else "")[:300] or address,
                snippet=clean_inline(snippet if isinstance(snippet, str) else "")[
                    :MAX_SNIPPET_CHARS
                ],
            )
        )
    return results


def _get_json(
    client: httpx.Client,
    url: httpx.URL,
    *,
    params: dict[str, str],
    headers: dict[str, str],
    timeout_s: float,
    what: str,
) -> Any:
    """GET ``url`` and parse its JSON body (bounded in size and nesting), turning every
    failure into SearchFailed; the whole request keeps to one deadline of ``timeout_s``."""
    request = client.build_request(
        "GET",
        url,
        params=params,
        # only the codings body.read_body inflates (httpx would offer br/zstd when installed)
        headers={"Accept": "application/json", "Accept-Encoding": "gzip, deflate", **headers},
        timeout=timeout_s,
    )
    try:
        with network_deadline(timeout_s) as deadline:
            response = client.send(request, stream=True, follow_redirects=False)
            with closing(response):
                _raise_for_status(response, what)
                body = read_body(response, max_bytes=MAX_JSON_BYTES, deadline=deadline, what=what)
    except httpx.TimeoutException:
        raise SearchFailed(f"{what} did not answer within {timeout_s:g} s") from None
    except httpx.TransportError as exc:
        raise SearchFailed(f"could not reach {what} at {url.host}: {exc}") from None
    except SearchFailed:
        raise
    except BackendError as exc:  # a blocked address, a body over the cap, a broken stream
        raise SearchFailed(f"{what} failed: {exc}") from None
    try:
        return bounded_json(body)
    except ValueError as exc:
        raise SearchFailed(f"{what} answered malformed JSON ({shorten(str(exc), 120)})") from None


def _raise_for_status(response: httpx.Response, what: str) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    if status == 429:
        raise SearchFailed(f"{what} is rate-limiting us (HTTP 429); try again later")
    hint = ""
    if what == "SearXNG" and status == 403:
        hint = "; is 'json' listed under search.formats in its settings.yml?"
    raise SearchFailed(f"{what} answered HTTP {http_status(status)}{hint}")


def _http_url(url: str, *, what: str) -> httpx.URL:
    """``url`` checked to be an absolute http(s) url, without query or fragment."""
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, ValueError):
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise WebConfigError(f"{what} {url!r} is not an http(s) url")
    return parsed.copy_with(query=None, fragment=None)
