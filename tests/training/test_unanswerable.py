from __future__ import annotations

import pytest

from browser.corpus import CorpusBackend
from browser.errors import PageNotFound
from training.unanswerable import WithoutPages

SEURAT = "https://example.org/wiki/Georges_Seurat"


def test_hidden_pages_are_never_found_nor_opened(tiny_corpus: CorpusBackend) -> None:
    assert any(r.url == SEURAT for r in tiny_corpus.search("Seurat", limit=3))
    backend = WithoutPages(tiny_corpus, {SEURAT})
    found = backend.search("Seurat", limit=3)
    assert found and all(r.url != SEURAT for r in found)
    with pytest.raises(PageNotFound):
        backend.open(SEURAT)
    assert backend.open("https://example.org/wiki/Pointillism").title == "Pointillism"
