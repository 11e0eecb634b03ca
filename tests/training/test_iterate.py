"""Self-improvement rounds on the tiny corpus, in seconds: the kept episodes are each
question's best, the rounds table is written, and a resumed run continues from its round."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from test_default_reward_model import overlap_reader  # pytest puts this folder on sys.path

from agent.episode import read_episodes
from agent.loop import run_episode
from agent.ranker_policy import FEATURES, PolicyHead, RankerPolicy
from agent.reading_teacher import ReadingTeacher
from agent.reward import QuestionAnswer
from browser.corpus import CorpusBackend
from browser.env import BrowserEnv
from training.iterate import iterate
from training.iterate_config import IterateConfig
from training.questions import GeneratedQuestion
from training.ranker import fit_head, replay
from training.ranker_config import RankerConfig
from training.rounds import plot_rounds

ASKED = [
    ("who devised pointillism", "Georges Seurat"),
    ("when was la grande jatte painted", "1884"),
    ("who developed the technique with paul signac", "Georges Seurat"),
    ("what nationality was seurat", "French"),
]


def questions() -> list[GeneratedQuestion]:
    return [
        GeneratedQuestion(
            question=q, answers=(a,), title="t", url="u", support="s", kind="k", split=split
        )
        for split in ("train", "heldout")
        for q, a in ASKED
    ]


def by_length(items: Sequence[QuestionAnswer]) -> list[float]:
    """A stand-in reward model: longer cited answers score higher."""
    return [len(answer.text) / 100 + len(answer.cited_ids) for _, answer in items]


@pytest.mark.parametrize("method", ["expert", "grpo"])
def test_two_rounds_keep_the_best_episodes_and_a_rerun_resumes(
    tiny_corpus: CorpusBackend, tmp_path: Path, method: str
) -> None:
    browser = BrowserEnv(tiny_corpus)
    teacher = ReadingTeacher(read=overlap_reader, sure_above=99, abstain_below=1)
    demos = [run_episode(q, teacher, browser) for q, _ in ASKED]

    def policy(head: PolicyHead, temperature: float) -> RankerPolicy:
        return RankerPolicy(read=overlap_reader, head=head, temperature=temperature)

    blank = PolicyHead(
        np.zeros((1, len(FEATURES)), np.float32),
        np.zeros(1, np.float32),
        np.zeros(1, np.float32),
        0.0,
    )
    steps, _ = replay(demos, browser, policy(blank, 0.0))
    start, _ = fit_head(steps, RankerConfig(out=tmp_path, epochs=200, learning_rate=1e-2))
    config = IterateConfig(
        out=tmp_path / "rounds",
        method=method,
        rounds=2,
        questions=4,
        samples=3,
        temperature=3.0,
        validation=4,
        pg_epochs=5,
        hidden_share=0.5,
    )
    rows = iterate(config, questions(), demos, browser, policy, start, by_length)
    assert [row["round"] for row in rows] == [0.0, 1.0, 2.0]
    assert all(0 <= row["heldout_gold"] <= 1 and 0 <= row["hidden_abstained"] <= 1 for row in rows)
    assert (tmp_path / "rounds" / "round-2" / "ranker_head.npz").is_file()
    kept_episodes = read_episodes(tmp_path / "rounds" / "kept.jsonl") if method == "expert" else []
    for number in (1, 2):
        groups: dict[str, list[dict[str, object]]] = {}
        for line in (tmp_path / "rounds" / f"round-{number}" / "samples.jsonl").open():
            record = json.loads(line)
            groups.setdefault(record["question"], []).append(record)
        assert len(groups) == 4 and all(len(group) == 3 for group in groups.values())
        for group in groups.values():
            kept = [record for record in group if record["kept"]]
            if method == "grpo":
                assert not kept
                continue
            # expert iteration keeps exactly the highest-rewarded sample of each question
            (best,) = kept
            assert best["reward"] == max(float(str(record["reward"])) for record in group)
        # and what it cloned (kept.jsonl, four a round) are those samples' episodes
        for episode in kept_episodes[4 * (number - 1) : 4 * number]:
            top = max(float(str(record["reward"])) for record in groups[episode.question])
            assert any(record["answer"] == episode.answer and record["reward"] == top
                       for record in groups[episode.question])  # fmt: skip
    assert len(kept_episodes) == (8 if method == "expert" else 0)
    # a rerun with one more round continues from round 2: rounds 0-2 are read back, not redone
    table = json.loads((tmp_path / "rounds" / "rounds.json").read_text())
    more = config.model_copy(update={"rounds": 3})
    rows = iterate(more, questions(), demos, browser, policy, start, by_length)
    assert rows[:3] == table and rows[-1]["round"] == 3.0
    plot_rounds(rows, tmp_path / "rounds.png")
    assert (tmp_path / "rounds.png").stat().st_size > 1000


def test_round_flags_catch_reward_hacking_and_abstention_collapse() -> None:
    from training.rounds import round_flags

    before = {"heldout_reward": 0.1, "heldout_gold": 0.80, "hidden_abstained": 0.82}
    steady = {"heldout_reward": 0.3, "heldout_gold": 0.81, "hidden_abstained": 0.70}
    assert round_flags(before, steady) == {
        "flag_reward_hacking": 0.0, "flag_abstention_collapse": 0.0
    }  # fmt: skip
    hacked = {"heldout_reward": 0.5, "heldout_gold": 0.70, "hidden_abstained": 0.80}
    assert round_flags(before, hacked)["flag_reward_hacking"] == 1.0
    # GRPO round 1 of the shipped run: 82% abstained on hidden questions, then 0%
    collapsed = {"heldout_reward": 0.5, "heldout_gold": 0.84, "hidden_abstained": 0.0}
    assert round_flags(before, collapsed) == {
        "flag_reward_hacking": 0.0, "flag_abstention_collapse": 1.0
    }  # fmt: skip
    # a small drop from little is no collapse
    low = {"heldout_reward": 0.1, "heldout_gold": 0.8, "hidden_abstained": 0.1}
    assert round_flags(low, {**low, "hidden_abstained": 0.0})["flag_abstention_collapse"] == 0.0
