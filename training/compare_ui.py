"""The terminal labelling session behind ``webgpt compare``.

    webgpt compare pairs.jsonl --out comparisons.jsonl --labeler ana

Each unlabelled pair (a comparisons JSONL whose ``preference`` is null, e.g. written by the
evaluator) is shown as the question over the two answers side by side, each with its
numbered quotes. The person types one key and Enter:

    a    A is better            b    B is better            t    about the same (tie)
    1-7  how much better: 1 = A much better, 4 = the same, 7 = B much better
    s    skip (shown again next session)                    q    quit

Every label is appended to the output at once (synced) with ``judge = "human:<labeler>"``;
a rating 1-7 is stored as the WebGPT score ``(4 - rating) / 3`` and kept in ``ratings``.
A new session skips the pairs this labeler already labelled in the output.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from browser.answer import CitedAnswer
from training.comparisons import (
    Choice,
    Comparison,
    append_comparisons,
    read_comparisons,
)

KEYS_HELP = (
    "a = A is better, b = B is better, t = tie, 1-7 = rating (1 A much better … 7 B much "
    "better), s = skip, q = quit"
)
PROMPT = "label [a/b/t/1-7/s/q]> "
_LABELER_RE = re.compile(r"^\S+$")

Label = tuple[Choice | float, dict[str, float]]


def parse_label(text: str) -> Label | Literal["skip", "quit"] | None:
    """The label a typed key means, ``"skip"``/``"quit"``, or None when it means nothing."""
    key = text.strip().lower()
    choices: dict[str, Choice] = {"a": "A", "b": "B", "t": "tie"}
    if key in choices:
        return choices[key], {}
    if key in ("1", "2", "3", "4", "5", "6", "7"):
        return (4 - int(key)) / 3, {"overall_1to7": float(key)}
    if key in ("s", "skip"):
        return "skip"
    if key in ("q", "quit"):
        return "quit"
    return None


def render_pair(pair: Comparison, number: int, total: int) -> RenderableType:
    """The question over a two-column table: each answer with its numbered quotes."""
    table = Table(expand=True, show_lines=True)
    table.add_column("Answer A", ratio=1)
    table.add_column("Answer B", ratio=1)
    table.add_row(_answer_text(pair.answer_a), _answer_text(pair.answer_b))
    table.add_row(_quotes_text(pair.answer_a), _quotes_text(pair.answer_b))
    question = Panel(Text(pair.question, style="bold"), title=f"Pair {number} of {total}")
    return Group(question, table)


def run_compare_session(
    pairs: Path | Sequence[Comparison],
    out_path: Path,
    *,
    console: Console,
    read: Callable[[str], str] = input,
    labeler: str = "anonymous",
) -> dict[str, int]:
    """Ask a person to label each pair not yet labelled by them in ``out_path``.

    Args:
        pairs: a comparisons JSONL (labels in it are ignored) or the comparisons themselves.
        out_path: the comparisons JSONL the labels are appended to.
        console: where pairs are shown.
        read: reads one line after showing a prompt (``input``; tests pass a script).
        labeler: who labels; recorded as ``labeler`` and ``judge = "human:<labeler>"``.

    Returns: counts of pairs ``already`` labelled, ``labelled`` and ``skipped`` now, and
        ``left`` unseen after a quit.
    """
    if not _LABELER_RE.match(labeler):
        raise ValueError(f"labeler {labeler!r} must be one word (no spaces)")
    judge = f"human:{labeler}"
    items = list(read_comparisons(pairs)) if isinstance(pairs, Path) else list(pairs)
    earlier = read_comparisons(out_path) if out_path.is_file() else iter(())
    done = {c.key for c in earlier if c.judge == judge}
    todo = [pair for pair in items if pair.key not in done]
    counts = {"already": len(items) - len(todo), "labelled": 0, "skipped": 0, "left": 0}
    if todo:
        console.print(Text(KEYS_HELP, style="dim"))
    for number, pair in enumerate(todo, 1):
        if pair.key in done:  # the same pair twice in the input
            counts["already"] += 1
            continue
        console.print(render_pair(pair, number, len(todo)))
        label = _ask(read, console)
        if label == "quit":
            counts["left"] = len(todo) - number + 1
            break
        if label == "skip":
            counts["skipped"] += 1
            continue
        preference, ratings = label
        label_fields = {"preference": preference, "ratings": ratings, "judge": judge}
        labelled = Comparison.model_validate(
            pair.model_dump() | label_fields | {"labeler": labeler}
        )
        append_comparisons(out_path, [labelled])
        done.add(pair.key)
        counts["labelled"] += 1
    return counts


def _ask(read: Callable[[str], str], console: Console) -> Label | Literal["skip", "quit"]:
    while True:
        try:
            label = parse_label(read(PROMPT))
        except EOFError:
            return "quit"
        if label is not None:
            return label
        console.print(Text(f"Type one of: {KEYS_HELP}", style="yellow"))


def _answer_text(answer: CitedAnswer) -> Text:
    if not answer.text.strip():
        return Text("(no answer)", style="italic dim")
    return Text(answer.text)


def _quotes_text(answer: CitedAnswer) -> Text:
    if not answer.quotes:
        return Text("(no quotes)", style="italic dim")
    text = Text()
    for n, quote in enumerate(answer.quotes, 1):
        if n > 1:
            text.append("\n\n")
        text.append(f"[{n}] ", style="bold")
        text.append(quote.title, style="bold")
        if quote.url:
            text.append(f" — {quote.url}", style="dim")
        text.append(f"\n“{quote.text}”", style="italic")
    return text
