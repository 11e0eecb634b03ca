from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from eval_helpers import CountingTeacher, tiny_items
from rich.console import Console

from agent.episode import Episode
from agent.loop import run_episode
from agent.policy import Policy
from agent.reward import QuestionAnswer
from browser.corpus import CorpusBackend
from browser.env import BrowserEnv
from training.evaluation.errors import RunDirError
from training.evaluation.preference import COMPARISONS_FILE
from training.evaluation.progress import rich_progress
from training.evaluation.runner import run_eval
from training.evaluation.scoring import RunResult
from training.evaluation.store import EPISODES_FILE, read_rows


class Interrupted(Exception):
    """Stands for Ctrl-C or a crash of the evaluating process."""


def _numbers(result: RunResult) -> dict[str, object]:
    """Everything but timings and the scoring time stamp."""
    summary = result.summary.model_dump(exclude={"mean_seconds", "median_seconds"})
    rows = [q.model_dump(exclude={"seconds"}) for q in result.questions]
    return {"summary": summary, "rows": rows}


def test_run_scores_every_question(tiny_corpus: CorpusBackend, tmp_path: Path) -> None:
    teacher = CountingTeacher()
    result = run_eval(tiny_items(), teacher.spawn, lambda: BrowserEnv(tiny_corpus), tmp_path)
    by_id = {q.id: q for q in result.questions}
    assert len(by_id) == 6 and result.summary.failures == 0
    assert by_id["q-devised-0"].contains and by_id["q-devised-0"].exact_match == 0.0
    assert by_id["q-peru-0"].abstained and by_id["q-peru-0"].contains is False
    assert by_id["q-french-0"].rouge_l is not None and by_id["q-french-0"].quotes_on_page == 1
    # devised, painted, french, signac are right; peru abstains; movement has no gold words
    assert result.summary.contains is not None
    assert result.summary.contains.mean == pytest.approx(4 / 6)
    assert result.summary.abstention == pytest.approx(1 / 6)
    assert result.summary.quotes_on_page == 1.0
    assert sorted(teacher.starts.values()) == [1] * 6
    assert (tmp_path / "report.json").is_file() and (tmp_path / "report.html").is_file()


def test_a_failing_question_is_recorded_and_the_run_goes_on(
    tiny_corpus: CorpusBackend, tmp_path: Path
) -> None:
    teacher = CountingTeacher(fail_on="peru")
    result = run_eval(tiny_items(), teacher.spawn, lambda: BrowserEnv(tiny_corpus), tmp_path)
    failed = [q for q in result.questions if q.failed]
    assert [q.id for q in failed] == ["q-peru-0"]
    assert failed[0].error == "RuntimeError: policy broke on 'what is the capital of peru'"
    assert result.summary.failures == 1 and len(result.questions) == 6
    # a rerun does not retry a recorded failure unless asked to
    run_eval(tiny_items(), teacher.spawn, lambda: BrowserEnv(tiny_corpus), tmp_path)
    assert teacher.starts["what is the capital of peru"] == 1
    teacher.fail_on = None
    retried = run_eval(tiny_items(), CountingTeacher(teacher.starts).spawn,
                       lambda: BrowserEnv(tiny_corpus), tmp_path, retry_failures=True)  # fmt: skip
    assert retried.summary.failures == 0
    assert teacher.starts["what is the capital of peru"] == 2
    assert sum(teacher.starts.values()) == 7


def test_interrupted_run_resumes_without_recomputing(
    tiny_corpus: CorpusBackend, tmp_path: Path
) -> None:
    items = tiny_items(copies=3)  # 18 questions
    teacher = CountingTeacher()

    def interrupt_after_five(finished: int, total: int) -> None:
        if finished >= 5:
            raise Interrupted

    with pytest.raises(Interrupted):
        run_eval(items, teacher.spawn, lambda: BrowserEnv(tiny_corpus), tmp_path / "run",
                 progress=interrupt_after_five)  # fmt: skip
    first = read_rows(tmp_path / "run" / EPISODES_FILE)
    assert len(first) == 5
    seen: list[tuple[int, int]] = []
    resumed = run_eval(items, teacher.spawn, lambda: BrowserEnv(tiny_corpus), tmp_path / "run",
                       progress=lambda finished, total: seen.append((finished, total)))  # fmt: skip
    assert seen[0] == (5, 18) and seen[-1] == (18, 18)
    rows = read_rows(tmp_path / "run" / EPISODES_FILE)
    assert rows[:5] == first and len(rows) == 18 == len({r.id for r in rows})
    finished_first = {r.question for r in first}
    assert all(teacher.starts[q] == 1 for q in finished_first)
    clean = run_eval(items, CountingTeacher().spawn, lambda: BrowserEnv(tiny_corpus),
                     tmp_path / "clean")  # fmt: skip
    assert _numbers(resumed) == _numbers(clean)


def test_a_torn_last_line_is_redone(tiny_corpus: CorpusBackend, tmp_path: Path) -> None:
    items = tiny_items()
    run_eval(items[:3], CountingTeacher().spawn, lambda: BrowserEnv(tiny_corpus), tmp_path)
    path = tmp_path / EPISODES_FILE
    whole = path.read_bytes()
    path.write_bytes(whole[: -len(whole.splitlines()[-1]) // 2 - 1])  # half of the last row
    teacher = CountingTeacher()
    result = run_eval(items, teacher.spawn, lambda: BrowserEnv(tiny_corpus), tmp_path)
    assert len(result.questions) == 6 and sum(teacher.starts.values()) == 4
    assert len(read_rows(path)) == 6
    lines = path.read_text().splitlines()
    assert all(json.loads(line)["id"] for line in lines)


def test_a_corrupt_row_before_the_last_is_an_error(
    tiny_corpus: CorpusBackend, tmp_path: Path
) -> None:
    run_eval(tiny_items()[:2], CountingTeacher().spawn, lambda: BrowserEnv(tiny_corpus), tmp_path)
    path = tmp_path / EPISODES_FILE
    lines = path.read_text().splitlines()
    path.write_text("{broken\n" + lines[1] + "\n")
    with pytest.raises(RunDirError, match=r"episodes\.jsonl:1: not valid JSON"):
        run_eval(tiny_items(), CountingTeacher().spawn, lambda: BrowserEnv(tiny_corpus), tmp_path)


def test_another_dataset_in_the_same_folder_is_refused(
    tiny_corpus: CorpusBackend, tmp_path: Path
) -> None:
    items = tiny_items()
    run_eval(items[:1], CountingTeacher().spawn, lambda: BrowserEnv(tiny_corpus), tmp_path)
    changed = [items[0].model_copy(update={"question": "something else entirely"})]
    with pytest.raises(RunDirError, match="evaluate this dataset into another folder"):
        run_eval(changed, CountingTeacher().spawn, lambda: BrowserEnv(tiny_corpus), tmp_path)


def test_best_of_hook_and_preference_scorer(tiny_corpus: CorpusBackend, tmp_path: Path) -> None:
    calls: list[str] = []

    def twice(question: str, policy: Policy, browser: BrowserEnv) -> Episode:
        calls.append(question)
        first = run_episode(question, policy, browser)
        second = run_episode(question, policy, browser)
        return max(first, second, key=lambda e: len(e.quotes))

    def longer_is_better(answers: Sequence[QuestionAnswer]) -> list[float]:
        return [len(answer.text) + 100 * len(answer.quotes) for _, answer in answers]

    result = run_eval(tiny_items(), CountingTeacher().spawn, lambda: BrowserEnv(tiny_corpus),
                      tmp_path, best_of=twice, prefer=longer_is_better, limit=5)  # fmt: skip
    assert len(calls) == 5 and len(result.questions) == 5
    preference = result.summary.preference
    # two questions have human answers: french (agent cites a quote: wins), peru (agent
    # abstains with a longer text and no quote: wins on length)
    assert preference is not None and preference.agent_better.n == 2
    assert preference.agent_better.mean == 1.0
    pairs = [json.loads(line) for line in (tmp_path / COMPARISONS_FILE).open()]
    assert [p["source_id"] for p in pairs] == ["q-french-0", "q-peru-0"]
    french = pairs[0]
    assert set(french) == {"question", "answer_a", "answer_b", "preference", "judge", "source_id"}
    assert french["answer_b"] == {"text": "Seurat was French.", "quotes": []}
    assert french["answer_a"]["quotes"][0]["url"] == "https://example.org/wiki/Georges_Seurat"
    assert set(french["answer_a"]["quotes"][0]) == {"title", "url", "text"}
    assert french["preference"] is None and french["judge"] is None


def test_bad_arguments_are_refused(tiny_corpus: CorpusBackend, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        run_eval(tiny_items(), CountingTeacher().spawn, lambda: BrowserEnv(tiny_corpus), tmp_path,
                 workers=0)  # fmt: skip
    twin = tiny_items()[:1] * 2
    with pytest.raises(ValueError, match="share an id"):
        run_eval(twin, CountingTeacher().spawn, lambda: BrowserEnv(tiny_corpus), tmp_path)


def test_a_larger_limit_continues_a_smaller_one(tiny_corpus: CorpusBackend, tmp_path: Path) -> None:
    teacher = CountingTeacher()
    seen: list[tuple[int, int]] = []
    run_eval(tiny_items(), teacher.spawn, lambda: BrowserEnv(tiny_corpus), tmp_path, limit=4)
    small = run_eval(tiny_items(), teacher.spawn, lambda: BrowserEnv(tiny_corpus), tmp_path,
                     limit=2, progress=lambda done, total: seen.append((done, total)))  # fmt: skip
    assert seen == [(2, 2)] and len(small.questions) == 2
    full = run_eval(tiny_items(), teacher.spawn, lambda: BrowserEnv(tiny_corpus), tmp_path)
    assert len(full.questions) == 6 and sum(teacher.starts.values()) == 6


def test_rich_progress_bar_counts_questions(tiny_corpus: CorpusBackend, tmp_path: Path) -> None:
    screen = io.StringIO()
    console = Console(file=screen, width=100, force_terminal=False)
    with rich_progress(console) as progress:
        run_eval(tiny_items(), CountingTeacher().spawn, lambda: BrowserEnv(tiny_corpus), tmp_path,
                 progress=progress)  # fmt: skip
    assert "6/6" in screen.getvalue()


def test_a_sampled_run_is_the_same_with_one_worker_or_three(
    tiny_corpus: CorpusBackend, tmp_path: Path
) -> None:
    """Each question's seed comes from the run seed and the question, not from the order
    questions reach the workers, so the worker count cannot change a sampled run."""
    from cli.main import main

    data = tmp_path / "tiny.jsonl"
    rows = [{"id": i.id, "question": i.question, "answers": list(i.answers)} for i in tiny_items()]
    data.write_text("".join(json.dumps(row) + "\n" for row in rows))
    runs = {}
    for workers in (1, 3):
        out = tmp_path / f"workers-{workers}"
        argv = ["eval", str(data), "--out", str(out), "--corpus", str(tiny_corpus.path),
                "--policy", "lm", "--temperature", "0.8", "--seed", "7",
                "--workers", str(workers)]  # fmt: skip
        assert main(argv) == 0
        runs[workers] = {
            row.id: [step.action for step in row.episode.steps]
            for row in read_rows(out / EPISODES_FILE)
            if row.episode is not None
        }
    assert len(runs[1]) == len(rows) and runs[1] == runs[3]
