from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from eval_helpers import CountingTeacher, tiny_items

from browser.corpus import CorpusBackend
from browser.env import BrowserEnv
from training.evaluation.compare import compare_dirs, compare_runs, compare_table
from training.evaluation.errors import RunDirError
from training.evaluation.report import load_run
from training.evaluation.runner import run_eval
from training.evaluation.scoring import RunResult
from training.evaluation.writer import write_report


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.sources: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.sources += [value or "" for name, value in attrs if name in ("src", "href")]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(path: Path) -> _Collector:
    collector = _Collector()
    collector.feed(path.read_text(encoding="utf-8"))
    collector.close()
    return collector


@pytest.fixture(scope="module")
def run(tiny_corpus: CorpusBackend, tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    out = tmp_path_factory.mktemp("eval") / "teacher"
    return run_eval(tiny_items(), CountingTeacher(fail_on="with seurat").spawn,
                    lambda: BrowserEnv(tiny_corpus), out)  # fmt: skip


def test_report_json_holds_every_number(run: RunResult, tmp_path: Path) -> None:
    write_report({"teacher": run}, tmp_path)
    data = json.loads((tmp_path / "report.json").read_text())
    summary = data["runs"]["teacher"]["summary"]
    assert summary["contains"]["mean"] == pytest.approx(3 / 6)
    assert summary["failures"] == 1
    assert len(data["runs"]["teacher"]["questions"]) == 6
    assert load_run(tmp_path) == run.model_copy(update={"label": "teacher"})


def test_report_html_is_offline_and_shows_the_numbers(run: RunResult, tmp_path: Path) -> None:
    write_report({"teacher": run}, tmp_path)
    page = _parse(tmp_path / "report.html")
    text = " ".join(page.text)
    assert "answer contains a gold answer" in text and "50.0%" in text
    assert "RuntimeError: policy broke on" in text  # the failures table
    assert all(not s.startswith(("http:", "https:", "//")) for s in page.sources)
    assert "script" not in page.tags and "link" not in page.tags
    assert sum(s.startswith("data:image/png;base64,") for s in page.sources) == 3


def test_best_of_runs_add_a_curve(run: RunResult, tmp_path: Path) -> None:
    better = run.model_copy(update={"summary": run.summary.model_copy(update={"exact_match": 0.5})})
    report = write_report({"best-of-4": better, "best-of-1": run, "other": run}, tmp_path)
    assert [(p.n, p.exact_match) for p in report.best_of] == [(1, 0.0), (4, 0.5)]
    with pytest.raises(RunDirError, match="3 runs"):
        load_run(tmp_path)
    assert load_run(tmp_path, "best-of-4").summary.exact_match == 0.5
    page = _parse(tmp_path / "report.html")
    assert sum(s.startswith("data:image/png") for s in page.sources) == 4


def test_compare_two_runs(run: RunResult, tiny_corpus: CorpusBackend, tmp_path: Path) -> None:
    other = run_eval(tiny_items(), CountingTeacher().spawn, lambda: BrowserEnv(tiny_corpus),
                     tmp_path / "b")  # fmt: skip
    write_report({"a": run}, tmp_path / "a")
    result = compare_dirs(tmp_path / "a", tmp_path / "b", out_dir=tmp_path / "cmp")
    # the same teacher, except that run A failed on the Signac question, which B gets right
    assert (result.shared, result.a_only_right, result.b_only_right) == (6, 0, 1)
    assert result.mcnemar_p == 1.0
    assert result.contains.difference.mean == pytest.approx(-1 / 6)
    assert result.contains_a == pytest.approx(3 / 6) and result.contains_b == pytest.approx(4 / 6)
    saved = json.loads((tmp_path / "cmp" / "compare.json").read_text())
    assert saved["mcnemar_p"] == 1.0 and len(saved["questions"]) == 6
    page = _parse(tmp_path / "cmp" / "compare.html")
    assert "who developed pointillism with seurat" in " ".join(page.text)
    assert compare_table(result).row_count == 3
    assert compare_runs(other, other).contains.p_value == 1.0
    nothing = other.model_copy(update={"questions": ()})
    with pytest.raises(RunDirError, match="share no question"):
        compare_runs(other, nothing)
