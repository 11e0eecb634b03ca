"""Turn a fetched body into a :class:`~browser.models.Document` with numbered links.

    document = to_document(fetched)          # HTML, XHTML or plain text
    document.text[link.start:link.end]       # the words of each link, in order

HTML is decoded (:mod:`browser.web.charset`), parsed with lxml, and stripped of everything
a reader does not see: ``<script>``, ``<style>``, ``<template>``, ``<noscript>`` and other
non-text elements, and elements hidden with ``hidden``, ``aria-hidden="true"`` or an inline
``display:none`` / ``visibility:hidden`` / ``font-size:0`` / ``opacity:0``, and MediaWiki's
citation marks (``[12]`` would read as a citation in the agent's answer). Trafilatura then
picks the main text, links kept; when it finds none, the whole visible body is read instead.
One tree walk turns either tree into text: links resolve against ``<base href>`` or the
final url after redirects, and only http(s) links to other pages are kept. The title comes
from ``<title>``, then ``og:title``, then the first ``<h1>``. PDFs and binary bodies are
refused with a :class:`~browser.errors.BackendError`.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx
import lxml.etree
import lxml.html
import trafilatura

from browser.errors import BackendError
from browser.html_text import TextBuilder, clean_inline, drop_unseen, render_tree
from browser.models import Document
from browser.web.addresses import shorten
from browser.web.charset import decode_body
from browser.web.fetch import Fetched

logger = logging.getLogger(__name__)

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
MAX_LINK_URL = 2048
_CONTROL_BYTES = bytes([*range(9), *range(14, 32), 127])  # not tab, newlines, form feed
_PDF_MAGIC = b"%PDF-"
_BINARY_MAGIC = (b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b", b"\x7fELF")
# huge_tree lifts libxml2's nesting limit from 256 to 2048 levels; deeper text is dropped
_PARSER = lxml.html.HTMLParser(
    encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True
)


def to_document(fetched: Fetched) -> Document:
    """The document of a fetched page.

    Raises:
        BackendError: a PDF, a binary or non-text body, or a page with no readable text.
    """
    media_type, charset = parse_content_type(fetched.content_type)
    body, url = fetched.body, fetched.url
    if media_type == "application/pdf" or body.startswith(_PDF_MAGIC):
        raise BackendError(f"{shorten(url)} is a PDF; PDFs are not supported, try another page")
    untyped = media_type in ("", "application/octet-stream")
    html = media_type in HTML_TYPES or (untyped and _sniffs_html(body))
    if not html and not media_type.startswith("text/"):
        raise BackendError(f"{shorten(url)} is {media_type or 'untyped'} content, not a web page")
    if _looks_binary(body, charset):
        raise BackendError(
            f"{shorten(url)} is labelled {media_type or 'untyped'} but its body is binary data"
        )
    text, _ = decode_body(body, declared=charset, html=html)
    document = html_to_document(text, url=url) if html else text_to_document(text, url=url)
    if not document.text.strip():
        raise BackendError(f"{shorten(url)} has no readable text")
    return document


def parse_content_type(header: str) -> tuple[str, str | None]:
    """``("text/html", "utf-8")`` from ``text/html; charset="UTF-8"``."""
    media_type, *params = header.split(";")
    charset = None
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("\"'") or None
    return media_type.strip().lower(), charset


def html_to_document(html: str, *, url: str) -> Document:
    """A document from HTML fetched (finally) from ``url``."""
    try:
        root = lxml.html.document_fromstring(html.encode("utf-8", errors="replace"), parser=_PARSER)
    except (lxml.etree.ParserError, ValueError):
        return Document(url=url, title=_fallback_title(url), text="")
    resolve = _LinkResolver(base=_base_url(root, url), page=url)
    drop_unseen(root)
    title = _title(root) or _fallback_title(url)
    text, links = render_tree(_main_content(root), resolve)
    if not text or not links:
        body = root.find("body")
        whole, whole_links = render_tree(body if body is not None else root, resolve)
        # Trafilatura found nothing, or fell back to bare text and lost the links of a page
        # that is little more than its main text (a list of links, a stub): read it all.
        if not text or (whole_links and len(whole) <= 2 * len(text)):
            text, links = whole, whole_links
    return Document(url=url, title=title, text=text, links=links)


def text_to_document(text: str, *, url: str) -> Document:
    """A document from plain text: blank lines separate paragraphs, lines inside join up."""
    builder = TextBuilder()
    for paragraph in re.split(r"\n\s*\n", text):
        builder.text(paragraph)
        builder.paragraph()
    body, _ = builder.build()
    first_line = body.split("\n", 1)[0]
    title = first_line if 0 < len(first_line) <= 100 else _fallback_title(url)
    return Document(url=url, title=title, text=body)


def _main_content(root: Any) -> Any:
    """Trafilatura's main-content tree (with ``<ref target>`` links), or None."""
    try:
        extracted = trafilatura.bare_extraction(
            root, fast=True, favor_recall=True, include_links=True, include_comments=False,
            include_tables=True, include_images=False, with_metadata=False,
        )  # fmt: skip
    except Exception as exc:  # trafilatura on hostile markup: fall back to the whole body
        logger.info("trafilatura failed (%s); reading the whole page", exc)
        return None
    return getattr(extracted, "body", None)


class _LinkResolver:
    """Absolute urls of a page's links (memoised: a page renders twice, nav links repeat).

    Links to other schemes (``javascript:``, ``mailto:``) and to this very page resolve to
    None, and so stay plain text. The urls are checked again when opened.
    """

    def __init__(self, *, base: str, page: str) -> None:
        self._base = base
        self._page = urldefrag(page)[0]
        self._seen: dict[str, str | None] = {}

    def __call__(self, href: str | None) -> str | None:
        if not href or len(href) > MAX_LINK_URL:
            return None
        if href not in self._seen:
            self._seen[href] = self._resolve(href)
        return self._seen[href]

    def _resolve(self, href: str) -> str | None:
        try:
            target = urldefrag(urljoin(self._base, href.strip()))[0]
            parts = urlsplit(target)
            host = parts.hostname
        except ValueError:  # a malformed IPv6 host, a bad port
            return None
        if parts.scheme not in ("http", "https") or not host or target == self._page:
            return None
        return target


def _base_url(root: Any, page: str) -> str:
    """``<base href>`` resolved against the page url, when it is an http(s) url."""
    base = root.find("head/base[@href]")
    if base is None:
        return page
    try:
        joined = urljoin(page, base.get("href").strip())
        scheme = urlsplit(joined).scheme
    except ValueError:
        return page
    return joined if scheme in ("http", "https") else page


def _title(root: Any) -> str:
    """``<title>``, else ``og:title``, else the first ``<h1>``; empty when none has text."""
    og_titles = root.xpath("//meta[@property='og:title' or @name='og:title']/@content")
    h1 = root.find(".//h1")
    for candidate in (
        root.findtext("head/title") or root.findtext(".//title"),
        og_titles[0] if og_titles else None,
        h1.text_content() if h1 is not None else None,
    ):
        title = clean_inline(str(candidate or ""))[:300]
        if title:
            return title
    return ""


def _fallback_title(url: str) -> str:
    parts = httpx.URL(url)
    return shorten(parts.host + parts.path, 120)


def _sniffs_html(body: bytes) -> bool:
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body"))


def _looks_binary(body: bytes, charset: str | None) -> bool:
    """Whether a body claimed as text is binary: a known magic number, NUL bytes (unless
    UTF-16/32 is declared or marked) or many control bytes."""
    if body.startswith(_BINARY_MAGIC):
        return True
    sample = body[:4096]
    wide = (charset or "").lower().startswith(("utf-16", "utf-32")) or sample.startswith(
        (b"\xff\xfe", b"\xfe\xff")
    )
    if wide:
        return False
    if b"\x00" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return bool(sample) and controls / len(sample) > 0.1
