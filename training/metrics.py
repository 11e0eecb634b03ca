"""Answer-matching metrics shared by tests, benchmarks and the evaluator."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agent.episode import Episode

_NON_ALNUM_RE = re.compile(r"[^0-9a-z]+")


def normalize_answer(text: str) -> str:
    """NFKD, accents dropped, lowercase, every run of non-[0-9a-z] replaced by one space.

    The normalisation the shared QA data was filtered with (``../shared/data/README.md``).
    """
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return _NON_ALNUM_RE.sub(" ", ascii_text).strip()


def cites_gold(episode: Episode, golds: Iterable[str]) -> bool:
    """Whether the episode's answer holds a gold answer and cites a quote (what the
    gold-answer rate counts)."""
    return bool(episode.cited_ids) and contains_answer(episode.answer or "", golds)


def contains_answer(text: str, golds: Iterable[str]) -> bool:
    """Whether ``text`` contains any gold answer as whole normalised words."""
    haystack = f" {normalize_answer(text)} "
    return any(
        needle.strip() and f" {needle} " in haystack
        for needle in (normalize_answer(gold) for gold in golds)
    )
