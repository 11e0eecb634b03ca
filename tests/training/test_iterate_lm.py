"""Expert iteration of a tiny causal-LM policy on the tiny corpus, in seconds: each round keeps
every question's highest-scored episode, clones it into the round's model, and a rerun
continues from its round without sampling a finished one again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from safetensors.torch import load_file
from test_bc import MICRO  # pytest puts this folder on sys.path
from test_iterate import ASKED, by_length, questions

from agent.episode import Episode
from agent.lm_policy import LMPolicy
from agent.loop import run_episode
from agent.teacher import TeacherPolicy
from browser.corpus import CorpusBackend
from browser.env import BrowserConfig, BrowserEnv
from browser.records import read_records
from training.bc import train_bc
from training.bc_config import BCConfig
from training.iterate_config import IterateConfig
from training.iterate_lm import SampledEpisode, iterate_lm, load_policy


def short_replies(path: str | Path, temperature: float) -> LMPolicy:
    """The policy as the command loads it, with replies cut short (the model is barely
    trained: it rambles)."""
    policy = load_policy(path, temperature)
    policy.max_new_tokens = 16
    return policy


SAMPLED = ("episodes-0.jsonl", "samples.jsonl", "kept.jsonl")
"""A round's samples (one process), marked, and kept."""


def kept_are_the_best(folder: Path, number: int) -> int:
    """Checks round ``number``'s files: each question's kept episode is its highest-rewarded
    sample, and the round's model was cloned on every episode kept so far. Returns how many
    questions' samples differed in reward."""
    sampled = read_records(folder / "episodes-0.jsonl", SampledEpisode)
    groups: dict[int, list[SampledEpisode]] = {}
    for record in sampled:
        groups.setdefault(record.index, []).append(record)
    assert sorted(groups) == [0, 1, 2, 3] and all(len(g) == 3 for g in groups.values())
    best = [max(group, key=lambda r: r.reward).episode for group in groups.values()]
    assert read_records(folder / "kept.jsonl", Episode) == best  # the first of a tie
    marked = [json.loads(line) for line in (folder / "samples.jsonl").open()]
    assert [m["reward"] for m in marked] == [r.reward for r in sampled]
    assert sum(m["kept"] for m in marked) == 4
    summary = json.loads((folder / "train_summary.json").read_text())
    assert summary["kept"] == 4 * number and summary["steps"] == 3
    assert not (folder / "checkpoints").exists()  # removed once the model was saved
    return sum(len({r.reward for r in group}) > 1 for group in groups.values())


def test_two_rounds_keep_each_questions_best_episode_and_a_rerun_resumes(
    tiny_corpus: CorpusBackend, tmp_path: Path
) -> None:
    browser = BrowserEnv(tiny_corpus, BrowserConfig(max_actions=4))
    demos = [run_episode(q, TeacherPolicy(), BrowserEnv(tiny_corpus)) for q, _ in ASKED]
    start = tmp_path / "bc"
    # enough cloning that some samples answer, so rewards differ within a question
    train_bc(BCConfig(out=start, max_steps=60, batch_size=4, learning_rate=3e-3), demos, tiny=MICRO)
    config = IterateConfig(
        out=tmp_path / "rounds", policy="lm", rounds=1, questions=4, samples=3,
        temperature=1.0, validation=2, hidden_share=0.5, keep_above=-1.0,
        bc_max_steps=3, bc_batch_size=4, bc_learning_rate=3e-3,
    )  # fmt: skip
    first = iterate_lm(config, questions(), demos, browser, short_replies, start, by_length)
    assert [row["round"] for row in first] == [0.0, 1.0]
    round_1 = tmp_path / "rounds" / "round-1"
    finished = {path: path.stat().st_mtime_ns for path in round_1.iterdir() if path.is_file()}
    more = config.model_copy(update={"rounds": 2})
    rows = iterate_lm(more, questions(), demos, browser, short_replies, start, by_length)
    # round 1 is read back, not sampled, cloned or measured again; round 2 starts from it
    assert rows[:2] == first and rows[-1]["round"] == 2.0
    assert {path: path.stat().st_mtime_ns for path in finished} == finished
    assert json.loads((tmp_path / "rounds" / "rounds.json").read_text()) == rows
    assert all(0 <= row["heldout_gold"] <= 1 and 0 <= row["hidden_abstained"] <= 1 for row in rows)
    differing = sum(kept_are_the_best(tmp_path / "rounds" / f"round-{n}", n) for n in (1, 2))
    assert differing > 0  # else "the best" would only be the first
    # a round cut short after its samples were merged clones again but does not resample
    round_2 = tmp_path / "rounds" / "round-2"
    merged = {name: (round_2 / name).stat().st_mtime_ns for name in SAMPLED}
    (round_2 / "model.safetensors").unlink()
    (tmp_path / "rounds" / "rounds.json").write_text(json.dumps(rows[:2]))
    again = iterate_lm(more, questions(), demos, browser, short_replies, start, by_length)
    assert again[:2] == rows[:2] and again[2]["sampled_reward"] == rows[2]["sampled_reward"]
    assert {name: (round_2 / name).stat().st_mtime_ns for name in SAMPLED} == merged
    assert (round_2 / "model.safetensors").is_file()
    before = load_file(str(round_1 / "model.safetensors"))
    after = load_file(str(round_2 / "model.safetensors"))
    assert [name for name in before if before[name].equal(after[name])] == []
    saved = LMPolicy.from_pretrained(round_2)
    assert (saved.with_grammar, saved.copy_bias) == (False, 12.0)  # the start's settings


def test_the_lm_policy_learns_by_expert_iteration_only(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="--method grpo goes with --policy ranker"):
        IterateConfig(out=tmp_path, policy="lm", method="grpo")
    with pytest.raises(ValueError, match="--bc-epochs goes with --policy lm"):
        IterateConfig(out=tmp_path, bc_epochs=2)
