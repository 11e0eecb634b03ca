"""Behaviour cloning on a tiny real model: it learns, and the policy it makes can browse."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from agent.lm_policy import LMPolicy
from agent.loop import run_episode
from agent.teacher import TeacherPolicy
from agent.tiny_llama import TinyLlamaConfig
from browser.corpus import CorpusBackend
from browser.env import BrowserConfig, BrowserEnv
from training.bc import (
    PadCollator,
    TargetOnlyTrainer,
    examples_from_episodes,
    fit,
    load_model_and_tokenizer,
    tokenize_examples,
    train_bc,
)
from training.bc_config import BCConfig
from training.trainer_common import training_arguments

MICRO = TinyLlamaConfig(vocab_size=600, hidden_size=64, intermediate_size=128, layers=2, heads=2)
QUESTIONS = ["who devised pointillism", "when was la grande jatte painted",
             "who developed the technique with paul signac", "what is pointillism"]  # fmt: skip


@pytest.fixture(scope="module")
def demos(tiny_corpus: CorpusBackend) -> list:  # type: ignore[type-arg]
    env = BrowserEnv(tiny_corpus)
    return [run_episode(q, TeacherPolicy(), env) for q in QUESTIONS]


def test_prompts_mask_everything_but_the_command(demos: list, tmp_path: Path) -> None:  # type: ignore[type-arg]
    config = BCConfig(out=tmp_path)
    pairs = examples_from_episodes(demos, with_grammar=False)
    assert len(pairs) == sum(len(episode.steps) for episode in demos)
    assert pairs[0][0].startswith("Question: who devised pointillism")
    assert pairs[0][0].endswith("Next command:") and pairs[0][1].startswith(" search ")
    texts = [text for pair in pairs for text in pair]
    _, tokenizer = load_model_and_tokenizer(config, texts, tiny=MICRO)
    (example,) = tokenize_examples(pairs[:1], tokenizer, max_length=1024)
    learned = [
        t for t, label in zip(example["input_ids"], example["labels"], strict=True) if label != -100
    ]
    assert tokenizer.decode(learned, skip_special_tokens=True) == pairs[0][1]
    assert learned[-1] == tokenizer.eos_token_id
    assert tokenize_examples(pairs[:1], tokenizer, max_length=20) == []  # too long: dropped


def test_a_few_steps_lower_the_loss_and_change_every_parameter(demos: list, tmp_path: Path) -> None:  # type: ignore[type-arg]
    config = BCConfig(out=tmp_path, max_steps=30, batch_size=4, learning_rate=3e-3)
    pairs = examples_from_episodes(demos, with_grammar=False)
    model, tokenizer = load_model_and_tokenizer(config, [t for p in pairs for t in p], tiny=MICRO)
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    summary, history = fit(
        model, tokenizer, tokenize_examples(pairs, tokenizer, max_length=1024), config
    )
    assert summary["steps"] == 30
    assert history[-1][1] < 0.75 * history[0][1], history
    unchanged = [name for name, p in model.named_parameters() if torch.equal(before[name], p)]
    assert unchanged == []


def test_trained_policy_runs_through_the_browser(
    demos: list,
    tiny_corpus: CorpusBackend,
    tmp_path: Path,  # type: ignore[type-arg]
) -> None:
    out = tmp_path / "policy"
    config = BCConfig(out=out, max_steps=60, batch_size=4, learning_rate=3e-3, warmup_lm_epochs=0)
    summary = train_bc(config, demos, tiny=MICRO)
    assert summary["examples"] == sum(len(episode.steps) for episode in demos)
    assert summary["last_loss"] < summary["first_loss"]
    assert {"model.safetensors", "tokenizer.json", "webgpt_policy.json", "loss.png"} <= {
        p.name for p in out.iterdir()
    }
    policy = LMPolicy.from_pretrained(out, max_new_tokens=24)
    env = BrowserEnv(tiny_corpus, BrowserConfig(max_actions=6))
    episode = run_episode("who devised pointillism", policy, env)
    assert 1 <= len(episode.steps) <= 6
    assert policy.steps == len(episode.steps)
    assert 0 <= policy.unparsable <= policy.steps
    assert episode.steps[0].action.split()[0] == "search"  # the first thing every demo did
    biased = LMPolicy.from_pretrained(out, max_new_tokens=24, copy_bias=4.0)
    assert biased.copy_bias == 4.0
    assert 1 <= len(run_episode("who devised pointillism", biased, env).steps) <= 6


def test_sampling_is_seeded(demos: list, tmp_path: Path, tiny_corpus: CorpusBackend) -> None:  # type: ignore[type-arg]
    out = tmp_path / "policy"
    train_bc(BCConfig(out=out, max_steps=5, batch_size=4), demos, tiny=MICRO)
    observation = BrowserEnv(tiny_corpus).reset("who devised pointillism")
    first = LMPolicy.from_pretrained(out, temperature=1.0, seed=7, retries=0).act(observation)
    again = LMPolicy.from_pretrained(out, temperature=1.0, seed=7, retries=0).act(observation)
    assert first == again
    with pytest.raises(ValueError, match="temperature -1"):
        LMPolicy.from_pretrained(out, temperature=-1)


def test_target_only_loss_equals_the_models_own_loss(demos: list, tmp_path: Path) -> None:  # type: ignore[type-arg]
    from transformers import TrainingArguments

    from training.bc import PadCollator, TargetOnlyTrainer

    pairs = examples_from_episodes(demos, with_grammar=False)
    texts = [text for pair in pairs for text in pair]
    model, tokenizer = load_model_and_tokenizer(BCConfig(out=tmp_path), texts, tiny=MICRO)
    batch = PadCollator(tokenizer.pad_token_id)(
        tokenize_examples(pairs[:4], tokenizer, max_length=1024)
    )
    trainer = TargetOnlyTrainer(model=model, args=TrainingArguments(output_dir=str(tmp_path)))
    expected = model(**batch).loss
    assert trainer.compute_loss(model, dict(batch)).item() == pytest.approx(
        expected.item(), rel=1e-5
    )


def test_each_retry_of_an_unparsable_reply_is_a_fresh_draw(
    demos: list,  # type: ignore[type-arg]
    tiny_corpus: CorpusBackend,
    tmp_path: Path,
) -> None:
    pairs = examples_from_episodes(demos, with_grammar=False)
    texts = [text for pair in pairs for text in pair]
    model, tokenizer = load_model_and_tokenizer(BCConfig(out=tmp_path), texts, tiny=MICRO)
    policy = LMPolicy(model=model, tokenizer=tokenizer, retries=2, max_new_tokens=8)
    replies: list[list[str]] = []
    generate = policy._generate
    policy._generate = lambda *args: replies.append(generate(*args)) or replies[-1]  # type: ignore[method-assign]
    policy.act(BrowserEnv(tiny_corpus).reset("who devised pointillism"))
    assert len(replies) == 3  # an untrained model: the first reply and both retries fail
    assert replies[1] != replies[2]


def test_gradient_accumulation_gives_the_gradient_of_one_large_batch(
    demos: list, tmp_path: Path  # type: ignore[type-arg]
) -> None:
    """The loss is summed over target tokens and divided by the targets of the whole
    optimiser step, so two micro-batches of 2 give the gradient of one batch of 4, even
    when the examples have different numbers of target tokens."""
    pairs = examples_from_episodes(demos, with_grammar=False)
    config = BCConfig(out=tmp_path)
    model, tokenizer = load_model_and_tokenizer(config, [t for p in pairs for t in p], tiny=MICRO)
    examples = tokenize_examples(pairs, tokenizer, max_length=1024)[:4]
    targets = [sum(label != -100 for label in e["labels"][1:]) for e in examples]
    assert len(set(targets)) > 1  # uneven, or a per-batch mean would agree by accident
    collate = PadCollator(tokenizer.pad_token_id)

    def gradient(micro_batches: list[list[dict[str, list[int]]]], accumulation: int) -> Any:
        settings = BCConfig(out=tmp_path, batch_size=len(micro_batches[0]), grad_accum=accumulation)
        trainer = TargetOnlyTrainer(model=model, args=training_arguments(settings),
                                    data_collator=collate)  # fmt: skip
        model.zero_grad()
        batches = [collate(batch) for batch in micro_batches]
        count = trainer._get_num_items_in_batch(batches, torch.device("cpu"))
        assert int(count) == sum(targets)
        for batch in batches:
            trainer.training_step(model, batch, count)
        return torch.cat([p.grad.flatten() for p in model.parameters() if p.grad is not None])

    whole = gradient([examples], 1)
    accumulated = gradient([examples[:2], examples[2:]], 2)
    assert torch.allclose(whole, accumulated, atol=1e-6)
