from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.episode import Step, append_episode, read_episodes
from agent.errors import EpisodeFormatError
from agent.loop import run_episode, run_episodes
from agent.teacher import TeacherPolicy
from browser.corpus import CorpusBackend
from browser.env import BrowserConfig, BrowserEnv, StepResult
from browser.observation import Observation


class ScriptedPolicy:
    """Replays fixed commands, recording what it was shown."""

    name = "scripted"

    def __init__(self, commands: list[str]) -> None:
        self.commands = commands
        self.seen: list[Observation] = []
        self.seeds: list[int] = []

    def reset(self, *, seed: int = 0) -> None:
        self.seeds.append(seed)

    def act(self, observation: Observation) -> str:
        self.seen.append(observation)
        return self.commands[len(self.seen) - 1]


def test_episode_records_every_observation_and_action(tiny_corpus: CorpusBackend) -> None:
    policy = ScriptedPolicy(["search Grande Jatte", "click 7", "click 0", "quote lines 1-1",
                             "answer It was painted by Georges Seurat [1]."])  # fmt: skip
    streamed: list[tuple[Step, StepResult]] = []
    episode = run_episode("Who painted it?", policy, BrowserEnv(tiny_corpus),
                          on_step=lambda step, result: streamed.append((step, result)))  # fmt: skip
    assert [s.action for s in episode.steps] == policy.commands
    assert [s.observation for s in episode.steps] == [o.render() for o in policy.seen]
    assert episode.steps[1].error is not None and "no link 7" in episode.steps[1].error
    assert [step for step, _ in streamed] == list(episode.steps)
    assert episode.terminated and episode.answer == policy.commands[-1].removeprefix("answer ")
    assert episode.cited_ids == [1]
    summary = episode.summary()
    assert summary["references"] == [
        {"id": 1, "title": episode.quotes[0].title, "url": episode.quotes[0].url,
         "quote": episode.quotes[0].text}
    ]  # fmt: skip
    assert summary["steps"][0] == {
        "action": "search Grande Jatte",
        "observation": policy.seen[0].render(),
    }


def test_episodes_append_to_jsonl_and_read_back(tiny_corpus: CorpusBackend, tmp_path: Path) -> None:
    env = BrowserEnv(tiny_corpus)
    path = tmp_path / "runs" / "episodes.jsonl"
    first = run_episode("who devised pointillism", TeacherPolicy(), env)
    second = run_episode("when was la grande jatte painted", TeacherPolicy(), env)
    append_episode(path, first)
    append_episode(path, second)
    assert list(read_episodes(path)) == [first, second]


def test_bad_episode_records_name_file_line_and_field(
    tmp_path: Path, tiny_corpus: CorpusBackend
) -> None:
    episode = run_episode("who devised pointillism", TeacherPolicy(), BrowserEnv(tiny_corpus))
    path = tmp_path / "episodes.jsonl"
    broken = episode.model_dump(mode="json")
    del broken["question"]
    path.write_text(episode.model_dump_json() + "\n" + json.dumps(broken) + "\n")
    with pytest.raises(EpisodeFormatError, match=r"episodes.jsonl:2: field 'question'"):
        list(read_episodes(path))
    path.write_text("{oops\n")
    with pytest.raises(EpisodeFormatError, match=r"episodes.jsonl:1: not valid JSON"):
        list(read_episodes(path))


class RecordingBatchPolicy:
    """The teacher's choices, asked for in batches; records each batch size."""

    name = "batched-teacher"

    def __init__(self) -> None:
        self.teachers: dict[str, TeacherPolicy] = {}
        self.batches: list[int] = []

    def reset(self, *, seed: int = 0) -> None:
        self.teachers = {}

    def act_batch(self, observations: list[Observation]) -> list[str]:
        self.batches.append(len(observations))
        return [self._teacher(i).act(o) for i, o in enumerate(observations)]

    def _teacher(self, index: int) -> TeacherPolicy:
        return self.teachers.setdefault(str(index), TeacherPolicy())


def test_run_episodes_steps_browsers_in_lockstep(tiny_corpus: CorpusBackend) -> None:
    browsers = [BrowserEnv(tiny_corpus) for _ in range(3)]
    policy = RecordingBatchPolicy()
    episodes = run_episodes("who devised pointillism", policy, browsers)
    single = run_episode("who devised pointillism", TeacherPolicy(), BrowserEnv(tiny_corpus))
    assert [e.answer for e in episodes] == [single.answer] * 3
    assert [[s.action for s in e.steps] for e in episodes] == [[s.action for s in single.steps]] * 3
    assert policy.batches == [3] * len(single.steps)
    assert {e.policy for e in episodes} == {"batched-teacher"}


class AnswerOrWander:
    """Batch policy: the first ``answering`` episodes answer at once, the rest search forever."""

    name = "answer-or-wander"

    def __init__(self, answering: int) -> None:
        self.answering = answering
        self.roles: list[bool] | None = None  # per active episode: does it answer now?
        self.batches: list[int] = []

    def reset(self, *, seed: int = 0) -> None:
        self.roles = None

    def act_batch(self, observations: list[Observation]) -> list[str]:
        self.batches.append(len(observations))
        if self.roles is None:
            self.roles = [i < self.answering for i in range(len(observations))]
        commands = ["answer Seurat did." if answers else "search pointillism"
                    for answers in self.roles]  # fmt: skip
        self.roles = [answers for answers in self.roles if not answers]
        return commands


def test_patience_cuts_off_stragglers_once_one_episode_has_ended(
    tiny_corpus: CorpusBackend,
) -> None:
    browsers = [BrowserEnv(tiny_corpus) for _ in range(4)]
    policy = AnswerOrWander(answering=1)
    episodes = run_episodes("who devised pointillism", policy, browsers, patience=3)
    assert policy.batches == [4, 3, 3, 3]  # one answered at once; the rest had 3 more actions
    assert [e.answer for e in episodes] == ["Seurat did.", None, None, None]
    assert [(e.terminated, e.truncated) for e in episodes[1:]] == [(False, True)] * 3
    assert [len(e.steps) for e in episodes] == [1, 4, 4, 4]


def test_without_patience_every_episode_runs_to_its_end(tiny_corpus: CorpusBackend) -> None:
    browsers = [BrowserEnv(tiny_corpus, BrowserConfig(max_actions=6)) for _ in range(3)]
    episodes = run_episodes("who devised pointillism", AnswerOrWander(answering=1), browsers)
    assert [len(e.steps) for e in episodes] == [1, 6, 6]  # the budget ended them
    alone = run_episodes("who devised pointillism", AnswerOrWander(answering=0),
                         browsers[:1], patience=0)  # fmt: skip
    assert [len(e.steps) for e in alone] == [6]  # no episode ended before it: nothing to wait on
    with pytest.raises(ValueError, match="patience must be at least 0"):
        run_episodes("who devised pointillism", AnswerOrWander(answering=1), browsers, patience=-1)


def test_the_loop_resets_the_policy_with_a_seed_of_the_run_the_question_and_the_sample(
    tiny_corpus: CorpusBackend,
) -> None:
    from agent.seeds import derive_seed

    policy = ScriptedPolicy(["answer no"])
    run_episode("who devised pointillism", policy, BrowserEnv(tiny_corpus), seed=5)
    browsers = [BrowserEnv(tiny_corpus) for _ in range(3)]
    run_episodes("who devised pointillism", ScriptedPolicy(["answer no"] * 3), browsers, seed=5)
    assert policy.seeds == [derive_seed(5, "who devised pointillism", 0)]
    again = ScriptedPolicy(["answer no"] * 3)
    run_episodes("who devised pointillism", again, browsers, seed=5)
    assert again.seeds == [derive_seed(5, "who devised pointillism", i) for i in range(3)]
    assert len(set(again.seeds)) == 3
    assert 0 <= derive_seed(5, "q", 0) < 2**63 and derive_seed(5, "q", 0) != derive_seed(5, "q", 1)
