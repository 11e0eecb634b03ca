from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from zim_builder import ARTICLES, WIKI, build_zim  # pytest puts this folder on sys.path

from agent.loop import run_episode
from agent.teacher import TeacherPolicy
from browser.checker import check_backend
from browser.env import BrowserConfig, BrowserEnv
from browser.errors import BackendError, CorpusError, PageNotFound
from browser.zim import UrlScheme, ZimBackend, url_scheme
from browser.zim.backend import RELAXED_WORDS, relaxed_ranking, snippet
from browser.zim.extract import extract_page

SEURAT = WIKI + "Georges_Seurat"


@pytest.fixture(scope="session")
def zim_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_zim(tmp_path_factory.mktemp("zim") / "wikipedia_en_test.zim", full_text=True)


@pytest.fixture(scope="session")
def titles_only_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("zim") / "titles.zim"
    return build_zim(out, full_text=False, metadata={"Name": "test_articles", "Language": "eng"})


@pytest.fixture(scope="session")
def zim(zim_path: Path) -> ZimBackend:
    return ZimBackend(zim_path)


@pytest.fixture(scope="session")
def titles_only(titles_only_path: Path) -> ZimBackend:
    return ZimBackend(titles_only_path)


def test_the_archive_passes_the_backend_check(zim: ZimBackend) -> None:
    assert zim.full_text and zim.name == "zim"
    check_backend(zim, query="pointillism")
    check_backend(zim, query="who designed the Eiffel Tower")


def test_an_archive_without_full_text_index_passes_on_titles(titles_only: ZimBackend) -> None:
    assert not titles_only.full_text
    check_backend(titles_only, query="Grande Jatte")


@pytest.mark.parametrize(
    ("query", "path"),
    [
        ("pointillism dots of colour", "Pointillism"),
        ("who designed the Eiffel Tower", "Eiffel_Tower"),  # "who" is in no article
        ("Statue of Liberty copper", "Statue_of_Liberty"),
        ("Water Lilies Giverny", "Water_Lilies_(Monet_series)"),
        ("Bjarne Stroustrup language", "C++"),
    ],
)
def test_search_ranks_the_article_that_holds_the_words_first(
    zim: ZimBackend, query: str, path: str
) -> None:
    first = zim.search(query, limit=5)[0]
    assert first.url == zim.urls.url(path)
    assert first.title == ARTICLES[path][0]


def test_results_carry_the_sentence_with_the_query_words(zim: ZimBackend) -> None:
    [result] = zim.search("Eiffel Tower designed engineer", limit=1)
    assert result.snippet == (
        "The tower was designed by the engineer Gustave Eiffel and his company, "
        "and built from 1887 to 1889."
    )


def test_search_folds_redirects_into_their_article_and_reads_no_syntax(
    zim: ZimBackend, titles_only: ZimBackend
) -> None:
    for backend in (zim, titles_only):
        urls = [r.url for r in backend.search("Seurat", limit=10)]
        assert urls[0] == backend.urls.url("Georges_Seurat")
        assert len(urls) == len(set(urls))
        assert backend.urls.url("Seurat") not in urls  # the redirect is its target
    # Title words found one by one: "seurat" finds the redirect, "georges" its target.
    found = titles_only.search("Georges Seurat paintings", limit=5)
    assert [r.url for r in found] == [titles_only.urls.url("Georges_Seurat")]
    assert zim.search("seurat OR zzqx", limit=3)[0].url == SEURAT  # "or" is just a word
    assert zim.search("zzqx qqzz") == []
    assert zim.search("pointillism", limit=0) == []
    assert len(zim.search("painter", limit=2)) == 2


def test_title_search_matches_title_words_and_prefixes(titles_only: ZimBackend) -> None:
    assert titles_only.urls == UrlScheme("zim://test_articles/")
    found = titles_only.search("who painted La Grande Jatte", limit=3)
    assert found[0].url == "zim://test_articles/A_Sunday_Afternoon_on_the_Island_of_La_Grande_Jatte"
    assert found[0].snippet.startswith("A Sunday Afternoon on the Island of La Grande Jatte is")
    assert [r.title for r in titles_only.search("gusta", limit=3)] == ["Gustave Eiffel"]
    assert titles_only.search("designed", limit=3) == []  # a body word, not a title word


def test_open_extracts_the_text_and_in_archive_links(zim: ZimBackend) -> None:
    page = zim.open(SEURAT)
    assert page.title == "Georges Seurat"
    assert page.text.startswith("Georges Seurat\nGeorges Seurat (1859–1891) was a French")
    assert "\nLife\nSeurat studied at the École des Beaux-Arts" in page.text
    spans = [(page.text[link.start : link.end], link.url) for link in page.links]
    assert spans == [
        ("pointillism", WIKI + "Pointillism"),
        ("Paul Signac", WIKI + "Paul_Signac"),
        ("A Sunday Afternoon on the Island of La Grande Jatte",
         WIKI + "A_Sunday_Afternoon_on_the_Island_of_La_Grande_Jatte"),
        ("Art Institute of Chicago", WIKI + "Art_Institute_of_Chicago"),  # fragment dropped
        ("Paris", WIKI + "Paris"),
        ("École des Beaux-Arts", WIKI + "%C3%89cole_des_Beaux-Arts"),
    ]  # fmt: skip
    # External, missing and same-page anchors stay as plain text.
    assert "See also the Wikidata entry, his early drawings and the section on his life." in (
        page.text
    )
    for hidden in ("SECRET", "SCRIPT", "HEAD", "ATTRIBUTE", "ARIA", "[3]", "[edit]", "color"):
        assert hidden not in page.text


def test_links_resolve_relative_to_the_page_and_through_redirects(zim: ZimBackend) -> None:
    band = zim.open(zim.urls.url("AC/DC"))
    assert band.url == WIKI + "AC/DC"
    [link] = band.links  # "../Highway_to_Hell" from "AC/DC"
    assert link.url == WIKI + "Highway_to_Hell"
    assert zim.open(link.url).links[0].url == band.url
    signac = zim.open(WIKI + "Paul_Signac")
    assert signac.links[0].url == SEURAT  # its href is the redirect "Seurat"
    pointillism = zim.open(WIKI + "Pointillism")  # a link into another archive is dropped
    assert "See the dictionary entry." in pointillism.text
    assert all("wiktionary" not in link.url for link in pointillism.links)


def test_open_follows_redirects_and_serves_the_main_page(zim: ZimBackend) -> None:
    redirected = zim.open(WIKI + "Seurat")
    assert redirected.url == SEURAT
    assert redirected == zim.open(SEURAT)
    assert zim.open(SEURAT + "#Life") == redirected
    assert zim.main_url == WIKI + "Main_Page"
    main = zim.open(zim.main_url)
    assert main.title == "Main Page"
    assert len(main.links) == len(ARTICLES)


@pytest.mark.parametrize(
    "url",
    [
        WIKI + "No_Such_Article",
        WIKI,
        WIKI + "style.css",  # in the archive, but not a page
        "https://fr.wikipedia.org/wiki/Georges_Seurat",
        "zim://wikipedia_en_test/Georges_Seurat",
        "Georges_Seurat",
        "",
    ],
)
def test_urls_that_are_not_pages_raise_page_not_found(zim: ZimBackend, url: str) -> None:
    with pytest.raises(PageNotFound, match="no page at"):
        zim.open(url)


@pytest.mark.parametrize("path", ["Georges_Seurat", "C++", "AC/DC", "What?", "100%_#1", "Ça_va"])
def test_urls_round_trip_to_paths(path: str) -> None:
    scheme = UrlScheme(WIKI)
    assert scheme.path(scheme.url(path)) == path


def test_urls_encode_paths_as_mediawiki_does() -> None:
    scheme = UrlScheme(WIKI)
    assert scheme.url("C++") == WIKI + "C%2B%2B"
    assert scheme.url("AC/DC") == WIKI + "AC/DC"
    assert scheme.url("Impression,_Sunrise") == WIKI + "Impression,_Sunrise"
    assert scheme.url("What?") == WIKI + "What%3F"
    assert scheme.path(WIKI + "Paris?action=raw#History") == "Paris"


@pytest.mark.parametrize(
    ("metadata", "base"),
    [
        ({"Source": "en.wikipedia.org", "Name": "x"}, "https://en.wikipedia.org/wiki/"),
        ({"Source": "https://fr.wiktionary.org/"}, "https://fr.wiktionary.org/wiki/"),
        ({"Name": "wikipedia_de_all_nopic"}, "https://de.wikipedia.org/wiki/"),
        ({"Source": "wiki.example.org", "Scraper": "mwoffliner 1.14"}, "https://wiki.example.org/wiki/"),
        ({"Source": "www.notwikipedia.org", "Name": "mirror"}, "zim://mirror/"),
        ({"Name": "devdocs en/python"}, "zim://devdocs%20en%2Fpython/"),
        ({}, "zim://my_archive/"),
    ],
)  # fmt: skip
def test_the_url_scheme_follows_the_metadata(metadata: dict[str, str], base: str) -> None:
    assert url_scheme(metadata, fallback_name="my_archive").base == base


def test_click_follows_an_in_archive_link(zim: ZimBackend) -> None:
    env = BrowserEnv(zim, BrowserConfig(window_lines=40))
    env.reset("Who helped Seurat develop pointillism?")
    searched = env.step("search pointillism technique")
    assert searched.observation.window[0].startswith("【0†Pointillism】 en.wikipedia.org/wiki/")
    opened = env.step("click 0")
    assert opened.observation.page_url == WIKI + "Pointillism"
    window = "\n".join(opened.observation.window)
    assert "【1†Paul Signac】" in window
    clicked = env.step("click 1")
    assert clicked.error is None
    assert clicked.observation.page_title == "Paul Signac"
    assert clicked.observation.page_url == WIKI + "Paul_Signac"


def test_the_teacher_answers_from_the_archive_with_a_citation(zim: ZimBackend) -> None:
    episode = run_episode("Who designed the Eiffel Tower?", TeacherPolicy(), BrowserEnv(zim))
    assert episode.terminated and episode.backend == "zim"
    assert episode.answer is not None and "Gustave Eiffel" in episode.answer
    assert episode.cited_ids == [1]
    [reference] = episode.references
    assert reference.url == WIKI + "Eiffel_Tower"
    assert "designed by the engineer Gustave Eiffel" in reference.quote


def test_bad_files_raise_corpus_errors_naming_the_file(tmp_path: Path, zim_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"missing\.zim: no such ZIM file"):
        ZimBackend(tmp_path / "missing.zim")
    with pytest.raises(CorpusError, match="no such ZIM file"):
        ZimBackend(tmp_path)  # a directory
    text = tmp_path / "notes.zim"
    text.write_text("not an archive\n" * 100)
    with pytest.raises(CorpusError, match=r"notes\.zim: not a readable ZIM archive"):
        ZimBackend(text)
    cut = tmp_path / "cut.zim"
    cut.write_bytes(zim_path.read_bytes()[:4096])
    with pytest.raises(CorpusError, match=r"cut\.zim: not a readable ZIM archive"):
        ZimBackend(cut)


@pytest.mark.parametrize(
    ("archive", "queries"),
    [
        ("zim", ["pointillism", "Eiffel", "who painted La Grande Jatte", "river France"]),
        ("titles_only", ["pointillism", "Eiffel", "who painted La Grande Jatte", "Monet"]),
    ],
)
def test_searches_from_many_threads_get_the_same_results(
    archive: str, queries: list[str], request: pytest.FixtureRequest
) -> None:
    backend: ZimBackend = request.getfixturevalue(archive)
    expected = {query: backend.search(query, limit=5) for query in queries}
    assert all(expected.values())

    def hammer(worker: int) -> int:
        wrong = 0
        for n in range(60):
            query = queries[(worker + n) % len(queries)]
            wrong += backend.search(query, limit=5) != expected[query]
        return wrong

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert sum(pool.map(hammer, range(8))) == 0


class _OneAtATime:
    """Wraps a libzim searcher; records whether two threads were ever inside it at once."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.inside = 0
        self.overlapped = False
        self._count_lock = threading.Lock()

    def search(self, query: Any) -> Any:
        with self._count_lock:
            self.inside += 1
            self.overlapped |= self.inside > 1
        try:
            time.sleep(0.001)  # hand the GIL to other threads while inside
            return self.inner.search(query)
        finally:
            with self._count_lock:
                self.inside -= 1


def test_the_searcher_is_never_used_by_two_threads_at_once(
    zim_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = ZimBackend(zim_path)
    spy = _OneAtATime(backend._searcher)
    monkeypatch.setattr(backend, "_searcher", spy)  # libzim's searcher is not thread-safe
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda _: backend.search("pointillism painter", limit=3), range(30)))
    assert spy.inside == 0 and not spy.overlapped


def test_relaxed_search_puts_every_word_first_then_the_rarest_words() -> None:
    found = {  # query: (paths, estimated matches), as libzim answers
        "rare common the": (["both"], 1),
        "rare": (["r1", "r2", "both"], 3),
        "common": (["c1", "c2", "both", "r1"], 500),
    }
    asked: list[str] = []

    def find(query: str, depth: int) -> tuple[list[str], int]:
        asked.append(query)
        paths, matches = found.get(query, ([], 0))
        return paths[:depth], matches

    terms = ["rare", "common", "the"]
    ranked = relaxed_ranking(find, terms, 5, total=1000)
    assert ranked == ["both", "r1", "r2", "c1", "c2"]  # r2 (rare only) beats c1 (common only)
    assert "the" not in asked  # a stopword is not searched alone
    assert relaxed_ranking(find, terms, 2, total=1000) == ranked[:2]
    assert relaxed_ranking(find, ["common"], 3, total=1000) == ["c1", "c2", "both"]
    asked.clear()
    assert relaxed_ranking(find, [f"w{n}" for n in range(30)], 5, total=1000) == []
    assert len(asked) == 1 + RELAXED_WORDS


def test_snippets_fall_back_to_the_lead_sentences() -> None:
    text = "Heading\nThe first sentence is short. The second one adds words. A third. A fourth."
    lead = "The first sentence is short. The second one adds words. A third."  # 12 words
    assert snippet(text, ["zzz"]) == lead
    assert snippet(text, ["the", "fourth"]) == "A fourth."
    assert snippet("", ["x"]) == ""


def test_extraction_keeps_link_spans_exact_across_whitespace() -> None:
    html = (
        "<p>  A\n <a href='x'> linked\n  text </a>then <a href='y'>more</a>.<br>Next</p>"
        "<table><tr><th>Population</th><td>2,102,650</td></tr></table><ul><li>a<li>b</ul>"
    )
    page = extract_page(html, resolve=lambda href: f"u:{href}")
    assert page.text == "A linked text then more.\nNext\nPopulation 2,102,650\na\nb"
    assert [(page.text[s.start : s.end], s.url) for s in page.links] == [
        ("linked text", "u:x"),
        ("more", "u:y"),
    ]
    assert extract_page("<!-- only a comment -->", resolve=lambda href: None).text == ""
    assert extract_page("   ", resolve=lambda href: None).text == ""


def test_cli_answers_from_a_zim_archive(zim_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cli.main import main

    assert (
        main(
            [
                "ask",
                "--policy",
                "teacher",
                "--json",
                "--zim",
                str(zim_path),
                "Who designed the Eiffel Tower?",
            ]
        )
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    assert "Gustave Eiffel" in result["answer"]
    assert result["references"][0]["url"] == "https://en.wikipedia.org/wiki/Eiffel_Tower"
    assert main(["ask", "--web", "zim", "q"]) == 2
    assert "--web zim needs --zim FILE" in capsys.readouterr().err


@pytest.mark.parametrize("where", [0.3, 0.5, 0.7, 0.9])
def test_a_corrupted_archive_fails_in_one_line_naming_the_file(
    zim_path: Path, tmp_path: Path, where: float
) -> None:
    """Bytes overwritten inside the archive (clusters, indexes, pointer lists): every failure
    is one of the browser's errors naming the file; nothing else escapes a search or an
    open."""
    data = bytearray(zim_path.read_bytes())
    start = int(len(data) * where)
    data[start : start + 4096] = bytes(range(256)) * 16
    broken = tmp_path / "broken.zim"
    broken.write_bytes(bytes(data))
    try:
        backend = ZimBackend(broken)
    except CorpusError as exc:
        assert str(exc).startswith(f"{broken}: not a readable ZIM archive (")
        return
    for query in ("seurat", "pointillism painting", "dots", "jatte"):
        try:
            results = backend.search(query, limit=5)
        except BackendError as exc:
            assert str(broken) in str(exc) and "\n" not in str(exc)
            continue
        for result in results:
            try:
                backend.open(result.url)
            except BackendError as exc:
                assert str(broken) in str(exc) and "\n" not in str(exc)


def test_a_corrupted_header_is_a_clear_error(zim_path: Path, tmp_path: Path) -> None:
    data = bytearray(zim_path.read_bytes())
    data[8:40] = bytes(32)  # the header's counts and pointers
    broken = tmp_path / "header.zim"
    broken.write_bytes(bytes(data))
    with pytest.raises(CorpusError, match=f"{broken}: not a readable ZIM archive"):
        ZimBackend(broken)
