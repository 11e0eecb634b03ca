"""The URLs a ZIM archive's articles are cited by, and the way back from a URL to a path.

A MediaWiki dump (made by mwoffliner: metadata ``Source`` is the wiki's host, e.g.
``en.wikipedia.org``; or named like ``wikipedia_en_all_maxi``) cites the real web page::

    Georges_Seurat  <->  https://en.wikipedia.org/wiki/Georges_Seurat

Any other archive cites ``zim://<archive name>/<path>``, the name being the archive's
``Name`` metadata (the file name without ``.zim`` when it has none)::

    docs/intro.html  <->  zim://devdocs_en_python/docs/intro.html

Paths are percent-encoded as MediaWiki encodes titles, so ``C++`` is ``C%2B%2B`` and
``AC/DC`` keeps its slash; ``path(url(p)) == p`` for every path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

# Hosts of the Wikimedia projects: every one serves its articles at /wiki/<title>.
WIKIMEDIA_DOMAINS = (
    "wikipedia.org", "wiktionary.org", "wikivoyage.org", "wikibooks.org", "wikiquote.org",
    "wikisource.org", "wikiversity.org", "wikinews.org", "wikimedia.org", "mediawiki.org",
    "wikidata.org",
)  # fmt: skip
# Kiwix names its Wikimedia archives <project>_<language>_<selection>[_<flavour>].
_WIKIMEDIA_NAME_RE = re.compile(
    r"^(wikipedia|wiktionary|wikivoyage|wikibooks|wikiquote|wikisource|wikiversity|wikinews)"
    r"_([a-z]+(?:-[a-z]+)*)_"
)
_PATH_SAFE = "/;@$!*(),~:"  # what MediaWiki's wfUrlencode leaves as it is


@dataclass(frozen=True)
class UrlScheme:
    """Turns article paths into URLs under ``base`` and URLs back into paths."""

    base: str

    def url(self, path: str) -> str:
        """The URL that cites the article at ``path``."""
        return self.base + quote(path, safe=_PATH_SAFE)

    def path(self, url: str) -> str | None:
        """The article path ``url`` points at (query and fragment dropped), or None when
        ``url`` is not under this scheme's base."""
        if not url.startswith(self.base):
            return None
        rest = url[len(self.base) :].split("#", 1)[0].split("?", 1)[0]
        return unquote(rest) or None


def url_scheme(metadata: Mapping[str, str], *, fallback_name: str) -> UrlScheme:
    """The scheme an archive with ``metadata`` (its ``M/`` entries) is cited by.

    Args:
        metadata: the archive's text metadata (``Name``, ``Source``, ``Scraper`` …).
        fallback_name: the archive's name when its metadata has none (its file stem).
    """
    host = _mediawiki_host(metadata)
    if host is not None:
        return UrlScheme(f"https://{host}/wiki/")
    name = metadata.get("Name", "").strip() or fallback_name
    return UrlScheme(f"zim://{quote(name, safe='')}/")


def _mediawiki_host(metadata: Mapping[str, str]) -> str | None:
    source = metadata.get("Source", "").strip()
    if source:
        host = urlsplit(source if "//" in source else f"//{source}").hostname
        if host and (_is_wikimedia(host) or "mwoffliner" in metadata.get("Scraper", "").lower()):
            return host
    named = _WIKIMEDIA_NAME_RE.match(metadata.get("Name", ""))
    if named:
        project, language = named.groups()
        return f"{language}.{project}.org"
    return None


def _is_wikimedia(host: str) -> bool:
    return any(host == domain or host.endswith(f".{domain}") for domain in WIKIMEDIA_DOMAINS)
