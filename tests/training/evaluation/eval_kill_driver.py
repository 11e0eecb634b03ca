"""Run an evaluation in its own process, for the kill-and-resume test.

    python eval_kill_driver.py CORPUS DATASET OUT DELAY

Every episode start is appended to OUT/../starts.log (flushed), so the test can count how
often each question was attempted across processes.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from agent.teacher import TeacherPolicy
from browser.corpus import CorpusBackend
from browser.env import BrowserEnv
from browser.observation import Observation
from training.evaluation import load_dataset, run_eval


class LoggingTeacher(TeacherPolicy):
    def __init__(self, log: Path, delay: float) -> None:
        super().__init__()
        self.log, self.delay = log, delay

    def act(self, observation: Observation) -> str:
        if not observation.past_actions:
            with self.log.open("a", encoding="utf-8") as handle:
                handle.write(observation.question + "\n")
        time.sleep(self.delay)
        return super().act(observation)


def main() -> None:
    corpus, dataset, out, delay = sys.argv[1:5]
    backend = CorpusBackend(Path(corpus))
    log = Path(out).parent / "starts.log"
    run_eval(
        load_dataset(Path(dataset)),
        lambda: LoggingTeacher(log, float(delay)),
        lambda: BrowserEnv(backend),
        Path(out),
        workers=2,
        label="kill-test",
    )


if __name__ == "__main__":
    main()
