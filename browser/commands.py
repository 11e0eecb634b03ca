"""The browser's command grammar: one table, from which the parser, the canonical text and
the help shown to policies are all built.

Each command is a value class that carries its :class:`Grammar` row (``syntax``, ``help``,
``example``), reads its argument (``parse``) and writes itself back (``render``).
:data:`COMMANDS` lists them in the order the help shows them; commands sharing a verb are
tried in that order (``quote lines 3-4`` before ``quote <text>``).

    >>> parse_command("click 3")
    Click(kind='click', link_id=3)
    >>> format_command(parse_command("quote lines 12-14"))
    'quote lines 12-14'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, ClassVar, Literal

from pydantic import Field

from browser.errors import CommandSyntaxError
from browser.models import Value

_LINES_RE = re.compile(r"^lines?\s+(\d+)(?:\s*[-–]\s*(\d+))?$", re.IGNORECASE)
_ELLIPSIS_RE = re.compile(r"\s*(?:…|\.\.\.)\s*")


@dataclass(frozen=True)
class Grammar:
    """How a command is written and what it does: one row of the help."""

    syntax: str
    help: str
    example: str

    @property
    def verb(self) -> str:
        return self.syntax.split()[0]


class _Command(Value):
    """A command: its grammar row and its arguments (fields). ``parse`` reads the text after
    the verb; ``render`` writes the command back as :func:`parse_command` reads it."""

    grammar: ClassVar[Grammar]

    @classmethod
    def parse(cls, rest: str) -> _Command | None:
        """The command with argument text ``rest``; None when ``rest`` is another command's
        form of the same verb. Raises CommandSyntaxError when the argument is wrong."""
        if rest:
            raise CommandSyntaxError(f"{cls.grammar.verb} takes no argument, got {rest!r}")
        return cls()

    def render(self) -> str:
        return self.grammar.verb


class _TextCommand(_Command):
    """A command whose one argument is the rest of the line (its field after ``kind``)."""

    @classmethod
    def parse(cls, rest: str) -> _Command:
        name = list(cls.model_fields)[1]
        return cls.model_validate({name: _required(rest, cls.grammar.syntax)})

    def render(self) -> str:
        return f"{self.grammar.verb} {getattr(self, list(type(self).model_fields)[1])}"


class Search(_TextCommand):
    grammar = Grammar("search <query>", "search the web and show numbered results", "search Seurat")
    kind: Literal["search"] = "search"
    query: str = Field(min_length=1)


class Click(_Command):
    grammar = Grammar("click <link id>", "open the link shown as 【id†text】", "click 3")
    kind: Literal["click"] = "click"
    link_id: int = Field(ge=0)

    @classmethod
    def parse(cls, rest: str) -> Click:
        if not rest.isdigit():
            raise CommandSyntaxError(f"click takes a link id number, got {rest!r}")
        return cls(link_id=int(rest))

    def render(self) -> str:
        return f"click {self.link_id}"


class Scroll(_Command):
    grammar = Grammar(
        "scroll down|up", "show the next or the previous window of the page", "scroll down"
    )
    kind: Literal["scroll"] = "scroll"
    direction: Literal["up", "down"]

    @classmethod
    def parse(cls, rest: str) -> Scroll:
        if rest.lower() not in ("up", "down"):
            raise CommandSyntaxError(f"scroll takes 'up' or 'down', got {rest!r}")
        return cls(direction="up" if rest.lower() == "up" else "down")

    def render(self) -> str:
        return f"scroll {self.direction}"


class Top(_Command):
    grammar = Grammar("top", "go back to the first line of the page", "top")
    kind: Literal["top"] = "top"


class Back(_Command):
    grammar = Grammar("back", "return to the previous page", "back")
    kind: Literal["back"] = "back"


class Find(_TextCommand):
    grammar = Grammar("find <text>", "jump to the next line containing text", "find pointillism")
    kind: Literal["find"] = "find"
    text: str = Field(min_length=1)


class QuoteLines(_Command):
    grammar = Grammar(
        "quote lines <a>-<b>", "keep page lines a to b as evidence", "quote lines 3-4"
    )
    kind: Literal["quote_lines"] = "quote_lines"
    first: int = Field(ge=0)
    last: int = Field(ge=0)

    @classmethod
    def parse(cls, rest: str) -> QuoteLines | None:
        lines = _LINES_RE.match(rest)
        if lines is None:
            return None
        first = int(lines.group(1))
        last = int(lines.group(2)) if lines.group(2) else first
        if last < first:
            raise CommandSyntaxError(f"quote lines {first}-{last}: the range is reversed")
        return cls(first=first, last=last)

    def render(self) -> str:
        return f"quote lines {self.first}-{self.last}"


class QuoteText(_Command):
    """Quote an exact span, or the span from ``text`` through ``end`` when ``end`` is set."""

    grammar = Grammar(
        "quote <text>",
        "keep an exact span of the page as evidence (`<start>…<end>` for long ones)",
        "quote It was painted from 1884 to 1886.",
    )
    kind: Literal["quote"] = "quote"
    text: str = Field(min_length=1)
    end: str | None = None

    @classmethod
    def parse(cls, rest: str) -> QuoteText:
        rest = _required(rest, cls.grammar.syntax).strip('"“”')
        parts = _ELLIPSIS_RE.split(rest, maxsplit=1)
        if len(parts) == 2 and parts[0] and parts[1]:
            return cls(text=parts[0], end=parts[1])
        return cls(text=_required(rest, cls.grammar.syntax))

    def render(self) -> str:
        return f"quote {self.text}" if self.end is None else f"quote {self.text}…{self.end}"


class Answer(_TextCommand):
    grammar = Grammar(
        "answer <text>",
        "give the final answer, citing quotes as [1], [2]",
        "answer Georges Seurat painted it [1].",
    )
    kind: Literal["answer"] = "answer"
    text: str = Field(min_length=1)


COMMANDS: tuple[type[_Command], ...] = (
    Search, Click, Scroll, Top, Back, Find, QuoteLines, QuoteText, Answer,
)  # fmt: skip
"""Every command, in the order the help lists them (and same-verb forms are tried)."""

Command = Annotated[
    Search | Click | Scroll | Top | Back | Find | QuoteLines | QuoteText | Answer,
    Field(discriminator="kind"),
]


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
    forms = [spec for spec in COMMANDS if spec.grammar.verb == verb.lower()]
    if not forms:
        raise CommandSyntaxError(f"unknown command {verb.lower()!r}; expected one of: {_verbs()}")
    for form in forms:
        command = form.parse(rest.strip())
        if command is not None:
            return command  # type: ignore[return-value]  # every form is a Command member
    raise CommandSyntaxError(f"cannot read {line!r}")  # the last form of a verb always parses


def is_command(text: str) -> bool:
    """Whether ``text`` parses as a command (what policies check before replying)."""
    try:
        parse_command(text)
    except CommandSyntaxError:
        return False
    return True


def format_command(command: Command) -> str:
    """The canonical text of a command; ``parse_command`` reads it back unchanged."""
    return command.render()


def grammar_help() -> str:
    """The command reference shown to policies (and people) in prompts and docs."""
    rows = [spec.grammar for spec in COMMANDS]
    width = max(len(row.syntax) for row in rows)
    lines = [f"  {row.syntax.ljust(width)}  {row.help} (e.g. `{row.example}`)" for row in rows]
    return "Commands (one per turn):\n" + "\n".join(lines)


def _required(rest: str, syntax: str) -> str:
    if not rest:
        raise CommandSyntaxError(f"missing argument; the syntax is `{syntax}`")
    return rest


def _verbs() -> str:
    return ", ".join(dict.fromkeys(spec.grammar.verb for spec in COMMANDS))
