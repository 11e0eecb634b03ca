"""Comparisons: two answers to one question and which one a person (or a judge) preferred.

The reward model learns from these; ``webgpt compare`` writes them, ``webgpt comparisons
synthesize`` makes them with a reference judge. One comparison is one JSON line::

    {"question": "…", "answer_a": {"text": "… [1].", "quotes": [{"title", "url", "text"}]},
     "answer_b": {…}, "preference": "A", "judge": "human:ana", "labeler": "ana", …}

``preference`` is ``"A"``, ``"B"``, ``"tie"``, a WebGPT-style score in [-1, 1] (the
released ``score_0``: positive favours A, 0 is a tie) or ``null`` for a pair nobody has
labelled yet. ``judge`` says who made the label: ``human:<labeler id>`` or
``judge:<name>-v<n>`` for an automatic judge.

Files are append-only JSONL (each append flushed and synced). :func:`load_comparisons`
also reads the released WebGPT comparisons (``openai/webgpt_comparisons``: ``question``,
``quotes_0``/``quotes_1`` as ``{"title": [...], "extract": [...]}``, ``answer_0``/``answer_1``,
``score_0``/``score_1``) from JSON or JSONL and maps them to this format.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from agent.episode import Episode
from agent.reward import QuestionAnswer
from browser.answer import CitedAnswer
from browser.models import Quote
from browser.records import append_records, json_lines, parse_json, read_records, validate

FORMAT_VERSION = 1
WEBGPT_RELEASE_JUDGE = "human:webgpt-release"

Choice = Literal["A", "B", "tie"]
JUDGE_PATTERN = r"^(human|judge):\S+$"


class ComparisonFormatError(ValueError):
    """A comparisons file has a bad record; the message names the file, line and field."""


class Comparison(BaseModel):
    """Two answers to one question, and the label (``preference``) when there is one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format_version: int = FORMAT_VERSION
    question: str = Field(min_length=1)
    answer_a: CitedAnswer
    answer_b: CitedAnswer
    preference: Choice | float | None = Field(
        default=None, description='"A", "B", "tie", a score in [-1, 1] (>0 favours A), or null'
    )
    ratings: dict[str, float] = Field(
        default_factory=dict, description="optional per-criterion ratings or judge criteria"
    )
    labeler: str | None = None
    source_id: str | None = Field(default=None, description="where the pair came from, if known")
    judge: str | None = Field(
        default=None, pattern=JUDGE_PATTERN, description='"human:<id>" or "judge:<name>"'
    )

    @field_validator("preference", mode="before")
    @classmethod
    def _known_preference(cls, value: object) -> object:
        if value is None or value in ("A", "B", "tie"):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool) and -1 <= value <= 1:
            return float(value)  # NaN fails the range test too
        raise ValueError(f"expected 'A', 'B', 'tie', a score in [-1, 1] or null, got {value!r}")

    @model_validator(mode="after")
    def _labelled_by_someone(self) -> Comparison:
        if self.preference is not None and self.judge is None:
            raise ValueError("a labelled comparison needs a judge ('human:<id>' or 'judge:<name>')")
        return self

    @property
    def score(self) -> float | None:
        """The preference as a WebGPT score: +1 for A, -1 for B, 0 for a tie, None unlabelled."""
        if self.preference is None or isinstance(self.preference, float):
            return self.preference
        return {"A": 1.0, "B": -1.0, "tie": 0.0}[self.preference]

    @property
    def target(self) -> float | None:
        """P(A is better) as the reward model learns it: WebGPT's convention, which keeps
        only the sign of a score (1 or 0) and treats 0 as a soft 50% label."""
        score = self.score
        if score is None:
            return None
        return 0.5 if score == 0 else float(score > 0)

    @property
    def key(self) -> str:
        """A stable id of the pair (question and both answers), independent of the label."""
        content = self.model_dump_json(include={"question", "answer_a", "answer_b"})
        return hashlib.sha1(content.encode()).hexdigest()[:16]

    def scored(self) -> tuple[QuestionAnswer, QuestionAnswer]:
        """Both sides as reward-model inputs, A first."""
        return (self.question, self.answer_a), (self.question, self.answer_b)


def comparison_from_episodes(
    a: Episode,
    b: Episode,
    *,
    preference: Choice | float | None = None,
    judge: str | None = None,
    labeler: str | None = None,
    ratings: dict[str, float] | None = None,
) -> Comparison:
    """A comparison of two episodes of the same question (unlabelled unless told).

    Raises:
        ValueError: when the episodes answer different questions.
    """
    if a.question != b.question:
        raise ValueError(f"episodes answer different questions: {a.question!r}, {b.question!r}")
    return Comparison(
        question=a.question, answer_a=a.cited_answer, answer_b=b.cited_answer,
        preference=preference, judge=judge, labeler=labeler, ratings=ratings or {},
    )  # fmt: skip


def append_comparisons(path: Path, comparisons: Iterable[Comparison]) -> int:
    """Append comparisons as JSON lines in one write, flushed and synced; returns the count."""
    return append_records(path, comparisons)


def read_comparisons(path: Path) -> list[Comparison]:
    """Comparisons of one of our JSONL files, validated.

    Raises:
        ComparisonFormatError: naming the file, line and field of the first bad record.
    """
    return read_records(path, Comparison, error=ComparisonFormatError)


def load_comparisons(path: Path) -> list[Comparison]:
    """Every comparison of a file in our format or in the released WebGPT layout.

    The layout is told by the first record: one with ``answer_0`` is a WebGPT record.
    """
    records = iter(_records(path))
    first = next(records, None)
    if first is None:
        return []
    convert = _from_webgpt if isinstance(first[1], dict) and "answer_0" in first[1] else _validated
    return [convert(where, record) for where, record in (first, *records)]


def read_webgpt_comparisons(path: Path) -> list[Comparison]:
    """Comparisons in the released WebGPT layout (a JSON array or JSONL), in our format.

    ``question`` may be a string or ``{"full_text": ...}``; scores must satisfy
    ``score_0 == -score_1``; the label's judge is ``human:webgpt-release``. Quotes keep the
    released title (page title and domain); the release has no urls, so ``url`` is empty.

    Raises:
        ComparisonFormatError: naming the file, record and field of the first bad record.
    """
    return [_from_webgpt(where, record) for where, record in _records(path)]


def split_by_question(
    comparisons: Sequence[Comparison], eval_fraction: float
) -> tuple[list[Comparison], list[Comparison]]:
    """(train, eval): a stable ``eval_fraction`` of *questions* (by hash) goes to eval, so no
    eval question is ever trained on, whatever order or file the comparisons come from."""
    train: list[Comparison] = []
    held_out: list[Comparison] = []
    for comparison in comparisons:
        held = question_bucket(comparison.question) < eval_fraction
        (held_out if held else train).append(comparison)
    return train, held_out


def question_bucket(question: str) -> float:
    """A stable number in [0, 1) for a question (case and spacing ignored)."""
    folded = " ".join(question.lower().split())
    return int(hashlib.sha1(folded.encode()).hexdigest()[:8], 16) / 16**8


# -- reading ------------------------------------------------------------------------------


def _records(path: Path) -> Iterator[tuple[str, Any]]:
    """``(where, record)`` of a JSONL file or of a JSON array; ``where`` is ``file:line``."""
    with path.open(encoding="utf-8") as handle:
        head = handle.read(1)
        while head.isspace():
            head = handle.read(1)
    if head == "[":
        text = path.read_text(encoding="utf-8")
        records = parse_json(text, str(path), error=ComparisonFormatError, document=True)
        for number, record in enumerate(records, 1):
            yield f"{path}: record {number}", record
        return
    for number, record in json_lines(path, error=ComparisonFormatError):
        yield f"{path}:{number}", record


def _validated(where: str, record: Any) -> Comparison:
    return validate(Comparison, record, where, error=ComparisonFormatError)


def _from_webgpt(where: str, record: Any) -> Comparison:
    def bad(field: str, message: str) -> ComparisonFormatError:
        return ComparisonFormatError(f"{where}: field {field!r}: {message}")

    if not isinstance(record, dict):
        raise bad("(record)", f"expected an object, got {type(record).__name__}")
    question = record.get("question")
    if isinstance(question, dict):
        question = question.get("full_text")
    if not isinstance(question, str) or not question.strip():
        raise bad("question", "expected a string or an object with a non-empty 'full_text'")
    score_0, score_1 = (_webgpt_score(record, f"score_{n}", bad) for n in (0, 1))
    if not math.isclose(score_0, -score_1, abs_tol=1e-6):
        raise bad("score_1", f"{score_1!r} is not -score_0 ({score_0!r})")
    sides = [
        CitedAnswer(text=_webgpt_answer(record, n, bad), quotes=_webgpt_quotes(record, n, bad))
        for n in (0, 1)
    ]
    return Comparison(question=question, answer_a=sides[0], answer_b=sides[1],
                      preference=score_0, judge=WEBGPT_RELEASE_JUDGE)  # fmt: skip


def _webgpt_score(record: dict[str, Any], field: str, bad: Any) -> float:
    value = record.get(field)
    if isinstance(value, bool) or not isinstance(value, int | float) or not -1 <= value <= 1:
        raise bad(field, f"expected a number in [-1, 1], got {value!r}")
    return float(value)


def _webgpt_answer(record: dict[str, Any], n: int, bad: Any) -> str:
    value = record.get(f"answer_{n}")
    if not isinstance(value, str):
        raise bad(f"answer_{n}", f"expected a string, got {value!r}")
    return value


def _webgpt_quotes(record: dict[str, Any], n: int, bad: Any) -> tuple[Quote, ...]:
    field = f"quotes_{n}"
    value = record.get(field, {"title": [], "extract": []})
    titles = value.get("title") if isinstance(value, dict) else None
    extracts = value.get("extract") if isinstance(value, dict) else None
    if not isinstance(titles, list) or not isinstance(extracts, list):
        raise bad(field, "expected {'title': [...], 'extract': [...]}")
    if len(titles) != len(extracts):
        raise bad(field, f"{len(titles)} titles but {len(extracts)} extracts")
    if not all(isinstance(text, str) for text in (*titles, *extracts)):
        raise bad(field, "titles and extracts must be strings")
    # An empty extract stays as "…" so that the answer's [n] still point at the right quote.
    return tuple(
        Quote(title=title, url="", text=text if text.strip() else "…")
        for title, text in zip(titles, extracts, strict=True)
    )
