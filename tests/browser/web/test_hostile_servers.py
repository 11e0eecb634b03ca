"""Servers that try to hang or crash the live browser, on real sockets on 127.0.0.1.

Every case runs under a short total time limit and asserts two things: the backend raises
only the browser's own error types (so the agent sees an observation's error and goes
on), and it gives up within the limit whatever phase the server stalls in.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler

import pytest
from conftest import LocalSite, MakeBackend, respond

from browser.errors import BackendError
from browser.web.backend import WebBackend
from browser.web.errors import SearchFailed
from browser.web.providers import SearxngProvider

LIMIT = 1.5  # total_timeout_s of these backends
SLACK = 1.5  # scheduling, thread start-up, a last read in flight


def limited(make_backend: MakeBackend, **overrides: float) -> WebBackend:
    return make_backend(
        total_timeout_s=LIMIT, connect_timeout_s=1.0, read_timeout_s=1.0, **overrides
    )


def drip(
    site: LocalSite, data: bytes, *, every: float = 0.1
) -> Callable[[BaseHTTPRequestHandler], None]:
    """A handler that sends ``data`` one byte at a time, then keeps the connection open."""

    def handler(request: BaseHTTPRequestHandler) -> None:
        for byte in data:
            if site.stopping.is_set():
                return
            request.wfile.write(bytes([byte]))
            request.wfile.flush()
            site.wait(every)
        site.wait(10)

    return handler


def ends_in_time(action: Callable[[], object], match: str) -> None:
    start = time.monotonic()
    with pytest.raises(BackendError, match=match):
        action()
    assert time.monotonic() - start < LIMIT + SLACK


def test_a_dripped_status_line_ends_at_the_time_limit(
    site: LocalSite, make_backend: MakeBackend
) -> None:
    url = site.route("/status-drip", drip(site, b"HTTP/1.1 200 OK\r\n" * 20))
    ends_in_time(lambda: limited(make_backend).open(url), "did not answer in time")


def test_dripped_headers_end_at_the_time_limit(site: LocalSite, make_backend: MakeBackend) -> None:
    headers = b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"a" * 200 + b"\r\n"
    url = site.route("/header-drip", drip(site, headers))
    ends_in_time(lambda: limited(make_backend).open(url), "did not answer in time")


def test_a_server_that_accepts_and_never_answers(
    site: LocalSite, make_backend: MakeBackend
) -> None:
    url = site.route("/silent", lambda request: site.wait(10))
    ends_in_time(lambda: limited(make_backend).open(url), "did not answer in time")


def test_a_dripped_body_ends_at_the_time_limit(site: LocalSite, make_backend: MakeBackend) -> None:
    dripping = drip(site, b"x" * 1000, every=0.05)

    def handler(request: BaseHTTPRequestHandler) -> None:
        request.wfile.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000\r\n\r\n"
        )
        dripping(request)

    url = site.route("/body-drip", handler)
    ends_in_time(lambda: limited(make_backend).open(url), "still arriving at the time limit")


def test_the_time_limit_covers_every_redirect_hop(
    site: LocalSite, make_backend: MakeBackend
) -> None:
    site.route("/slow-hop", drip(site, b"HTTP/1.1 302 Found\r\nLocation: /slow-hop2\r\n" * 5))
    url = site.redirect("/first-hop", "/slow-hop")
    ends_in_time(lambda: limited(make_backend).open(url), "did not answer in time")


def test_a_flood_of_headers_is_refused(site: LocalSite, make_backend: MakeBackend) -> None:
    flood = b"HTTP/1.1 200 OK\r\n" + b"".join(
        b"X-%d: %s\r\n" % (n, b"v" * 90) for n in range(20_000)
    )

    def handler(request: BaseHTTPRequestHandler) -> None:
        request.wfile.write(flood + b"\r\n")

    url = site.route("/flood", handler)
    ends_in_time(lambda: limited(make_backend).open(url), "could not fetch")


@pytest.mark.parametrize(
    "charset", ["rot13", "zlib", "base64", "undefined", "utf-7", "x-nosuch", "idna"]
)
def test_unknown_and_hostile_charsets_decode_as_text(
    site: LocalSite, make_backend: MakeBackend, charset: str
) -> None:
    body = (
        b"<html><body><main><h1>Dots</h1><p>Georges Seurat painted with dots of colour.</p>"
        b"</main></body></html>"
    )
    url = site.page(f"/charset-{charset}", body, content_type=f"text/html; charset={charset}")
    document = limited(make_backend).open(url)
    assert "Georges Seurat painted with dots of colour." in document.text


def json_provider(site: LocalSite, payload: bytes) -> Callable[[object], SearxngProvider]:
    site.route("/search", lambda request: respond(request, 200, payload, "application/json"))
    return lambda client: SearxngProvider(client, base_url=site.base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested deeper than 64 levels"),
        (
            b'{"results": [{"url": "x", "title": ' + b"9" * 100_000 + b"}]}",
            "longer than 100 digits",
        ),
        (b'{"results": 1e999999}', "without a 'results' list"),
        (b"\xff\xfe not json", "malformed JSON"),
    ],
)
def test_hostile_json_from_the_search_provider_is_a_search_error(
    site: LocalSite, make_backend: MakeBackend, payload: bytes, problem: str
) -> None:
    backend = limited(make_backend, provider=json_provider(site, payload))
    start = time.monotonic()
    with pytest.raises(SearchFailed, match=problem):
        backend.search("seurat")
    assert time.monotonic() - start < LIMIT + SLACK


def test_a_dripping_search_provider_ends_at_its_time_limit(
    site: LocalSite, make_backend: MakeBackend
) -> None:
    site.route("/search", drip(site, b"HTTP/1.1 200 OK\r\n" * 20))
    provider = lambda client: SearxngProvider(client, base_url=site.base, timeout_s=LIMIT)  # noqa: E731
    backend = limited(make_backend, provider=provider)
    ends_in_time(lambda: backend.search("seurat"), "did not answer within")


def test_the_rate_limit_holds_across_spellings_of_one_address(
    site: LocalSite, make_backend: MakeBackend
) -> None:
    spellings = ["127.0.0.1", "127.1", "2130706433", "0x7f000001", "localhost"]
    allow = frozenset(f"{host}:{site.port}" for host in spellings)
    backend = make_backend(per_host_interval_s=0.4, allow_hosts=allow, obey_robots=False)
    for host in spellings:
        backend.open(f"http://{host}:{site.port}/wiki/Pointillism")
    times = sorted(hit.at for hit in site.hits if hit.path == "/wiki/Pointillism")
    assert len(times) == len(spellings)
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert min(gaps) >= 0.35, gaps  # one server, one queue, whatever its name


def test_json_and_text_still_parse_normally(site: LocalSite, make_backend: MakeBackend) -> None:
    payload = json.dumps(
        {"results": [{"url": site.url("/wiki/Pointillism"), "title": "Pointillism"}]}
    )
    backend = limited(make_backend, provider=json_provider(site, payload.encode()))
    assert [r.title for r in backend.search("dots")] == ["Pointillism"]
