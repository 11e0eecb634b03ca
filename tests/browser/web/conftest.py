"""A real HTTP server on 127.0.0.1 for the web backend's tests.

``site`` serves a small wiki, a fake SearXNG (``/search?q=…&format=json``) over it, and
whatever hostile routes a test adds (``site.page``, ``site.redirect``, ``site.route``); it
records every request. ``make_backend`` builds a :class:`WebBackend` allow-listed for that
site only (its address *and* port), with short timeouts and no per-host wait.

Nothing here talks to any address but 127.0.0.1: the server binds there, and the backends
are only ever pointed at it (other addresses in the tests are refused before any connect).
Every handler ends by itself (bounded loops that also stop when the server stops), the
server shuts down after each test, and a watchdog stops it after a minute regardless.
"""

from __future__ import annotations

import contextlib
import json
import re
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from browser.web.backend import WebBackend
from browser.web.config import WebConfig
from browser.web.network import Resolver, system_resolver
from browser.web.providers import SearchProvider, SearxngProvider
from browser.web.transports import build_client

Handler = Callable[[BaseHTTPRequestHandler], None]
TLS_PEM = Path(__file__).parent / "tls" / "wiki-test.pem"  # self-signed, for wiki.test only
MAX_HANDLER_SECONDS = 10.0
SERVER_LIFETIME_SECONDS = 60.0

WIKI = {
    "/wiki/Georges_Seurat": (
        "Georges Seurat",
        "Georges Seurat was a French post-Impressionist artist. He devised the painting "
        "techniques known as chromoluminarism and pointillism. Seurat was born in Paris in "
        "1859 and died there in 1891.",
    ),
    "/wiki/La_Grande_Jatte": (
        "A Sunday Afternoon on the Island of La Grande Jatte",
        "A Sunday Afternoon on the Island of La Grande Jatte was painted by Georges Seurat "
        "from 1884 to 1886. It is the best-known example of pointillist technique.",
    ),
    "/wiki/Pointillism": (
        "Pointillism",
        "Pointillism is a technique of painting in which small dots of colour are applied in "
        "patterns to form an image. Georges Seurat and Paul Signac developed it in 1886.",
    ),
}


@dataclass(frozen=True)
class Hit:
    """One request the server received."""

    path: str
    query: str
    headers: dict[str, str]
    at: float  # time.monotonic()


class LocalSite:
    """A ThreadingHTTPServer on 127.0.0.1 with a route table and a request log.

    With ``tls`` it serves HTTPS and records the SNI name each client sent.
    """

    def __init__(self, *, tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, Handler] = {}
        self.hits: list[Hit] = []
        self.wiki = dict(WIKI)
        self.server_names: list[str | None] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(self))
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.port = int(self.server.server_address[1])
        scheme = "http"
        if tls is not None:
            tls.sni_callback = lambda _socket, name, _context: self.server_names.append(name)
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.base = f"{scheme}://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._watchdog = threading.Timer(SERVER_LIFETIME_SECONDS, self.stop)
        self._watchdog.daemon = True
        for path, (title, text) in WIKI.items():
            self.page(path, article(title, text))
        self.route("/search", self._searxng)

    def article(self, path: str, title: str, text: str, *, extra: str = "") -> str:
        """Serve an article at ``path`` and list it in the fake SearXNG's index."""
        self.wiki[path] = (title, text)
        return self.page(path, article(title, text, extra=extra))

    def start(self) -> None:
        self._thread.start()
        self._watchdog.start()

    def stop(self) -> None:
        if not self.stopping.is_set():
            self.stopping.set()
            self._watchdog.cancel()
            self.server.shutdown()
            self.server.server_close()

    def url(self, path: str) -> str:
        return self.base + path

    def count(self, path: str) -> int:
        """Requests received for ``path`` (any query)."""
        with self._lock:
            return sum(1 for hit in self.hits if hit.path == path)

    def record(self, request: BaseHTTPRequestHandler, *, path: str | None = None) -> None:
        parts = urlsplit(request.path)
        hit = Hit(path or parts.path, parts.query, dict(request.headers.items()), time.monotonic())
        with self._lock:
            self.hits.append(hit)

    # -- routes -------------------------------------------------------------------------

    def route(self, path: str, handler: Handler) -> str:
        self.routes[path] = handler
        return self.url(path)

    def page(
        self,
        path: str,
        body: bytes | str,
        *,
        content_type: str = "text/html; charset=utf-8",
        status: int = 200,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        return self.route(path, lambda r: respond(r, status, data, content_type, headers))

    def redirect(self, path: str, location: str, *, status: int = 302) -> str:
        return self.route(
            path, lambda r: respond(r, status, b"", "text/html", (("Location", location),))
        )

    def wait(self, seconds: float) -> None:
        """Sleep in a handler, cut short when the server stops."""
        self.stopping.wait(min(seconds, MAX_HANDLER_SECONDS))

    def _searxng(self, request: BaseHTTPRequestHandler) -> None:
        """A fake SearXNG: results ranked by shared words, some optional fields left out."""
        query = parse_qs(urlsplit(request.path).query)
        if query.get("format") != ["json"]:
            respond(request, 403, b"format not allowed", "text/plain")
            return
        words = set(re.findall(r"\w+", " ".join(query.get("q", [""])).lower()))
        scored = []
        for path, (title, text) in self.wiki.items():
            score = len(words & set(re.findall(r"\w+", f"{title} {text}".lower())))
            if score:
                scored.append((-score, path, title, text))
        results: list[dict[str, Any]] = []
        for _, path, title, text in sorted(scored):
            row: dict[str, Any] = {"url": self.url(path), "title": title, "engine": "local"}
            if not path.endswith("Pointillism"):  # SearXNG's "content" is optional
                row["content"] = text[:120]
            results.append(row)
        payload = {"query": " ".join(query.get("q", [])), "results": results}
        respond(request, 200, json.dumps(payload).encode(), "application/json")


def _handler_class(site: LocalSite) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # one request per connection; the close ends a body

        def do_GET(self) -> None:
            site.record(self)
            handler = site.routes.get(urlsplit(self.path).path, _not_found)
            # the client hanging up is expected: it should, on a body it refuses
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                handler(self)

        def do_CONNECT(self) -> None:
            """Act as a proxy that connects nowhere: record the target, refuse."""
            site.record(self, path=self.path)
            respond(self, 403, b"this proxy connects nowhere", "text/plain")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return _Handler


def respond(
    request: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    content_type: str,
    headers: tuple[tuple[str, str], ...] = (),
) -> None:
    request.send_response(status)
    request.send_header("Content-Type", content_type)
    request.send_header("Content-Length", str(len(body)))
    for name, value in headers:
        request.send_header(name, value)
    request.end_headers()
    request.wfile.write(body)


def _not_found(request: BaseHTTPRequestHandler) -> None:
    respond(request, 404, b"<html><body><p>Not found</p></body></html>", "text/html")


def article(title: str, text: str, *, extra: str = "") -> str:
    """A page shaped like a wiki article: navigation, a heading, the text, a footer."""
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><nav><a href='/'>Home</a></nav><main><h1>{title}</h1><p>{text}</p>{extra}"
        "</main><footer>Text is available under a free licence.</footer></body></html>"
    )


@pytest.fixture(scope="session")
def gzip_bomb() -> bytes:
    """A gzip body of 100 MB of zeros, about 1,000 times larger decoded than sent."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1 << 20)
    parts = [compressor.compress(block) for _ in range(100)]
    return b"".join([*parts, compressor.flush()])


@pytest.fixture
def site() -> Iterator[LocalSite]:
    local = LocalSite()
    local.start()
    yield local
    local.stop()


@pytest.fixture
def tls_site() -> Iterator[LocalSite]:
    """The same site over HTTPS, with a certificate for the name ``wiki.test`` only."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(TLS_PEM)
    local = LocalSite(tls=context)
    local.start()
    yield local
    local.stop()


@pytest.fixture
def tls_trust() -> ssl.SSLContext:
    """A client context that trusts the test certificate (and nothing else)."""
    return ssl.create_default_context(cafile=str(TLS_PEM))


MakeBackend = Callable[..., WebBackend]


@pytest.fixture
def make_backend(site: LocalSite) -> Iterator[MakeBackend]:
    """Build backends for ``site``: ``make_backend(resolver=…, provider=…, **config)``."""
    made: list[WebBackend] = []

    def make(
        *,
        resolver: Resolver = system_resolver,
        provider: Callable[[Any], SearchProvider] | None = None,
        verify: ssl.SSLContext | bool = True,
        **overrides: Any,
    ) -> WebBackend:
        fields: dict[str, Any] = {
            "allow_hosts": frozenset({f"127.0.0.1:{site.port}"}),
            "per_host_interval_s": 0.0,
            "connect_timeout_s": 2.0,
            "read_timeout_s": 2.0,
            "total_timeout_s": 5.0,
        }
        config = WebConfig(**(fields | overrides))
        client = build_client(config, resolver=resolver, verify=verify)
        searcher = provider(client) if provider else SearxngProvider(client, base_url=site.base)
        backend = WebBackend(client, searcher, config=config)
        made.append(backend)
        return backend

    yield make
    for backend in made:
        backend.close()
