"""Record files: one error format, durable appends, atomic whole files, resumable sets."""

from __future__ import annotations

from pathlib import Path

import pytest

from browser.errors import RecordFormatError
from browser.models import Quote
from browser.records import (
    DoneSet,
    append_records,
    read_records,
    write_atomic,
    write_records,
)

QUOTE = Quote(title="T", url="u", text="dots")


def test_append_then_read_round_trips_and_bad_lines_name_file_line_and_field(
    tmp_path: Path,
) -> None:
    path = tmp_path / "quotes.jsonl"
    assert append_records(path, [QUOTE, QUOTE]) == 2 and append_records(path, []) == 0
    assert read_records(path, Quote) == [QUOTE, QUOTE]
    with path.open("a") as handle:
        handle.write("\n{not json\n")
    with pytest.raises(RecordFormatError, match=r"quotes\.jsonl:4: not valid JSON"):
        read_records(path, Quote)
    path.write_text('{"title": "T", "url": "u"}\n')
    with pytest.raises(RecordFormatError, match=r"quotes\.jsonl:1: field 'text': Field required"):
        read_records(path, Quote)
    with pytest.raises(RecordFormatError, match="no such file"):
        read_records(tmp_path / "missing.jsonl", Quote)
    nested = tmp_path / "nested.jsonl"
    nested.write_text("[" * 100_000 + "\n")
    with pytest.raises(RecordFormatError, match=r"nested\.jsonl:1: not valid JSON"):
        read_records(nested, Quote)


def test_whole_files_are_replaced_atomically(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    write_atomic(path, "old\n")
    assert write_records(path, [QUOTE]) == 1
    assert read_records(path, Quote) == [QUOTE]
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]  # no partial left behind


def test_a_done_set_survives_a_restart(tmp_path: Path) -> None:
    done = DoneSet(tmp_path / "done")
    done.add("q1")
    done.add("q1")
    done.add("q 2 “quoted”")
    again = DoneSet(tmp_path / "done")
    assert "q1" in again and "q 2 “quoted”" in again and "q3" not in again and len(again) == 2
