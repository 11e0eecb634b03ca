"""Start-up cost of `webgpt ask --best-of 8`: the imports it pays before the first sample.

    python benchmarks/bench_startup.py [--runs 5]

Each measurement is a fresh process (median of ``--runs``), so the numbers include what
Python and the OS caches give a second run, as a user's repeated commands get. Measured:

- the parser alone (``cli.main``): what every command, even a failing one, pays;
- what best-of-n loads: the CLI, the LM policy and the reward model's scorer;
- the baseline, the same plus ``transformers.Trainer``: what the reward model's module
  imported while scoring and training lived together (``training/reward_model.py``).

The ratio of the last two is what the move of the scorer into ``agent/`` saves.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

PROBES = {
    "parser (cli.main)": "import cli.main",
    "best-of-n path (cli, LM policy, reward scorer)": (
        "import cli.main, agent.lm_policy, agent.reward_model, agent.best_of_n"
    ),
    "baseline: the same + transformers.Trainer": (
        "import cli.main, agent.lm_policy, agent.reward_model, agent.best_of_n; "
        "from transformers import Trainer"
    ),
}


def seconds(code: str) -> float:
    """Wall time of the imports in a fresh interpreter, measured inside it."""
    timed = f"import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"
    done = subprocess.run([sys.executable, "-c", timed], capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per measurement")
    args = parser.parse_args()
    medians = {}
    for label, code in PROBES.items():
        seconds(code)  # warm the OS file cache for this set of modules
        medians[label] = statistics.median(seconds(code) for _ in range(args.runs))
        print(f"  {label:<48} {medians[label]:>6.2f} s")
    path, baseline = list(medians.values())[1:]
    print(f"  best-of-n imports / baseline                     {path / baseline:>6.2f}x")


if __name__ == "__main__":
    main()
