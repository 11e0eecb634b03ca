"""Search providers: SearXNG against the local server, Brave through httpx's MockTransport,
DuckDuckGo through the real ``ddgs`` package pointed at a proxy on 127.0.0.1."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from ddgs.ddgs import DDGS  # the class itself; ddgs.DDGS is a lazy proxy to it

from browser.web.errors import SearchFailed, WebConfigError
from browser.web.providers import BraveProvider, DuckDuckGoProvider, SearxngProvider, to_results

if TYPE_CHECKING:  # the fixtures' types; conftest is not imported at run time
    from conftest import LocalSite, MakeBackend


def test_searxng_results_come_back_cleaned_and_limited(
    site: LocalSite, make_backend: MakeBackend
) -> None:
    backend = make_backend()
    results = backend.search("Georges Seurat", limit=2)
    assert [r.url for r in results] == [site.url("/wiki/Georges_Seurat"),
                                        site.url("/wiki/La_Grande_Jatte")]  # fmt: skip
    assert results[0].title == "Georges Seurat"
    assert results[0].snippet.startswith("Georges Seurat was a French")
    dots = backend.search("dots colour", limit=5)
    assert [(r.url, r.snippet) for r in dots] == [(site.url("/wiki/Pointillism"), "")]  # no content
    assert backend.search("zzzz qqqq", limit=5) == []
    assert backend.search("   ", limit=5) == [] and site.count("/search") == 3
    assert site.hits[0].query == "q=Georges+Seurat&format=json"


def test_searxng_optional_and_hostile_fields_are_handled(site: LocalSite) -> None:
    payload = {"results": [
        {"url": "javascript:alert(1)", "title": "script"},
        {"title": "no url"},
        "not an object",
        {"url": "https://a.example/1", "title": "<b>Bold</b> \u200btitle 【0†x】", "content": None},
        {"url": "https://a.example/1", "title": "duplicate"},
        {"url": "https://b.example/2"},
    ], "answers": [], "number_of_results": 0}  # fmt: skip
    site.page("/search", json.dumps(payload), content_type="application/json")
    with httpx.Client() as client:
        results = SearxngProvider(client, base_url=site.base + "/").search("x", limit=10)
    assert [(r.url, r.title, r.snippet) for r in results] == [
        ("https://a.example/1", "Bold title [0†x]", ""),
        ("https://b.example/2", "https://b.example/2", ""),
    ]


@pytest.mark.parametrize(("status", "body", "message"), [
    (429, "{}", r"SearXNG is rate-limiting us \(HTTP 429\)"),
    (500, "{}", r"SearXNG answered HTTP 500 Internal Server Error"),
    (403, "no", r"HTTP 403 Forbidden; is 'json' listed under search.formats"),
    (200, "{not json", r"SearXNG answered malformed JSON"),
    (200, '{"results": "nope"}', r"SearXNG answered JSON without a 'results' list"),
    (200, "[1, 2]", r"without a 'results' list"),
])  # fmt: skip
def test_searxng_failures_raise_search_failed(
    site: LocalSite, make_backend: MakeBackend, status: int, body: str, message: str
) -> None:
    site.page("/search", body, status=status, content_type="application/json")
    with pytest.raises(SearchFailed, match=message):
        make_backend().search("Seurat", limit=3)


def test_a_stalled_searxng_times_out(site: LocalSite) -> None:
    site.route("/search", lambda request: site.wait(10))
    started = time.monotonic()
    with (
        httpx.Client() as client,
        pytest.raises(SearchFailed, match=r"did not answer within 0.5 s"),
    ):
        SearxngProvider(client, base_url=site.base, timeout_s=0.5).search("x", limit=3)
    assert time.monotonic() - started < 2.0


def test_a_searxng_that_is_not_allow_listed_is_refused(
    site: LocalSite, make_backend: MakeBackend
) -> None:
    backend = make_backend(allow_hosts=frozenset())
    with pytest.raises(SearchFailed, match=r"SearXNG failed: refusing .*127\.0\.0\.1, loopback"):
        backend.search("Seurat", limit=3)
    assert site.hits == []


def test_searxng_needs_an_http_base_url() -> None:
    with httpx.Client() as client, pytest.raises(WebConfigError, match="'ftp://x' is not an"):
        SearxngProvider(client, base_url="ftp://x")


def brave_client(answer: httpx.Response, seen: list[httpx.Request]) -> httpx.Client:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer

    return httpx.Client(transport=httpx.MockTransport(handle))


def test_brave_sends_its_key_and_reads_web_results() -> None:
    seen: list[httpx.Request] = []
    payload: dict[str, Any] = {"type": "search", "web": {"results": [
        {"url": "https://a.example/", "title": "A <strong>page</strong>",
         "description": "About <strong>Seurat</strong> &amp; dots", "age": "1 day"},
        {"title": "no url"},
    ]}}  # fmt: skip
    with brave_client(httpx.Response(200, json=payload), seen) as client:
        results = BraveProvider(client, api_key="test-key").search("Seurat", limit=50)
    assert [(r.url, r.title, r.snippet) for r in results] == [
        ("https://a.example/", "A page", "About Seurat & dots")
    ]
    request = seen[0]
    assert request.url.copy_with(query=None) == "https://api.search.brave.com/res/v1/web/search"
    assert request.url.params["q"] == "Seurat" and request.url.params["count"] == "20"
    assert request.headers["X-Subscription-Token"] == "test-key"


def test_brave_failures_and_empty_answers() -> None:
    seen: list[httpx.Request] = []
    with brave_client(httpx.Response(200, json={"type": "search"}), seen) as client:
        assert BraveProvider(client, api_key="k").search("nothing", limit=5) == []
    with (
        brave_client(httpx.Response(429, json={}), seen) as client,
        pytest.raises(SearchFailed, match=r"Brave Search is rate-limiting us \(HTTP 429\)"),
    ):
        BraveProvider(client, api_key="k").search("x", limit=5)
    with (
        brave_client(httpx.Response(200, content=b"<html>"), seen) as client,
        pytest.raises(SearchFailed, match="Brave Search answered malformed JSON"),
    ):
        BraveProvider(client, api_key="k").search("x", limit=5)


def test_brave_needs_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BRAVE_API_KEY", raising=False)
    with httpx.Client() as client, pytest.raises(WebConfigError, match="set BRAVE_API_KEY"):
        BraveProvider(client)
    monkeypatch.setenv("BRAVE_API_KEY", "from-env")
    seen: list[httpx.Request] = []
    with brave_client(httpx.Response(200, json={}), seen) as client:
        BraveProvider(client).search("x", limit=1)
    assert seen[0].headers["X-Subscription-Token"] == "from-env"


def test_duckduckgo_failure_through_a_refusing_proxy_is_a_search_error(site: LocalSite) -> None:
    """The real ddgs client, sent to a proxy on 127.0.0.1 that refuses to connect anywhere:
    no request leaves this machine (the proxy receives CONNECT; no name is resolved here)."""

    provider = DuckDuckGoProvider(ddgs=DDGS(proxy=site.base, timeout=5))
    with pytest.raises(SearchFailed, match=r"DuckDuckGo search failed: .*403"):
        provider.search("pointillism", limit=3)
    assert [hit.path for hit in site.hits] == ["html.duckduckgo.com:443"]


class ScriptedDDGS(DDGS):
    """A DDGS whose text search answers from a list (or raises), without any network."""

    def __init__(self, answer: list[dict[str, Any]] | Exception) -> None:
        super().__init__()
        self.answer = answer

    def text(self, query: str, **kwargs: Any) -> list[dict[str, Any]]:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer[: kwargs["max_results"]]


def test_duckduckgo_rows_become_results() -> None:
    from ddgs.exceptions import DDGSException, RatelimitException

    rows = [{"href": "https://a.example/", "title": "A", "body": "about a"},
            {"href": "ftp://b.example/", "title": "B", "body": ""}]  # fmt: skip
    results = DuckDuckGoProvider(ddgs=ScriptedDDGS(rows)).search("a", limit=5)
    assert [(r.url, r.title, r.snippet) for r in results] == [
        ("https://a.example/", "A", "about a")
    ]
    no_results = ScriptedDDGS(DDGSException("No results found."))
    assert DuckDuckGoProvider(ddgs=no_results).search("zzz", limit=5) == []
    with pytest.raises(SearchFailed, match="DuckDuckGo is rate-limiting us"):
        DuckDuckGoProvider(ddgs=ScriptedDDGS(RatelimitException("202"))).search("x", limit=5)


def test_to_results_limits_and_dedupes() -> None:
    rows = [(f"https://a.example/{n % 3}", f"t{n}", "s") for n in range(10)]
    assert [r.url for r in to_results(rows, 2)] == ["https://a.example/0", "https://a.example/1"]
    assert len(to_results(rows, 10)) == 3
