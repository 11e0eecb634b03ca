"""HTML as a reader sees it: visible text in paragraphs, with link spans. Shared by the
live-web and ZIM backends.

Web text is hostile. :func:`clean_text` removes characters that render as nothing (zero-width
spaces and joiners, bidi controls, soft hyphens, Unicode "tag" characters that can smuggle
ASCII, variation selectors) and control characters, and turns the brackets of the
browser's link marks (``【3†…】``) into plain ones so a page cannot forge a link.
:class:`TextBuilder` assembles paragraphs and records each link as a span of the final text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import lxml.etree

from browser.hidden_css import apply_page_styles, hides
from browser.models import Link

_INVISIBLE_RE = re.compile(
    "["
    "\x00-\x08\x0b\x0e-\x1f\x7f-\x9f"  # control characters (tab, newlines and \f kept)
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f"
    "\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164"
    "\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb"
    "\U000110bd\U000110cd\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0000-\U000e0fff"  # tag characters and variation selectors supplement
    "]"
)
_NEUTRAL = str.maketrans({"【": "[", "】": "]"})
_TAG_RE = re.compile(r"<[^>]{0,2000}>")
_SPACE_RE = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """``text`` without invisible or control characters and with link-mark brackets made plain."""
    return _INVISIBLE_RE.sub("", text).translate(_NEUTRAL)


def clean_inline(text: str) -> str:
    """One line of display text from markup-ish input (titles, snippets): tags dropped,
    entities decoded, cleaned, whitespace collapsed."""
    if "<" in text:
        text = _TAG_RE.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    return _SPACE_RE.sub(" ", clean_text(text)).strip()


class TextBuilder:
    """Paragraph text (joined by ``\\n``, spaces collapsed) with link spans into it.

    A link never spans paragraphs: a paragraph break inside one ends it there.
    """

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self._line_has_text = False
        self._space = False
        self._links: list[Link] = []
        self._link_url: str | None = None
        self._link_start: int | None = None

    def text(self, raw: str | None) -> None:
        """Append a run of text; whitespace at its ends separates it from its neighbours."""
        if not raw:
            return
        cleaned = clean_text(raw)
        if not cleaned:
            return
        if cleaned[0].isspace():
            self._space = True
        words = cleaned.split()
        if not words:
            return
        if self._space and self._line_has_text:
            self._emit(" ")
        if self._link_url is not None and self._link_start is None:
            self._link_start = self._length
        self._emit(" ".join(words))
        self._line_has_text = True
        self._space = cleaned[-1].isspace()

    def space(self) -> None:
        """Separate the next text from the last (between table cells)."""
        self._space = True

    def paragraph(self) -> None:
        """End the current paragraph, if it has text."""
        self.close_link()
        if self._line_has_text:
            self._emit("\n")
            self._line_has_text = False
        self._space = False

    def open_link(self, url: str) -> None:
        """The text that follows, up to :meth:`close_link`, links to ``url``."""
        self.close_link()
        self._link_url, self._link_start = url, None

    def close_link(self) -> None:
        """End the open link, if any; a link around no text is dropped."""
        start, url = self._link_start, self._link_url
        if url is not None and start is not None and self._length > start:
            self._links.append(Link(start=start, end=self._length, url=url))
        self._link_url, self._link_start = None, None

    def build(self) -> tuple[str, tuple[Link, ...]]:
        """The text and its links, in order."""
        self.close_link()
        return "".join(self._parts).rstrip("\n"), tuple(self._links)

    def _emit(self, text: str) -> None:
        self._parts.append(text)
        self._length += len(text)


_UNSEEN_TAGS = frozenset(
    {"script", "style", "template", "noscript", "iframe", "frame", "frameset", "object",
     "embed", "applet", "svg", "math", "canvas", "select", "option", "datalist", "textarea",
     "input", "button", "audio", "video", "source", "track", "map"}
)  # fmt: skip
# MediaWiki's citation marks and edit links: a "[12]" in a quote would read as a citation of
# quote 12 in the agent's answer
_UNSEEN_CLASSES = frozenset({"reference", "mw-editsection", "noprint"})
_BLOCK_TAGS = frozenset(
    {"html", "body", "p", "div", "section", "article", "main", "header", "footer", "nav",
     "aside", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "table",
     "thead", "tbody", "tfoot", "tr", "caption", "blockquote", "pre", "figure", "figcaption",
     "address", "details", "summary", "form", "fieldset", "legend", "center", "br", "hr",
     # trafilatura's output elements
     "doc", "head", "list", "item", "row", "quote", "lb"}
)  # fmt: skip
_CELL_TAGS = frozenset({"td", "th", "cell"})
LINK_ATTRIBUTES = {"a": "href", "ref": "target"}  # HTML, trafilatura


def drop_unseen(root: Any) -> None:
    """Remove, in place, the elements a reader of the rendered page would not see (their
    tags, attributes, and the CSS of :mod:`browser.hidden_css`)."""
    apply_page_styles(root)
    unseen = [element for element in root.iter() if is_unseen(element)]
    for element in unseen:
        if element.getparent() is not None:
            element.drop_tree()  # keeps the element's tail text, which is visible


def is_unseen(element: Any) -> bool:
    if not isinstance(element.tag, str):
        return False
    if element.tag in _UNSEEN_TAGS or element.get("hidden") is not None:
        return True
    if (element.get("aria-hidden") or "").strip().lower() == "true":
        return True
    if element.tag == "dialog" and element.get("open") is None:
        return True
    classes = element.get("class")
    if classes and not _UNSEEN_CLASSES.isdisjoint(classes.split()):
        return True
    return hides(element)


LinkResolver = Callable[[str | None], str | None]
"""An ``href`` (or None) to the URL its link opens, or None to leave the text plain."""


def render_tree(tree: Any, resolve: LinkResolver) -> tuple[str, tuple[Link, ...]]:
    """Paragraph text and link spans of an lxml tree (an HTML body or trafilatura output)."""
    if tree is None:
        return "", ()
    builder = TextBuilder()
    for event, element in lxml.etree.iterwalk(tree, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            if tag in _BLOCK_TAGS:
                builder.paragraph()
            if tag in LINK_ATTRIBUTES:
                target = resolve(element.get(LINK_ATTRIBUTES[tag]))
                if target is not None:
                    builder.open_link(target)
            if tag in _CELL_TAGS:
                builder.space()
            if tag:
                builder.text(element.text)
            continue
        if tag in LINK_ATTRIBUTES:
            builder.close_link()
        if tag in _BLOCK_TAGS:
            builder.paragraph()
        if tag in _CELL_TAGS:
            builder.space()
        if element is not tree:
            builder.text(element.tail)
    return builder.build()
