"""The embedded default reward model, rebuilt by one command:

    webgpt train rm --out agent/checkpoints/rm-default

Real-sounding generated questions (:mod:`training.real_questions`) are answered four times
each by the default policy sampling at ``temperature``; a fifth of them are asked with their
article hidden from the corpus (:mod:`training.unanswerable`), where an honest abstention
is the better answer. The reference judge ranks each question's answers into comparisons
(:mod:`training.synthetic`). Questions from training articles train the MiniLM reward
model; questions from held-out articles (never seen by the policy or the reward model)
measure its pairwise accuracy. Every stage resumes from the files in ``work``.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Sequence
from pathlib import Path

from agent.best_of_n import sample_episodes
from agent.episode import Episode
from agent.policy import Policy
from browser.corpus import CorpusBackend
from browser.env import BrowserEnv
from training.judge import ReferenceJudge
from training.progress import logged_progress
from training.real_questions import real_questions_in
from training.reward_training import train_reward_model
from training.rm_config import RMConfig
from training.synthetic import synthesize_comparisons
from training.unanswerable import WithoutPages
from training.written_questions import written_questions

logger = logging.getLogger(__name__)
TRAIN_QUESTIONS, HELDOUT_QUESTIONS, SAMPLES, HIDDEN_SHARE = 400, 150, 4, 0.2


def build_default_reward_model(
    config: RMConfig,
    work: Path,
    policy: Policy,
    *,
    questions_per_split: tuple[int, int] = (TRAIN_QUESTIONS, HELDOUT_QUESTIONS),
    written: Sequence[Path] = (),
) -> dict[str, float]:
    """Synthesize comparisons from ``policy`` (sampling) into ``work``, then train with
    ``config`` (its ``comparisons`` and ``eval_comparisons`` become the synthesized files).
    With ``written`` files, training questions are drawn from their questions of training
    articles instead of the generated ones."""
    work.mkdir(parents=True, exist_ok=True)
    corpus = CorpusBackend.open_default()
    questions = real_questions_in(work, corpus.pages)
    people = [q for path in written for q in written_questions(path, corpus) if q.split == "train"]
    if written and len(people) < questions_per_split[0]:
        raise ValueError(f"--written: {len(people)} questions of training articles, fewer "
                         f"than the {questions_per_split[0]} the build samples on")  # fmt: skip
    files = {}
    for split, count in zip(("train", "heldout"), questions_per_split, strict=True):
        files[split] = work / f"comparisons-{split}.jsonl"
        pool = people if people and split == "train" else questions
        chosen = random.Random(f"rm:{split}").sample([q for q in pool if q.split == split], count)
        hidden = {q.question: q.url for q in chosen[: int(count * HIDDEN_SHARE)]}

        def sample(question: str, n: int, hidden: dict[str, str] = hidden) -> list[Episode]:
            backend = WithoutPages(corpus, {hidden[question]}) if question in hidden else corpus
            return sample_episodes(question, policy, BrowserEnv(backend), n, seed=config.seed)

        counts = synthesize_comparisons(chosen, sample, ReferenceJudge(), files[split],
                                        n_samples=SAMPLES, seed=config.seed,
                                        on_progress=logged_progress(split, every=25))  # fmt: skip
        logger.info("%s comparisons: %s", split, json.dumps(counts))
    update = {"comparisons": [files["train"]], "eval_comparisons": [files["heldout"]]}
    return train_reward_model(config.model_copy(update=update))
