"""Write a report: ``report.json`` and the offline ``report.html`` beside it.

    write_report({"best-of-1": load_run(Path("out/b1")), "best-of-4": load_run(Path("out/b4"))},
                 Path("out/best-of"))
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

from browser.records import write_atomic
from training.evaluation.html import render_report
from training.evaluation.report import REPORT_HTML, REPORT_JSON, Report, best_of_curve
from training.evaluation.scoring import RunResult


def write_report(runs: Mapping[str, RunResult], out_dir: Path) -> Report:
    """Write ``report.json`` and ``report.html`` for ``runs`` (keys are the labels shown)."""
    if not runs:
        raise ValueError("write_report needs at least one run")
    labelled = {
        label: run if run.label == label else run.model_copy(update={"label": label})
        for label, run in runs.items()
    }
    report = Report(
        generated_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        runs=labelled,
        best_of=best_of_curve(labelled),
    )
    write_atomic(out_dir / REPORT_JSON, report.model_dump_json(indent=1) + "\n")
    write_atomic(out_dir / REPORT_HTML, render_report(report))
    return report
