"""Builds small real ZIM archives with libzim's writer, from pages the tests know by heart.

``build_zim(out, full_text=True)`` writes a Wikipedia-like archive: the ``ARTICLES`` below
(linked to one another, with a few links that must not become links), a redirect
``Seurat`` -> ``Georges_Seurat``, a main page, a stylesheet (not a page), and metadata.
"""

from __future__ import annotations

from pathlib import Path

from libzim.writer import (
    Creator,
    Hint,
    Item,
    StringProvider,
)

WIKI = "https://en.wikipedia.org/wiki/"
MAIN_PATH = "Main_Page"
REDIRECTS = {"Seurat": ("Seurat", "Georges_Seurat")}  # path: (title, target path)

# path: (title, body HTML). Hrefs are relative, as mwoffliner writes them.
ARTICLES: dict[str, tuple[str, str]] = {
    "Georges_Seurat": (
        "Georges Seurat",
        """
        <h1>Georges Seurat</h1>
        <p><b>Georges Seurat</b> (1859–1891) was a French post-Impressionist painter. He devised
        the painting technique known as <a href="Pointillism">pointillism</a> together with
        <a href="./Paul_Signac">Paul Signac</a>.<sup class="reference"><a
        href="#cite_note-3">[3]</a></sup></p>
        <p>His best-known work, <a
        href="A_Sunday_Afternoon_on_the_Island_of_La_Grande_Jatte">A Sunday
        Afternoon on the Island of La Grande Jatte</a>, hangs in the
        <a href="Art_Institute_of_Chicago#Collection">Art Institute of Chicago</a>.</p>
        <p style="display: none">SECRET HIDDEN TEXT</p>
        <p>He was born in <a href="Paris">Paris</a>. See also the
        <a href="https://www.wikidata.org/wiki/Q34013">Wikidata entry</a>, his
        <a href="Unwritten_Article">early drawings</a> and the <a href="#Life">section on
        his life</a>.</p>
        <h2 id="Life">Life</h2>
        <p>Seurat studied at the <a href="%C3%89cole_des_Beaux-Arts">École des
        Beaux-Arts</a> and died in 1891 at the age of 31.</p>
        <script>var tracking = "SCRIPT TEXT";</script>
        <noscript>NOSCRIPT TEXT</noscript>
        <span hidden>HIDDEN ATTRIBUTE TEXT</span><span aria-hidden="true">ARIA TEXT</span>
        <span class="mw-editsection">[edit]</span>
    """,
    ),
    "Pointillism": (
        "Pointillism",
        """
        <p><b>Pointillism</b> is a technique of painting in which small, distinct dots of colour
        are applied in patterns to form an image. <a href="Georges_Seurat">Georges Seurat</a> and
        <a href="Paul_Signac">Paul Signac</a> developed the technique in 1886, branching from
        <a href="Impressionism">Impressionism</a>.</p>
        <p>The practice of pointillism is in sharp contrast to the traditional methods of blending
        pigments on a palette. See the <a href="../../wiktionary_en_all/dot">dictionary
        entry</a>.</p>
    """,
    ),
    "Paul_Signac": (
        "Paul Signac",
        """
        <p><b>Paul Signac</b> (1863–1935) was a French neo-impressionist painter who, working with
        <a href="Seurat">Georges Seurat</a>, helped develop
        <a href="Pointillism">pointillism</a>.</p>
        <p>Signac loved sailing and painted many harbours along the coast of France.</p>
    """,
    ),
    "A_Sunday_Afternoon_on_the_Island_of_La_Grande_Jatte": (
        "A Sunday Afternoon on the Island of La Grande Jatte",
        """
        <p><i>A Sunday Afternoon on the Island of La Grande Jatte</i> is a painting that
        <a href="Georges_Seurat">Georges Seurat</a> made from 1884 to 1886. It shows people
        relaxing in a suburban park on an island in the <a href="Seine">Seine</a>.</p>
        <p>The canvas is about three metres wide and is a leading example of pointillist
        technique.</p>
    """,
    ),
    "Impressionism": (
        "Impressionism",
        """
        <p><b>Impressionism</b> is a 19th-century art movement characterised by visible brush
        strokes and an emphasis on the changing qualities of light. Its name comes from
        <a href="Impression,_Sunrise">Impression, Sunrise</a> by
        <a href="Claude_Monet">Claude Monet</a>.</p>
    """,
    ),
    "Claude_Monet": (
        "Claude Monet",
        """
        <p><b>Claude Monet</b> (1840–1926) was a French painter and a founder of
        <a href="Impressionism">Impressionism</a>. From 1883 he lived in
        <a href="Giverny">Giverny</a>,
        where he painted his <a href="Water_Lilies_(Monet_series)">Water Lilies</a>.</p>
    """,
    ),
    "Impression,_Sunrise": (
        "Impression, Sunrise",
        """
        <p><i>Impression, Sunrise</i> is an 1872 painting by <a href="Claude_Monet">Claude Monet</a>
        showing the port of Le Havre at dawn.</p>
    """,
    ),
    "Water_Lilies_(Monet_series)": (
        "Water Lilies (Monet series)",
        """
        <p><i>Water Lilies</i> is a series of approximately 250 oil paintings by
        <a href="Claude_Monet">Claude Monet</a> depicting the flower garden at his home in
        <a href="Giverny">Giverny</a>.</p>
    """,
    ),
    "Giverny": (
        "Giverny",
        """
        <p><b>Giverny</b> is a village in northern France, best known as the home of the painter
        <a href="Claude_Monet">Claude Monet</a>. It lies on the right bank of the
        <a href="Seine">Seine</a>.</p>
    """,
    ),
    "Paris": (
        "Paris",
        """
        <p><b>Paris</b> is the capital and largest city of France. It lies on the
        <a href="Seine">Seine</a> and is home to the <a href="Eiffel_Tower">Eiffel Tower</a>.</p>
        <table><tr><th>Population</th><td>2,102,650</td></tr></table>
    """,
    ),
    "Seine": (
        "Seine",
        """
        <p>The <b>Seine</b> is a 777-kilometre-long river in northern France. It flows through
        <a href="Paris">Paris</a> into the English Channel at Le Havre.</p>
    """,
    ),
    "Eiffel_Tower": (
        "Eiffel Tower",
        """
        <p>The <b>Eiffel Tower</b> is a wrought-iron lattice tower on the Champ de Mars in
        <a href="Paris">Paris</a>. The tower was designed by the engineer
        <a href="Gustave_Eiffel">Gustave Eiffel</a> and his company, and built from 1887 to
        1889.</p>
        <p>It is 330 metres tall, about the same height as an 81-storey building.</p>
    """,
    ),
    "Gustave_Eiffel": (
        "Gustave Eiffel",
        """
        <p><b>Gustave Eiffel</b> (1832–1923) was a French civil engineer. His company built the
        <a href="Eiffel_Tower">Eiffel Tower</a> and the internal frame of the
        <a href="Statue_of_Liberty">Statue of Liberty</a>.</p>
    """,
    ),
    "Statue_of_Liberty": (
        "Statue of Liberty",
        """
        <p>The <b>Statue of Liberty</b> is a colossal copper statue on Liberty Island in New York
        Harbor, a gift from the people of France. Its metal framework was built by
        <a href="Gustave_Eiffel">Gustave Eiffel</a>'s company.</p>
    """,
    ),
    "Art_Institute_of_Chicago": (
        "Art Institute of Chicago",
        """
        <p>The <b>Art Institute of Chicago</b> is an art museum in Grant Park, Chicago. Its
        collection includes <a href="A_Sunday_Afternoon_on_the_Island_of_La_Grande_Jatte">A Sunday
        Afternoon on the Island of La Grande Jatte</a>.</p>
    """,
    ),
    "École_des_Beaux-Arts": (
        "École des Beaux-Arts",
        """
        <p>The <b>École des Beaux-Arts</b> is a school of fine arts in <a href="Paris">Paris</a>,
        founded in 1648.</p>
    """,
    ),
    "C++": (
        "C++",
        """
        <p><b>C++</b> is a programming language created by Bjarne Stroustrup in 1985 as an
        extension of the C language.</p>
    """,
    ),
    "AC/DC": (
        "AC/DC",
        """
        <p><b>AC/DC</b> is an Australian rock band formed in Sydney in 1973 by the brothers
        Malcolm and Angus Young. They recorded <a href="../Highway_to_Hell">Highway to Hell</a>.</p>
    """,
    ),
    "Highway_to_Hell": (
        "Highway to Hell",
        """
        <p><i>Highway to Hell</i> is the sixth studio album by the rock band
        <a href="AC/DC">AC/DC</a>, released in 1979.</p>
    """,
    ),
}

# A 1x1 transparent PNG: the archive's icon, binary metadata that must not be read as text.
ICON = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4c50000000049454e44ae426082"
)

_TEMPLATE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="style.css"><style>body {{ color: #222; }}</style>
<script>window.STYLE_SCRIPT = "HEAD SCRIPT";</script></head>
<body>{body}</body></html>"""


class _Page(Item):  # type: ignore[misc]  # libzim is untyped, so its Item is Any
    def __init__(self, path: str, title: str, content: str, mimetype: str, front: bool) -> None:
        super().__init__()
        self._path, self._title, self._content = path, title, content
        self._mimetype, self._front = mimetype, front

    def get_path(self) -> str:
        return self._path

    def get_title(self) -> str:
        return self._title

    def get_mimetype(self) -> str:
        return self._mimetype

    def get_contentprovider(self) -> StringProvider:
        return StringProvider(self._content)

    def get_hints(self) -> dict[Hint, int]:
        return {Hint.FRONT_ARTICLE: self._front}


def main_page_html() -> str:
    items = "".join(
        f'<li><a href="{path}">{title}</a></li>' for path, (title, _) in ARTICLES.items()
    )
    return _TEMPLATE.format(title="Main Page", body=f"<h1>Welcome</h1><ul>{items}</ul>")


def build_zim(out: Path, *, full_text: bool, metadata: dict[str, str] | None = None) -> Path:
    """Write the test archive to ``out``; ``full_text`` adds a full-text index."""
    meta = metadata if metadata is not None else {
        "Name": "wikipedia_en_test",
        "Title": "Test Wikipedia",
        "Language": "eng",
        "Creator": "Wikipedia",
        "Publisher": "webgpt tests",
        "Source": "en.wikipedia.org",
        "Description": "A small archive of linked articles for the webgpt tests",
    }  # fmt: skip
    with Creator(out).config_indexing(full_text, "eng") as creator:
        creator.set_mainpath(MAIN_PATH)
        creator.add_illustration(48, ICON)
        for path, (title, body) in ARTICLES.items():
            html = _TEMPLATE.format(title=title, body=body)
            creator.add_item(_Page(path, title, html, "text/html", front=True))
        creator.add_item(_Page(MAIN_PATH, "Main Page", main_page_html(), "text/html", False))
        creator.add_item(_Page("style.css", "", "body { margin: 0 }", "text/css", False))
        for path, (title, target) in REDIRECTS.items():
            creator.add_redirection(path, title, target, {Hint.FRONT_ARTICLE: True})
        for name, value in meta.items():
            creator.add_metadata(name, value)
    return out
