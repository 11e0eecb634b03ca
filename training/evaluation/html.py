"""Self-contained HTML pages: inline CSS, charts as embedded PNGs, no script, no network."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from training.evaluation import plots
from training.evaluation.report import Report
from training.evaluation.scoring import QuestionScore, RunResult, Summary
from training.evaluation.stats import Interval

_CSS = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d1d1f;
       max-width: 1280px; margin: 2em auto; padding: 0 1.2em; }
h1 { font-size: 1.6em; margin-bottom: .2em; }
h2 { margin-top: 1.8em; border-bottom: 1px solid #ddd; }
.meta { color: #666; }
table { border-collapse: collapse; margin: .6em 0; }
th, td { border: 1px solid #d6d6d6; padding: .3em .6em; vertical-align: top; text-align: left; }
th { background: #f2f4f7; } tr:nth-child(even) td { background: #fafbfc; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.small { font-size: .88em; } .wide { display: block; min-width: 20em; }
.medium { display: block; min-width: 10em; } .scroll { overflow-x: auto; }
.good { color: #1a7f37; } .bad { color: #b42318; }
.charts img { max-width: 100%; border: 1px solid #e4e4e4; margin: .4em 0; }
details summary { cursor: pointer; font-weight: 600; margin: .6em 0; }
.note { color: #666; font-style: italic; }
"""
_RATES = frozenset(
    {"exact_match", "retrieval", "rouge_l", "abstention", "truncated", "cited_sentences",
     "supported_citations", "mean_support", "quotes_on_page", "not_in_quotes"}
)  # fmt: skip


def page(title: str, body: str) -> str:
    """A whole HTML document around ``body``."""
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head>\n<body>\n{body}\n</body></html>\n"
    )


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, numeric_from: int = 1) -> str:
    """A table of already-escaped cells; columns from ``numeric_from`` are right-aligned."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{cell}</td>' if i >= numeric_from else f"<td>{cell}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>\n"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}</tbody></table>"


def image(png: str, alt: str) -> str:
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{png}">'


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def interval(value: Interval | None) -> str:
    if value is None:
        return "—"
    return f"{value.mean:.1%} <small>[{value.low:.1%}, {value.high:.1%}]</small>"


def _summary_cell(summary: Summary, name: str) -> str:
    value = getattr(summary, name)
    if name == "preference":
        if value is None:
            return "— <small>(no scorer)</small>"
        return f"{interval(value.agent_better)} <small>n={value.agent_better.n}</small>"
    if isinstance(value, Interval):
        return interval(value)
    if name in _RATES:
        return percent(value)
    if isinstance(value, float):
        return f"{value:.3g}"
    return escape(str(value))


def summary_table(runs: dict[str, RunResult]) -> str:
    names = [name for name in Summary.model_fields if name != "by_source"]
    rows = [
        [escape(Summary.model_fields[name].description or name)]
        + [_summary_cell(run.summary, name) for run in runs.values()]
        for name in names
    ]
    return table(["metric", *runs], rows)


def _source_table(runs: dict[str, RunResult]) -> str:
    rows = []
    for label, run in runs.items():
        for source, s in run.summary.by_source.items():
            rows.append([escape(label), escape(source), str(s.questions), percent(s.contains),
                         percent(s.exact_match), percent(s.f1)])  # fmt: skip
    return table(["run", "source", "questions", "contains gold", "EM", "F1"], rows, numeric_from=2)


def _failures(runs: dict[str, RunResult]) -> str:
    rows = [
        [escape(label), escape(q.id), escape(q.question), f"<code>{escape(q.error or '')}</code>"]
        for label, run in runs.items()
        for q in run.questions
        if q.failed
    ]
    if not rows:
        return '<p class="good">No question failed.</p>'
    return table(["run", "id", "question", "error"], rows, numeric_from=99)


def _question_row(q: QuestionScore) -> list[str]:
    mark = {True: '<span class="good">yes</span>', False: '<span class="bad">no</span>', None: "—"}
    answer = escape(q.answer if q.answer is not None else q.error or "(no answer)")
    return [
        escape(q.id), f'<span class="medium">{escape(q.question)}</span>',
        f'<span class="small">{escape("; ".join(q.golds[:4]))}</span>',
        f'<span class="small wide">{answer}</span>', percent(q.exact_match), percent(q.f1),
        mark[q.contains], mark[q.retrieved], f"{q.cited_sentences}/{q.sentences}",
        f"{q.quotes_on_page}/{q.quotes}", str(q.steps), f"{q.seconds:.2f}",
    ]  # fmt: skip


def _questions(run: RunResult) -> str:
    headers = ["id", "question", "golds", "answer", "EM", "F1", "contains", "quote has gold",
               "cited sent.", "quotes on page", "steps", "s"]  # fmt: skip
    rows = [_question_row(q) for q in run.questions]
    return (
        f"<details><summary>{escape(run.label)}: all {len(rows)} questions</summary>"
        f'<div class="scroll">{table(headers, rows, numeric_from=4)}</div></details>'
    )


def render_report(report: Report) -> str:
    """The report page: summary, charts, failures, then every question."""
    runs = report.runs
    policies = sorted({p for run in runs.values() for p in run.policies})
    charts = [
        image(plots.f1_histogram(runs), "F1 histogram"),
        image(plots.contains_by_source(runs), "contains gold by source"),
        image(plots.citation_quality(runs), "citation quality"),
    ]
    if len(report.best_of) > 1:
        points = [(p.n, {"contains gold": p.contains, "F1": p.f1, "EM": p.exact_match,
                         "P(agent > human)": p.agent_better}) for p in report.best_of]  # fmt: skip
        charts.insert(0, image(plots.best_of_curve(points), "best-of-n curve"))
    body = [
        "<h1>Evaluation report</h1>",
        f'<p class="meta">Generated {escape(report.generated_at)} · runs: '
        f"{escape(', '.join(runs))} · policies: {escape(', '.join(policies) or '—')}</p>",
        "<h2>Summary</h2>",
        summary_table(runs),
        '<p class="note">Rates count every question (a failure or abstention is wrong); '
        "brackets hold 95% bootstrap intervals. Citation rates are pooled over sentences, "
        "citations and quotes.</p>",
        "<h2>By dataset source</h2>",
        _source_table(runs),
        '<h2>Charts</h2><div class="charts">',
        *charts,
        "</div><h2>Failures</h2>",
        _failures(runs),
        "<h2>Questions</h2>",
        *(_questions(run) for run in runs.values()),
    ]
    return page("Evaluation report", "\n".join(body))
