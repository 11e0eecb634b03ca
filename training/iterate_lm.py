"""Expert iteration for the causal-LM policy: it clones its own best answers, round after round.

    webgpt train iterate --policy lm --demos demos.jsonl --out runs/iterate-lm
    webgpt train iterate --policy lm --model runs/bc-qwen --demos demos.jsonl --out runs/it --bf16
    accelerate launch -m cli.main train iterate --policy lm --model runs/bc-qwen \\
        --demos demos.jsonl --out runs/it --bf16

The rounds of :mod:`training.rounds` (the question draws, rewards, kept episodes, held-out
measures, table and flags) for :class:`agent.lm_policy.LMPolicy`. Each round samples
``samples`` episodes per training question from the round's starting model at
``temperature``, in lockstep as best-of-n does (:func:`agent.best_of_n.sample_episodes`),
and keeps each question's best episode when its reward clears ``keep_above``. Behaviour
cloning (:mod:`training.bc`, on the Hugging Face ``Trainer``) then continues from the
round's starting model on the teacher's demonstrations plus every episode kept so far, and
the model is saved in ``out/round-N`` (a policy ``webgpt ask --policy lm --model`` reads).

Every process (the one of a plain run, or each of ``accelerate launch``'s) holds the model
on the device the Trainer uses, samples and measures its share of the questions (every
``num_processes``-th), and writes what it found to a file of its own in the round's folder;
after ``wait_for_everyone`` the main process merges them into the round's files, and all
processes clone together, as ``train bc`` trains. ``out`` must be a folder every process
sees. Rounds resume: a finished round (a row of ``rounds.json``) is read back, not redone;
a round whose samples were merged (``round-N/kept.jsonl``) is not sampled again, and its
cloning resumes from the Trainer's last checkpoint.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import numpy as np
from accelerate import PartialState  # type: ignore[import-untyped]
from pydantic import BaseModel

from agent.best_of_n import DEFAULT_PATIENCE, sample_episodes
from agent.episode import Episode, read_episodes
from agent.lm_policy import POLICY_CONFIG, LMPolicy
from agent.reward import AnswerScorer
from agent.reward_model import RewardModel
from browser.corpus import CorpusBackend
from browser.env import BrowserEnv
from browser.models import Value
from browser.records import read_records, write_records
from training.bc import examples_from_episodes, fit, plot_loss, save_policy, tokenize_examples
from training.bc_config import BCConfig
from training.iterate_config import IterateConfig
from training.questions import GeneratedQuestion
from training.real_questions import real_questions_in
from training.rounds import (
    HeldoutOutcome,
    Sample,
    SampleRecord,
    answer_rewards,
    heldout_outcomes,
    kept_episodes,
    read_rows,
    round_questions,
    round_row,
    split_questions,
    summarize,
    without_article,
    write_rows,
    write_samples,
)
from training.run_config import RunConfig
from training.trainer_common import training_arguments

logger = logging.getLogger(__name__)
KEPT_FILE = "kept.jsonl"
"""A round's kept episodes; written last of its samples, so it marks them complete."""
PolicyFactory = Callable[[str | Path, float], LMPolicy]
"""Loads the policy saved at a path (or hub id) at a sampling temperature."""
_R = TypeVar("_R", bound=BaseModel)


class SampledEpisode(Value):
    """One sampled episode of a round, its question's place in the round's draw, its reward."""

    index: int
    episode: Episode
    reward: float


def iterate_lm(
    config: IterateConfig,
    questions: Sequence[GeneratedQuestion],
    demonstrations: Sequence[Episode],
    browser: BrowserEnv,
    policy_factory: PolicyFactory,
    start: str | Path,
    reward: AnswerScorer,
) -> list[dict[str, float]]:
    """Run (or resume) the rounds from the policy at ``start``; returns the table, one row per
    round (round 0: ``start``), in every process.

    Raises:
        ValueError: ``config`` is not for the LM policy.
    """
    if config.policy != "lm":
        raise ValueError(f"iterate_lm runs the LM policy's rounds, not --policy {config.policy}")
    state = trainer_state(config)
    config.out.mkdir(parents=True, exist_ok=True)
    train, heldout = split_questions(config, questions)
    rows = read_rows(config.out)
    if not rows:
        measured = _measure(policy_factory(start, 0.0), heldout, browser, reward, config, 0)
        rows = [{"round": 0.0, **measured}]
        _write_rows_once(config.out, rows, state)
    for number in range(len(rows), config.rounds + 1):
        model = start if number == 1 else _folder(config, number - 1)
        # one load of the round's starting model samples, then clones in place
        policy = policy_factory(model, config.temperature)
        if not (_folder(config, number) / KEPT_FILE).is_file():
            _sample_round(config, train, number, policy, browser, reward)
        _clone(config, number, policy, model, demonstrations)
        del policy  # the round's model is saved; only one model holds the device's memory
        greedy = _folder(config, number)
        measured = _measure(policy_factory(greedy, 0.0), heldout, browser, reward, config, number)
        rows.append(round_row(rows[-1], number, _sampled_reward(config, number), measured))
        _write_rows_once(config.out, rows, state)
    return rows


def iterate_on_corpus(
    config: IterateConfig,
    demonstrations: Sequence[Episode],
    corpus: CorpusBackend,
    start: str | Path,
) -> list[dict[str, float]]:
    """:func:`iterate_lm` on ``corpus``'s real-sounding questions (kept with the rounds,
    written by the main process first), scored by the shipped reward model on this
    process's device."""
    state = trainer_state(config)
    with state.main_process_first():
        questions = real_questions_in(config.out, corpus.pages)
    reward = RewardModel.from_pretrained()
    reward.model.to(state.device)
    browser = BrowserEnv(corpus)
    return iterate_lm(config, questions, demonstrations, browser, load_policy, start, reward.score)


def trainer_state(config: IterateConfig) -> PartialState:
    """The processes and devices as the rounds' Trainer sees them. Its arguments set up
    accelerate's shared state (one process; each of ``accelerate launch``'s; CPU processes
    under ``ACCELERATE_USE_CPU``), which every ``PartialState()`` then shares, so sampling
    splits the work the way training does."""
    return training_arguments(RunConfig(out=config.out)).distributed_state


def load_policy(path: str | Path, temperature: float) -> LMPolicy:
    """The LM policy saved at ``path`` (a folder or hub id), in float32 on the device the
    Trainer uses (this process's accelerator under ``accelerate launch``). A model that
    ``train bc`` did not save gets ``train bc --model``'s prompt and copy-prior defaults."""
    if (Path(path) / POLICY_CONFIG).is_file():
        policy = LMPolicy.from_pretrained(path, temperature=temperature)
    else:
        pretrained = BCConfig(out=Path(), model=str(path))
        policy = LMPolicy.from_pretrained(
            path, temperature=temperature, with_grammar=pretrained.grammar,
            copy_bias=pretrained.bias,
        )  # fmt: skip
    if policy.tokenizer.pad_token is None:  # batches of prompts are padded
        policy.tokenizer.pad_token = policy.tokenizer.eos_token
    policy.model.to(PartialState().device)
    return policy


def _sample_round(
    config: IterateConfig,
    train: Sequence[GeneratedQuestion],
    number: int,
    policy: LMPolicy,
    browser: BrowserEnv,
    reward: AnswerScorer,
) -> None:
    """Sample this process's share of the round's questions; the main process merges every
    share into the round's ``samples.jsonl`` and, last, ``kept.jsonl``."""
    state = PartialState()
    drawn = list(enumerate(round_questions(config, train, number)))
    mine = drawn[state.process_index :: state.num_processes]
    found = []
    for done, (index, (question, hidden)) in enumerate(mine, 1):
        where = without_article(browser, question) if hidden else browser
        seed = config.seed + 1000 * number
        episodes = sample_episodes(
            question.question, policy, where, config.samples, seed=seed, patience=DEFAULT_PATIENCE
        )
        rewards = answer_rewards(question, episodes, reward, config, hidden=hidden)
        found += [
            SampledEpisode(index=index, episode=e, reward=r)
            for e, r in zip(episodes, rewards, strict=True)
        ]
        if done % 25 == 0 or done == len(mine):
            logger.info("round %d: sampled %d/%d questions", number, done, len(mine))
    folder = _folder(config, number)
    everyone = _exchange(folder / "episodes", found, SampledEpisode)
    if state.is_main_process:
        groups = _groups(everyone)
        write_samples(folder / "samples.jsonl", groups, config)
        write_records(folder / KEPT_FILE, kept_episodes(groups, config))
    state.wait_for_everyone()


def _groups(records: Sequence[SampledEpisode]) -> list[list[Sample]]:
    """The samples of each question, in the order of the round's draw."""
    groups: dict[int, list[Sample]] = {}
    for record in sorted(records, key=lambda r: r.index):  # stable: samples stay in order
        groups.setdefault(record.index, []).append(Sample(record.episode, record.reward))
    return list(groups.values())


def _clone(
    config: IterateConfig,
    number: int,
    policy: LMPolicy,
    start: str | Path,
    demonstrations: Sequence[Episode],
) -> None:
    """Behaviour cloning of ``policy`` (the round's starting model) on the demonstrations and
    every episode kept so far; the main process saves the model in ``round-N``."""
    kept = [e for n in range(1, number + 1) for e in read_episodes(_folder(config, n) / KEPT_FILE)]
    logger.info("round %d: cloning %d demonstrations and %d kept episodes",
                number, len(demonstrations), len(kept))  # fmt: skip
    pairs = examples_from_episodes([*demonstrations, *kept], with_grammar=policy.with_grammar)
    examples = tokenize_examples(pairs, policy.tokenizer, max_length=config.bc_max_length)
    bc = _bc_config(config, number, policy, start)
    summary, history = fit(policy.model, policy.tokenizer, examples, bc)
    state = PartialState()
    if state.is_main_process:
        save_policy(policy.model, policy.tokenizer, bc.out, with_grammar=bc.grammar,
                    copy_bias=bc.bias)  # fmt: skip
        plot_loss(history, bc.out / "loss.png")
        report = {"config": bc.model_dump(mode="json"), "kept": len(kept), **summary}
        (bc.out / "train_summary.json").write_text(json.dumps(report, indent=2) + "\n")
        # the round's model is saved: its checkpoints served only a resumed cloning
        shutil.rmtree(bc.out / "checkpoints", ignore_errors=True)
    state.wait_for_everyone()


def _bc_config(config: IterateConfig, number: int, policy: LMPolicy, start: str | Path) -> BCConfig:
    """The round's behaviour-cloning run, resumed from its last checkpoint when there is one."""
    out = _folder(config, number)
    return BCConfig(
        out=out,
        model=str(start),
        epochs=config.bc_epochs,
        learning_rate=config.bc_learning_rate,
        batch_size=config.bc_batch_size,
        grad_accum=config.bc_grad_accum,
        max_steps=config.bc_max_steps,
        max_length=config.bc_max_length,
        bf16=config.bf16,
        seed=config.seed + number,
        with_grammar=policy.with_grammar,
        copy_bias=policy.copy_bias,
        resume=any((out / "checkpoints").glob("checkpoint-*")),
    )


def _measure(
    policy: LMPolicy,
    heldout: Sequence[GeneratedQuestion],
    browser: BrowserEnv,
    reward: AnswerScorer,
    config: IterateConfig,
    number: int,
) -> dict[str, float]:
    """The greedy policy on this process's share of the held-out questions; every process
    reads every share back and returns the table's held-out columns."""
    state = PartialState()
    mine = list(enumerate(heldout))[state.process_index :: state.num_processes]
    outcomes = heldout_outcomes(policy, mine, browser, reward, config)
    return summarize(_exchange(_folder(config, number) / "heldout", outcomes, HeldoutOutcome))


def _exchange(stem: Path, records: Sequence[_R], model: type[_R]) -> list[_R]:
    """Write this process's ``records`` to ``STEM-RANK.jsonl``, wait for every process, and
    read every process's records back, in order of rank."""
    state = PartialState()
    shard = stem.with_name(f"{stem.name}-{state.process_index}.jsonl")
    write_records(shard, records)
    state.wait_for_everyone()
    shards = [stem.with_name(f"{stem.name}-{rank}.jsonl") for rank in range(state.num_processes)]
    return [record for path in shards for record in read_records(path, model)]


def _sampled_reward(config: IterateConfig, number: int) -> float:
    """The mean reward of the round's samples."""
    records = read_records(_folder(config, number) / "samples.jsonl", SampleRecord)
    return float(np.mean([record.reward for record in records]))


def _write_rows_once(out: Path, rows: list[dict[str, float]], state: PartialState) -> None:
    """The main process writes the table; the others wait until it is there."""
    if state.is_main_process:
        write_rows(out, rows)
    state.wait_for_everyone()


def _folder(config: IterateConfig, number: int) -> Path:
    return config.out / f"round-{number}"
