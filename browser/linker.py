"""Turn mentions of other articles' titles into links, as Wikipedia editors do by hand.

A title matches as a whole run of tokens with the same case; multi-word titles also match
with a lowercase first letter ("classical music"). The longest title wins at each position,
each target is linked once per page (its first mention), a page never links to itself, and
a one-word title next to another capitalised word is taken for part of a name and left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from browser.models import Link

_TOKEN_RE = re.compile(r"\w+|[^\w\s]")


class TitleLinker:
    """Finds title mentions in text by token lookup: O(tokens), not O(tokens × titles)."""

    def __init__(self, titles: Iterable[tuple[str, str]]) -> None:
        """``titles`` yields ``(title, url)`` pairs."""
        # first token -> [(token tuple, url)], longest first
        self._by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for title, url in titles:
            for form in _surface_forms(title):
                tokens = tuple(_TOKEN_RE.findall(form))
                if tokens:
                    self._by_first.setdefault(tokens[0], []).append((tokens, url))
        for candidates in self._by_first.values():
            candidates.sort(key=lambda candidate: -len(candidate[0]))

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
        for candidate, url in self._by_first.get(tokens[i], ()):
            width = len(candidate)
            if tuple(tokens[i : i + width]) == candidate:
                return width, url
        return None


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
