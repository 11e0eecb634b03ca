"""Answer a few questions with the scripted teacher on the embedded offline corpus.

    python demos/ask_offline.py ["your question" ...]

Shows the library API: a browser over the default corpus, the episode loop with a live
step callback, and the episode record saved as a demonstration.
"""

from __future__ import annotations

import sys
from pathlib import Path

from agent import TeacherPolicy, append_episode, run_episode
from agent.episode import Step
from browser import BrowserEnv, CorpusBackend, StepResult

QUESTIONS = [
    "who directed 2001 a space odyssey",
    "when did the berlin wall fall",
    "what is the largest planet in the solar system",
]


def show(step: Step, result: StepResult) -> None:
    print(f"  > {step.action}" + (f"   (error: {step.error})" if step.error else ""))


def main() -> None:
    browser = BrowserEnv(CorpusBackend.open_default())
    out = Path("demo-episodes.jsonl")
    for question in sys.argv[1:] or QUESTIONS:
        print(question)
        episode = run_episode(question, TeacherPolicy(), browser, on_step=show)
        print(f"  = {episode.answer}")
        for reference in episode.references:
            print(f"    [{reference.id}] {reference.title} <{reference.url}>")
        append_episode(out, episode)
    print(f"episodes appended to {out}")


if __name__ == "__main__":
    main()
