"""Evaluate a browsing policy against gold and human-written answers.

    items = load_dataset(Path("../shared/data/nq_open_corpus_dev.jsonl"))
    result = run_eval(items, TeacherPolicy, lambda: BrowserEnv(backend), Path("out/eval"))
    compare_dirs(Path("out/a"), Path("out/b"), out_dir=Path("out/a-vs-b"))

Modules: ``datasets`` (loaders), ``metrics`` (EM, F1, ROUGE-L), ``citations``, ``stats``
(bootstrap, McNemar), ``store`` (the resumable ``episodes.jsonl``), ``runner``, ``scoring``,
``preference`` (agent vs human), ``report`` + ``html`` + ``plots``, ``compare``.
"""

from training.evaluation.compare import CompareResult, compare_dirs, compare_runs, compare_table
from training.evaluation.datasets import FORMATS, EvalItem, Format, detect_format, load_dataset
from training.evaluation.report import Report, load_report, load_run
from training.evaluation.runner import run_eval
from training.evaluation.scoring import QuestionScore, RunResult, Summary
from training.evaluation.writer import write_report

__all__ = [
    "FORMATS",
    "CompareResult",
    "EvalItem",
    "Format",
    "QuestionScore",
    "Report",
    "RunResult",
    "Summary",
    "compare_dirs",
    "compare_runs",
    "compare_table",
    "detect_format",
    "load_dataset",
    "load_report",
    "load_run",
    "run_eval",
    "write_report",
]
