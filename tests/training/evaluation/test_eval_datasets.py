from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from training.evaluation.datasets import detect_format, load_dataset
from training.evaluation.errors import DatasetFormatError

SHARED = Path(__file__).resolve().parents[4] / "shared" / "data"


def _jsonl(path: Path, records: list[object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_generic_jsonl_takes_answers_or_answer(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "mine.jsonl", [
        {"question": "Who wrote Moby-Dick?", "answers": ["Herman Melville", "Melville", ""]},
        {"id": "x7", "question": "capital of France", "answer": "Paris", "long_answer": "Paris."},
    ])  # fmt: skip
    first, second = load_dataset(path)
    assert detect_format(path) == "jsonl"
    assert (first.id, first.answers, first.source) == (
        "mine-1",
        ("Herman Melville", "Melville"),
        "mine",
    )
    assert (second.id, second.answers, second.long_answer) == ("x7", ("Paris",), "Paris.")


def test_nq_open_official_layout(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "NQ-open.dev.jsonl", [
        {"question": "when was the last time anyone was on the moon",
         "answer": ["14 December 1972 UTC", "December 1972"]},
        {"question": "who wrote hamlet", "answer": ["Shakespeare"]},
    ])  # fmt: skip
    assert detect_format(path) == "nq"
    items = load_dataset(path)
    assert [i.id for i in items] == ["nq_open_0000", "nq_open_0001"]
    assert items[0].answers == ("14 December 1972 UTC", "December 1972")
    assert items[1].source == "nq_open"


def test_triviaqa_official_json_and_hf_jsonl(tmp_path: Path) -> None:
    official = tmp_path / "verified-web-dev.json"
    official.write_text(json.dumps({"Data": [{
        "Question": "Which planet is the Red Planet?", "QuestionId": "tc_1",
        "Answer": {"Value": "Mars", "Aliases": ["Mars", "Planet Mars"],
                   "NormalizedAliases": ["mars", "planet mars"]},
    }]}))  # fmt: skip
    hf = _jsonl(tmp_path / "trivia.jsonl", [
        {"question": "Red planet?", "question_id": "tc_2",
         "answer": {"value": "Mars", "aliases": ["Mars"], "normalized_aliases": ["mars"]}},
    ])  # fmt: skip
    assert detect_format(official) == detect_format(hf) == "triviaqa"
    (item,) = load_dataset(official)
    assert (item.id, item.answers) == ("tc_1", ("Mars", "Planet Mars", "mars", "planet mars"))
    (item,) = load_dataset(hf)
    assert (item.id, item.answers, item.source) == ("tc_2", ("Mars", "mars"), "triviaqa")


def test_squad_json(tmp_path: Path) -> None:
    path = tmp_path / "dev-v1.1.json"
    path.write_text(json.dumps({"version": "1.1", "data": [{"title": "Normans", "paragraphs": [{
        "context": "…", "qas": [
            {"id": "56ddde6b", "question": "In what country is Normandy located?",
             "answers": [{"text": "France", "answer_start": 159},
                         {"text": "France", "answer_start": 159}]},
        ]}]}]}))  # fmt: skip
    assert detect_format(path) == "squad"
    (item,) = load_dataset(path)
    assert (item.id, item.answers, item.source) == ("56ddde6b", ("France",), "squad")


def test_truthfulqa_csv_splits_answer_lists(tmp_path: Path) -> None:
    path = tmp_path / "TruthfulQA.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Type", "Category", "Question", "Best Answer", "Correct Answers",
                         "Incorrect Answers", "Source"])  # fmt: skip
        writer.writerow(["Adversarial", "Misconceptions", "What happens if you eat seeds?",
                         "Nothing happens", "Nothing happens; They pass through",
                         "You grow watermelons", "https://example.org"])  # fmt: skip
    assert detect_format(path) == "truthfulqa"
    (item,) = load_dataset(path)
    assert item.answers == ("Nothing happens", "They pass through")
    assert (item.id, item.long_answer) == ("truthfulqa_000", "Nothing happens")


def test_eli5_long_answer_is_the_top_scored(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "eli5.jsonl", [
        {"q_id": "abc", "title": "Why is the sky blue?",
         "answers": {"a_id": ["1", "2"], "text": ["Because.", "Rayleigh scattering of light."],
                     "score": [3, 41]}},
    ])  # fmt: skip
    assert detect_format(path) == "eli5"
    (item,) = load_dataset(path)
    assert (item.id, item.answers, item.long_answer) == ("abc", (), "Rayleigh scattering of light.")


def test_format_override_beats_detection(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "q.jsonl", [{"question": "q?", "answer": ["a"]}])
    assert load_dataset(path, format="jsonl")[0].source == "q"
    assert load_dataset(path)[0].source == "nq_open"


def test_errors_name_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"question": "ok", "answers": ["a"]}\n\n{"question": "no golds"}\n')
    with pytest.raises(DatasetFormatError, match=r"bad\.jsonl:3: missing field 'answer'"):
        load_dataset(path, format="jsonl")
    path.write_text('{"question": "ok", "answers": ["a"]}\n{"question": "x", "answers": [1]}\n')
    with pytest.raises(DatasetFormatError, match=r"bad\.jsonl:2: field 'answers'"):
        load_dataset(path)
    path.write_text('{"question": "ok", "answers": ["a"]}\n{oops\n')
    with pytest.raises(DatasetFormatError, match=r"bad\.jsonl:2: not valid JSON"):
        load_dataset(path)
    path.write_text('{"id": "a", "question": "q", "answers": ["x"]}\n' * 2)
    with pytest.raises(DatasetFormatError, match="two questions have the id 'a'"):
        load_dataset(path)
    squad = tmp_path / "s.json"
    squad.write_text(
        json.dumps({"data": [{"paragraphs": [{"qas": [{"id": "1", "answers": []}]}]}]})
    )
    with pytest.raises(DatasetFormatError, match=r"qas\[0\]: missing field 'question'"):
        load_dataset(squad)


@pytest.mark.skipif(
    not SHARED.is_dir(), reason=f"the public datasets are not beside this checkout ({SHARED})"
)
def test_real_shared_files_load() -> None:
    corpus = load_dataset(SHARED / "nq_open_corpus_dev.jsonl")
    full = load_dataset(SHARED / "nq_open_dev_full.jsonl")
    truthful = load_dataset(SHARED / "truthfulqa_dev.jsonl")
    assert (len(corpus), len(full), len(truthful)) == (142, 1833, 403)
    assert corpus[1].id == "nq_open_dev_0168"
    assert corpus[1].answers == ("Pyotr Ilyich Tchaikovsky",)
    assert {i.id for i in corpus} <= {i.id for i in full}
    assert truthful[0].long_answer == "The watermelon seeds pass through your digestive system"
    assert all(i.source == "truthfulqa" and i.answers for i in truthful)
