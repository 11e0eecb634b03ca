"""The reading teacher: browses like a careful person and reads with the trained reader.

It searches with the question as asked, opens the top results one after another, reads
each page to its end, and scores every sentence with the reader (:mod:`agent.reader`).
It quotes the best sentence it read (going back to its page when that was not the last
one), then answers with the reader's short answer and the sentence that supports it:

    answer The Tiber [1]. Rome is a city that lies on the Tiber [1].

When no sentence scores above ``abstain_below`` it says it could not find the answer,
quoting nothing. It sees only the observation, as any policy does (it remembers what it
read), so its episodes are demonstrations.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from agent.reader import READER_SETTINGS, CachedRead, Reader, Reading
from agent.shipped import DEFAULT_READER
from browser.answer import ABSTAIN_ANSWER
from browser.observation import Observation
from browser.render import LINK_MARK_RE, short_url, strip_link_marks
from browser.text import collapse_spaces, content_words, split_sentences

ReadFunction = Callable[[str, Sequence[tuple[str, str]]], list[Reading]]
"""``(question, [(title, sentence)]) -> readings``: :meth:`agent.reader.Reader.read`."""

MAX_SHORT_ANSWER_WORDS = 10


@dataclass(frozen=True)
class Candidate:
    """A sentence the teacher read, where it was, and what the reader made of it."""

    score: float
    sentence: str
    url: str
    link_id: int
    answer: str | None


@dataclass
class _Memory:
    question: str | None = None
    queries: list[str] = field(default_factory=list)
    links: dict[str, int] = field(default_factory=dict)  # url shown on results -> link id
    plan: list[tuple[int, str]] = field(default_factory=list)  # results still to open
    opened: int = 0
    lines: dict[int, str] = field(default_factory=dict)  # the open page's lines so far
    page_url: str | None = None
    read_urls: set[str] = field(default_factory=set)
    best: Candidate | None = None
    page_bests: list[Candidate] = field(default_factory=list)  # each page's best, in order
    quoted: bool = False


@dataclass
class ReadingTeacher:
    """The teacher of the default policy (see the module doc).

    Args:
        read: scores ``(title, sentence)`` pairs for a question (the reader's ``read``).
        max_pages: result pages opened per question.
        sure_above: a sentence scoring above this is quoted at once, unread pages left.
        abstain_below: when the best sentence scores below this, the teacher abstains.
    """

    read: ReadFunction
    max_pages: int = 3
    sure_above: float = 6.0
    abstain_below: float = 0.0
    name: str = "teacher"
    _memory: _Memory = field(default_factory=_Memory, repr=False)

    @classmethod
    def from_reader(
        cls, reader: Reader, path: Path = DEFAULT_READER, *, read: ReadFunction | None = None
    ) -> ReadingTeacher:
        """The teacher reading with ``reader`` (through ``read``, a cache of it, when
        given), with the thresholds calibrated for it (kept in the reader's settings under
        ``teacher``, chosen on held-out questions)."""
        settings = json.loads((path / READER_SETTINGS).read_text()).get("teacher", {})
        return cls(read=read or CachedRead(reader.read), **settings)

    def reset(self, *, seed: int = 0) -> None:
        """Forget the last episode (the teacher draws nothing: ``seed`` is unused)."""
        self._memory = _Memory()

    @property
    def page_bests(self) -> tuple[Candidate, ...]:
        """The best sentence of each page read this episode, in the order read."""
        return tuple(self._memory.page_bests)

    def act(self, observation: Observation) -> str:
        memory = self._memory
        if memory.question != observation.question:
            memory = self._memory = _start(observation.question)
        if observation.quotes:
            return self._answer(observation)
        if observation.actions_left <= 2:
            return self._give_up(observation)
        if observation.page_url is None or _search_failed(observation):
            return self._search_again(observation)
        if observation.is_search_page:
            return self._on_results(observation)
        return self._on_page(observation)

    # -- searching and choosing -----------------------------------------------------------

    def _search_again(self, observation: Observation) -> str:
        if not self._memory.queries:
            return self._give_up(observation)
        return f"search {self._memory.queries.pop(0)}"

    def _on_results(self, observation: Observation) -> str:
        memory = self._memory
        results = results_in_window(observation.window)
        if not memory.plan and not memory.opened:
            memory.plan = [(link, url) for link, url in results][: self.max_pages]
        for link, url in results:
            memory.links.setdefault(url, link)
        best = memory.best
        if best is not None and best.link_id >= 0 and _chosen(best, memory, self):
            return f"click {best.link_id}"  # back to the page to quote from
        if memory.plan:
            link, _ = memory.plan.pop(0)
            memory.opened += 1
            return f"click {link}"
        return self._give_up(observation)

    # -- reading --------------------------------------------------------------------------

    def _on_page(self, observation: Observation) -> str:
        memory = self._memory
        url = observation.page_url or ""
        if memory.quoted:  # the quote was refused: do not try it forever
            return self._give_up(observation)
        best = memory.best
        if best is not None and best.url == url and _chosen(best, memory, self):
            memory.quoted = True
            return f"quote {best.sentence}"
        if url != memory.page_url:
            memory.page_url, memory.lines = url, {}
        for number, line in enumerate(observation.window, observation.first_line):
            memory.lines[number] = strip_link_marks(line)
        if observation.last_line < observation.total_lines and url not in memory.read_urls:
            return "scroll down"
        if url not in memory.read_urls:
            memory.read_urls.add(url)
            self._score_page(observation, url)
        best = memory.best
        if best is not None and best.url == url and _chosen(best, memory, self):
            memory.quoted = True
            return f"quote {best.sentence}"
        return "back"

    def _score_page(self, observation: Observation, url: str) -> None:
        memory = self._memory
        title = observation.page_title or ""
        sentences = page_sentences(memory.lines)
        if not sentences:
            return
        readings = self.read(observation.question, [(title, s) for s in sentences])
        link = memory.links.get(short_url(url), -1)
        here = [
            Candidate(r.score, s, url, link, r.answer)
            for s, r in zip(sentences, readings, strict=True)
        ]
        page_best = max(here, key=lambda candidate: candidate.score)
        memory.page_bests.append(page_best)
        if memory.best is None or page_best.score > memory.best.score:
            memory.best = page_best

    # -- answering ------------------------------------------------------------------------

    def _answer(self, observation: Observation) -> str:
        best = self._memory.best
        sentence = observation.quotes[-1].text
        short = best.answer if best is not None else None
        return f"answer {answer_text(short, sentence, len(observation.quotes))}"

    def _give_up(self, observation: Observation) -> str:
        if observation.quotes:
            return self._answer(observation)
        return f"answer {ABSTAIN_ANSWER}"


def answer_text(short: str | None, sentence: str, citation: int) -> str:
    """The short answer and the sentence it comes from, each citing the quote:
    "The Tiber [1]. Rome lies on the Tiber [1]." (the sentence alone when the short answer
    is missing, too long, or the sentence itself)."""
    sentence = collapse_spaces(sentence)
    mark = f"[{citation}]"
    body = (
        f"{sentence[:-1]} {mark}{sentence[-1]}" if sentence[-1:] in ".!?" else f"{sentence} {mark}."
    )
    if (
        not short
        or len(short.split()) > MAX_SHORT_ANSWER_WORDS
        or short.strip(" .") == sentence.strip(" .")
    ):
        return body
    return f"{short.strip(' .,;:')} {mark}. {body}"


def _chosen(best: Candidate, memory: _Memory, teacher: ReadingTeacher) -> bool:
    """Whether the best sentence is final: sure enough, or every planned page was read."""
    return best.score >= teacher.abstain_below and (
        best.score >= teacher.sure_above or not memory.plan
    )


def _start(question: str) -> _Memory:
    queries = [collapse_spaces(question)]
    words = " ".join(content_words(question))
    if words and words != queries[0].lower():
        queries.append(words)
    return _Memory(question=question, queries=queries)


def _search_failed(observation: Observation) -> bool:
    return bool(observation.error and observation.error.startswith("no results"))


def results_in_window(window: tuple[str, ...]) -> list[tuple[int, str]]:
    """``(link id, shown address)`` of every result whose title line is in the window."""
    found = []
    for line in window:
        mark = LINK_MARK_RE.match(line)
        if mark:
            found.append((int(mark.group(1)), line[mark.end() :].strip()))
    return found


def page_sentences(lines: dict[int, str]) -> list[str]:
    """Sentences of the page lines read; a blank line ends a paragraph."""
    paragraphs: list[list[str]] = [[]]
    for number in sorted(lines):
        if lines[number].strip():
            paragraphs[-1].append(lines[number])
        else:
            paragraphs.append([])
    return [s for lines_ in paragraphs for s in split_sentences(" ".join(lines_))]
