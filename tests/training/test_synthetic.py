"""Synthetic comparisons: real episodes on the tiny corpus, judged, appended, resumed."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from agent.episode import Episode
from agent.loop import run_episode
from agent.policy import Policy
from agent.teacher import TeacherPolicy
from browser.corpus import CorpusBackend
from browser.env import BrowserEnv
from browser.observation import Observation
from training.comparisons import read_comparisons
from training.judge import JUDGE_NAME, ReferenceJudge
from training.questions import GeneratedQuestion
from training.synthetic import pair_comparisons, policy_sampler, synthesize_comparisons


class ScriptedPolicy:
    """Replays fixed commands: here, a browser user who answers wrongly."""

    def __init__(self, name: str, commands: list[str]) -> None:
        self.name, self.commands, self.steps = name, commands, 0

    def reset(self, *, seed: int = 0) -> None:
        self.steps = 0

    def act(self, observation: Observation) -> str:
        self.steps += 1
        return self.commands[self.steps - 1]


def question(text: str, gold: str) -> GeneratedQuestion:
    return GeneratedQuestion(
        question=text, answers=(gold,), title="t", url="u", support="s", kind="test", split="train"
    )


QUESTIONS = [
    question("who devised pointillism", "Georges Seurat"),
    question("when was la grande jatte painted", "1884"),
]


class Sampler:
    """The teacher twice (a duplicate), a cited wrong answer and two uncited wrong ones."""

    def __init__(self, corpus: CorpusBackend) -> None:
        self.env = BrowserEnv(corpus)
        self.calls: list[tuple[str, int]] = []

    def __call__(self, text: str, n: int) -> list[Episode]:
        self.calls.append((text, n))
        cited_wrong = [
            "search dots of colour",
            "click 0",
            "quote Sentence 2 about pointillism, small dots of colour applied in patterns.",
            "answer Small dots of colour were used by Paul Signac [1].",
        ]
        policies: list[Policy] = [
            TeacherPolicy(),
            TeacherPolicy(),
            ScriptedPolicy("cited", cited_wrong),
            ScriptedPolicy("monet", ["answer Claude Monet."]),
            ScriptedPolicy("gauguin", ["answer Paul Gauguin."]),
        ]
        return [run_episode(text, policy, self.env) for policy in policies[:n]]


def test_pairs_are_judged_and_appended_then_resumed(
    tiny_corpus: CorpusBackend, tmp_path: Path
) -> None:
    out, sampler, progress = tmp_path / "synthetic.jsonl", Sampler(tiny_corpus), []
    counts = synthesize_comparisons(
        QUESTIONS,
        sampler,
        ReferenceJudge(),
        out,
        n_samples=5,
        on_progress=lambda done, total: progress.append((done, total)),
    )
    # 4 distinct episodes per question (the teacher's duplicate drops): 6 pairs, 1 tie each.
    assert counts == {
        "skipped": 0,
        "run": 2,
        "preferred": 10,
        "ties": 2,
        "dropped_ties": 0,
        "duplicates": 2,
    }
    assert sampler.calls == [(q.question, 5) for q in QUESTIONS]
    assert progress == [(1, 2), (2, 2)]
    written = list(read_comparisons(out))
    assert len(written) == 12 and {c.judge for c in written} == {JUDGE_NAME}
    for comparison in written:
        a_won = comparison.ratings["score_a"] > comparison.ratings["score_b"]
        if comparison.preference == "tie":  # Monet vs Gauguin: both wrong, both uncited
            assert {comparison.answer_a.text, comparison.answer_b.text} == {
                "Claude Monet.",
                "Paul Gauguin.",
            }
        else:
            assert comparison.preference == ("A" if a_won else "B")
        assert comparison.ratings.keys() >= {"a.gold_in_answer", "b.length_penalty"}
    teacher_wins = [c for c in written if "Seurat" in (c.answer_a.text + c.answer_b.text)]
    assert all(c.preference == ("A" if "Seurat" in c.answer_a.text else "B") for c in teacher_wins)
    assert {c.preference for c in written} == {"A", "B", "tie"}  # the A/B order is shuffled

    again = synthesize_comparisons(
        [*QUESTIONS, question("who painted la grande jatte", "Seurat")],
        sampler,
        ReferenceJudge(),
        out,
        n_samples=3,
        keep_ties=False,
    )
    assert again["skipped"] == 2 and again["run"] == 1 and len(sampler.calls) == 3
    assert again["preferred"] == 1  # teacher vs the cited wrong answer; its duplicate drops
    assert len(list(read_comparisons(out))) == 12 + again["preferred"]


def test_a_question_without_distinct_answers_is_remembered(
    tiny_corpus: CorpusBackend, tmp_path: Path
) -> None:
    out, sampler = tmp_path / "synthetic.jsonl", Sampler(tiny_corpus)
    counts = synthesize_comparisons(QUESTIONS[:1], sampler, ReferenceJudge(), out, n_samples=2)
    assert counts["duplicates"] == 1 and not out.exists()  # teacher twice: nothing to compare
    synthesize_comparisons(QUESTIONS[:1], sampler, ReferenceJudge(), out, n_samples=2)
    assert len(sampler.calls) == 1  # the sidecar says it was done
    with pytest.raises(ValueError, match="at least 2"):
        synthesize_comparisons(QUESTIONS, sampler, ReferenceJudge(), out, n_samples=1)


def test_sampler_must_answer_the_question_asked(tiny_corpus: CorpusBackend, tmp_path: Path) -> None:
    sampler = Sampler(tiny_corpus)

    def wrong_question(text: str, n: int) -> list[Episode]:
        return sampler("who devised pointillism", n)

    with pytest.raises(ValueError, match="returned an episode of 'who devised pointillism'"):
        synthesize_comparisons(QUESTIONS[1:], wrong_question, ReferenceJudge(), tmp_path / "o")


def test_pair_order_is_seeded(tiny_corpus: CorpusBackend) -> None:
    episodes = Sampler(tiny_corpus)(QUESTIONS[0].question, 5)[1:]
    first = pair_comparisons(QUESTIONS[0], episodes, ReferenceJudge(), rng=random.Random(3))
    again = pair_comparisons(QUESTIONS[0], episodes, ReferenceJudge(), rng=random.Random(3))
    assert first == again and len(first) == 6


def test_policy_sampler_runs_a_fresh_policy_per_episode(tiny_corpus: CorpusBackend) -> None:
    made: list[int] = []

    def make_policy(k: int) -> Policy:
        made.append(k)
        return TeacherPolicy() if k == 0 else ScriptedPolicy("monet", ["answer Claude Monet."])

    sample = policy_sampler(make_policy, BrowserEnv(tiny_corpus))
    first, second, third = sample("who devised pointillism", 3)
    assert made == [0, 1, 2] and "Seurat" in (first.answer or "")
    assert second.answer == third.answer == "Claude Monet." and second.policy == "monet"
