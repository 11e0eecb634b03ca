"""An evaluation process killed with SIGKILL mid-run resumes without redoing finished work."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from eval_helpers import tiny_items

from browser.corpus import CorpusBackend
from training.evaluation.report import load_run
from training.evaluation.store import EPISODES_FILE, read_rows

DRIVER = Path(__file__).with_name("eval_kill_driver.py")
ROOT = Path(__file__).resolve().parents[3]


def _driver(corpus: Path, dataset: Path, out: Path, delay: float) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    command = [sys.executable, str(DRIVER), str(corpus), str(dataset), str(out), str(delay)]
    out.parent.mkdir(parents=True, exist_ok=True)
    with (out.parent / "stderr.log").open("ab") as log:  # a pipe nobody reads could fill up
        return subprocess.Popen(command, env=env, cwd=ROOT, stderr=log)


def _rows_written(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.is_file() else 0


def test_sigkill_then_rerun_finishes_without_recomputing(
    tiny_corpus: CorpusBackend, tmp_path: Path
) -> None:
    dataset = tmp_path / "questions.jsonl"
    items = tiny_items(copies=3)  # 18 questions
    dataset.write_text("".join(item.model_dump_json() + "\n" for item in items))
    out = tmp_path / "killed" / "run"
    episodes = out / EPISODES_FILE
    process = _driver(tiny_corpus.path, dataset, out, delay=0.03)
    deadline = time.monotonic() + 60
    while _rows_written(episodes) < 4 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    before = read_rows(episodes)
    assert 4 <= len(before) < len(items)

    rerun = _driver(tiny_corpus.path, dataset, out, delay=0.0)
    assert rerun.wait(timeout=120) == 0, (out.parent / "stderr.log").read_text()
    after = read_rows(episodes)
    assert after[: len(before)] == before  # finished rows untouched, timestamps included
    assert sorted(r.id for r in after) == sorted(i.id for i in items)
    starts = Counter((out.parent / "starts.log").read_text().splitlines())
    assert all(starts[row.question] == 1 for row in before)  # never recomputed

    clean = tmp_path / "clean" / "run"
    assert _driver(tiny_corpus.path, dataset, clean, delay=0.0).wait(timeout=120) == 0
    resumed, fresh = load_run(out), load_run(clean)
    timing = {"mean_seconds", "median_seconds"}
    assert resumed.summary.model_dump(exclude=timing) == fresh.summary.model_dump(exclude=timing)
    assert [q.model_dump(exclude={"seconds"}) for q in resumed.questions] == [
        q.model_dump(exclude={"seconds"}) for q in fresh.questions
    ]
    assert json.loads((out / "report.json").read_text())["runs"]["kill-test"]["summary"]
