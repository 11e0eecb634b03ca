"""The text-browser environment: ``reset(question)``, then ``step(command)`` until done.

    env = BrowserEnv(CorpusBackend.open_default())
    observation = env.reset("Who painted A Sunday Afternoon on the Island of La Grande Jatte?")
    result = env.step("search Sunday Afternoon Grande Jatte")
    print(result.observation.render())

A command the browser cannot carry out (malformed, a missing link, a quote that is not on
the page, a search with no results) never raises: the returned observation carries the
error and the episode goes on. An episode *terminates* when the policy answers and is
*truncated* when its action budget is spent.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from browser.answer import cited_numbers
from browser.backend import Backend
from browser.commands import (
    Answer,
    Back,
    Click,
    Command,
    Find,
    QuoteLines,
    QuoteText,
    Scroll,
    Search,
    Top,
    format_command,
    parse_command,
)
from browser.errors import BackendError, CommandSyntaxError
from browser.models import Quote, Value
from browser.observation import Observation, as_data
from browser.render import Page, render_document, render_search, strip_link_marks
from browser.text import collapse_spaces, fold

logger = logging.getLogger(__name__)


class BrowserConfig(BaseModel):
    """Budgets and page geometry of an episode."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_actions: int = Field(20, ge=1, description="commands allowed before truncation")
    max_quotes: int = Field(5, ge=0, description="quotes the policy may collect")
    window_lines: int = Field(12, ge=1, description="page lines visible at once")
    width: int = Field(80, ge=20, description="columns a page is wrapped to")
    search_results: int = Field(8, ge=1, description="results shown per search")
    max_quote_chars: int = Field(1000, ge=1, description="longest quote accepted")
    max_question_chars: int = Field(1000, ge=1, description="longest question accepted")


class StepResult(Value):
    """What ``step`` returns: the new observation and whether the episode ended."""

    observation: Observation
    terminated: bool = Field(description="the policy answered")
    truncated: bool = Field(description="the action budget ran out before an answer")
    action: str = Field(description="the command as recorded (canonical form when it parsed)")
    error: str | None = None


class _ActionError(Exception):
    """A command that cannot be carried out; becomes the observation's error."""


@dataclass
class _Location:
    page: Page
    top: int  # index of the first visible line


class BrowserEnv:
    """A WebGPT-style text browser over any :class:`~browser.backend.Backend`."""

    def __init__(self, backend: Backend, config: BrowserConfig | None = None) -> None:
        self.backend = backend
        self.config = config or BrowserConfig()
        self._question = ""
        self._here: _Location | None = None
        self._history: list[_Location] = []
        self._quotes: list[Quote] = []
        self._actions: list[str] = []
        self._answer: str | None = None
        self._done = True

    @property
    def quotes(self) -> tuple[Quote, ...]:
        return tuple(self._quotes)

    @property
    def answer(self) -> str | None:
        return self._answer

    def close(self) -> None:
        """Close the backend (files, connections); the environment is done with."""
        self.backend.close()

    def __enter__(self) -> BrowserEnv:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def reset(self, question: str) -> Observation:
        """Start an episode for ``question`` on a blank page."""
        if not question.strip():
            raise ValueError("the question is empty")
        if len(question) > self.config.max_question_chars:
            raise ValueError(
                f"the question is {len(question)} characters; at most "
                f"{self.config.max_question_chars} are read"
            )
        self._question = collapse_spaces(question)
        self._here, self._history = None, []
        self._quotes, self._actions = [], []
        self._answer, self._done = None, False
        return self._observe(None)

    def step(self, text: str) -> StepResult:
        """Carry out one command given as text (see :mod:`browser.commands`)."""
        if self._done:
            raise RuntimeError("the episode is over; call reset() first")
        error: str | None = None
        try:
            command = parse_command(text)
            action = format_command(command)
        except CommandSyntaxError as exc:
            command, action, error = None, collapse_spaces(text) or "(empty)", str(exc)
        self._actions.append(action)
        if command is not None:
            try:
                self._apply(command)
            except _ActionError as exc:
                error = str(exc)
        terminated = self._answer is not None
        truncated = not terminated and len(self._actions) >= self.config.max_actions
        self._done = terminated or truncated
        return StepResult(
            observation=self._observe(error),
            terminated=terminated,
            truncated=truncated,
            action=action,
            error=error,
        )

    # -- commands -------------------------------------------------------------------------

    def _apply(self, command: Command) -> None:
        match command:
            case Search(query=query):
                self._search(query)
            case Click(link_id=link_id):
                self._click(link_id)
            case Scroll(direction=direction):
                self._scroll(direction)
            case Top():
                self._current().top = 0
            case Back():
                if not self._history:
                    raise _ActionError("there is no previous page")
                self._here = self._history.pop()
            case Find(text=text):
                self._find(text)
            case QuoteText(text=text, end=end):
                page = self._quotable_page()
                self._add_quote(page, find_span(page.plain_text, text, end))
            case QuoteLines(first=first, last=last):
                self._quote_lines(first, last)
            case Answer(text=text):
                self._check_citations(text)
                self._answer = text

    def _search(self, query: str) -> None:
        try:
            results = self.backend.search(query, limit=self.config.search_results)
        except BackendError as exc:
            logger.warning("search %r failed: %s", query, exc)
            raise _ActionError(f"search failed: {as_data(str(exc), limit=200)}") from exc
        if not results:
            raise _ActionError(f"no results for {query!r}; try other words")
        self._go(render_search(query, results, width=self.config.width))

    def _click(self, link_id: int) -> None:
        page = self._current().page
        if link_id >= len(page.link_urls):
            known = f"0–{len(page.link_urls) - 1}" if page.link_urls else "none"
            raise _ActionError(f"no link {link_id} on this page (link ids: {known})")
        url = page.link_urls[link_id]
        try:
            document = self.backend.open(url)
        except BackendError as exc:
            raise _ActionError(f"could not open {url}: {as_data(str(exc), limit=200)}") from exc
        self._go(render_document(document, width=self.config.width))

    def _go(self, page: Page) -> None:
        if self._here is not None:
            self._history.append(self._here)
        self._here = _Location(page, 0)

    def _scroll(self, direction: str) -> None:
        here = self._current()
        step = self.config.window_lines
        if direction == "down":
            if here.top + step >= len(here.page.lines):
                raise _ActionError("already at the end of the page")
            here.top += step
        else:
            if here.top == 0:
                raise _ActionError("already at the top of the page")
            here.top = max(0, here.top - step)

    def _find(self, text: str) -> None:
        here = self._current()
        needle = fold(collapse_spaces(strip_link_marks(text)))
        lines = [fold(line) for line in here.page.plain_lines]
        count = len(lines)
        for offset in range(1, count + 1):
            index = (here.top + offset) % count
            joined = lines[index] + " " + lines[index + 1] if index + 1 < count else lines[index]
            starts_here = index + 1 >= count or needle not in lines[index + 1]
            if needle in joined and starts_here:
                here.top = index
                return
        raise _ActionError(f"{text!r} is not on this page")

    def _quote_lines(self, first: int, last: int) -> None:
        page = self._quotable_page()
        if not 1 <= first <= last <= len(page.lines):
            raise _ActionError(f"lines {first}-{last} are not on this page (1–{len(page.lines)})")
        text = collapse_spaces(" ".join(page.plain_lines[first - 1 : last]))
        if not text:
            raise _ActionError(f"lines {first}-{last} are empty; nothing to quote")
        self._add_quote(page, text)

    def _quotable_page(self) -> Page:
        page = self._current().page
        if page.is_search:
            raise _ActionError("quotes come from an opened page, not from search results")
        if len(self._quotes) >= self.config.max_quotes:
            raise _ActionError(f"the quote budget ({self.config.max_quotes}) is spent")
        return page

    def _add_quote(self, page: Page, span: str | None) -> None:
        if span is None:
            raise _ActionError("that text is not on this page; quote it exactly as shown")
        if len(span) > self.config.max_quote_chars:
            raise _ActionError(
                f"the quote is {len(span)} characters, more than {self.config.max_quote_chars}"
            )
        quote = Quote(title=page.title, url=page.url, text=span)
        if quote in self._quotes:
            raise _ActionError(f"already quoted as [{self._quotes.index(quote) + 1}]")
        self._quotes.append(quote)

    def _check_citations(self, text: str) -> None:
        for number in cited_numbers(text):
            if not 1 <= number <= len(self._quotes):
                raise _ActionError(f"the answer cites [{number}] but there is no quote {number}")

    def _current(self) -> _Location:
        if self._here is None:
            raise _ActionError("no page is open yet; start with a search")
        return self._here

    # -- observation ----------------------------------------------------------------------

    def _observe(self, error: str | None) -> Observation:
        here = self._here
        page = here.page if here else None
        top = here.top if here else 0
        window = page.lines[top : top + self.config.window_lines] if page else ()
        return Observation(
            question=self._question,
            quotes=tuple(self._quotes),
            past_actions=tuple(self._actions),
            page_title=page.title if page else None,
            page_url=page.url if page else None,
            is_search_page=page.is_search if page else False,
            window=window,
            first_line=top + 1,
            total_lines=len(page.lines) if page else 0,
            error=error,
            actions_left=self.config.max_actions - len(self._actions),
            quotes_left=self.config.max_quotes - len(self._quotes),
        )


def find_span(text: str, start: str, end: str | None = None) -> str | None:
    """The span of ``text`` that a quote refers to, or None when it is not there.

    Matching forgives what copying text by hand gets wrong: link marks, runs of whitespace,
    letter case, curly versus straight apostrophes and dash variants. With ``end`` the span
    runs from the first match of ``start`` through the next match of ``end``.
    """
    head = _span_pattern(start)
    if head is None:
        return None
    first = head.search(text)
    if first is None:
        return None
    if end is None:
        return text[first.start() : first.end()]
    tail = _span_pattern(end)
    last = tail.search(text, first.end()) if tail else None
    return text[first.start() : last.end()] if last else None


def _span_pattern(quote: str) -> re.Pattern[str] | None:
    cleaned = collapse_spaces(strip_link_marks(quote)).strip('"“”')
    if not cleaned:
        return None
    pattern = re.escape(cleaned)
    pattern = re.sub(r"\\ ", r"\\s+", pattern)
    pattern = re.sub(r"['’]", "['’]", pattern)
    pattern = re.sub(r"\\-|[–—]", "[-–—]", pattern)
    return re.compile(pattern, re.IGNORECASE)
