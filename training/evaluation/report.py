"""The report of one or several scored runs, as ``report.json`` holds it, and its loaders.

Runs labelled ``best-of-N`` also give a best-of-n curve (headline rates against N).
:mod:`training.evaluation.writer` writes reports; :mod:`training.evaluation.html` renders them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from browser.models import Value
from browser.records import parse_json, validate
from training.evaluation.errors import RunDirError
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


def load_report(out_dir: Path) -> Report:
    """The report in ``out_dir`` (a folder, or the ``report.json`` file itself).

    Raises:
        RunDirError: there is no report, or it is not a valid one (names the field).
    """
    path = out_dir if out_dir.suffix == ".json" else out_dir / REPORT_JSON
    if not path.is_file():
        raise RunDirError(f"{path}: no report; run the evaluation into {path.parent} first")
    text = path.read_text(encoding="utf-8")
    record = parse_json(text, str(path), error=RunDirError, document=True)
    return validate(Report, record, str(path), error=RunDirError)


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
