"""Question sets for evaluation, read from the layouts public QA datasets ship in.

    items = load_dataset(Path("../shared/data/nq_open_corpus_dev.jsonl"))   # format detected
    items = load_dataset(Path("TruthfulQA.csv"), format="truthfulqa")

Every layout becomes a list of :class:`EvalItem`: an id, the question, its short gold
answers and, where the dataset has one, a human-written long answer. Formats:

- ``jsonl``: one ``{question, answers: [...]}`` or ``{question, answer}`` object a line
  (optional ``id``, ``long_answer``, ``source``).
- ``nq``: NQ-open JSONL (``question``, ``answer`` list; the shared files' ``answers`` too).
- ``triviaqa``: the official JSON (``Data: [{Question, QuestionId, Answer: {Value, Aliases,
  NormalizedAliases}}]``) or the Hugging Face JSONL (``question``, ``answer: {value, …}``).
- ``squad``: SQuAD v1.1 JSON (``data[].paragraphs[].qas[]``).
- ``truthfulqa``: ``TruthfulQA.csv`` (``;``-separated lists) or the shared JSONL; the
  long answer is the best answer.
- ``eli5``: JSONL with ``title``/``question`` and ``answers: {text, score}``; the long
  answer is the top-scored one, and there are no short golds.

A malformed file raises :class:`DatasetFormatError` naming the file, the line (or JSON
path) and the field.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from browser.models import Value
from browser.records import json_lines, parse_json
from training.evaluation.errors import DatasetFormatError

Format = Literal["jsonl", "nq", "triviaqa", "squad", "truthfulqa", "eli5"]
FORMATS: tuple[Format, ...] = ("jsonl", "nq", "triviaqa", "squad", "truthfulqa", "eli5")
Record = dict[str, Any]


class EvalItem(Value):
    """One question to evaluate."""

    id: str = Field(min_length=1, description="stable id; the resume key of a run")
    question: str = Field(min_length=1)
    answers: tuple[str, ...] = Field(default=(), description="short gold answers")
    long_answer: str | None = Field(default=None, description="a human-written long answer")
    source: str = Field(min_length=1, description="which dataset the question comes from")


def load_dataset(path: Path, *, format: Format | None = None) -> list[EvalItem]:
    """The questions of ``path``, in file order.

    Args:
        path: a dataset file.
        format: one of :data:`FORMATS`; detected from the extension and content when None.

    Raises:
        DatasetFormatError: the file is missing or malformed, or two questions share an id.
        OSError: the file cannot be read.
    """
    if not path.is_file():
        raise DatasetFormatError(f"{path}: no such file")
    chosen = format or detect_format(path)
    if chosen not in FORMATS:
        raise DatasetFormatError(f"{path}: unknown format {chosen!r}; choose one of {FORMATS}")
    items = _LOADERS[chosen](path)
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise DatasetFormatError(f"{path}: two questions have the id {item.id!r}")
        seen.add(item.id)
    return items


def detect_format(path: Path) -> Format:
    """The format of ``path``: from its extension, then its first record's fields."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "truthfulqa"
    if suffix == ".json":
        top = _read_json(path)
        if isinstance(top, dict) and "Data" in top:
            return "triviaqa"
        if isinstance(top, dict) and "data" in top:
            return "squad"
        raise DatasetFormatError(
            f"{path}: a JSON file with neither 'Data' (TriviaQA) nor 'data' (SQuAD) at the top"
        )
    first = next(_jsonl(path), None)
    if first is None:
        raise DatasetFormatError(f"{path}: no records")
    return _jsonl_format(first[1])


def _jsonl_format(record: Record) -> Format:
    answers, answer = record.get("answers"), record.get("answer")
    if isinstance(answers, dict):
        return "eli5"
    if isinstance(answer, dict):
        return "triviaqa"
    if record.get("source") == "truthfulqa" or "correct_answers" in record:
        return "truthfulqa"
    if record.get("source") == "nq_open" or isinstance(answer, list):
        return "nq"
    return "jsonl"


# -- readers ------------------------------------------------------------------------------


def _read_json(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    return parse_json(text, str(path), error=DatasetFormatError, document=True)


def _jsonl(path: Path) -> Iterator[tuple[str, Record]]:
    """``(where, record)`` for every non-blank line; ``where`` is ``file:line``."""
    for number, record in json_lines(path, error=DatasetFormatError):
        where = f"{path}:{number}"
        if not isinstance(record, dict):
            raise DatasetFormatError(f"{where}: expected a JSON object, got {record!r:.80}")
        yield where, record


def _field(record: Any, name: str, where: str) -> Any:
    if not isinstance(record, dict):
        raise DatasetFormatError(f"{where}: expected an object with {name!r}, got {record!r:.80}")
    if name not in record:
        raise DatasetFormatError(f"{where}: missing field {name!r}")
    return record[name]


def _text(record: Record, name: str, where: str) -> str:
    value = _field(record, name, where)
    if not isinstance(value, str) or not value.strip():
        raise DatasetFormatError(f"{where}: field {name!r}: expected text, got {value!r:.80}")
    return value.strip()


def _texts(value: Any, name: str, where: str) -> tuple[str, ...]:
    """A string or a list of strings, stripped, empty ones and repeats dropped."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DatasetFormatError(
            f"{where}: field {name!r}: expected a string or a list of strings, got {value!r:.80}"
        )
    return tuple(dict.fromkeys(v.strip() for v in value if v.strip()))


def _list(record: Any, name: str, where: str) -> list[Any]:
    value = _field(record, name, where)
    if not isinstance(value, list):
        raise DatasetFormatError(f"{where}: field {name!r}: expected a list, got {value!r:.80}")
    return value


def _id(record: Record, names: tuple[str, ...], default: str) -> str:
    for name in names:
        value = record.get(name)
        if isinstance(value, str | int) and str(value).strip():
            return str(value).strip()
    return default


def _line(where: str) -> int:
    return int(where.rsplit(":", 1)[1])


# -- one loader per layout ----------------------------------------------------------------


def _load_generic(path: Path) -> list[EvalItem]:
    items = []
    for where, record in _jsonl(path):
        name = "answers" if "answers" in record else "answer"
        long_answer = record.get("long_answer")
        if long_answer is not None and not isinstance(long_answer, str):
            raise DatasetFormatError(f"{where}: field 'long_answer': expected text")
        items.append(
            EvalItem(
                id=_id(record, ("id",), f"{path.stem}-{_line(where)}"),
                question=_text(record, "question", where),
                answers=_texts(_field(record, name, where), name, where),
                long_answer=long_answer or None,
                source=str(record.get("source") or path.stem),
            )
        )
    return items


def _load_nq(path: Path) -> list[EvalItem]:
    items = []
    for where, record in _jsonl(path):
        name = "answers" if "answers" in record else "answer"
        items.append(
            EvalItem(
                id=_id(record, ("id", "example_id"), f"nq_open_{_line(where) - 1:04d}"),
                question=_text(record, "question", where),
                answers=_texts(_field(record, name, where), name, where),
                source="nq_open",
            )
        )
    return items


def _trivia_item(
    record: Record, where: str, keys: tuple[str, str, str, str], default_id: str
) -> EvalItem:
    question_key, id_key, answer_key, value_key = keys
    answer = _field(record, answer_key, where)
    if not isinstance(answer, dict):
        raise DatasetFormatError(f"{where}: field {answer_key!r}: expected an object")
    aliases = "Aliases" if value_key == "Value" else "aliases"
    normalized = "NormalizedAliases" if value_key == "Value" else "normalized_aliases"
    golds = [_text(answer, value_key, f"{where}: {answer_key}")]
    for name in (aliases, normalized):
        golds += _texts(answer.get(name, []), f"{answer_key}.{name}", where)
    return EvalItem(
        id=_id(record, (id_key,), default_id),
        question=_text(record, question_key, where),
        answers=tuple(dict.fromkeys(golds)),
        source="triviaqa",
    )


def _load_triviaqa(path: Path) -> list[EvalItem]:
    if path.suffix.lower() != ".json":
        keys = ("question", "question_id", "answer", "value")
        return [
            _trivia_item(record, where, keys, f"triviaqa-{_line(where)}")
            for where, record in _jsonl(path)
        ]
    data = _list(_read_json(path), "Data", str(path))
    keys = ("Question", "QuestionId", "Answer", "Value")
    return [
        _trivia_item(record, f"{path}: Data[{n}]", keys, f"triviaqa-{n}")
        for n, record in enumerate(data)
    ]


def _load_squad(path: Path) -> list[EvalItem]:
    items = []
    for a, article in enumerate(_list(_read_json(path), "data", str(path))):
        for p, paragraph in enumerate(_list(article, "paragraphs", f"{path}: data[{a}]")):
            qas = _list(paragraph, "qas", f"{path}: data[{a}].paragraphs[{p}]")
            for q, qa in enumerate(qas):
                where = f"{path}: data[{a}].paragraphs[{p}].qas[{q}]"
                answers = _field(qa, "answers", where)
                if not isinstance(answers, list) or not all(isinstance(a, dict) for a in answers):
                    raise DatasetFormatError(f"{where}: field 'answers': expected objects")
                texts = [_text(answer, "text", f"{where}.answers") for answer in answers]
                items.append(
                    EvalItem(
                        id=_text(qa, "id", where),
                        question=_text(qa, "question", where),
                        answers=tuple(dict.fromkeys(texts)),
                        source="squad",
                    )
                )
    return items


def _load_truthfulqa(path: Path) -> list[EvalItem]:
    if path.suffix.lower() != ".csv":
        return [
            EvalItem(
                id=_id(record, ("id",), f"truthfulqa_{_line(where) - 1:03d}"),
                question=_text(record, "question", where),
                answers=_texts(_field(record, "correct_answers", where), "correct_answers", where)
                if "correct_answers" in record
                else _texts(_field(record, "answers", where), "answers", where),
                long_answer=_text(record, "best_answer", where),
                source="truthfulqa",
            )
            for where, record in _jsonl(path)
        ]
    items = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        for number, row in enumerate(reader):
            where = f"{path}:{reader.line_num}"
            correct = _text(row, "Correct Answers", where).split(";")
            items.append(
                EvalItem(
                    id=f"truthfulqa_{number:03d}",
                    question=_text(row, "Question", where),
                    answers=_texts(correct, "Correct Answers", where),
                    long_answer=_text(row, "Best Answer", where),
                    source="truthfulqa",
                )
            )
    return items


def _load_eli5(path: Path) -> list[EvalItem]:
    items = []
    for where, record in _jsonl(path):
        answers = _field(record, "answers", where)
        if not isinstance(answers, dict):
            raise DatasetFormatError(f"{where}: field 'answers': expected {{text, score}}")
        texts = _list(answers, "text", f"{where}: answers")
        scores = answers.get("score", [0] * len(texts))
        if not texts or not all(isinstance(t, str) and t.strip() for t in texts):
            raise DatasetFormatError(f"{where}: field 'answers.text': expected non-empty texts")
        if not isinstance(scores, list) or len(scores) != len(texts):
            raise DatasetFormatError(
                f"{where}: field 'answers.score': expected one score per answer text"
            )
        best = max(range(len(texts)), key=lambda n: scores[n])  # the first of equal scores
        name = "question" if "question" in record else "title"
        items.append(
            EvalItem(
                id=_id(record, ("q_id", "id"), f"eli5-{_line(where)}"),
                question=_text(record, name, where),
                long_answer=texts[best].strip(),
                source="eli5",
            )
        )
    return items


_LOADERS: dict[Format, Callable[[Path], list[EvalItem]]] = {
    "jsonl": _load_generic,
    "nq": _load_nq,
    "triviaqa": _load_triviaqa,
    "squad": _load_squad,
    "truthfulqa": _load_truthfulqa,
    "eli5": _load_eli5,
}
