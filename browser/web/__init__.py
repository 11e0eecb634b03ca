"""The live-web backend: search providers and a fetcher that is safe against a hostile web.

    from browser.web import WebBackend
    backend = WebBackend.from_options(searxng_url="http://127.0.0.1:8888",
                                      allow_hosts=["127.0.0.1:8888"])
    backend.search("pointillism", limit=5)
    backend.open("https://en.wikipedia.org/wiki/Georges_Seurat")

Modules, each with one job: ``addresses`` (which urls and IPs are allowed), ``network``
(resolve, check and pin connections), ``transports`` (cache, per-host throttle, the client),
``body`` (bounded, decompressing reads), ``robots``, ``fetch`` (redirects, limits, robots
policy), ``charset`` and ``text`` and ``extract`` (bytes to a Document), ``providers``
(SearXNG, Brave, DuckDuckGo) and ``backend`` (the Backend protocol).
"""

from browser.web.addresses import AllowList, blocked_reason, check_url, parse_ip
from browser.web.backend import WebBackend
from browser.web.config import USER_AGENT, WebConfig
from browser.web.errors import BlockedAddress, RobotsDisallowed, SearchFailed, WebConfigError
from browser.web.extract import html_to_document, text_to_document, to_document
from browser.web.fetch import Fetched, Fetcher
from browser.web.providers import (
    BraveProvider,
    DuckDuckGoProvider,
    SearchProvider,
    SearxngProvider,
)
from browser.web.transports import build_client

__all__ = [
    "USER_AGENT",
    "AllowList",
    "BlockedAddress",
    "BraveProvider",
    "DuckDuckGoProvider",
    "Fetched",
    "Fetcher",
    "RobotsDisallowed",
    "SearchFailed",
    "SearchProvider",
    "SearxngProvider",
    "WebBackend",
    "WebConfig",
    "WebConfigError",
    "blocked_reason",
    "build_client",
    "check_url",
    "html_to_document",
    "parse_ip",
    "text_to_document",
    "to_document",
]
