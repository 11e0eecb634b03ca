"""Run a policy on every question of a dataset, resumably, then score and report.

    backend = CorpusBackend.open_default()
    result = run_eval(
        load_dataset(Path("../shared/data/nq_open_corpus_dev.jsonl")),
        make_policy=TeacherPolicy,
        make_browser=lambda: BrowserEnv(backend),
        out_dir=Path("out/eval-teacher"),
    )

Questions run on ``workers`` threads, each with its own policy and browser (policies keep
state within an episode). Each finished question is appended to ``OUT/episodes.jsonl`` at
once; a rerun with the same ``out_dir`` skips the ids already there, so an interrupted run
resumes without recomputing anything. An exception raised for one question (policy or
browser) is recorded as a failure row with its error text and the run goes on.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path

from agent.episode import Episode
from agent.loop import run_episode
from agent.policy import Policy
from agent.reward import AnswerScorer
from browser.env import BrowserEnv
from training.evaluation.citations import PageCache, SupportScorer, lexical_support
from training.evaluation.datasets import EvalItem
from training.evaluation.errors import RunDirError
from training.evaluation.preference import COMPARISONS_FILE, write_comparisons
from training.evaluation.scoring import RunResult, score_run
from training.evaluation.store import EPISODES_FILE, EvalRow, append_row, read_rows
from training.evaluation.writer import write_report

logger = logging.getLogger(__name__)

EpisodeRunner = Callable[[str, Policy, BrowserEnv], Episode]
"""``(question, policy, browser) -> Episode``: one attempt at a question (best-of-n hooks
in here)."""
ProgressHook = Callable[[int, int], None]
"""Called with ``(finished, total)`` at the start and after every question."""


def run_eval(
    dataset: Sequence[EvalItem],
    make_policy: Callable[[], Policy],
    make_browser: Callable[[], BrowserEnv],
    out_dir: Path,
    *,
    workers: int = 2,
    limit: int | None = None,
    best_of: EpisodeRunner | None = None,
    progress: ProgressHook | None = None,
    support: SupportScorer = lexical_support,
    prefer: AnswerScorer | None = None,
    retry_failures: bool = False,
    label: str | None = None,
    seed: int = 0,
) -> RunResult:
    """Evaluate, resuming from ``out_dir``, and write its report there.

    Args:
        dataset: the questions (ids unique).
        make_policy: a fresh policy; called once per worker.
        make_browser: a fresh browser; called once per worker and once for scoring.
        out_dir: where ``episodes.jsonl``, ``report.json``, ``report.html`` and
            ``comparisons_for_labelling.jsonl`` go; a previous run there is resumed.
        workers: threads; each owns one policy and one browser.
        limit: evaluate only the first ``limit`` questions.
        best_of: how one question is attempted; default :func:`agent.loop.run_episode`.
        progress: told ``(finished, total)`` as questions finish.
        support: ``(quote, sentence) -> [0, 1]`` for citation support.
        prefer: a preference scorer; when given, P(agent > human) is reported.
        retry_failures: run again the questions whose earlier attempt failed.
        label: the run's name in reports (default: the folder's name).
        seed: the run's seed; each question's episode is seeded from it and the question
            alone (:func:`agent.seeds.derive_seed`), so any worker count gives the same run.

    Raises:
        RunDirError: ``out_dir`` holds rows of a different dataset, or a corrupt row.
        ValueError: ``workers`` or ``limit`` is below 1, or two questions share an id.
    """
    if workers < 1 or (limit is not None and limit < 1):
        raise ValueError(f"workers {workers!r} and limit {limit!r} must be at least 1")
    items = list(dataset[:limit] if limit is not None else dataset)
    if len({item.id for item in items}) != len(items):
        raise ValueError("two questions of the dataset share an id")
    path = out_dir / EPISODES_FILE
    done = _finished(path, items, retry_failures)
    todo = [item for item in items if item.id not in done]
    logger.info("%d of %d questions already done; running %d", len(done), len(items), len(todo))
    report = progress or (lambda finished, total: None)
    report(len(done), len(items))
    if todo:
        pairs = [(make_policy(), make_browser()) for _ in range(min(workers, len(todo)))]
        attempt = best_of or partial(run_episode, seed=seed)
        for count, row in enumerate(_rows(todo, pairs, attempt), 1):
            append_row(path, row)
            report(len(done) + count, len(items))
    browser = make_browser()
    rows = {row.id: row for row in read_rows(path)}
    result = score_run(
        items, rows, pages=PageCache(browser.backend, width=browser.config.width),
        label=label or out_dir.name, support=support, prefer=prefer,
    )  # fmt: skip
    write_report({result.label: result}, out_dir)
    write_comparisons(out_dir / COMPARISONS_FILE, items, rows)
    return result


def _finished(path: Path, items: list[EvalItem], retry_failures: bool) -> set[str]:
    """Ids with a row already; checks that those rows asked the same questions."""
    questions = {item.id: item.question for item in items}
    done: set[str] = set()
    for number, row in enumerate(read_rows(path), 1):
        asked = questions.get(row.id)
        if asked is None:  # a question beyond this run's limit, or no longer in the dataset
            continue
        if asked != row.question:
            raise RunDirError(
                f"{path}: row {number} asked {row.id!r} as {row.question!r}, but the dataset "
                f"asks {asked!r}; evaluate this dataset into another folder"
            )
        if row.error is None or not retry_failures:
            done.add(row.id)
        else:
            done.discard(row.id)  # a later success of a retried failure counts again
    return done


def _rows(
    todo: list[EvalItem], pairs: list[tuple[Policy, BrowserEnv]], attempt: EpisodeRunner
) -> Iterator[EvalRow]:
    """Rows in the order the worker threads finish them.

    Leaving the loop early (an exception in the caller, Ctrl-C) stops the workers after
    their current question; that row is dropped, so the question runs again next time.
    """
    jobs: queue.SimpleQueue[EvalItem] = queue.SimpleQueue()
    for item in todo:
        jobs.put(item)
    results: queue.SimpleQueue[EvalRow | BaseException] = queue.SimpleQueue()
    stop = threading.Event()

    def work(worker: int, policy: Policy, browser: BrowserEnv) -> None:
        try:
            while not stop.is_set():
                try:
                    item = jobs.get_nowait()
                except queue.Empty:
                    return
                results.put(_attempt(item, worker, policy, browser, attempt))
        except BaseException as exc:  # not a question's failure: the run must stop
            results.put(exc)

    threads = [
        threading.Thread(target=work, args=(n, policy, browser), daemon=True, name=f"eval-{n}")
        for n, (policy, browser) in enumerate(pairs)
    ]
    for thread in threads:
        thread.start()
    try:
        for _ in todo:
            result = results.get()
            if isinstance(result, BaseException):
                raise result
            yield result
    finally:
        stop.set()
    for thread in threads:
        thread.join()


def _attempt(
    item: EvalItem, worker: int, policy: Policy, browser: BrowserEnv, attempt: EpisodeRunner
) -> EvalRow:
    """One question; an exception becomes a failure row carrying its error text."""
    clock = time.perf_counter()
    episode: Episode | None = None
    error: str | None = None
    try:
        episode = attempt(item.question, policy, browser)
    except Exception as exc:
        error = "".join(traceback.format_exception_only(exc)).strip()
        logger.warning("question %s failed: %s", item.id, error)
    return EvalRow(
        id=item.id,
        question=item.question,
        episode=episode,
        error=error,
        seconds=round(time.perf_counter() - clock, 6),
        finished_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        worker=worker,
    )
