from __future__ import annotations

from browser.models import Document, Link, SearchResult
from browser.render import render_document, render_search, strip_link_marks


def test_links_render_as_numbered_marks_that_never_break_across_lines() -> None:
    text = "Directed by Stanley Kubrick, who co-wrote it with Arthur C. Clarke. " * 3
    first = text.index("Stanley Kubrick")
    second = text.index("Arthur C. Clarke")
    document = Document(
        url="u",
        title="t",
        text=text,
        links=(
            Link(start=first, end=first + 15, url="kubrick"),
            Link(start=second, end=second + 16, url="clarke"),
        ),
    )
    page = render_document(document, width=30)
    assert "【0†Stanley Kubrick】" in "\n".join(page.lines)
    assert "【1†Arthur C. Clarke】" in "\n".join(page.lines)
    assert page.link_urls == ("kubrick", "clarke")
    assert all(line.count("【") == line.count("】") for line in page.lines)
    assert all(len(line) <= 30 for line in page.lines if "【" not in line)
    assert page.plain_text == " ".join(text.split())


def test_paragraphs_are_separated_by_a_blank_line() -> None:
    page = render_document(Document(url="u", title="t", text="One.\nTwo."), width=80)
    assert page.lines == ("One.", "", "Two.")


def test_search_page_lists_title_address_and_snippet() -> None:
    results = [
        SearchResult(url="https://en.wikipedia.org/wiki/Mars", title="Mars", snippet="Red."),
        SearchResult(url="https://en.wikipedia.org/wiki/Venus", title="Venus", snippet="Hot."),
    ]
    page = render_search("planets", results, width=80)
    assert page.is_search
    assert page.lines == (
        "【0†Mars】 en.wikipedia.org/wiki/Mars",
        "Red.",
        "【1†Venus】 en.wikipedia.org/wiki/Venus",
        "Hot.",
    )
    assert page.link_urls == (results[0].url, results[1].url)


def test_strip_link_marks_keeps_the_link_text() -> None:
    assert strip_link_marks("by 【3†Stanley Kubrick】.") == "by Stanley Kubrick."
