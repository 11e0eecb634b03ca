"""The comparison format: validation with file/line/field, JSONL round trip, WebGPT import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.episode import Episode
from browser.answer import CitedAnswer
from browser.models import Quote
from training.comparisons import (
    Comparison,
    ComparisonFormatError,
    append_comparisons,
    comparison_from_episodes,
    load_comparisons,
    read_comparisons,
    read_webgpt_comparisons,
    split_by_question,
)

SEURAT = Quote(
    title="Pointillism",
    url="https://example.org/wiki/Pointillism",
    text="The technique was developed by Georges Seurat and Paul Signac in 1886.",
)


def episode(question: str, answer: str | None, quotes: tuple[Quote, ...] = ()) -> Episode:
    return Episode(
        question=question,
        answer=answer,
        quotes=quotes,
        terminated=answer is not None,
        truncated=answer is None,
        policy="test",
        backend="test",
        started_at="2024-01-01T00:00:00Z",
        seconds=0.0,
    )


def pair(preference: object = "A", **fields: object) -> Comparison:
    record = {
        "question": "who devised pointillism",
        "answer_a": {"text": "Georges Seurat [1].", "quotes": [SEURAT.model_dump()]},
        "answer_b": {"text": "Claude Monet."},
        "preference": preference,
        "judge": "human:ana" if preference is not None else None,
        **fields,
    }
    return Comparison.model_validate(record)


def test_preferences_map_to_webgpt_scores_and_targets() -> None:
    assert [pair(p).score for p in ("A", "B", "tie", 0.5, -1.0, None)] == [
        1.0,
        -1.0,
        0.0,
        0.5,
        -1.0,
        None,
    ]
    # WebGPT keeps only the sign of a score; 0 is a soft 50% label.
    assert [pair(p).target for p in ("A", "B", "tie", 0.25, -0.5, None)] == [
        1.0,
        0.0,
        0.5,
        1.0,
        0.0,
        None,
    ]
    assert pair("A").key == pair("B").key == pair(None).key  # the label is not part of the pair
    a, b = pair().scored()
    assert a == (
        "who devised pointillism", CitedAnswer(text="Georges Seurat [1].", quotes=(SEURAT,))
    )
    assert b[1].quotes == ()


def test_bad_values_are_rejected() -> None:
    for bad in (1.5, float("nan"), "a", True):
        with pytest.raises(ValueError, match=r"expected 'A', 'B', 'tie', a score in \[-1, 1\]"):
            pair(bad)
    with pytest.raises(ValueError, match="needs a judge"):
        pair("A", judge=None)
    with pytest.raises(ValueError, match="pattern"):
        pair("A", judge="ana")
    with pytest.raises(ValueError, match="Extra inputs"):
        pair("A", colour="blue")


def test_jsonl_round_trip_and_errors_name_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    assert append_comparisons(path, [pair("A"), pair(0.25, ratings={"accuracy_a": 6.0})]) == 2
    assert append_comparisons(path, []) == 0
    assert list(read_comparisons(path)) == [pair("A"), pair(0.25, ratings={"accuracy_a": 6.0})]
    with path.open("a") as handle:
        handle.write("\n" + json.dumps({**pair().model_dump(), "preference": "C"}) + "\n")
    with pytest.raises(ComparisonFormatError, match=r"c\.jsonl:4: field 'preference'"):
        list(read_comparisons(path))
    path.write_text('{"question": \n')
    with pytest.raises(ComparisonFormatError, match=r"c\.jsonl:1: not valid JSON"):
        list(read_comparisons(path))


def webgpt_record(**changes: object) -> dict[str, object]:
    record: dict[str, object] = {
        "question": {"dataset": "eli5", "full_text": "Why is the sky blue?", "id": "q1"},
        "quotes_0": {
            "title": ["Sky (en.wikipedia.org)", "Blank (x.org)"],
            "extract": ["Rayleigh scattering makes the sky blue.", ""],
        },
        "answer_0": "Because of Rayleigh scattering [1].",
        "tokens_0": [1, 2, 3],
        "score_0": 0.5,
        "quotes_1": {"title": [], "extract": []},
        "answer_1": "It reflects the sea.",
        "tokens_1": [4],
        "score_1": -0.5,
    }
    return record | changes


def test_released_webgpt_comparisons_map_to_our_format(tmp_path: Path) -> None:
    array = tmp_path / "webgpt.json"
    array.write_text(
        json.dumps([webgpt_record(), webgpt_record(question="plain?", score_0=0, score_1=0)])
    )
    first, second = read_webgpt_comparisons(array)
    assert first.question == "Why is the sky blue?" and second.question == "plain?"
    assert first.preference == 0.5 and first.target == 1.0 and second.target == 0.5
    assert first.judge == "human:webgpt-release"
    assert first.answer_a.quotes[0] == Quote(
        title="Sky (en.wikipedia.org)", url="", text="Rayleigh scattering makes the sky blue."
    )
    assert first.answer_a.quotes[1].text == "…"  # kept, so [2] still points at it
    assert first.answer_b == CitedAnswer(text="It reflects the sea.")
    lines = tmp_path / "webgpt.jsonl"
    lines.write_text(json.dumps(webgpt_record()) + "\n")
    assert load_comparisons(lines) == [first]  # the layout is detected
    ours = tmp_path / "ours.jsonl"
    append_comparisons(ours, [pair()])
    assert load_comparisons(ours) == [pair()]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"score_1": 0.5}, r"record 1: field 'score_1': 0.5 is not -score_0"),
        ({"score_0": 2}, r"field 'score_0': expected a number in \[-1, 1\]"),
        ({"question": {"id": "q"}}, r"field 'question'"),
        ({"quotes_1": {"title": ["a"], "extract": []}}, r"field 'quotes_1': 1 titles but 0"),
        ({"answer_1": None}, r"field 'answer_1': expected a string"),
    ],
)
def test_bad_webgpt_records_name_the_field(
    tmp_path: Path, changes: dict[str, object], message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([webgpt_record(**changes)]))
    with pytest.raises(ComparisonFormatError, match=message):
        read_webgpt_comparisons(path)


def test_comparison_from_two_episodes() -> None:
    good = episode("who devised pointillism", "Georges Seurat [1].", (SEURAT,))
    empty = episode("who devised pointillism", None)
    comparison = comparison_from_episodes(good, empty, preference="A", judge="judge:test")
    assert comparison.answer_a == CitedAnswer(text="Georges Seurat [1].", quotes=(SEURAT,))
    assert comparison.answer_b == CitedAnswer(text="")
    assert comparison_from_episodes(good, empty).preference is None
    assert good.cited_answer == CitedAnswer(text="Georges Seurat [1].", quotes=(SEURAT,))
    assert empty.cited_answer.text == ""
    with pytest.raises(ValueError, match="different questions"):
        comparison_from_episodes(good, episode("other", "x"))


def test_split_is_by_question_and_stable() -> None:
    comparisons = [pair(question=f"question {n % 50}") for n in range(500)]
    train, held_out = split_by_question(comparisons, 0.2)
    assert len(train) + len(held_out) == 500 and 0 < len(held_out) < 250
    assert not {c.question for c in train} & {c.question for c in held_out}
    assert split_by_question(list(reversed(comparisons)), 0.2)[1] == list(reversed(held_out))
    assert split_by_question(comparisons, 0.0) == (comparisons, [])
