"""``WebBackend``: the live web behind the :class:`~browser.backend.Backend` protocol.

    with WebBackend.from_options(searxng_url="http://127.0.0.1:8888",
                                 allow_hosts=["127.0.0.1:8888"]) as backend:
        env = BrowserEnv(backend)

``search`` asks the provider; ``open`` fetches through the safe client
(:mod:`browser.web.fetch`) and extracts the page (:mod:`browser.web.extract`). Page text
only ever becomes :class:`~browser.models.Document` text: nothing on a page is read as an
instruction to the backend, and the rendered page is all the policy sees of it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Literal

import httpx
from pydantic import ValidationError

from browser.errors import BackendError, BrowserError
from browser.models import Document, SearchResult
from browser.web.addresses import shorten
from browser.web.config import WebConfig
from browser.web.errors import WebConfigError
from browser.web.extract import to_document
from browser.web.fetch import Fetcher
from browser.web.providers import (
    BraveProvider,
    DuckDuckGoProvider,
    SearchProvider,
    SearxngProvider,
)
from browser.web.transports import build_client

logger = logging.getLogger(__name__)
ProviderName = Literal["searxng", "brave", "ddgs"]


class WebBackend:
    """Search with a provider, open pages from the web, safely.

    Args:
        client: the one HTTP client for pages and search, from
            :func:`browser.web.transports.build_client` (its transport checks and pins
            every address; a plain ``httpx.Client`` would only get the url checks).
        provider: answers ``search``.
        config: the limits and courtesies ``client`` was built with.
    """

    name = "web"

    def __init__(
        self, client: httpx.Client, provider: SearchProvider, *, config: WebConfig
    ) -> None:
        if not isinstance(provider, SearchProvider):
            raise TypeError(f"provider {provider!r} lacks name/search")
        self.client = client
        self.provider = provider
        self.config = config
        self._fetcher = Fetcher(client, config=config)

    @classmethod
    def from_options(
        cls,
        *,
        provider: ProviderName = "searxng",
        searxng_url: str | None = None,
        allow_hosts: Iterable[str] = (),
        cache_dir: Path | None = None,
        config: WebConfig | None = None,
    ) -> WebBackend:
        """A backend with its client built here, as the command line wants it.

        Args:
            provider: "searxng" (needs ``searxng_url``), "brave" (needs ``$BRAVE_API_KEY``)
                or "ddgs" (DuckDuckGo).
            searxng_url: the SearXNG instance; one on this machine or network must also be
                in ``allow_hosts`` (e.g. ``"127.0.0.1:8888"``).
            allow_hosts: hosts or addresses exempt from the address checks, added to
                ``config.allow_hosts``.
            cache_dir: the page cache folder; None means ``$WEBGPT_CACHE_DIR/web`` (or the
                user cache folder). To run without a cache, build ``WebBackend`` directly.
            config: every other setting (defaults when None).

        Raises:
            WebConfigError: an unknown provider, a missing url or key, a bad setting.
        """
        base = config or WebConfig()
        hosts = [allow_hosts] if isinstance(allow_hosts, str) else list(allow_hosts)
        options = {
            "allow_hosts": base.allow_hosts | frozenset(hosts),
            "cache_dir": cache_dir or _default_cache_dir(),
        }
        try:
            config = WebConfig.model_validate(base.model_dump() | options)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise WebConfigError(f"web option {first['loc'][0]!r}: {first['msg']}") from None
        client = build_client(config)
        try:
            return cls(client, _provider(provider, client, searxng_url), config=config)
        except BaseException:
            client.close()
            raise

    def search(self, query: str, *, limit: int = 10) -> list[SearchResult]:
        """Up to ``limit`` results from the provider; none for a blank query.

        Raises:
            BackendError: whatever went wrong, and only that (see :func:`_contained`).
        """
        if not query.strip() or limit < 1:
            return []
        with _contained(f"search {query!r}"):
            return self.provider.search(query.strip(), limit=limit)[:limit]

    def open(self, url: str) -> Document:
        """The page at ``url``, its ``url`` the final one after redirects.

        Raises:
            PageNotFound: HTTP 404 or 410.
            BackendError: see :meth:`browser.web.fetch.Fetcher.fetch` and
                :func:`browser.web.extract.to_document`; nothing else ever leaves.
        """
        with _contained(f"open {shorten(url)}"):
            return to_document(self._fetcher.fetch(url))

    def close(self) -> None:
        """Close the client (its connections and cache)."""
        self.client.close()

    def __enter__(self) -> WebBackend:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


@contextmanager
def _contained(what: str) -> Iterator[None]:
    """The backend's last line: an exception a server's answer provoked in code below that
    no case above foresaw becomes a BackendError (logged with its traceback), so it reaches
    the policy as an observation's error and never ends the agent's run."""
    try:
        yield
    except BrowserError:
        raise
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except Exception as exc:
        logger.warning("%s failed unexpectedly", what, exc_info=True)
        raise BackendError(
            f"{what} failed: {type(exc).__name__}: {shorten(str(exc), 200)}"
        ) from None


def _provider(name: str, client: httpx.Client, searxng_url: str | None) -> SearchProvider:
    if name == "searxng":
        if not searxng_url:
            raise WebConfigError("the searxng provider needs searxng_url (its base url)")
        return SearxngProvider(client, base_url=searxng_url)
    if name == "brave":
        return BraveProvider(client)
    if name == "ddgs":
        return DuckDuckGoProvider()
    raise WebConfigError(f"unknown search provider {name!r}; use searxng, brave or ddgs")


def _default_cache_dir() -> Path:
    from browser.corpus import cache_dir  # the one place webgpt decides where caches live

    return cache_dir() / "web"
