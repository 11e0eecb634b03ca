"""The agent: policies, the episode loop and its record, best-of-n and the reward model.

The models (``LMPolicy``, ``RewardModel``) load torch, so they are imported on first use:
``from agent import TeacherPolicy`` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from agent.best_of_n import best_of_n, sample_episodes
from agent.episode import Episode, Reference, Step, append_episode, read_episodes
from agent.human import HumanPolicy
from agent.loop import run_episode, run_episodes
from agent.policy import Policy
from agent.reward import episode_scorer
from agent.seeds import derive_seed
from agent.teacher import TeacherPolicy

if TYPE_CHECKING:
    from agent.chat_policy import ChatPolicy
    from agent.lm_policy import LMPolicy
    from agent.ranker_policy import RankerPolicy
    from agent.reader import Reader
    from agent.reading_teacher import ReadingTeacher
    from agent.reward_model import RewardModel

_LAZY = {
    "ChatPolicy": "agent.chat_policy",
    "LMPolicy": "agent.lm_policy",
    "RankerPolicy": "agent.ranker_policy",  # the default; NumPy and the shipped reader
    "Reader": "agent.reader",
    "ReadingTeacher": "agent.reading_teacher",
    "RewardModel": "agent.reward_model",
}

__all__ = [
    "ChatPolicy",
    "Episode",
    "HumanPolicy",
    "LMPolicy",
    "Policy",
    "RankerPolicy",
    "Reader",
    "ReadingTeacher",
    "Reference",
    "RewardModel",
    "Step",
    "TeacherPolicy",
    "append_episode",
    "best_of_n",
    "derive_seed",
    "episode_scorer",
    "read_episodes",
    "run_episode",
    "run_episodes",
    "sample_episodes",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'agent' has no attribute {name!r}")
