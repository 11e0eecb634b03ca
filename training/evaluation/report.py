"""The report of one or several scored runs: ``report.json`` and ``report.html``.

    write_report({"best-of-1": load_run(Path("out/b1")), "best-of-4": load_run(Path("out/b4"))},
                 Path("out/best-of"))

Runs labelled ``best-of-N`` also give a best-of-n curve (headline rates against N).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from pathlib import Path

from pydantic import ValidationError

from browser.models import Value
from training.evaluation.errors import RunDirError
from training.evaluation.files import write_atomic
from training.evaluation.scoring import RunResult

REPORT_JSON = "report.json"
REPORT_HTML = "report.html"
_BEST_OF_RE = re.compile(r"best-of-(\d+)$")


class CurvePoint(Value):
    """Headline rates of the run labelled ``best-of-{n}``."""

    n: int
    label: str
    contains: float | None
    f1: float | None
    exact_match: float | None
    agent_better: float | None


class Report(Value):
    """Everything ``report.json`` holds."""

    generated_at: str
    runs: dict[str, RunResult]
    best_of: tuple[CurvePoint, ...] = ()


def best_of_curve(runs: Mapping[str, RunResult]) -> tuple[CurvePoint, ...]:
    """One point per run labelled ``best-of-N``, by increasing N."""
    points = []
    for label, run in runs.items():
        match = _BEST_OF_RE.search(label)
        if match is None:
            continue
        summary = run.summary
        points.append(
            CurvePoint(
                n=int(match.group(1)),
                label=label,
                contains=summary.contains.mean if summary.contains else None,
                f1=summary.f1.mean if summary.f1 else None,
                exact_match=summary.exact_match,
                agent_better=summary.preference.agent_better.mean if summary.preference else None,
            )
        )
    return tuple(sorted(points, key=lambda point: point.n))


def write_report(runs: Mapping[str, RunResult], out_dir: Path) -> Report:
    """Write ``report.json`` and ``report.html`` for ``runs`` (keys are the labels shown)."""
    from training.evaluation.html import render_report  # matplotlib loads only when needed

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


def load_report(out_dir: Path) -> Report:
    """The report in ``out_dir`` (a folder, or the ``report.json`` file itself).

    Raises:
        RunDirError: there is no report, or it is not a valid one (names the field).
    """
    path = out_dir if out_dir.suffix == ".json" else out_dir / REPORT_JSON
    if not path.is_file():
        raise RunDirError(f"{path}: no report; run the evaluation into {path.parent} first")
    try:
        return Report.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except json.JSONDecodeError as exc:
        raise RunDirError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise RunDirError(f"{path}: field {field!r}: {first['msg']}") from None


def load_run(out_dir: Path, label: str | None = None) -> RunResult:
    """The run of a report: the only one, or the one labelled ``label``."""
    report = load_report(out_dir)
    if label is not None:
        if label not in report.runs:
            raise RunDirError(f"{out_dir}: no run {label!r}; it has {sorted(report.runs)}")
        return report.runs[label]
    if len(report.runs) != 1:
        raise RunDirError(f"{out_dir}: {len(report.runs)} runs; name one of {sorted(report.runs)}")
    return next(iter(report.runs.values()))
