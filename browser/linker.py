"""Turn mentions of other articles' titles into links, as Wikipedia editors do by hand.

A title matches as a whole run of tokens with the same case; multi-word titles also match
with a lowercase first letter ("classical music"). The longest title wins at each position,
each target is linked once per page (its first mention), a page never links to itself, and
a one-word title next to another capitalised word is taken for part of a name and left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from browser.models import Link

_TOKEN_RE = re.compile(r"\w+|[^\w\s]")


_URL = "\x00url"  # the key under which a trie node keeps the url of a title ending there


class TitleLinker:
    """Finds title mentions in text by walking a trie of title tokens: each position costs
    at most the longest title's length, however many titles share a first word ("List of
    …", "Page 1" … "Page 150000"), so linking is linear in the text."""

    def __init__(self, titles: Iterable[tuple[str, str]]) -> None:
        """``titles`` yields ``(title, url)`` pairs; the first title of a form wins."""
        self._trie: dict[str, Any] = {}
        for title, url in titles:
            for form in _surface_forms(title):
                tokens = _TOKEN_RE.findall(form)
                if not tokens:
                    continue
                node = self._trie
                for token in tokens:
                    node = node.setdefault(token, {})
                node.setdefault(_URL, url)

    def links(self, text: str, *, self_url: str | None = None) -> tuple[Link, ...]:
        """The links to add to ``text``, in order, without overlaps."""
        matches = list(_TOKEN_RE.finditer(text))
        tokens = [m.group() for m in matches]
        found: list[Link] = []
        linked = {self_url}
        i = 0
        while i < len(tokens):
            match = self._longest_match_at(tokens, i)
            if match is None:
                i += 1
                continue
            width, url = match
            if url not in linked and not (
                width == 1 and _inside_name(tokens, i)
            ):  # a repeated mention stays plain text, as a whole
                end = matches[i + width - 1].end()
                found.append(Link(start=matches[i].start(), end=end, url=url))
                linked.add(url)
            i += width
        return tuple(found)

    def _longest_match_at(self, tokens: list[str], i: int) -> tuple[int, str] | None:
        node, found = self._trie, None
        for width, token in enumerate(tokens[i:], 1):
            child = node.get(token)
            if child is None:
                break
            node = child
            if _URL in node:
                found = (width, node[_URL])
        return found


def _inside_name(tokens: list[str], i: int) -> bool:
    """Whether a one-word match is part of a longer capitalised name ("Douglas Rain")."""
    before = tokens[i - 1] if i > 0 else ""
    after = tokens[i + 1] if i + 1 < len(tokens) else ""
    return before[:1].isupper() or after[:1].isupper()


def _surface_forms(title: str) -> list[str]:
    if "(" in title:  # "Casablanca (film)": the bare name is ambiguous, so it is not linked
        return []
    forms = [title]
    if " " in title and title[:1].isupper() and not title[1:2].isupper():
        forms.append(title[0].lower() + title[1:])
    return forms
