"""A cited answer: the answer text and the quotes its ``[n]`` marks point at.

One value everywhere an answer travels: the episode record, the reward model's input, the
comparison files, the judge and the evaluator.

    answer = CitedAnswer(text="Seurat painted it [1].", quotes=(quote,))
    answer.cited_ids        # [1]
    answer.plain_text       # "Seurat painted it."
"""

from __future__ import annotations

import re

from pydantic import Field

from browser.models import Quote, Value
from browser.text import collapse_spaces, split_sentences

ABSTAIN_ANSWER = "I could not find the answer to this question in the pages I read."
"""What a policy answers when its evidence is too weak to answer (it cites nothing)."""
CITATION_RE = re.compile(r"\[(\d+)\]")
SHORT_ANSWER_WORDS = 12
"""A short answer is at most this many words (longer first sentences are the answer)."""
_CITATION_MARK_RE = re.compile(r"\s*\[\d+\]")


def cited_numbers(text: str) -> list[int]:
    """Every ``[n]`` number of ``text``, in order of first citation, without repeats."""
    return list(dict.fromkeys(int(n) for n in CITATION_RE.findall(text)))


def strip_citations(text: str) -> str:
    """``text`` without its ``[n]`` citation marks."""
    return _CITATION_MARK_RE.sub("", text)


def _comparable(text: str) -> str:
    return collapse_spaces(text).lower()


class CitedAnswer(Value):
    """An answer and the quotes it may cite (numbered from 1); empty text is no answer."""

    text: str = Field(default="", description="the answer; empty when there is none")
    quotes: tuple[Quote, ...] = ()

    @property
    def cited_ids(self) -> list[int]:
        """The quote numbers the answer cites that exist, in order of first citation."""
        return [n for n in cited_numbers(self.text) if 1 <= n <= len(self.quotes)]

    @property
    def cited_quotes(self) -> list[Quote]:
        """The quotes the answer cites, in order of first citation."""
        return [self.quotes[n - 1] for n in self.cited_ids]

    @property
    def plain_text(self) -> str:
        """The answer without its citation marks."""
        return strip_citations(self.text)

    def sentences(self) -> list[str]:
        """The answer's sentences, each with the citation marks written after it."""
        return split_sentences(self.text)

    @property
    def short_answer(self) -> str:
        """The answer's short answer: its first sentence when that is a span of the quotes it
        cites (a quote's page title counts) and the answer goes on to give the supporting
        sentence ("The Tiber [1]. Rome lies on the Tiber [1]."); otherwise the whole answer.
        Citation marks are dropped."""
        sentences = self.sentences()
        if len(sentences) >= 2:
            first = strip_citations(sentences[0]).strip().rstrip(".")
            if first and len(first.split()) <= SHORT_ANSWER_WORDS and first in self._cited_text():
                return first
        return self.plain_text

    def _cited_text(self) -> str:
        """The cited quotes as they were read: each page's title, then the quoted text."""
        return " ".join(f"{q.title}: {q.text}" for q in self.cited_quotes)

    @property
    def in_its_quotes(self) -> bool:
        """Whether every sentence of the answer (citation marks dropped, spacing and case
        ignored) is a span of the quotes it cites, their titles included: the answer adds
        no words of its own."""
        cited = _comparable(self._cited_text())
        parts = [_comparable(strip_citations(s)).rstrip(".") for s in self.sentences()]
        return bool(cited) and all(part in cited for part in parts if part)
