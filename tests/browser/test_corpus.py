from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from browser.checker import check_backend
from browser.corpus import CorpusBackend, build_index, cache_dir
from browser.corpus_sources import CorpusEntry, read_inputs, read_jsonl, wikipedia_url
from browser.errors import CorpusError, PageNotFound
from browser.search_index import query_terms


def test_default_corpus_holds_the_wikipedia_extracts_with_real_urls(corpus: CorpusBackend) -> None:
    assert len(corpus) == 10033
    assert corpus.path.parent == cache_dir()
    page = corpus.open("https://en.wikipedia.org/wiki/2001:_A_Space_Odyssey")
    assert page.title == "2001: A Space Odyssey"
    assert "Stanley Kubrick" in page.text
    linked = {page.text[link.start : link.end]: link.url for link in page.links}
    assert linked["Stanley Kubrick"] == "https://en.wikipedia.org/wiki/Stanley_Kubrick"
    for url in linked.values():
        corpus.open(url)  # every link leads to a page of the corpus


def test_default_corpus_search_ranks_the_named_article_first(corpus: CorpusBackend) -> None:
    results = corpus.search("painting Sunday Afternoon Island of La Grande Jatte", limit=3)
    assert results[0].title == "A Sunday Afternoon on the Island of La Grande Jatte"
    assert results[0].snippet.startswith("Painting by Georges Seurat")


def test_default_corpus_passes_the_backend_check(corpus: CorpusBackend) -> None:
    check_backend(corpus, query="Seurat pointillism")


def test_tiny_corpus_passes_the_backend_check(tiny_corpus: CorpusBackend) -> None:
    check_backend(tiny_corpus, query="pointillism")


def test_stale_default_index_is_rebuilt(corpus: CorpusBackend, tmp_path: Path) -> None:
    with sqlite3.connect(corpus.path) as db:
        db.execute("UPDATE meta SET value = 'old source' WHERE key = 'source_id'")
    rebuilt = CorpusBackend.open_default()
    assert rebuilt.meta["source_id"] != "old source"
    assert len(rebuilt) == 10033


def test_search_reads_only_the_words_of_a_query(tiny_corpus: CorpusBackend) -> None:
    assert query_terms('pointillism" OR title:* NEAR(') == ["pointil", "titl", "near"]
    assert query_terms("the of and") == ["the", "of", "and"]
    assert query_terms("Seurat's paintings") == ["seurat", "paint"]
    assert query_terms("?!") == []
    assert tiny_corpus.search("?!") == []
    assert tiny_corpus.search('"pointillism AND (', limit=2)[0].title == "Pointillism"


def test_open_unknown_url_raises_page_not_found(tiny_corpus: CorpusBackend) -> None:
    with pytest.raises(PageNotFound, match="no page at 'https://nowhere'"):
        tiny_corpus.open("https://nowhere")


def test_wikipedia_url_matches_wikipedia_conventions() -> None:
    assert (
        wikipedia_url("2001: A Space Odyssey")
        == "https://en.wikipedia.org/wiki/2001:_A_Space_Odyssey"
    )
    assert wikipedia_url("AC/DC") == "https://en.wikipedia.org/wiki/AC/DC"
    assert wikipedia_url("Who? Me & You") == "https://en.wikipedia.org/wiki/Who%3F_Me_%26_You"


def test_missing_or_foreign_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no such corpus file"):
        CorpusBackend(tmp_path / "missing.sqlite")
    (tmp_path / "junk.sqlite").write_text("not sqlite at all" * 100)
    with pytest.raises(CorpusError, match="not a webgpt corpus index"):
        CorpusBackend(tmp_path / "junk.sqlite")


def test_jsonl_errors_name_file_line_and_field(tmp_path: Path) -> None:
    source = tmp_path / "pages.jsonl"
    source.write_text(
        json.dumps({"title": "A", "url": "u1", "text": "x"}) + "\n"
        + json.dumps({"title": "B", "url": "u2"}) + "\n"
    )  # fmt: skip
    with pytest.raises(CorpusError, match=r"pages.jsonl:2: field 'text'"):
        list(read_jsonl(source))
    source.write_text("{not json\n")
    with pytest.raises(CorpusError, match=r"pages.jsonl:1: not valid JSON"):
        list(read_jsonl(source))


def test_failed_build_leaves_the_previous_index_untouched(tmp_path: Path) -> None:
    out = tmp_path / "index.sqlite"
    good = [CorpusEntry(title="A", url="u1", text="alpha")]
    build_index(good, out, source_id="first")
    duplicate = [*good, CorpusEntry(title="B", url="u1", text="beta")]
    with pytest.raises(CorpusError, match="two pages have the url 'u1'"):
        build_index(duplicate, out, source_id="second")
    assert CorpusBackend(out).meta["source_id"] == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.sqlite"]


def test_user_directory_of_html_markdown_and_text(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "guide").mkdir(parents=True)
    (site / "guide" / "install.md").write_text(
        "# Installing Frobnicator\n\nRun the frobnicate tool.\n"
    )
    (site / "notes.txt").write_text("The frobnicator was first released in 2019.\n")
    (site / "about.html").write_text(
        "<html><head><title>About Frobnicator</title><style>.x{}</style></head><body>"
        "<nav>Home | Docs</nav><article><h1>About</h1><p>Frobnicator is a tool written by "
        "Ada Example in Paris. It turns widgets into gadgets quickly and safely.</p>"
        "</article><script>alert('x')</script></body></html>"
    )
    entries = list(read_inputs([site], base_url="https://docs.example.com/"))
    by_title = {entry.title: entry for entry in entries}
    assert set(by_title) == {"About Frobnicator", "Installing Frobnicator", "notes"}
    assert by_title["Installing Frobnicator"].url == "https://docs.example.com/guide/install.md"
    assert "Ada Example in Paris" in by_title["About Frobnicator"].text
    assert "alert" not in by_title["About Frobnicator"].text
    out = tmp_path / "site.sqlite"
    assert build_index(entries, out, source_id="site") == 3
    backend = CorpusBackend(out)
    assert backend.search("frobnicator written in Paris", limit=1)[0].title == "About Frobnicator"


def test_unknown_input_kinds_are_refused(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no such file or directory"):
        list(read_inputs([tmp_path / "nope.jsonl.gz"]))
    (tmp_path / "data.csv").write_text("a,b\n")
    with pytest.raises(CorpusError, match=r"expected a \.jsonl file"):
        list(read_inputs([tmp_path / "data.csv"]))

