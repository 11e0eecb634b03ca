"""The append-only record of an evaluation run: ``episodes.jsonl``, one row per question.

A row holds the question id and either the full :class:`~agent.episode.Episode` or the
error that stopped it. Rows are flushed and synced one by one, so a run killed at any
moment loses at most the row being written; :func:`read_rows` drops such a torn last line
(and cuts it off the file, so the next row starts on a line of its own).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from pydantic import Field, model_validator

from agent.episode import Episode
from browser.models import Value
from browser.records import append_records, parse_json, validate
from training.evaluation.errors import RunDirError

logger = logging.getLogger(__name__)

EPISODES_FILE = "episodes.jsonl"


class EvalRow(Value):
    """One finished question: its episode, or the error text of a failure."""

    id: str = Field(min_length=1)
    question: str
    episode: Episode | None = None
    error: str | None = Field(default=None, description="why the question failed")
    seconds: float = Field(ge=0, description="wall-clock time of the attempt")
    finished_at: str
    worker: int = Field(ge=0)

    @model_validator(mode="after")
    def _episode_or_error(self) -> EvalRow:
        if (self.episode is None) == (self.error is None):
            raise ValueError("a row holds exactly one of 'episode' and 'error'")
        return self


def read_rows(path: Path) -> list[EvalRow]:
    """The rows of ``path`` in file order ([] when it does not exist).

    A bad last line is the trace of a run killed mid-write: it is logged and cut off the
    file, and that question runs again. A bad line anywhere else is corruption.

    Raises:
        RunDirError: a line before the last is not a valid row (names file, line, field).
    """
    if not path.is_file():
        return []
    data = path.read_bytes()
    lines = data.split(b"\n")
    rows: list[EvalRow] = []
    kept = 0  # bytes of the file that hold whole, valid rows
    for number, line in enumerate(lines, 1):
        if not line.strip():
            kept += len(line) + 1
            continue
        is_last = all(not rest.strip() for rest in lines[number:])
        try:
            rows.append(_parse(line, path, number))
        except RunDirError:
            if not is_last:
                raise
            logger.warning("%s:%d: dropping a partly written row; it runs again", path, number)
            _truncate(path, kept)
            break
        kept += len(line) + 1
    return rows


def _parse(line: bytes, path: Path, number: int) -> EvalRow:
    where = f"{path}:{number}"
    return validate(EvalRow, parse_json(line, where, error=RunDirError), where, error=RunDirError)


def _truncate(path: Path, size: int) -> None:
    with path.open("r+b") as handle:
        handle.truncate(min(size, handle.seek(0, os.SEEK_END)))
        handle.flush()
        os.fsync(handle.fileno())


def append_row(path: Path, row: EvalRow) -> None:
    """Append one row to ``episodes.jsonl``, flushed and synced before returning."""
    append_records(path, [row])
