"""The fetching policy: which urls, how many redirects, how long, how many bytes, robots.txt.

    fetcher = Fetcher(build_client(config), config=config)
    fetched = fetcher.fetch("https://example.org/page")   # Fetched(url=final url, body=…)

Every url (the first and each redirect target) passes :func:`~browser.web.addresses.check_url`
and robots.txt; redirects are followed here, one hop at a time, up to ``max_redirects``,
and a url seen twice is a loop. One wall-clock deadline (``total_timeout_s``) covers the
whole open: robots.txt, every hop, every body byte. The I/O itself, including the address
checks on resolved addresses, happens in the client's transport (:mod:`browser.web.network`).
"""

from __future__ import annotations

import logging
import time
from contextlib import closing
from dataclasses import dataclass
from http import HTTPStatus

import httpx

from browser.errors import BackendError, PageNotFound
from browser.web.addresses import AllowList, check_url, shorten
from browser.web.body import read_body
from browser.web.config import WebConfig
from browser.web.deadline import deadline as network_deadline
from browser.web.errors import BlockedAddress, RobotsDisallowed
from browser.web.robots import MAX_ROBOTS_BYTES, RobotsRules, product_token
from browser.web.transports import CACHE_EXTENSION

logger = logging.getLogger(__name__)

_HEADERS = {
    "Accept": "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8,*/*;q=0.1",
    "Accept-Encoding": "gzip, deflate",  # the codings body.read_body inflates within the cap
    "Accept-Language": "en;q=0.9,*;q=0.5",
}
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_UNREACHABLE_ROBOTS_TTL_S = 60.0  # retry a robots.txt that failed after this long


@dataclass(frozen=True)
class Fetched:
    """What a GET brought back: the final url after redirects, the status, the body."""

    url: str
    status: int
    content_type: str
    body: bytes


class Fetcher:
    """Fetches pages through ``client`` under the limits and rules of ``config``."""

    def __init__(self, client: httpx.Client, *, config: WebConfig) -> None:
        self._client = client
        self._config = config
        self._allow = AllowList.parse(config.allow_hosts)
        self._agent = product_token(config.user_agent)
        self._robots: dict[str, tuple[RobotsRules, float]] = {}  # origin -> (rules, expiry)

    def fetch(self, url: str) -> Fetched:
        """GET ``url``, following redirects, and return the page.

        Raises:
            PageNotFound: the server answered 404 or 410.
            BlockedAddress: the url or a redirect target may not be fetched.
            RobotsDisallowed: robots.txt forbids it.
            BackendError: any other HTTP error, a redirect loop or too many redirects, a
                timeout, or a body over ``max_bytes``.
        """
        first = check_url(url, allow=self._allow)
        with network_deadline(self._config.total_timeout_s) as deadline:
            fetched = self._follow(
                first,
                deadline=deadline,
                robots=self._config.obey_robots,
                max_bytes=self._config.max_bytes,
            )
        if fetched.status in (404, 410):
            raise PageNotFound(url)
        if fetched.status == 429:
            raise BackendError(f"{shorten(fetched.url)} is rate-limiting us (HTTP 429); try later")
        if not 200 <= fetched.status < 300:
            missing = " without a Location" if fetched.status in _REDIRECTS else ""
            raise BackendError(
                f"{shorten(fetched.url)} answered HTTP {http_status(fetched.status)}{missing}"
            )
        return fetched

    def _follow(self, url: httpx.URL, *, deadline: float, robots: bool, max_bytes: int) -> Fetched:
        chain = [url]
        while True:
            if robots:
                self._check_robots(url, deadline)
            with closing(self._send(url, deadline)) as response:
                if not response.has_redirect_location:
                    return self._finish(url, response, deadline=deadline, max_bytes=max_bytes)
                location = response.headers["location"]
            url = self._next_hop(chain, location)

    def _send(self, url: httpx.URL, deadline: float) -> httpx.Response:
        config = self._config
        left = deadline - time.monotonic()
        if left <= 0:
            raise BackendError(
                f"{shorten(str(url))} was not reached within {config.total_timeout_s} s"
            )
        connect, read = min(config.connect_timeout_s, left), min(config.read_timeout_s, left)
        request = self._client.build_request(
            "GET",
            url,
            headers={**_HEADERS, "User-Agent": config.user_agent},
            timeout=httpx.Timeout(connect=connect, read=read, write=read, pool=connect),
            extensions={CACHE_EXTENSION: True},
        )
        try:
            return self._client.send(request, stream=True, follow_redirects=False)
        except httpx.TimeoutException:
            raise BackendError(
                f"{shorten(str(url))} did not answer in time "
                f"(connect timeout {connect:.3g} s, read timeout {read:.3g} s)"
            ) from None
        except httpx.TransportError as exc:
            raise BackendError(f"could not fetch {shorten(str(url))}: {exc}") from None

    def _finish(
        self, url: httpx.URL, response: httpx.Response, *, deadline: float, max_bytes: int
    ) -> Fetched:
        body = b""
        if 200 <= response.status_code < 300:  # error pages are not read, only reported
            body = read_body(response, max_bytes=max_bytes, deadline=deadline, what=str(url))
        return Fetched(
            url=str(url),
            status=response.status_code,
            content_type=response.headers.get("content-type", ""),
            body=body,
        )

    def _next_hop(self, chain: list[httpx.URL], location: str) -> httpx.URL:
        here = shorten(str(chain[-1]))
        try:
            target = check_url(str(chain[-1].join(location.strip())), allow=self._allow)
        except (httpx.InvalidURL, ValueError):
            raise BackendError(
                f"{here} redirects to an invalid url {shorten(location)!r}"
            ) from None
        except BlockedAddress as exc:
            raise BlockedAddress(f"{here} redirects to a refused url: {exc}") from None
        if target in chain:
            hops = " → ".join(shorten(str(hop), 80) for hop in [*chain, target])
            raise BackendError(f"redirect loop: {hops}")
        if len(chain) > self._config.max_redirects:
            raise BackendError(
                f"{shorten(str(chain[0]))} redirected more than {self._config.max_redirects} times"
            )
        chain.append(target)
        return target

    def _check_robots(self, url: httpx.URL, deadline: float) -> None:
        origin = f"{url.scheme}://{url.netloc.decode('ascii')}"
        rules, expiry = self._robots.get(origin, (None, 0.0))
        if rules is None or time.monotonic() > expiry:
            rules = self._load_robots(url, origin, deadline)
            ttl = _UNREACHABLE_ROBOTS_TTL_S if rules.refusal else float("inf")
            self._robots[origin] = (rules, time.monotonic() + ttl)
        refusal = rules.refusal_for(str(url), self._agent)
        if refusal is not None:
            raise RobotsDisallowed(refusal)

    def _load_robots(self, url: httpx.URL, origin: str, deadline: float) -> RobotsRules:
        robots_url = url.copy_with(raw_path=b"/robots.txt")
        try:
            fetched = self._follow(
                robots_url, deadline=deadline, robots=False, max_bytes=MAX_ROBOTS_BYTES
            )
        except BlockedAddress:
            raise  # the site's own address is refused: say so, not "robots.txt unknown"
        except BackendError as exc:
            logger.info("robots.txt of %s could not be fetched: %s", origin, exc)
            return RobotsRules.unreachable(origin, f"fetching its robots.txt failed ({exc})")
        return RobotsRules.from_response(origin, fetched.status, fetched.body)


def http_status(code: int) -> str:
    """``500 Internal Server Error``: the standard phrase, never the server's own text."""
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return str(code)
