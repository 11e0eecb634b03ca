"""The client the web backend is handed: transports stacked over the guarded network layer.

    client = build_client(WebConfig(cache_dir=Path("~/.cache/webgpt/web").expanduser()))

A request passes, top to bottom::

    httpx.Client            User-Agent, timeouts; no redirects, no proxies, no cookies
    CachingTransport        requests marked with CACHE_EXTENSION go through the disk cache
    ThrottledTransport      at least per_host_interval_s between requests to one host
    GuardedTransport        resolve, check and pin every address (browser.web.network)

The cache sits above the throttle, so a page served from disk neither waits nor reaches the
network. Only pages and robots.txt are marked for caching: search requests stay live, and
a provider's API key (a request header) is never written to disk.
"""

from __future__ import annotations

import hashlib
import ssl
import threading
import time
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path

import httpx
from hishel import SqliteStorage
from hishel.httpx import CacheTransport

from browser.web.addresses import AllowList
from browser.web.config import WebConfig
from browser.web.network import GuardedTransport, Resolver, system_resolver

CACHE_EXTENSION = "webgpt.cache"
"""Request extension: set it to True to let the disk cache serve and store the response."""


class ThrottledTransport(httpx.BaseTransport):
    """Waits so that two requests to the same server are ``interval_s`` apart.

    A server is known by the addresses its host name resolves to, not by the name: the
    same machine reached as ``127.0.0.1``, ``127.1``, ``2130706433`` or ``localhost``
    takes its turns in one queue. A request waits for the latest turn of any of its
    addresses, and takes the next turn on all of them.
    """

    def __init__(
        self,
        inner: httpx.BaseTransport,
        *,
        interval_s: float,
        resolver: Resolver = system_resolver,
    ) -> None:
        if interval_s < 0:
            raise ValueError(f"interval_s={interval_s} must not be negative")
        self._inner = inner
        self._interval = interval_s
        self._resolve = resolver
        self._next_turn: dict[str, float] = {}
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self._interval > 0:
            servers = self._servers(request.url)
            with self._lock:  # take a turn, then wait for it outside the lock
                now = time.monotonic()
                turn = max([now, *(self._next_turn.get(s, now) for s in servers)])
                for server in servers:
                    self._next_turn[server] = turn + self._interval
            if turn > now:
                time.sleep(turn - now)
        return self._inner.handle_request(request)

    def _servers(self, url: httpx.URL) -> list[str]:
        """The addresses of ``url``'s host (the name itself when it does not resolve: the
        guarded layer refuses it anyway)."""
        try:
            return self._resolve(url.host, url.port or 443)
        except Exception:  # any resolver failure: throttle by name, the connect will fail
            return [url.host]

    def close(self) -> None:
        self._inner.close()


class CachingTransport(httpx.BaseTransport):
    """Sends requests marked with :data:`CACHE_EXTENSION` through a hishel disk cache.

    The cache stores successful GETs by url for the storage's TTL (``cache_ttl_s``), ignoring
    the server's cache headers: an agent re-reading yesterday's page wants yesterday's copy,
    not a refetch. A response read only in part (over the byte cap) is not stored.
    """

    def __init__(self, inner: httpx.BaseTransport, *, storage: SqliteStorage) -> None:
        self._inner = inner
        self._cached = CacheTransport(next_transport=inner, storage=storage)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.extensions.get(CACHE_EXTENSION) is True:
            return self._cached.handle_request(request)
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._cached.close()  # closes the storage and the inner transport


def build_client(
    config: WebConfig,
    *,
    resolver: Resolver = system_resolver,
    verify: ssl.SSLContext | bool = True,
) -> httpx.Client:
    """The ``httpx.Client`` for :class:`browser.web.backend.WebBackend`, built from ``config``.

    Args:
        config: timeouts, allow-list, per-host interval and cache folder.
        resolver: host name to addresses; tests hand in a fixed table.
        verify: the TLS context (an intranet's own CA); the system's trust store by default.
    """
    guarded = GuardedTransport(
        allow=AllowList.parse(config.allow_hosts), resolver=resolver, verify=verify
    )
    transport: httpx.BaseTransport = ThrottledTransport(
        guarded, interval_s=config.per_host_interval_s, resolver=resolver
    )
    if config.cache_dir is not None:
        storage = SqliteStorage(
            database_path=cache_path(config),
            default_ttl=config.cache_ttl_s,
            max_stream_size=config.max_bytes,
        )
        transport = CachingTransport(transport, storage=storage)
    return httpx.Client(
        transport=transport,
        headers={"User-Agent": config.user_agent},
        # no cookies kept: sites cannot track the agent across pages, and a cached page
        # never depended on a cookie
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
        timeout=httpx.Timeout(config.read_timeout_s, connect=config.connect_timeout_s),
        follow_redirects=False,
        trust_env=False,  # environment proxies would bypass the guarded transport
    )


def cache_path(config: WebConfig) -> Path:
    """The cache database of ``config``: one per allow-list, so pages fetched under an
    allow-list are never served to a backend without it."""
    if config.cache_dir is None:
        raise ValueError("this config has no cache_dir")
    if not config.allow_hosts:
        return config.cache_dir / "pages.sqlite"
    digest = hashlib.sha256("\n".join(sorted(config.allow_hosts)).encode()).hexdigest()
    return config.cache_dir / f"pages-allow-{digest[:12]}.sqlite"
