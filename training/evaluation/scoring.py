"""Turn the rows of a run into per-question scores and one summary.

    result = score_run(items, rows, pages=PageCache(backend, width=80), label="teacher")

Headline rates count every question: a failure or an abstention is a wrong answer.
Citation rates are pooled over the sentences, citations and quotes of all episodes.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence

from pydantic import Field

from agent.reward import AnswerScorer
from browser.models import Value
from training.evaluation.citations import (
    PageCache,
    SupportScorer,
    citation_quality,
    lexical_support,
    quotes_on_page,
)
from training.evaluation.datasets import EvalItem
from training.evaluation.metrics import (
    abstained,
    best_f1,
    exact_match,
    retrieved,
    rouge_l,
)
from training.evaluation.preference import (
    Preference,
    preference_scores,
    summarize_preference,
)
from training.evaluation.stats import Interval, bootstrap_mean
from training.evaluation.store import EvalRow
from training.metrics import contains_answer


class QuestionScore(Value):
    """Every number for one question. Short-answer metrics are None without short golds."""

    id: str
    source: str
    question: str
    golds: tuple[str, ...]
    long_answer: str | None = None
    answer: str | None = None
    short_answer: str | None = Field(default=None, description="when the answer leads with one")
    error: str | None = None
    abstained: bool
    in_quotes: bool | None = Field(default=None, description="answer is spans of its quotes")
    truncated: bool = False
    exact_match: float | None = None
    f1: float | None = None
    contains: bool | None = None
    retrieved: bool | None = None
    rouge_l: float | None = None
    sentences: int = 0
    cited_sentences: int = 0
    citations: int = 0
    supported_citations: int = 0
    mean_support: float | None = None
    quotes: int = 0
    quotes_on_page: int = 0
    steps: int = 0
    seconds: float = 0.0
    agent_score: float | None = Field(default=None, description="preference score, agent")
    human_score: float | None = Field(default=None, description="preference score, human")

    @property
    def failed(self) -> bool:
        return self.error is not None


class SourceSummary(Value):
    """Headline rates of the questions from one dataset source."""

    questions: int
    exact_match: float | None
    f1: float | None
    contains: float | None


class Summary(Value):
    """The run's numbers; each field's description is its label in the report."""

    questions: int = Field(description="questions")
    failures: int = Field(description="failures (an exception stopped the episode)")
    contains: Interval | None = Field(description="answer contains a gold answer")
    exact_match: float | None = Field(description="short answer exact match (SQuAD)")
    f1: Interval | None = Field(description="short answer token F1 (SQuAD)")
    not_in_quotes: float | None = Field(
        default=None, description="cited answers with words that are not spans of their quotes"
    )
    retrieval: float | None = Field(description="a quote contains a gold answer")
    rouge_l: float | None = Field(description="ROUGE-L F against the human answer")
    abstention: float = Field(description="abstained (empty, could-not-find, or no citation)")
    truncated: float = Field(description="action budget ran out before an answer")
    cited_sentences: float | None = Field(description="answer sentences that cite a quote")
    supported_citations: float | None = Field(description="citations whose quote supports")
    mean_support: float | None = Field(description="mean support score of a citation")
    quotes_on_page: float | None = Field(description="quotes found on the page they name")
    mean_steps: float = Field(description="actions per episode")
    mean_seconds: float = Field(description="seconds per question (mean)")
    median_seconds: float = Field(description="seconds per question (median)")
    preference: Preference | None = Field(description="P(agent answer > human answer)")
    by_source: dict[str, SourceSummary] = Field(description="by dataset source")


class RunResult(Value):
    """A scored run: its summary and the per-question rows it was computed from."""

    label: str
    policies: tuple[str, ...] = Field(description="policy names seen in the episodes")
    scored_at: str
    summary: Summary
    questions: tuple[QuestionScore, ...]


def score_question(
    item: EvalItem, row: EvalRow, *, pages: PageCache, support: SupportScorer = lexical_support
) -> QuestionScore:
    """The scores of one question from its row (a failure scores as a wrong answer)."""
    episode = row.episode
    if episode is None:
        return _failure(item, row)
    golds, answer = item.answers, episode.cited_answer
    text, short = answer.plain_text, answer.short_answer
    quality = citation_quality(answer, support=support)
    return QuestionScore(
        id=item.id, source=item.source, question=item.question, golds=golds,
        long_answer=item.long_answer, seconds=row.seconds, answer=episode.answer,
        abstained=abstained(answer),
        short_answer=short if short != text else None,
        in_quotes=answer.in_its_quotes if answer.cited_ids else None,
        truncated=episode.truncated,
        exact_match=exact_match(short, golds) if golds else None,
        f1=best_f1(short, golds) if golds else None,
        contains=contains_answer(text, golds) if golds else None,
        retrieved=retrieved(episode.quotes, golds) if golds else None,
        rouge_l=rouge_l(text, item.long_answer) if item.long_answer else None,
        sentences=quality.sentences,
        cited_sentences=quality.cited_sentences,
        citations=quality.citations,
        supported_citations=quality.supported_citations,
        mean_support=quality.mean_support,
        quotes=len(episode.quotes),
        quotes_on_page=quotes_on_page(episode.quotes, pages),
        steps=len(episode.steps),
    )  # fmt: skip


def _failure(item: EvalItem, row: EvalRow) -> QuestionScore:
    wrong = bool(item.answers)
    return QuestionScore(
        id=item.id, source=item.source, question=item.question, golds=item.answers,
        long_answer=item.long_answer, seconds=row.seconds, error=row.error, abstained=True,
        exact_match=0.0 if wrong else None, f1=0.0 if wrong else None,
        contains=False if wrong else None, retrieved=False if wrong else None,
    )  # fmt: skip


def score_run(
    items: Sequence[EvalItem],
    rows: dict[str, EvalRow],
    *,
    pages: PageCache,
    label: str,
    support: SupportScorer = lexical_support,
    prefer: AnswerScorer | None = None,
) -> RunResult:
    """Score every item that has a row (items without one are left out)."""
    answered = [item for item in items if item.id in rows]
    preferences = preference_scores(answered, rows, prefer) if prefer is not None else {}
    scores = []
    for item in answered:
        score = score_question(item, rows[item.id], pages=pages, support=support)
        if item.id in preferences:
            agent, human = preferences[item.id]
            score = score.model_copy(update={"agent_score": agent, "human_score": human})
        scores.append(score)
    policies = {row.episode.policy for row in rows.values() if row.episode is not None}
    return RunResult(
        label=label,
        policies=tuple(sorted(policies)),
        scored_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        summary=summarize(scores, summarize_preference(preferences)),
        questions=tuple(scores),
    )


def summarize(scores: Sequence[QuestionScore], preference: Preference | None = None) -> Summary:
    """Aggregate per-question scores (see the module docstring for what counts where)."""
    golds = [s for s in scores if s.golds]
    longs = [s.rouge_l for s in scores if s.rouge_l is not None]
    n = len(scores)
    by_source = {
        source: _source_summary([s for s in scores if s.source == source])
        for source in sorted({s.source for s in scores})
    }
    return Summary(
        questions=n,
        failures=sum(s.failed for s in scores),
        contains=bootstrap_mean([float(bool(s.contains)) for s in golds]) if golds else None,
        exact_match=_mean([s.exact_match or 0.0 for s in golds]),
        f1=bootstrap_mean([s.f1 or 0.0 for s in golds]) if golds else None,
        not_in_quotes=_mean([float(not s.in_quotes) for s in scores if s.in_quotes is not None]),
        retrieval=_mean([float(bool(s.retrieved)) for s in golds]),
        rouge_l=_mean(longs),
        abstention=_mean([float(s.abstained) for s in scores]) or 0.0,
        truncated=_mean([float(s.truncated) for s in scores]) or 0.0,
        cited_sentences=_ratio(scores, "cited_sentences", "sentences"),
        supported_citations=_ratio(scores, "supported_citations", "citations"),
        mean_support=_mean([s.mean_support for s in scores if s.mean_support is not None]),
        quotes_on_page=_ratio(scores, "quotes_on_page", "quotes"),
        mean_steps=_mean([float(s.steps) for s in scores if not s.failed]) or 0.0,
        mean_seconds=_mean([s.seconds for s in scores]) or 0.0,
        median_seconds=statistics.median([s.seconds for s in scores]) if scores else 0.0,
        preference=preference,
        by_source=by_source,
    )


def _source_summary(scores: list[QuestionScore]) -> SourceSummary:
    golds = [s for s in scores if s.golds]
    return SourceSummary(
        questions=len(scores),
        exact_match=_mean([s.exact_match or 0.0 for s in golds]),
        f1=_mean([s.f1 or 0.0 for s in golds]),
        contains=_mean([float(bool(s.contains)) for s in golds]),
    )


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _ratio(scores: Sequence[QuestionScore], part: str, whole: str) -> float | None:
    total = sum(int(getattr(s, whole)) for s in scores)
    return sum(int(getattr(s, part)) for s in scores) / total if total else None
