"""A scripted teacher: browses like a careful person, from the observation alone.

It searches with the question's content words, opens the most promising result, reads the
page window by window, quotes the sentence that best answers the question, and answers
with that sentence, citing it. When a page has nothing useful it goes back and tries the
next result; when a search finds nothing it retries with fewer words; when it runs out of
options it says it could not find the answer. It sees only what a language-model policy
sees, so its episodes are behaviour-cloning demonstrations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from browser.answer import ABSTAIN_ANSWER
from browser.observation import Observation
from browser.render import LINK_MARK_RE, strip_link_marks
from browser.text import collapse_spaces, content_words, split_sentences, stem, words

_YEAR_RE = re.compile(r"\b(1\d{3}|20\d{2}|\d{1,4}\s?(BC|BCE|AD|CE))\b")
_MONTHS = {
    "january", "february", "march", "april", "may", "june", "july",
    "august", "september", "october", "november", "december", "century", "centuries",
}  # fmt: skip
_NUMBER_RE = re.compile(r"\d")
_NUMBER_WORDS = {
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "hundred", "thousand", "million", "billion", "dozen",
}  # fmt: skip
# Words a careful reader knows point at the same fact (question word -> stems in the text).
_RELATED: dict[str, frozenset[str]] = {
    "tall": frozenset({"height", "elevation", "metre", "meter", "feet", "high", "tall"}),
    "high": frozenset({"height", "elevation", "metre", "meter", "feet", "altitude"}),
    "big": frozenset({"area", "size", "largest", "square"}),
    "large": frozenset({"area", "size", "largest", "square"}),
    "long": frozenset({"length", "kilometre", "kilometer", "mile", "longest"}),
    "old": frozenset({"age", "born", "founded", "established"}),
    "born": frozenset({"birth", "born"}),
    "died": frozenset({"death", "died", "die"}),
    "die": frozenset({"death", "died"}),
    "invented": frozenset({"invent", "inventor", "invention", "develop", "created", "designed"}),
    "wrote": frozenset({"written", "writer", "author", "novel"}),
    "written": frozenset({"wrote", "writer", "author"}),
    "painted": frozenset({"painting", "painter"}),
    "founded": frozenset({"founder", "established", "found"}),
    "discovered": frozenset({"discovery", "discover"}),
    "located": frozenset({"lie", "lies", "situated", "located"}),
    "capital": frozenset({"capital"}),
    "population": frozenset({"inhabitant", "people", "population", "resident"}),
}
_RELATED = {word: frozenset(stem(w) for w in related) for word, related in _RELATED.items()}
_CAPITALISED_RE = re.compile(r"(?<!^)(?<![.!?] )\b[A-Z][a-zà-ÿ]+")


@dataclass
class _Memory:
    """What the teacher remembers within one episode."""

    question: str | None = None
    question_words: list[str] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)
    visited: set[str] = field(default_factory=set)
    seen_lines: dict[int, str] = field(default_factory=dict)
    seen_url: str | None = None
    pages_read: int = 0
    quoted_sentence: str | None = None


@dataclass
class TeacherPolicy:
    """The scripted baseline and source of synthetic demonstrations.

    Args:
        max_pages: pages opened before giving up.
        min_score: the lowest sentence score worth quoting (lowered to the question's own
            weight when the question has fewer content words than that).
        max_quote_words: longer sentences are quoted as ``start…end``.
        quote_style: ``"text"`` quotes the sentence's words; ``"lines"`` quotes the page lines
            that hold it (``quote lines 3-4``), which a small model imitates more easily.
    """

    max_pages: int = 3
    min_score: float = 1.5
    max_quote_words: int = 20
    quote_style: Literal["text", "lines"] = "text"
    name: str = "teacher"
    _memory: _Memory = field(default_factory=_Memory, repr=False)

    def reset(self, *, seed: int = 0) -> None:
        """Forget the last episode (the teacher draws nothing: ``seed`` is unused)."""
        self._memory = _Memory()

    def act(self, observation: Observation) -> str:
        if self._memory.question != observation.question:  # a new episode
            self._memory = _start(observation.question)
        if observation.quotes and (observation.actions_left <= 2 or _answered_enough(observation)):
            return _answer(observation, self._memory.quoted_sentence)
        if observation.actions_left <= 1:
            return f"answer {ABSTAIN_ANSWER}"
        if observation.page_url is None or _search_failed(observation):
            return self._search_again(observation)
        if observation.is_search_page:
            return self._choose_result(observation)
        return self._read_page(observation)

    # -- searching ------------------------------------------------------------------------

    def _search_again(self, observation: Observation) -> str:
        if not self._memory.queries:
            return _answer(observation) if observation.quotes else f"answer {ABSTAIN_ANSWER}"
        return f"search {self._memory.queries.pop(0)}"

    def _choose_result(self, observation: Observation) -> str:
        memory = self._memory
        if memory.pages_read >= self.max_pages:
            return _answer(observation) if observation.quotes else f"answer {ABSTAIN_ANSWER}"
        results = _results_in_window(observation.window)
        fresh = [r for r in results if r.address not in memory.visited]
        if not fresh:
            if observation.last_line < observation.total_lines:
                return "scroll down"
            return self._search_again(observation)
        best = max(fresh, key=lambda r: _result_score(r, memory.question_words))
        memory.visited.add(best.address)
        return f"click {best.link_id}"

    # -- reading --------------------------------------------------------------------------

    def _read_page(self, observation: Observation) -> str:
        memory = self._memory
        if observation.page_url != memory.seen_url:
            memory.seen_url, memory.seen_lines = observation.page_url, {}
            memory.pages_read += 1
        for number, line in enumerate(observation.window, observation.first_line):
            memory.seen_lines[number] = strip_link_marks(line)
        sentences = _sentences(memory.seen_lines)
        subject = observation.page_title or ""
        scored = sorted(
            ((_sentence_score(s, i, subject, observation.question, memory.question_words), s)
             for i, s in enumerate(sentences)),
            reverse=True,
        )  # fmt: skip
        enough = min(self.min_score, sum(_weight(w) for w in memory.question_words))
        strong = scored and scored[0][0] >= 2 * enough
        if observation.last_line < observation.total_lines and not strong:
            return "scroll down"
        quoted = {q.text for q in observation.quotes}
        for score, sentence in scored:
            if score < enough:
                break
            if not any(sentence in text for text in quoted) and observation.quotes_left > 0:
                self._memory.quoted_sentence = sentence
                if self.quote_style == "lines":
                    return _quote_lines(sentence, self._memory.seen_lines)
                return self._quote(sentence, sentences)
        return "back"

    def _quote(self, sentence: str, sentences: list[str]) -> str:
        tokens = sentence.split()
        if len(tokens) <= self.max_quote_words:
            return f"quote {sentence}"
        page_text = " ".join(sentences)
        for size in range(5, len(tokens) // 2 + 1):
            start = " ".join(tokens[:size])
            if page_text.count(start) == 1:
                return f"quote {start}…{' '.join(tokens[-size:])}"
        return f"quote {sentence}"


def _start(question: str) -> _Memory:
    question_words = content_words(question)
    spelled = _as_spelled(question, question_words)
    queries = [" ".join(spelled)] if spelled else [question]
    if len(spelled) > 2:  # a second try without the least specific word
        shortest = min(spelled, key=len)
        queries.append(" ".join(w for w in spelled if w != shortest))
    return _Memory(question=question, question_words=question_words, queries=queries)


def _as_spelled(question: str, folded: list[str]) -> list[str]:
    """The question's content words as the question spells them (search folds case anyway,
    and a student model then copies words instead of learning to lowercase them)."""
    wanted, spelled = set(folded), []
    for raw in re.findall(r"\S+", question):
        word = raw.strip(".,;:!?\"'()[]“”‘’")
        parts = words(word)
        if parts and wanted.issuperset(parts) and word not in spelled:
            spelled.append(word)
    return spelled


def _search_failed(observation: Observation) -> bool:
    return bool(observation.error and observation.error.startswith("no results"))


def _answered_enough(observation: Observation) -> bool:
    """One quote that the teacher chose is its evidence; it answers right after quoting."""
    return observation.past_actions[-1].startswith("quote") and observation.error is None


def _quote_lines(sentence: str, lines: dict[int, str]) -> str:
    """``quote lines a-b``: the fewest seen lines whose text holds the sentence."""
    numbers = sorted(lines)
    best: tuple[int, int] | None = None
    for i, first in enumerate(numbers):
        for last in numbers[i : i + 8]:
            if sentence in collapse_spaces(
                " ".join(lines.get(n, "") for n in range(first, last + 1))
            ):
                if best is None or last - first < best[1] - best[0]:
                    best = (first, last)
                break
    if best is None:  # not inside the seen lines (cannot happen for a sentence read there)
        return f"quote {sentence}"
    return f"quote lines {best[0]}-{best[1]}"


def _answer(observation: Observation, sentence: str | None = None) -> str:
    """Answer with the quoted sentence (the last quote when none is given), made to stand
    alone, citing every quote."""
    quote = observation.quotes[-1]
    if sentence is None or sentence not in quote.text:
        sentence = quote.text
    sentence = _stand_alone(sentence.rstrip(), quote.title)
    citations = "".join(f"[{n}]" for n in range(1, len(observation.quotes) + 1))
    if sentence[-1:] in ".!?":
        return f"answer {sentence[:-1]} {citations}{sentence[-1]}"
    return f"answer {sentence} {citations}."


_PRONOUN_RE = re.compile(r"^(He|She|It|They|This|His|Her|Its|Their)\b\s*")


def _stand_alone(sentence: str, title: str) -> str:
    """Name the page's subject where the quote only points at it, as a reader would:
    "She was the first woman in space" on Valentina Tereshkova's page becomes "Valentina
    Tereshkova was the first woman in space"; a page's one-line description (no final
    stop) becomes "Thallium: chemical element with atomic number 81"."""
    subject = re.sub(r"\s*\(.*?\)\s*", " ", title).strip()
    pronoun = _PRONOUN_RE.match(sentence)
    if pronoun:
        possessive = pronoun.group(1) in ("His", "Her", "Its", "Their")
        owner = subject + ("'s" if possessive else "")
        return f"{owner} {sentence[pronoun.end() :]}"
    if sentence[-1:] not in '.!?"”)' and subject.lower() not in sentence.lower():
        return f"{subject}: {sentence}"
    return sentence


@dataclass(frozen=True)
class _Result:
    link_id: int
    title: str
    address: str
    snippet: str


def _results_in_window(window: tuple[str, ...]) -> list[_Result]:
    results: list[_Result] = []
    for line in window:
        mark = LINK_MARK_RE.match(line)
        if mark:
            address = line[mark.end() :].strip()
            results.append(_Result(int(mark.group(1)), mark.group(2), address, ""))
        elif results:
            last = results[-1]
            results[-1] = _Result(last.link_id, last.title, last.address, last.snippet + " " + line)
    return results


def _result_score(result: _Result, question_words: list[str]) -> float:
    title_words = content_words(re.sub(r"\(.*?\)", "", result.title))
    question_stems = {stem(w) for w in question_words}
    named = bool(title_words) and all(stem(w) in question_stems for w in title_words)
    overlap = _overlap(question_words, result.title + " " + result.snippet)
    return overlap + (3.0 if named else 0.0) - 0.5 * result.link_id


def _sentences(lines: dict[int, str]) -> list[str]:
    """Sentences of the seen lines; a blank or unseen line ends a paragraph."""
    paragraphs: list[list[str]] = [[]]
    previous = None
    for number in sorted(lines):
        line = lines[number]
        if not line.strip() or (previous is not None and number != previous + 1):
            paragraphs.append([])
        if line.strip():
            paragraphs[-1].append(line)
        previous = number
    return [sentence for lines in paragraphs for sentence in split_sentences(" ".join(lines))]


def _overlap(question_words: list[str], text: str) -> float:
    text_stems = {stem(w) for w in words(text)}
    return sum(
        _weight(w)
        for w in question_words
        if stem(w) in text_stems or text_stems & _RELATED.get(w, frozenset())
    )


def _weight(word: str) -> float:
    return 1.5 if word.isdigit() or len(word) >= 7 else 1.0


def _sentence_score(
    sentence: str, index: int, subject: str, question: str, question_words: list[str]
) -> float:
    """How well a sentence answers the question; it is read as being about ``subject``
    (the page title), as a reader takes "Its elevation" on the Everest page."""
    overlap = _overlap(question_words, f"{subject} {sentence}")
    if overlap == 0:
        return 0.0
    new_words = set(content_words(sentence)) - set(question_words)
    score = overlap + _answer_type_bonus(sentence, question) + 0.5 / (1 + index)
    if sentence[-1:] not in '.!?"”':  # a one-line description, not a statement
        score -= 1.0
    return score if new_words else score * 0.3


def _answer_type_bonus(sentence: str, question: str) -> float:
    asked = words(question)
    folded = set(words(sentence))
    head = " ".join(asked[:3])
    if "when" in asked[:2] or "year" in asked or "date" in asked or "century" in asked:
        return 1.5 if _YEAR_RE.search(sentence) or folded & _MONTHS else 0.0
    if head.startswith(
        (
            "how many",
            "how much",
            "how tall",
            "how long",
            "how far",
            "how old",
            "how big",
            "how high",
            "how deep",
            "how large",
            "how heavy",
        )
    ):
        return 1.5 if _NUMBER_RE.search(sentence) or folded & _NUMBER_WORDS else 0.0
    if "who" in asked[:2] or "whom" in asked[:2]:
        return 1.0 if _CAPITALISED_RE.search(sentence) else 0.0
    if "where" in asked[:2]:
        return 1.0 if re.search(r"\b(in|at|near|on)\s+[A-Z]", sentence) else 0.0
    return 0.0
