"""Two runs side by side on the questions they share, with paired significance tests.

    result = compare_dirs(Path("out/teacher"), Path("out/bc"), out_dir=Path("out/compare"))
    Console().print(compare_table(result))

Contains-gold and F1 get a paired bootstrap (questions resampled together); contains-gold
also gets the exact McNemar test on the questions only one run got right.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from pydantic import Field
from rich.table import Table

from browser.models import Value
from browser.records import write_atomic
from training.evaluation.errors import RunDirError
from training.evaluation.html import page, percent, table
from training.evaluation.report import load_run
from training.evaluation.scoring import QuestionScore, RunResult
from training.evaluation.stats import RESAMPLES, PairedTest, mcnemar_exact, paired_bootstrap

COMPARE_JSON = "compare.json"
COMPARE_HTML = "compare.html"


class PairedQuestion(Value):
    """One shared question: each run's answer and scores."""

    id: str
    question: str
    answer_a: str | None
    answer_b: str | None
    contains_a: bool
    contains_b: bool
    f1_a: float
    f1_b: float


class CompareResult(Value):
    """Run A against run B on their shared questions that have short golds."""

    label_a: str
    label_b: str
    shared: int = Field(description="questions both runs answered, with short golds")
    only_a: int = Field(description="questions only run A has")
    only_b: int = Field(description="questions only run B has")
    contains_a: float
    contains_b: float
    f1_a: float
    f1_b: float
    contains: PairedTest = Field(description="paired bootstrap of contains-gold, A - B")
    f1: PairedTest = Field(description="paired bootstrap of F1, A - B")
    a_only_right: int = Field(description="contains-gold in A but not in B")
    b_only_right: int = Field(description="contains-gold in B but not in A")
    mcnemar_p: float = Field(description="exact McNemar p-value on contains-gold")
    questions: tuple[PairedQuestion, ...]


def compare_runs(a: RunResult, b: RunResult) -> CompareResult:
    """Compare two scored runs.

    Raises:
        RunDirError: the runs share no question with short golds.
    """
    scored_a = {q.id: q for q in a.questions if q.contains is not None}
    scored_b = {q.id: q for q in b.questions if q.contains is not None}
    shared = [i for i in scored_a if i in scored_b]
    if not shared:
        raise RunDirError(f"runs {a.label!r} and {b.label!r} share no question with golds")
    pairs = [_pair(scored_a[i], scored_b[i]) for i in shared]
    contains_a = [float(p.contains_a) for p in pairs]
    contains_b = [float(p.contains_b) for p in pairs]
    f1_a, f1_b = [p.f1_a for p in pairs], [p.f1_b for p in pairs]
    a_only = sum(p.contains_a and not p.contains_b for p in pairs)
    b_only = sum(p.contains_b and not p.contains_a for p in pairs)
    return CompareResult(
        label_a=a.label, label_b=b.label, shared=len(pairs),
        only_a=len(scored_a.keys() - scored_b.keys()),
        only_b=len(scored_b.keys() - scored_a.keys()),
        contains_a=sum(contains_a) / len(pairs), contains_b=sum(contains_b) / len(pairs),
        f1_a=sum(f1_a) / len(pairs), f1_b=sum(f1_b) / len(pairs),
        contains=paired_bootstrap(contains_a, contains_b), f1=paired_bootstrap(f1_a, f1_b),
        a_only_right=a_only, b_only_right=b_only, mcnemar_p=mcnemar_exact(a_only, b_only),
        questions=tuple(pairs),
    )  # fmt: skip


def _pair(a: QuestionScore, b: QuestionScore) -> PairedQuestion:
    return PairedQuestion(
        id=a.id, question=a.question, answer_a=a.answer, answer_b=b.answer,
        contains_a=bool(a.contains), contains_b=bool(b.contains),
        f1_a=a.f1 or 0.0, f1_b=b.f1 or 0.0,
    )  # fmt: skip


def compare_dirs(dir_a: Path, dir_b: Path, *, out_dir: Path) -> CompareResult:
    """Compare the runs whose reports are in ``dir_a`` and ``dir_b``; write
    ``compare.json`` and ``compare.html`` into ``out_dir``."""
    a, b = load_run(dir_a), load_run(dir_b)
    if a.label == b.label:  # two folders of the same name: tell them apart by path
        a = a.model_copy(update={"label": str(dir_a)})
        b = b.model_copy(update={"label": str(dir_b)})
    result = compare_runs(a, b)
    write_atomic(out_dir / COMPARE_JSON, result.model_dump_json(indent=1) + "\n")
    write_atomic(out_dir / COMPARE_HTML, render_compare(result))
    return result


_HEADERS = ("metric", "A", "B", "A - B [95% CI]", "p (paired bootstrap)", "p (McNemar)")


def _rows(result: CompareResult) -> list[tuple[str, str, str, str, str, str]]:
    """One row per metric, columns as :data:`_HEADERS`, for the printed and HTML tables."""
    c, f = result.contains, result.f1
    return [
        ("contains gold", f"{result.contains_a:.1%}", f"{result.contains_b:.1%}",
         f"{c.difference.mean:+.1%} [{c.difference.low:+.1%}, {c.difference.high:+.1%}]",
         _p(c.p_value), f"{result.mcnemar_p:.3g}"),
        ("token F1", f"{result.f1_a:.1%}", f"{result.f1_b:.1%}",
         f"{f.difference.mean:+.1%} [{f.difference.low:+.1%}, {f.difference.high:+.1%}]",
         _p(f.p_value), ""),
        ("right only in this run", str(result.a_only_right), str(result.b_only_right), "", "", ""),
    ]  # fmt: skip


def _p(value: float) -> str:
    """A bootstrap p-value; 0 means no resample was as extreme, i.e. below 1/resamples."""
    return f"< {1 / RESAMPLES:g}" if value == 0 else f"{value:.3g}"


def compare_table(result: CompareResult) -> Table:
    """The comparison as a rich table, for the command line."""
    grid = Table(title=f"{result.label_a} (A) vs {result.label_b} (B), {result.shared} questions")
    for name in _HEADERS:
        grid.add_column(name, justify="left" if name == "metric" else "right")
    for row in _rows(result):
        grid.add_row(*row)
    return grid


def render_compare(result: CompareResult) -> str:
    """The comparison page: the paired table, then the questions the runs disagree on."""
    headers = ["metric", f"A: {result.label_a}", f"B: {result.label_b}", *_HEADERS[3:]]
    disagree = [q for q in result.questions if q.contains_a != q.contains_b]
    rows = [
        [escape(q.id), escape(q.question),
         "yes" if q.contains_a else "no", escape(q.answer_a or ""),
         "yes" if q.contains_b else "no", escape(q.answer_b or ""), percent(q.f1_a - q.f1_b)]
        for q in disagree
    ]  # fmt: skip
    body = [
        f"<h1>{escape(result.label_a)} vs {escape(result.label_b)}</h1>",
        f'<p class="meta">{result.shared} shared questions with golds; {result.only_a} only in A, '
        f"{result.only_b} only in B. Paired bootstrap (10,000 resamples) and exact McNemar.</p>",
        table(headers, [[escape(cell) for cell in row] for row in _rows(result)]),
        f"<h2>Questions where exactly one run contains the gold ({len(disagree)})</h2>",
        table(["id", "question", "A", "A answer", "B", "B answer", "F1 A - B"], rows,
              numeric_from=6) if rows else '<p class="note">None: the runs agree everywhere.</p>',
    ]  # fmt: skip
    return page("Run comparison", "\n".join(body))
