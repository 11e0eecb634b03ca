"""What the feedback app shows: the browser window as buttons and lines, answers with the
support check beside each sentence. Pure functions of the data; the server renders them
with Jinja2, which escapes every value (page text is hostile input)."""

from __future__ import annotations

from dataclasses import dataclass

from browser.answer import CitedAnswer, cited_numbers, strip_citations
from browser.observation import Observation
from browser.render import LINK_MARK_RE
from training.evaluation.citations import SUPPORT_THRESHOLD, lexical_support


@dataclass(frozen=True)
class Piece:
    """Part of a page line: plain text, or a link the labeler can click (its id)."""

    text: str
    link: int | None = None


@dataclass(frozen=True)
class Line:
    number: int
    pieces: tuple[Piece, ...]


@dataclass(frozen=True)
class Checked:
    """One sentence of an answer and what its citations support."""

    sentence: str
    supported_by: tuple[int, ...]  # quote numbers whose text supports it
    unsupported: tuple[int, ...]  # cited quote numbers that do not
    cites: bool


def window_lines(observation: Observation) -> list[Line]:
    """The visible lines, each split into text and clickable link marks."""
    lines = []
    for number, text in enumerate(observation.window, observation.first_line):
        pieces: list[Piece] = []
        position = 0
        for mark in LINK_MARK_RE.finditer(text):
            if mark.start() > position:
                pieces.append(Piece(text[position : mark.start()]))
            pieces.append(Piece(mark.group(2), int(mark.group(1))))
            position = mark.end()
        if position < len(text) or not pieces:
            pieces.append(Piece(text[position:]))
        lines.append(Line(number, tuple(pieces)))
    return lines


def support_check(answer: CitedAnswer) -> list[Checked]:
    """Beside each sentence: the cited quotes that support it and those that do not, by
    the evaluator's lexical support (the share of its content words a quote holds)."""
    checked = []
    for sentence in answer.sentences():
        numbers = [n for n in cited_numbers(sentence) if 1 <= n <= len(answer.quotes)]
        good = tuple(
            n
            for n in numbers
            if lexical_support(answer.quotes[n - 1].text, sentence) >= SUPPORT_THRESHOLD
        )
        bad = tuple(n for n in numbers if n not in good)
        checked.append(Checked(strip_citations(sentence), good, bad, bool(cited_numbers(sentence))))
    return checked


def lines_command(numbers: list[int]) -> str:
    """``quote lines a-b`` covering the lines a labeler ticked."""
    return f"quote lines {min(numbers)}-{max(numbers)}"
