"""The embedded default reward model, rebuilt by one command:

    python -m training.default_reward_model --out training/checkpoints/rm-default

Generated questions (:mod:`training.questions`) are answered four times each by the
default BC policy at temperature 0.8; the reference judge ranks the answers of each question
into comparisons (:mod:`training.synthetic`). Questions from training articles train the
MiniLM reward model; questions from held-out articles (never seen by the policy or the
reward model) measure its pairwise accuracy. Every stage resumes from the files in ``work``.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Callable
from pathlib import Path

from agent.lm_policy import DEFAULT_CHECKPOINT, LMPolicy
from browser.corpus import CorpusBackend
from browser.env import BrowserEnv
from training.best_of_n import sample_episodes
from training.judge import ReferenceJudge
from training.questions import generate_questions, read_questions, write_questions
from training.reward_model import train_reward_model
from training.rm_config import RMConfig
from training.synthetic import synthesize_comparisons

logger = logging.getLogger(__name__)
TRAIN_QUESTIONS, HELDOUT_QUESTIONS, SAMPLES, TEMPERATURE = 500, 200, 4, 0.8


def build_default_reward_model(
    out: Path,
    work: Path,
    *,
    policy_path: Path = DEFAULT_CHECKPOINT,
    questions_per_split: tuple[int, int] = (TRAIN_QUESTIONS, HELDOUT_QUESTIONS),
    max_steps: int = -1,
) -> dict[str, float]:
    """Synthesize comparisons from the BC policy into ``work``, then train into ``out``
    (``questions_per_split``: training and held-out questions; ``max_steps`` caps training)."""
    work.mkdir(parents=True, exist_ok=True)
    corpus = CorpusBackend.open_default()
    questions_file = work / "questions.jsonl"
    if not questions_file.is_file():
        write_questions(questions_file, generate_questions(corpus.pages()))
    questions = read_questions(questions_file)
    policy = LMPolicy.from_pretrained(policy_path, temperature=TEMPERATURE)
    browser = BrowserEnv(corpus)
    files = {}
    for split, limit in zip(("train", "heldout"), questions_per_split, strict=True):
        files[split] = work / f"comparisons-{split}.jsonl"
        chosen = [q for q in questions if q.split == split][:limit]
        counts = synthesize_comparisons(
            chosen,
            lambda question, n: sample_episodes(question, policy, browser, n),
            ReferenceJudge(),
            files[split],
            n_samples=SAMPLES,
            on_progress=_progress_logger(split),
        )
        logger.info("%s comparisons: %s", split, json.dumps(counts))
    config = RMConfig(
        comparisons=[files["train"]],
        eval_comparisons=[files["heldout"]],
        out=out,
        max_steps=max_steps,
    )
    return train_reward_model(config)


def _progress_logger(split: str) -> Callable[[int, int], None]:
    return lambda done, total: logger.info("%s: %d/%d questions", split, done, total)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="where the reward model goes")
    parser.add_argument("--work", type=Path, help="questions and comparisons (default OUT/work)")
    parser.add_argument("--policy", type=Path, default=DEFAULT_CHECKPOINT, help="the BC policy")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    summary = build_default_reward_model(
        args.out, args.work or args.out / "work", policy_path=args.policy
    )
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
