"""What a policy sees at each step, as a typed value and as prompt text."""

from __future__ import annotations

import json

from pydantic import Field

from browser.models import Quote, Value
from browser.render import strip_link_marks

MAX_DATA_CHARS = 120
"""The longest title (or server message) shown outside the page window."""


def as_data(text: str, *, limit: int = MAX_DATA_CHARS) -> str:
    """Text a page or a server wrote, shown outside the page window (a title, an error a
    server caused): on one line, cut to ``limit`` characters and in double quotes, so it
    reads as quoted data and cannot pass for the browser's own words or a link mark."""
    line = " ".join(strip_link_marks(text).split())
    if len(line) > limit:
        line = line[: limit - 1] + "…"
    return json.dumps(line, ensure_ascii=False)


class Observation(Value):
    """The browser state shown to a policy before it chooses its next command."""

    question: str
    quotes: tuple[Quote, ...] = ()
    past_actions: tuple[str, ...] = ()
    page_title: str | None = None
    page_url: str | None = None
    is_search_page: bool = False
    window: tuple[str, ...] = Field(default=(), description="visible lines, link marks kept")
    first_line: int = Field(default=1, ge=1, description="number of window[0] (from 1)")
    total_lines: int = Field(default=0, ge=0)
    error: str | None = Field(default=None, description="why the last command failed")
    actions_left: int = Field(ge=0)
    quotes_left: int = Field(ge=0)

    @property
    def last_line(self) -> int:
        """Number of the last visible line (``first_line - 1`` when the window is empty)."""
        return self.first_line + len(self.window) - 1

    def render(self) -> str:
        """The observation as text: the exact string a language-model policy reads."""
        parts = [f"Question: {self.question}"]
        if self.quotes:
            parts.append("Quotes:")
            parts.extend(
                f"[{n}] {as_data(q.title)} ({q.url}): {q.text}"
                for n, q in enumerate(self.quotes, 1)
            )
        else:
            parts.append("Quotes: none yet")
        if self.past_actions:
            parts.append("Past actions:")
            parts.extend(f"- {action}" for action in self.past_actions)
        if self.page_url is None:
            parts.append("Page: none open yet; start with a search")
        else:
            parts.append(f"Page: {as_data(self.page_title or '')} ({self.page_url})")
            parts.append(f"Lines {self.first_line}–{self.last_line} of {self.total_lines}:")
            parts.extend(f"L{n}: {line}" for n, line in enumerate(self.window, self.first_line))
        if self.error:
            parts.append(f"Error: {self.error}")
        parts.append(f"Actions left: {self.actions_left}. Quotes left: {self.quotes_left}.")
        return "\n".join(parts)
