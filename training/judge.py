"""A reference-based judge: labels synthetic comparisons from a question's gold answers.

It stands in for a person where the gold answer is known (generated questions)::

    score = 3.0 · gold_in_answer          the answer states a gold answer
          + 1.0 · gold_in_cited_quote     a quote the answer cites states it too
          + 1.0 · short_answer_exact      it leads with a short answer that is a gold answer
          + 0.5 · faithfulness            the answer's words come from its cited quotes
          + 0.5 · has_citation            the answer cites at least one quote
          + 1.25 · abstained              it says it could not find the answer
          − 1.0 · length_penalty          empty, or rambling past ``max_words`` words

Each criterion is a small pure function returning a number in [0, 1]. :func:`judge_pair`
turns two judgements into ``"A"``, ``"B"`` or ``"tie"`` (scores within ``epsilon``).
An honest abstention (1.25) ranks below a right answer (at least 4) and above a wrong
one that cites faithfully (at most 1): saying "I could not find it" is better than being
wrong, and the reward model learns so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from agent.episode import Episode
from browser.answer import ABSTAIN_ANSWER, CitedAnswer, strip_citations
from browser.text import content_words, stem
from training.comparisons import Choice
from training.evaluation.metrics import exact_match
from training.metrics import contains_answer

JUDGE_NAME = "judge:reference-v2"
TIE_EPSILON = 0.25


class GoldQuestion(Protocol):
    """A question with gold answers (:class:`training.questions.GeneratedQuestion` is one)."""

    @property
    def question(self) -> str: ...

    @property
    def answers(self) -> Sequence[str]: ...


@dataclass(frozen=True)
class JudgeWeights:
    """How much each criterion counts (the length penalty is subtracted)."""

    gold_in_answer: float = 3.0
    gold_in_cited_quote: float = 1.0
    short_answer_exact: float = 1.0
    faithfulness: float = 0.5
    has_citation: float = 0.5
    abstained: float = 1.25
    length_penalty: float = 1.0


@dataclass(frozen=True)
class Judgement:
    """A score and the criteria (each in [0, 1]) it was made from."""

    score: float
    criteria: dict[str, float] = field(default_factory=dict)


def gold_in_answer(answer: CitedAnswer, golds: Sequence[str]) -> float:
    """1 when the answer contains a gold answer as whole normalised words, else 0."""
    return float(contains_answer(answer.text, golds))


def gold_in_cited_quote(answer: CitedAnswer, golds: Sequence[str]) -> float:
    """1 when a quote the answer cites contains a gold answer, else 0."""
    return float(any(contains_answer(q.text, golds) for q in answer.cited_quotes))


def faithfulness(answer: CitedAnswer) -> float:
    """How much of the answer its cited quotes support: for each sentence, the share of its
    content words (stemmed) found in the best cited quote, averaged over sentences."""
    cited = [{stem(w) for w in content_words(q.text)} for q in answer.cited_quotes]
    shares = []
    for sentence in answer.sentences():
        stems = {stem(w) for w in content_words(strip_citations(sentence))}
        if stems:
            shares.append(max((len(stems & quote) / len(stems) for quote in cited), default=0.0))
    return sum(shares) / len(shares) if shares else 0.0


def short_answer_exact(answer: CitedAnswer, golds: Sequence[str]) -> float:
    """1 when the answer leads with a short answer that equals a gold one (SQuAD
    normalisation: case, punctuation and articles aside), else 0."""
    short = answer.short_answer
    return 0.0 if short == answer.plain_text else exact_match(short, golds)


def abstained(answer: CitedAnswer) -> float:
    """1 for the honest "could not find the answer", citing nothing, else 0."""
    return float(answer.text.strip() == ABSTAIN_ANSWER and not answer.cited_ids)


def has_citation(answer: CitedAnswer) -> float:
    """1 when the answer cites at least one of its quotes, else 0."""
    return float(bool(answer.cited_ids))


def length_penalty(answer: CitedAnswer, *, max_words: int = 60) -> float:
    """1 for an empty answer; 0 up to ``max_words`` words, rising to 1 at three times that."""
    count = len(answer.plain_text.split())
    if count == 0:
        return 1.0
    return min(1.0, max(0.0, (count - max_words) / (2 * max_words)))


@dataclass(frozen=True)
class ReferenceJudge:
    """Judge an episode's answer against the question's gold answers (see the module doc).

    Args:
        weights: how much each criterion counts.
        max_words: answers longer than this are penalised as rambling.
    """

    weights: JudgeWeights = field(default_factory=JudgeWeights)
    max_words: int = 60

    @property
    def name(self) -> str:
        """The ``judge`` recorded with every label this judge makes."""
        return JUDGE_NAME

    def __call__(self, question: GoldQuestion, episode: Episode) -> Judgement:
        return self.judge_answer(question.answers, episode.cited_answer)

    def judge_answer(self, golds: Sequence[str], answer: CitedAnswer) -> Judgement:
        """Judge an answer and its quotes directly (no episode needed)."""
        criteria = {
            "gold_in_answer": gold_in_answer(answer, golds),
            "gold_in_cited_quote": gold_in_cited_quote(answer, golds),
            "short_answer_exact": short_answer_exact(answer, golds),
            "faithfulness": faithfulness(answer),
            "has_citation": has_citation(answer),
            "abstained": abstained(answer),
            "length_penalty": length_penalty(answer, max_words=self.max_words),
        }
        w = self.weights
        score = (
            w.gold_in_answer * criteria["gold_in_answer"]
            + w.gold_in_cited_quote * criteria["gold_in_cited_quote"]
            + w.short_answer_exact * criteria["short_answer_exact"]
            + w.faithfulness * criteria["faithfulness"]
            + w.has_citation * criteria["has_citation"]
            + w.abstained * criteria["abstained"]
            - w.length_penalty * criteria["length_penalty"]
        )
        return Judgement(score=round(score, 6), criteria=criteria)


def judge_pair(a: Judgement, b: Judgement, *, epsilon: float = TIE_EPSILON) -> Choice:
    """``"A"`` or ``"B"`` for the clearly better answer, ``"tie"`` when the scores are
    within ``epsilon`` of each other."""
    if abs(a.score - b.score) <= epsilon:
        return "tie"
    return "A" if a.score > b.score else "B"

