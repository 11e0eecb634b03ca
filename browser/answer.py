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
from browser.text import split_sentences

CITATION_RE = re.compile(r"\[(\d+)\]")
_CITATION_MARK_RE = re.compile(r"\s*\[\d+\]")


def cited_numbers(text: str) -> list[int]:
    """Every ``[n]`` number of ``text``, in order of first citation, without repeats."""
    return list(dict.fromkeys(int(n) for n in CITATION_RE.findall(text)))


def strip_citations(text: str) -> str:
    """``text`` without its ``[n]`` citation marks."""
    return _CITATION_MARK_RE.sub("", text)


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
