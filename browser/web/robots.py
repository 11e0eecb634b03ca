"""robots.txt rules (RFC 9309), parsed with Protego.

What a fetch of ``/robots.txt`` means for the rest of the site:

* 2xx: the file's rules for our product token (or ``*``);
* 4xx (no file, forbidden): no rules, everything may be fetched;
* 5xx, or the file could not be fetched at all: the site is "unreachable", nothing may be.
"""

from __future__ import annotations

import logging
import posixpath
import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from protego import Protego

logger = logging.getLogger(__name__)

MAX_ROBOTS_BYTES = 512 * 1024  # RFC 9309 asks crawlers to parse at least 500 KiB


@dataclass(frozen=True)
class RobotsRules:
    """The rules of one origin. ``parser`` None means no file; ``refusal`` set means none."""

    origin: str
    parser: Protego | None = None
    refusal: str | None = None

    @classmethod
    def from_response(cls, origin: str, status: int, body: bytes) -> RobotsRules:
        """Rules from the status and body of the origin's ``/robots.txt``."""
        if 400 <= status < 500:
            return cls(origin)
        if not 200 <= status < 300:
            return cls.unreachable(origin, f"its robots.txt answered HTTP {status}")
        try:
            return cls(origin, parser=Protego.parse(body.decode("utf-8", errors="replace")))
        except Exception as exc:  # Protego on hostile input: treat as an empty file
            logger.info("robots.txt of %s could not be parsed (%s); no rules apply", origin, exc)
            return cls(origin)

    @classmethod
    def unreachable(cls, origin: str, why: str) -> RobotsRules:
        """Rules refusing every url of ``origin``, because ``why``."""
        return cls(origin, refusal=f"{why}, so its robots.txt is unknown")

    def refusal_for(self, url: str, agent: str) -> str | None:
        """Why ``agent`` may not fetch ``url``, or None when it may.

        The path is matched as written and as a server that normalises paths would read it
        (:func:`normalized_path`), so ``/%2e/private`` or ``/x/..%2Fprivate`` cannot slip
        past ``Disallow: /private``.
        """
        if self.refusal is not None:
            return f"{self.origin} is not fetched: {self.refusal}"
        if self.parser is None:
            return None
        parts = urlsplit(url)
        normal = urlunsplit(parts._replace(path=normalized_path(parts.path)))
        for form in dict.fromkeys((url, normal)):
            if not self.parser.can_fetch(form, agent):
                return f"robots.txt of {self.origin} disallows {url} for {agent!r}"
        return None


def product_token(user_agent: str) -> str:
    """The robots.txt name of a User-Agent: ``webgpt`` for ``webgpt/0.1 (+https://…)``."""
    words = user_agent.split("/", 1)[0].split()
    return words[0].lower() if words else "*"


_ENCODED_RE = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/")


def normalized_path(path: str) -> str:
    """``path`` as a normalising server serves it: percent-encoded unreserved characters,
    dots and slashes decoded, repeated slashes merged, ``.`` and ``..`` segments resolved
    (RFC 3986 section 6.2.2)."""

    def decode(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else match.group(0).upper()

    previous = None
    while previous != path:  # "%252e" decodes in two passes on a server that decodes twice
        previous, path = path, _ENCODED_RE.sub(decode, path)
    trailing = path.endswith("/")
    resolved = posixpath.normpath("/" + path.lstrip("/"))
    resolved = "/" + resolved.lstrip("/")  # normpath keeps a leading "//"
    return resolved + "/" if trailing and resolved != "/" else resolved
