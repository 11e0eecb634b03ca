"""CPU speed of behaviour cloning and of the LM policy, each against a baseline in the same run.

    python benchmarks/bench_policy.py [--model agent/checkpoints/bc-default] [--steps 20]

Prints: BC training tokens/s through our Trainer path against a bare PyTorch loop on the
same batches (the Trainer's overhead); LM policy steps/s acting one observation at a time
against acting on 8 at once (``act_batch``, what best-of-n uses); and the scripted teacher's
steps/s for scale.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch

from agent.lm_policy import DEFAULT_CHECKPOINT, LMPolicy
from agent.loop import run_episode
from agent.teacher import TeacherPolicy
from agent.tiny_llama import TinyLlamaConfig
from browser.corpus import CorpusBackend
from browser.env import BrowserEnv
from training.bc import (
    PadCollator,
    examples_from_episodes,
    fit,
    load_model_and_tokenizer,
    tokenize_examples,
)
from training.bc_config import BCConfig
from training.questions import generate_questions

BATCH = 8


def bench_training(corpus: CorpusBackend, steps: int) -> None:
    questions = [q for q in generate_questions(corpus.pages()) if q.split == "train"][:200]
    env = BrowserEnv(corpus)
    episodes = [run_episode(q.question, TeacherPolicy(), env) for q in questions]
    pairs = examples_from_episodes(episodes, with_grammar=False)
    with tempfile.TemporaryDirectory() as out:
        config = BCConfig(out=Path(out), max_steps=steps, batch_size=BATCH, warmup_lm_epochs=0)
        texts = [text for pair in pairs for text in pair]
        model, tokenizer = load_model_and_tokenizer(config, texts, tiny=TinyLlamaConfig())
        examples = tokenize_examples(pairs, tokenizer, max_length=1024)
        summary, _ = fit(model, tokenizer, examples, config)
    ours = summary["tokens_per_second"]
    collate = PadCollator(tokenizer.pad_token_id)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    tokens, start = 0, time.perf_counter()
    for step in range(steps):
        batch = collate(examples[step * BATCH % len(examples) :][:BATCH])
        model(**batch).loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        tokens += int(batch["attention_mask"].sum())
    bare = tokens / (time.perf_counter() - start)
    print(f"BC training, default model size, batch {BATCH}, {steps} steps")
    print(f"  webgpt train bc (HF Trainer)        {ours:>10,.0f} tokens/s")
    print(f"  bare PyTorch loop (baseline)        {bare:>10,.0f} tokens/s")
    print(f"  ratio                               {ours / bare:>10.2f}x")


def bench_policy(corpus: CorpusBackend, model: str) -> None:
    env = BrowserEnv(corpus)
    questions = ["who directed 2001 a space odyssey", "what is the capital of peru",
                 "when was the eiffel tower built", "what is pointillism"]  # fmt: skip
    observations = []
    for question in questions:
        episode = run_episode(question, TeacherPolicy(), env)
        observations += [BrowserEnv(corpus).reset(question)] * 2
        assert episode.steps
    policy = LMPolicy.from_pretrained(model)
    start = time.perf_counter()
    for observation in observations:
        policy.act(observation)
    single = len(observations) / (time.perf_counter() - start)
    start = time.perf_counter()
    policy.act_batch(observations)
    batched = len(observations) / (time.perf_counter() - start)
    teacher = TeacherPolicy()
    start = time.perf_counter()
    for observation in observations * 50:
        teacher.act(observation)
    scripted = len(observations) * 50 / (time.perf_counter() - start)
    print(f"Policy steps on CPU ({len(observations)} first-step observations)")
    print(f"  LM policy, one at a time (baseline) {single:>10,.1f} steps/s")
    print(f"  LM policy, act_batch of {len(observations)}           {batched:>10,.1f} steps/s")
    print(f"  batching speed-up                   {batched / single:>10.2f}x")
    print(f"  scripted teacher (for scale)        {scripted:>10,.0f} steps/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(DEFAULT_CHECKPOINT))
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    corpus = CorpusBackend.open_default()
    bench_training(corpus, args.steps)
    if Path(args.model).exists():
        bench_policy(corpus, args.model)
    else:
        print(f"no policy checkpoint at {args.model}; policy speed not measured")


if __name__ == "__main__":
    main()
