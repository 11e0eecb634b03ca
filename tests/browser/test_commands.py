from __future__ import annotations

from typing import get_args

import pytest

from browser.commands import (
    COMMANDS,
    Answer,
    Back,
    Click,
    Command,
    Find,
    QuoteLines,
    QuoteText,
    Scroll,
    Search,
    Top,
    format_command,
    grammar_help,
    is_command,
    parse_command,
)
from browser.errors import CommandSyntaxError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("search Seurat painting", Search(query="Seurat painting")),
        ("  SEARCH   Seurat ", Search(query="Seurat")),
        ("click 3", Click(link_id=3)),
        ("scroll down", Scroll(direction="down")),
        ("scroll UP", Scroll(direction="up")),
        ("top", Top()),
        ("back", Back()),
        ("find pointillism", Find(text="pointillism")),
        ("quote It was painted.", QuoteText(text="It was painted.")),
        ('quote "It was painted."', QuoteText(text="It was painted.")),
        ("quote It was…in 1886.", QuoteText(text="It was", end="in 1886.")),
        ("quote It was ... in 1886.", QuoteText(text="It was", end="in 1886.")),
        ("quote lines 12-14", QuoteLines(first=12, last=14)),
        ("quote line 7", QuoteLines(first=7, last=7)),
        ("answer Seurat painted it [1].", Answer(text="Seurat painted it [1].")),
    ],
)
def test_parse_reads_every_form(text: str, expected: object) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    "text",
    ["search x", "click 0", "scroll up", "top", "back", "find a b", "quote a b", "quote a…b",
     "quote lines 2-5", "answer yes [1]"],
)  # fmt: skip
def test_format_then_parse_round_trips(text: str) -> None:
    command = parse_command(text)
    assert format_command(command) == text
    assert parse_command(format_command(command)) == command


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty command"),
        ("jump 3", "unknown command 'jump'"),
        ("click three", "link id number"),
        ("click -1", "link id number"),
        ("scroll sideways", "'up' or 'down'"),
        ("back 2", "takes no argument"),
        ("search", "missing argument"),
        ("quote lines 9-3", "reversed"),
        ("answer", "missing argument"),
    ],
)
def test_malformed_commands_name_the_problem(text: str, message: str) -> None:
    with pytest.raises(CommandSyntaxError, match=message):
        parse_command(text)


def test_the_table_and_the_parser_agree_in_both_directions() -> None:
    """Every row's example parses to that row's command and renders back to itself; every
    command the parser can return has a row, and the help shows every row."""
    help_text = grammar_help()
    for spec in COMMANDS:
        assert spec.grammar.syntax in help_text and spec.grammar.help in help_text
        command = parse_command(spec.grammar.example)
        assert type(command) is spec and format_command(command) == spec.grammar.example
    assert set(get_args(get_args(Command)[0])) == set(COMMANDS)
    assert help_text.count("\n") == len(COMMANDS)


def test_is_command_says_whether_text_parses() -> None:
    assert is_command("click 3") and is_command("quote lines 1-2")
    assert not is_command("Let me look.") and not is_command("")
