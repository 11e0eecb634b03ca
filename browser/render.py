"""Turn documents and search results into numbered-line pages with clickable link marks.

A link renders as ``【3†Stanley Kubrick】``: the id the policy clicks, then the link text.
Lines are numbered from 1; the environment shows a fixed window of them.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlsplit

from browser.models import Document, SearchResult
from browser.text import collapse_spaces

LINK_MARK_RE = re.compile(r"【(\d+)†([^】]*)】")
_ASCII_SPACES_RE = re.compile(r"[ \t\r\f\v]+")  # \s would also fold the NBSPs below
_NBSP = "\u00a0"  # keeps a link's words on one line: textwrap only breaks at ASCII spaces


@dataclass(frozen=True)
class Page:
    """A rendered page: wrapped lines (with link marks) and the url behind each link id."""

    url: str
    title: str
    lines: tuple[str, ...]
    link_urls: tuple[str, ...]
    is_search: bool = False

    @cached_property
    def plain_lines(self) -> tuple[str, ...]:
        """The lines as a reader sees them, link marks replaced by their text."""
        return tuple(strip_link_marks(line) for line in self.lines)

    @cached_property
    def plain_text(self) -> str:
        """All lines joined by single spaces: what quotes are matched against."""
        return collapse_spaces(" ".join(self.plain_lines))


def strip_link_marks(text: str) -> str:
    """Replace every ``【id†text】`` in ``text`` by ``text``."""
    return LINK_MARK_RE.sub(r"\2", text)


def render_document(document: Document, *, width: int) -> Page:
    """Wrap a document's paragraphs to ``width`` columns and number its links from 0."""
    marked: list[str] = []
    position = 0
    for link_id, link in enumerate(document.links):
        label = collapse_spaces(document.text[link.start : link.end]).replace(" ", _NBSP)
        marked.append(document.text[position : link.start])
        marked.append(f"【{link_id}†{label}】")
        position = link.end
    marked.append(document.text[position:])
    lines: list[str] = []
    for paragraph in "".join(marked).split("\n"):
        wrapped = _wrap(paragraph, width)
        if wrapped and lines:
            lines.append("")  # a blank line between paragraphs, as a reader expects
        lines.extend(wrapped)
    return Page(
        url=document.url,
        title=document.title,
        lines=tuple(lines),
        link_urls=tuple(link.url for link in document.links),
    )


def render_search(query: str, results: list[SearchResult], *, width: int) -> Page:
    """A results page: one clickable title per result, then its address and snippet."""
    lines: list[str] = []
    for link_id, result in enumerate(results):
        title = collapse_spaces(result.title).replace(" ", _NBSP) or result.url
        lines.extend(_wrap(f"【{link_id}†{title}】 {short_url(result.url)}", width))
        lines.extend(_wrap(result.snippet, width))
    return Page(
        url=f"search:{query}",
        title=f"Search results for {query!r}",
        lines=tuple(lines),
        link_urls=tuple(result.url for result in results),
        is_search=True,
    )


def _wrap(paragraph: str, width: int) -> list[str]:
    wrapped = textwrap.wrap(
        _ASCII_SPACES_RE.sub(" ", paragraph).strip(),
        width=width,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return [line.replace(_NBSP, " ") for line in wrapped]


def short_url(url: str) -> str:
    """A url as a results page shows it: host and path for the web, else the url."""
    parts = urlsplit(url)
    if parts.scheme in ("http", "https"):
        return parts.netloc + parts.path
    return url
