"""The embedded default reward model, rebuilt by one command:

    webgpt train rm --out agent/checkpoints/rm-default

Generated questions (:mod:`training.questions`) are answered four times each by the
default BC policy at temperature 0.8; the reference judge ranks the answers of each question
into comparisons (:mod:`training.synthetic`). Questions from training articles train the
MiniLM reward model; questions from held-out articles (never seen by the policy or the
reward model) measure its pairwise accuracy. Every stage resumes from the files in ``work``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

from agent.best_of_n import sample_episodes
from agent.lm_policy import LMPolicy
from agent.shipped import DEFAULT_POLICY
from browser.corpus import CorpusBackend
from browser.env import BrowserEnv
from training.judge import ReferenceJudge
from training.questions import generate_questions, read_questions, write_questions
from training.reward_training import train_reward_model
from training.rm_config import RMConfig
from training.synthetic import synthesize_comparisons

logger = logging.getLogger(__name__)
TRAIN_QUESTIONS, HELDOUT_QUESTIONS, SAMPLES, TEMPERATURE = 500, 200, 4, 0.8


def build_default_reward_model(
    config: RMConfig,
    work: Path,
    *,
    policy_path: Path = DEFAULT_POLICY,
    questions_per_split: tuple[int, int] = (TRAIN_QUESTIONS, HELDOUT_QUESTIONS),
) -> dict[str, float]:
    """Synthesize comparisons from the policy into ``work``, then train with ``config``
    (its ``comparisons`` and ``eval_comparisons`` become the synthesized files;
    ``questions_per_split``: training and held-out questions)."""
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
            lambda question, n: sample_episodes(question, policy, browser, n, seed=config.seed),
            ReferenceJudge(),
            files[split],
            n_samples=SAMPLES,
            seed=config.seed,
            on_progress=_progress_logger(split),
        )
        logger.info("%s comparisons: %s", split, json.dumps(counts))
    update = {"comparisons": [files["train"]], "eval_comparisons": [files["heldout"]]}
    return train_reward_model(config.model_copy(update=update))


def _progress_logger(split: str) -> Callable[[int, int], None]:
    return lambda done, total: logger.info("%s: %d/%d questions", split, done, total)
