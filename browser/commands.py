"""The browser's command grammar: one table, one parser, one help text.

Every command a policy may issue is listed in :data:`COMMANDS`. The parser
(:func:`parse_command`), the canonical text form (:func:`format_command`) and the
description that goes into prompts and docs (:func:`grammar_help`) are all derived from it.

    >>> parse_command("click 3")
    Click(kind='click', link_id=3)
    >>> format_command(parse_command("quote lines 12-14"))
    'quote lines 12-14'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field

from browser.errors import CommandSyntaxError
from browser.models import Value


@dataclass(frozen=True)
class CommandSpec:
    """How one command is written and what it does."""

    syntax: str
    help: str
    example: str


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("search <query>", "search the web and show numbered results", "search Seurat"),
    CommandSpec("click <link id>", "open the link shown as 【id†text】", "click 3"),
    CommandSpec("scroll down", "show the next window of the page", "scroll down"),
    CommandSpec("scroll up", "show the previous window of the page", "scroll up"),
    CommandSpec("top", "go back to the first line of the page", "top"),
    CommandSpec("back", "return to the previous page", "back"),
    CommandSpec("find <text>", "jump to the next line containing text", "find pointillism"),
    CommandSpec(
        "quote <text>",
        "keep an exact span of the page as evidence",
        "quote It was painted from 1884 to 1886.",
    ),
    CommandSpec(
        "quote <start>…<end>",
        "keep the span from start to end (for long spans)",
        "quote It was painted…neo-impressionist movement.",
    ),
    CommandSpec("quote lines <a>-<b>", "keep page lines a to b as evidence", "quote lines 3-4"),
    CommandSpec(
        "answer <text>",
        "give the final answer, citing quotes as [1], [2]",
        "answer Georges Seurat painted it [1].",
    ),
)


class Search(Value):
    kind: Literal["search"] = "search"
    query: str = Field(min_length=1)


class Click(Value):
    kind: Literal["click"] = "click"
    link_id: int = Field(ge=0)


class Scroll(Value):
    kind: Literal["scroll"] = "scroll"
    direction: Literal["up", "down"]


class Top(Value):
    kind: Literal["top"] = "top"


class Back(Value):
    kind: Literal["back"] = "back"


class Find(Value):
    kind: Literal["find"] = "find"
    text: str = Field(min_length=1)


class QuoteText(Value):
    """Quote an exact span, or the span from ``text`` through ``end`` when ``end`` is set."""

    kind: Literal["quote"] = "quote"
    text: str = Field(min_length=1)
    end: str | None = None


class QuoteLines(Value):
    kind: Literal["quote_lines"] = "quote_lines"
    first: int = Field(ge=0)
    last: int = Field(ge=0)


class Answer(Value):
    kind: Literal["answer"] = "answer"
    text: str = Field(min_length=1)


Command = Annotated[
    Search | Click | Scroll | Top | Back | Find | QuoteText | QuoteLines | Answer,
    Field(discriminator="kind"),
]

_LINES_RE = re.compile(r"^lines?\s+(\d+)(?:\s*[-–]\s*(\d+))?$", re.IGNORECASE)
_ELLIPSIS_RE = re.compile(r"\s*(?:…|\.\.\.)\s*")


def parse_command(text: str) -> Command:
    """Parse one command line.

    Raises:
        CommandSyntaxError: the text is not a command of :data:`COMMANDS`; the message says
            what was expected.
    """
    line = text.strip()
    if not line:
        raise CommandSyntaxError("empty command; expected one of: " + _verbs())
    verb, _, rest = line.partition(" ")
    verb, rest = verb.lower(), rest.strip()
    if verb == "search":
        return Search(query=_required(rest, "search <query>"))
    if verb == "click":
        if not rest.isdigit():
            raise CommandSyntaxError(f"click takes a link id number, got {rest!r}")
        return Click(link_id=int(rest))
    if verb == "scroll":
        if rest.lower() not in ("up", "down"):
            raise CommandSyntaxError(f"scroll takes 'up' or 'down', got {rest!r}")
        return Scroll(direction="up" if rest.lower() == "up" else "down")
    if verb in ("top", "back"):
        if rest:
            raise CommandSyntaxError(f"{verb} takes no argument, got {rest!r}")
        return Top() if verb == "top" else Back()
    if verb == "find":
        return Find(text=_required(rest, "find <text>"))
    if verb == "quote":
        return _parse_quote(_required(rest, "quote <text>"))
    if verb == "answer":
        return Answer(text=_required(rest, "answer <text>"))
    raise CommandSyntaxError(f"unknown command {verb!r}; expected one of: {_verbs()}")


def _parse_quote(rest: str) -> QuoteText | QuoteLines:
    lines = _LINES_RE.match(rest)
    if lines:
        first = int(lines.group(1))
        last = int(lines.group(2)) if lines.group(2) else first
        if last < first:
            raise CommandSyntaxError(f"quote lines {first}-{last}: the range is reversed")
        return QuoteLines(first=first, last=last)
    rest = rest.strip().strip('"“”')
    parts = _ELLIPSIS_RE.split(rest, maxsplit=1)
    if len(parts) == 2 and parts[0] and parts[1]:
        return QuoteText(text=parts[0], end=parts[1])
    return QuoteText(text=rest)


def is_command(text: str) -> bool:
    """Whether ``text`` parses as a command (what policies check before replying)."""
    try:
        parse_command(text)
    except CommandSyntaxError:
        return False
    return True


def format_command(command: Command) -> str:
    """The canonical text of a command; ``parse_command`` reads it back unchanged."""
    match command:
        case Search(query=query):
            return f"search {query}"
        case Click(link_id=link_id):
            return f"click {link_id}"
        case Scroll(direction=direction):
            return f"scroll {direction}"
        case Top():
            return "top"
        case Back():
            return "back"
        case Find(text=text):
            return f"find {text}"
        case QuoteText(text=text, end=None):
            return f"quote {text}"
        case QuoteText(text=text, end=end):
            return f"quote {text}…{end}"
        case QuoteLines(first=first, last=last):
            return f"quote lines {first}-{last}"
        case Answer(text=text):
            return f"answer {text}"
    raise TypeError(f"not a command: {command!r}")


def grammar_help() -> str:
    """The command reference shown to policies (and people) in prompts and docs."""
    width = max(len(spec.syntax) for spec in COMMANDS)
    rows = [
        f"  {spec.syntax.ljust(width)}  {spec.help} (e.g. `{spec.example}`)" for spec in COMMANDS
    ]
    return "Commands (one per turn):\n" + "\n".join(rows)


def _required(rest: str, syntax: str) -> str:
    if not rest:
        raise CommandSyntaxError(f"missing argument; the syntax is `{syntax}`")
    return rest


def _verbs() -> str:
    return ", ".join(dict.fromkeys(spec.syntax.split()[0] for spec in COMMANDS))
