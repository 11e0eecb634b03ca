"""Citation quality: are sentences cited, do the cited quotes support them, are quotes real.

    quality = citation_quality(episode.cited_answer, support=lexical_support)
    on_page = quotes_on_page(episode.quotes, PageCache(backend, width=80))

Support is judged by a pluggable scorer ``(quote, sentence) -> score in [0, 1]``; the default
is lexical overlap, and an NLI model's entailment probability can be passed instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from browser.answer import CitedAnswer, cited_numbers, strip_citations
from browser.backend import Backend
from browser.env import find_span
from browser.errors import BackendError
from browser.models import Quote
from browser.render import render_document
from browser.text import content_words, stem

SupportScorer = Callable[[str, str], float]
"""``(quote, sentence) -> score``: how well the quote supports the sentence, 0 to 1."""

SUPPORT_THRESHOLD = 0.5


def lexical_support(quote: str, sentence: str) -> float:
    """The share of the sentence's content words (stemmed) that the quote contains.

    A sentence with no content words claims nothing, and scores 1.0.
    """
    claimed = {stem(word) for word in content_words(strip_citations(sentence))}
    if not claimed:
        return 1.0
    found = {stem(word) for word in content_words(quote)}
    return len(claimed & found) / len(claimed)


@dataclass(frozen=True)
class CitationQuality:
    """How an answer cites its quotes.

    ``cited_share`` is None when the answer has no sentence; ``supported_share`` and
    ``mean_support`` are None when no sentence cites a quote.
    """

    sentences: int
    cited_sentences: int
    citations: int
    supported_citations: int
    mean_support: float | None

    @property
    def cited_share(self) -> float | None:
        return self.cited_sentences / self.sentences if self.sentences else None

    @property
    def supported_share(self) -> float | None:
        return self.supported_citations / self.citations if self.citations else None


def citation_quality(
    answer: CitedAnswer,
    *,
    support: SupportScorer = lexical_support,
    threshold: float = SUPPORT_THRESHOLD,
) -> CitationQuality:
    """Score every (sentence, cited quote) pair of ``answer``; a citation of a quote that
    does not exist counts as unsupported."""
    sentences, quotes = answer.sentences(), answer.quotes
    cited_sentences = citations = supported = 0
    scores: list[float] = []
    for sentence in sentences:
        numbers = cited_numbers(sentence)
        cited_sentences += bool(numbers)
        for number in numbers:
            citations += 1
            score = support(quotes[number - 1].text, sentence) if 1 <= number <= len(quotes) else 0
            scores.append(float(score))
            supported += score >= threshold
    return CitationQuality(
        sentences=len(sentences),
        cited_sentences=cited_sentences,
        citations=citations,
        supported_citations=supported,
        mean_support=sum(scores) / len(scores) if scores else None,
    )


@dataclass
class PageCache:
    """Pages re-opened from a backend and rendered as the browser shows them, by url."""

    backend: Backend
    width: int
    _texts: dict[str, str | None] = field(default_factory=dict, repr=False)

    def plain_text(self, url: str) -> str | None:
        """The page's plain text (what quotes are matched against), None when it is gone."""
        if url not in self._texts:
            try:
                page = render_document(self.backend.open(url), width=self.width)
            except BackendError:
                self._texts[url] = None
            else:
                self._texts[url] = page.plain_text
        return self._texts[url]


def quotes_on_page(quotes: Sequence[Quote], pages: PageCache) -> int:
    """How many quotes are really on the page they name."""
    count = 0
    for quote in quotes:
        text = pages.plain_text(quote.url)
        count += text is not None and find_span(text, quote.text) is not None
    return count
