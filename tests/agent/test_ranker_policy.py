"""The ranking policy: its candidates, behaviour cloning from the reading teacher, and the
cloned head driving the browser like its teacher (a word-overlap stand-in reads)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_reading_teacher import overlap_reader  # pytest puts this folder on sys.path

from agent.loop import run_episode
from agent.ranker_policy import FEATURES, HEAD_FILE, PolicyHead, RankerPolicy
from agent.reading_teacher import ReadingTeacher
from browser.answer import ABSTAIN_ANSWER
from browser.corpus import CorpusBackend
from browser.env import BrowserEnv
from training.ranker import replay, train_ranker
from training.ranker_config import RankerConfig

QUESTIONS = [
    "who devised pointillism",
    "when was la grande jatte painted",
    "who developed the technique with paul signac",
    "what nationality was seurat",
]


def blank() -> PolicyHead:
    return PolicyHead(
        np.zeros((1, len(FEATURES)), np.float32),
        np.zeros(1, np.float32),
        np.zeros(1, np.float32),
        0.0,
    )


def test_candidates_offer_what_the_browser_allows(tiny_corpus: CorpusBackend) -> None:
    policy = RankerPolicy(read=overlap_reader, head=blank())
    browser = BrowserEnv(tiny_corpus)
    first = policy.candidates(browser.reset("who devised pointillism"))
    assert [c.command for c in first] == [
        "search who devised pointillism",
        "search devised pointillism",
        f"answer {ABSTAIN_ANSWER}",
    ]
    results = browser.step("search who devised pointillism").observation
    kinds = {c.kind for c in policy.candidates(results)}
    assert {"click", "search", "abstain"} <= kinds
    assert all(len(c.features) == len(FEATURES) for c in policy.candidates(results))


def test_the_cloned_head_browses_like_its_teacher(
    tiny_corpus: CorpusBackend, tmp_path: Path
) -> None:
    teacher = ReadingTeacher(read=overlap_reader, sure_above=99, abstain_below=1)
    browser = BrowserEnv(tiny_corpus)
    demos = [run_episode(q, teacher, browser) for q in QUESTIONS]
    examples, missing = replay(demos, browser, RankerPolicy(read=overlap_reader, head=blank()))
    assert missing == 0 and len(examples) == sum(len(d.steps) for d in demos)
    config = RankerConfig(out=tmp_path / "ranker", epochs=400, learning_rate=1e-2)
    summary = train_ranker(
        config, demos, browser, lambda head: RankerPolicy(read=overlap_reader, head=head)
    )
    assert summary["train_step_accuracy"] == 1.0 and summary["last_loss"] < summary["first_loss"]
    assert (tmp_path / "ranker" / HEAD_FILE).is_file()
    head = PolicyHead.load(tmp_path / "ranker" / HEAD_FILE)
    policy = RankerPolicy(read=overlap_reader, head=head)
    for demo in demos:
        episode = run_episode(demo.question, policy, browser)
        assert [s.action for s in episode.steps] == [s.action for s in demo.steps]
    sampled = RankerPolicy(read=overlap_reader, head=head, temperature=5.0)
    runs = {
        tuple(s.action for s in run_episode(QUESTIONS[0], sampled, browser, sample=i).steps)
        for i in range(6)
    }
    assert len(runs) > 1  # a hot policy samples different episodes
    again = {
        tuple(s.action for s in run_episode(QUESTIONS[0], sampled, browser, sample=i).steps)
        for i in range(6)
    }
    assert again == runs  # and the same ones for the same seeds
    with pytest.raises(FileNotFoundError, match="no ranking policy"):
        RankerPolicy.load(tmp_path)


def test_a_reopened_page_is_quoted_from_not_left_again(tiny_corpus: CorpusBackend) -> None:
    # A head that always prefers leaving a read page to quoting it would cycle between the
    # results and the page until the action budget ran out; reopening a page read before
    # means quoting from it (or abstaining), as the teacher does.
    weights = {"is_scroll": 4.0, "is_back": 3.0, "is_click": 2.0, "is_quote": 1.0,
               "is_answer": 1.0, "is_search": 0.5, "is_abstain": -5.0}  # fmt: skip
    w2 = np.array([weights.get(name, 0.0) for name in FEATURES], np.float32)
    head = PolicyHead(np.eye(len(FEATURES), dtype=np.float32), np.zeros(len(FEATURES), np.float32),
                      w2, 0.0)  # fmt: skip
    episode = run_episode("who devised pointillism", RankerPolicy(read=overlap_reader, head=head),
                          BrowserEnv(tiny_corpus))  # fmt: skip
    actions = [step.action for step in episode.steps]
    clicks = [a for a in actions if a.startswith("click")]
    assert len(clicks) > len(set(clicks))  # it reopened a page
    assert episode.answer is not None and not episode.truncated
    assert len(episode.quotes) == 1
