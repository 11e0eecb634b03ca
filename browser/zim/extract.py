"""Article HTML to plain text in paragraphs, with the spans of the links a reader can follow.

    page = extract_page(html, resolve=lambda href: urls.get(href))
    page.text      # "Georges Seurat was a French painter…\\nHis best-known work…"
    page.links     # (Link(start=…, end=…, url=…), …): spans of page.text

Block elements (paragraphs, headings, list items, table rows…) become lines, table cells
are words apart, runs of whitespace become one space. Dropped with everything inside them:
``<head>``, scripts, styles and other non-text elements, hidden elements (``hidden``,
``aria-hidden="true"``, an inline ``display:none``/``visibility:hidden``) and MediaWiki's
citation marks and edit links (a ``[12]`` in a quote would read as a citation of quote 12
in the agent's answer).

An ``<a href>`` becomes a link when ``resolve(href)`` returns a URL for it; any other anchor
stays as plain text. lxml parses: about 25 times faster than BeautifulSoup on the same
page, which matters because a search extracts every result's page for its snippet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import lxml.html
from lxml import etree

from browser.html_text import drop_unseen, render_tree
from browser.models import Link

Resolver = Callable[[str], str | None]


@dataclass(frozen=True)
class ExtractedPage:
    """The readable text of a page and its links (spans of ``text``, in order)."""

    text: str
    links: tuple[Link, ...]


def extract_page(html: str, *, resolve: Resolver) -> ExtractedPage:
    """The text and links of ``html``, read by the same walker as live-web pages
    (:mod:`browser.html_text`).

    Args:
        html: a whole HTML document (or a fragment).
        resolve: maps an ``href`` to the URL its link should open, or None to keep the
            anchor as plain text (an external site, a page that is not there).
    """
    if not html.strip():
        return ExtractedPage("", ())
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):  # nothing but comments or whitespace
        return ExtractedPage("", ())
    drop_unseen(root)
    body = root.find("body")

    def href_resolver(href: str | None) -> str | None:
        return resolve(href.strip()) if href and href.strip() else None

    text, links = render_tree(body if body is not None else root, href_resolver)
    return ExtractedPage(text, links)
