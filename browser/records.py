"""Record files: JSON lines read with ``file:line: field: problem`` errors, appended
durably, or written whole and atomically. Every data file of the project goes through here.

    episodes = read_records(path, Episode, error=EpisodeFormatError)
    append_records(path, [episode])            # one write, flushed and synced
    write_atomic(path, text)                   # a temporary file renamed into place
    done = DoneSet(path.with_name(path.name + ".rejected"))   # resumable runs

A record that fails reads as one line naming the file, the line and the first bad field;
nothing is ever half-written: appends are whole lines synced before returning, and whole
files are renamed into place only once complete.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from browser.errors import RecordFormatError

_M = TypeVar("_M", bound=BaseModel)
MAX_LINE_CHARS = 256 * 1024 * 1024
"""The longest record line read (a 100 MB page builds; an endless line does not)."""


def problem(exc: ValidationError) -> str:
    """The first problem of a validation error as ``field 'a.b': message``."""
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "(record)"
    return f"field {field!r}: {first['msg']}"


def json_lines(
    path: Path, *, error: type[Exception] = RecordFormatError
) -> Iterator[tuple[int, Any]]:
    """``(line number, parsed object)`` for every non-blank line of a JSONL file.

    Raises:
        error: a line is not JSON (``file:line: not valid JSON (…)``), or the file is
            missing or unreadable (``file: …``).
    """
    if path.exists() and not path.is_file():
        raise error(f"{path}: not a regular file")
    try:
        handle = path.open(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except OSError as exc:
        raise error(f"{path}: cannot read ({exc.strerror})") from None
    with handle:
        number = 0
        try:
            while line := handle.readline(MAX_LINE_CHARS + 1):
                number += 1
                if len(line) > MAX_LINE_CHARS:
                    raise error(f"{path}:{number}: longer than {MAX_LINE_CHARS} characters")
                if line.strip():
                    yield number, parse_json(line, f"{path}:{number}", error=error)
        except UnicodeDecodeError as exc:
            raise error(f"{path}:{number + 1}: not UTF-8 text ({exc.reason})") from None


def parse_json(
    text: str | bytes,
    where: str,
    *,
    error: type[Exception] = RecordFormatError,
    document: bool = False,
) -> Any:
    """One JSON value; ``where`` (``file:line``, or the file of a whole ``document``, where
    the line of the problem is added) starts the error message."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"{where}:{exc.lineno}" if document else where
        raise error(f"{where}: not valid JSON ({exc.msg})") from None
    except (UnicodeDecodeError, RecursionError, ValueError) as exc:
        raise error(f"{where}: not valid JSON ({exc.__class__.__name__})") from None


def validate(
    model: type[_M], record: Any, where: str, *, error: type[Exception] = RecordFormatError
) -> _M:
    """``record`` as a ``model``; a bad one raises ``error`` naming ``where`` and the field."""
    try:
        return model.model_validate(record)
    except ValidationError as exc:
        raise error(f"{where}: {problem(exc)}") from None


def read_records(
    path: Path, model: type[_M], *, error: type[Exception] = RecordFormatError
) -> list[_M]:
    """Every record of a JSONL file, validated as ``model``.

    Raises:
        error: naming the file, line and field of the first bad record.
    """
    return [
        validate(model, record, f"{path}:{number}", error=error)
        for number, record in json_lines(path, error=error)
    ]


def append_records(path: Path, records: Iterable[BaseModel]) -> int:
    """Append records as JSON lines in one write, flushed and synced; returns the count."""
    text = "".join(record.model_dump_json() + "\n" for record in records)
    if text:
        append_text(path, text)
    return text.count("\n")


def append_text(path: Path, text: str) -> None:
    """Append ``text`` (whole lines) and sync it to disk before returning."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def partial_path(path: Path) -> Path:
    """Where a whole-file write of ``path`` is staged before it is renamed into place."""
    return path.with_name(f".{path.name}.{os.getpid()}.partial")


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, sync it, and rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = partial_path(path)
    try:
        with partial.open("w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def write_records(path: Path, records: Iterable[BaseModel]) -> int:
    """Write the file ``path`` as exactly these records, atomically; returns the count."""
    lines = [record.model_dump_json() + "\n" for record in records]
    write_atomic(path, "".join(lines))
    return len(lines)


class DoneSet:
    """Keys a resumable run has finished, kept in a sidecar file one JSON string a line.

    ``add`` appends and syncs at once, so a run killed at any moment redoes at most the
    key it was working on.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._keys = {str(key) for _, key in json_lines(path)} if path.is_file() else set()

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, key: str) -> None:
        if key not in self._keys:
            append_text(self.path, json.dumps(key, ensure_ascii=False) + "\n")
            self._keys.add(key)
