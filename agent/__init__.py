"""The agent: policies, the episode loop and its record, and the ``webgpt`` CLI."""

from agent.episode import Episode, Step, append_episode, read_episodes
from agent.human import HumanPolicy
from agent.loop import run_episode
from agent.policy import Policy
from agent.teacher import TeacherPolicy

__all__ = [
    "Episode",
    "HumanPolicy",
    "Policy",
    "Step",
    "TeacherPolicy",
    "append_episode",
    "read_episodes",
    "run_episode",
]
