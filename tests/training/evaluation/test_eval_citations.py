from __future__ import annotations

import pytest

from browser.answer import CitedAnswer
from browser.corpus import CorpusBackend
from browser.models import Quote
from training.evaluation.citations import (
    PageCache,
    citation_quality,
    lexical_support,
    quotes_on_page,
)

SEURAT = "https://example.org/wiki/Georges_Seurat"


def test_lexical_support_is_the_share_of_claimed_words_in_the_quote() -> None:
    quote = "Georges Seurat was a French post-Impressionist artist."
    # content words: seurat, french, painter -> 2 of 3 in the quote
    assert lexical_support(quote, "Seurat was a French painter [1].") == pytest.approx(2 / 3)
    assert lexical_support(quote, "It is [1].") == 1.0


def test_citation_quality_counts_sentences_and_supported_citations() -> None:
    quotes = [
        Quote(title="Seurat", url=SEURAT, text="Georges Seurat was a French artist."),
        Quote(title="Jatte", url="u2", text="It was painted from 1884 to 1886."),
    ]
    answer = "Seurat was French [1]. It was painted in 1884 [2][1]. Nobody knows why. Bad [7]."
    quality = citation_quality(CitedAnswer(text=answer, quotes=tuple(quotes)))
    assert (quality.sentences, quality.cited_sentences) == (4, 3)
    # [1] supports s1 (1.0); [2] supports s2 (painted, 1884: 1.0); [1] for s2 (0.0); [7] is no quote
    assert (quality.citations, quality.supported_citations) == (4, 2)
    assert quality.cited_share == 0.75 and quality.supported_share == 0.5
    assert quality.mean_support == pytest.approx(0.5)
    strict = citation_quality(
        CitedAnswer(text=answer, quotes=tuple(quotes)), support=lambda quote, sentence: 0.0
    )
    assert strict.supported_citations == 0
    assert citation_quality(CitedAnswer(quotes=tuple(quotes))).cited_share is None


def test_quotes_on_page_reopens_the_page(tiny_corpus: CorpusBackend) -> None:
    pages = PageCache(tiny_corpus, width=80)
    real = Quote(title="Georges Seurat", url=SEURAT, text="a French post-Impressionist artist")
    made_up = Quote(title="Georges Seurat", url=SEURAT, text="a Belgian sculptor")
    missing = Quote(title="Nowhere", url="https://example.org/wiki/Nowhere", text="anything")
    assert quotes_on_page([real, made_up, missing], pages) == 1
