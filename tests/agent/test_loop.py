from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.episode import Step, append_episode, read_episodes
from agent.errors import EpisodeFormatError
from agent.loop import run_episode
from agent.teacher import TeacherPolicy
from browser.corpus import CorpusBackend
from browser.env import BrowserEnv, StepResult
from browser.observation import Observation


class ScriptedPolicy:
    """Replays fixed commands, recording what it was shown."""

    name = "scripted"

    def __init__(self, commands: list[str]) -> None:
        self.commands = commands
        self.seen: list[Observation] = []

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
