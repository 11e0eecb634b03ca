"""The labelling session, driven by scripted keystrokes: labels appended, sessions resumed."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console

from browser.answer import CitedAnswer
from browser.models import Quote
from training.compare_ui import PROMPT, parse_label, run_compare_session
from training.comparisons import Comparison, append_comparisons, read_comparisons

QUOTE = Quote(
    title="Pointillism [dots]",
    url="https://example.org/wiki/Pointillism",
    text="The technique was developed by Georges Seurat.",
)


def unlabelled(n: int) -> Comparison:
    return Comparison(
        question=f"question number {n}?",
        answer_a=CitedAnswer(text=f"Georges Seurat [1] ({n}).", quotes=(QUOTE,)),
        answer_b=CitedAnswer(text=""),
    )


def script(*lines: str) -> tuple[Callable[[str], str], list[str]]:
    """A ``read`` that types ``lines`` in order, then closes the input; and its prompts."""
    prompts: list[str] = []
    pending = list(lines)

    def read(prompt: str) -> str:
        prompts.append(prompt)
        if not pending:
            raise EOFError
        return pending.pop(0)

    return read, prompts


def console() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, width=120, color_system=None), buffer


def test_keys_mean_labels() -> None:
    assert parse_label(" A ") == ("A", {}) and parse_label("b") == ("B", {})
    assert parse_label("t") == ("tie", {})
    assert parse_label("1") == (1.0, {"overall_1to7": 1.0})
    assert parse_label("4") == (0.0, {"overall_1to7": 4.0})
    assert parse_label("6") == ((4 - 6) / 3, {"overall_1to7": 6.0})
    assert parse_label("s") == "skip" and parse_label("q") == "quit"
    assert parse_label("8") is None and parse_label("") is None


def test_session_shows_pairs_and_appends_labels_then_resumes(tmp_path: Path) -> None:
    pairs_file, out = tmp_path / "pairs.jsonl", tmp_path / "labels.jsonl"
    append_comparisons(pairs_file, [unlabelled(n) for n in range(4)])
    screen, buffer = console()
    read, prompts = script("a", "what?", "2", "s", "q")
    counts = run_compare_session(pairs_file, out, console=screen, read=read, labeler="ana")
    assert counts == {"already": 0, "labelled": 2, "skipped": 1, "left": 1}
    assert prompts == [PROMPT] * 5  # the bad key is asked again
    shown = buffer.getvalue()
    assert "Pair 1 of 4" in shown and "question number 0?" in shown
    assert "Pointillism [dots]" in shown and "(no answer)" in shown and "(no quotes)" in shown
    assert "Type one of:" in shown
    labels = list(read_comparisons(out))
    assert [c.preference for c in labels] == ["A", pytest.approx(2 / 3)]
    assert [c.question for c in labels] == ["question number 0?", "question number 1?"]
    assert {c.judge for c in labels} == {"human:ana"} and {c.labeler for c in labels} == {"ana"}
    assert labels[1].ratings == {"overall_1to7": 2.0}
    assert labels[0].answer_a == unlabelled(0).answer_a

    # Resumed: the two labelled pairs are skipped; the skipped one is asked again.
    screen, buffer = console()
    read, _ = script("t", "b")
    counts = run_compare_session(pairs_file, out, console=screen, read=read, labeler="ana")
    assert counts == {"already": 2, "labelled": 2, "skipped": 0, "left": 0}
    assert "question number 2?" in buffer.getvalue()
    assert [c.preference for c in read_comparisons(out)][2:] == ["tie", "B"]

    # Another labeler gets every pair; input closed at once means quit.
    read, _ = script()
    counts = run_compare_session(
        [unlabelled(0)], out, console=console()[0], read=read, labeler="ben"
    )
    assert counts == {"already": 0, "labelled": 0, "skipped": 0, "left": 1}
    with pytest.raises(ValueError, match="one word"):
        run_compare_session([], out, console=console()[0], read=read, labeler="two words")


def test_pairs_written_by_the_evaluator_can_be_labelled(tmp_path: Path) -> None:
    pairs_file, out = tmp_path / "comparisons_for_labelling.jsonl", tmp_path / "labels.jsonl"
    record = {"question": "q?", "answer_a": {"text": "agent [1].", "quotes": [QUOTE.model_dump()]},
              "answer_b": {"text": "human answer", "quotes": []}, "preference": None,
              "judge": None, "source_id": "eli5-1"}  # fmt: skip
    pairs_file.write_text(json.dumps(record) + "\n")
    read, _ = script("b")
    run_compare_session(pairs_file, out, console=console()[0], read=read, labeler="ana")
    (label,) = read_comparisons(out)
    assert label.preference == "B" and label.source_id == "eli5-1"
