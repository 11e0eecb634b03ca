"""Behaviour cloning: supervised fine-tuning on demonstrations, loss on the command only.

    webgpt train bc --demos demos.jsonl --model PATH_OR_ID --out runs/bc
    webgpt train bc --out runs/bc       # the embedded default: a small Llama from scratch

Each step of each demonstration episode becomes one example: the prompt built from the
observation the demonstrator saw (:func:`agent.prompt.build_prompt`), then the command it
issued. Prompt tokens are masked out of the loss (label -100), so the model learns to act,
not to predict pages. Training runs on the Hugging Face ``Trainer``: multi-GPU, bf16,
gradient accumulation and ``--resume`` work as users of that stack expect.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import torch
from transformers import (
    LlamaForCausalLM,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    Trainer,
)

from agent.episode import Episode
from agent.lm_policy import POLICY_CONFIG
from agent.prompt import build_prompt, completion_text
from agent.tiny_llama import TinyLlamaConfig, train_tokenizer
from training.bc_config import BCConfig
from training.trainer_common import LossHistory, save_bfloat16, training_arguments

logger = logging.getLogger(__name__)


def examples_from_episodes(
    episodes: Iterable[Episode], *, with_grammar: bool
) -> list[tuple[str, str]]:
    """One ``(prompt, completion)`` pair per step: the TRL/HF prompt-completion format."""
    return [
        (build_prompt(step.observation, with_grammar=with_grammar), completion_text(step.action))
        for episode in episodes
        for step in episode.steps
    ]


def tokenize_examples(
    pairs: Sequence[tuple[str, str]], tokenizer: PreTrainedTokenizerBase, *, max_length: int
) -> list[dict[str, list[int]]]:
    """Token ids with the prompt masked out of the labels; over-long examples are dropped."""
    examples, dropped = [], 0
    for prompt, completion in pairs:
        prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        completion_ids = tokenizer(completion, add_special_tokens=False)["input_ids"]
        completion_ids = [*completion_ids, tokenizer.eos_token_id]
        if len(prompt_ids) + len(completion_ids) > max_length:
            dropped += 1
            continue
        examples.append(
            {
                "input_ids": prompt_ids + completion_ids,
                "labels": [-100] * len(prompt_ids) + completion_ids,
            }
        )
    if dropped:
        logger.warning(
            "dropped %d of %d examples longer than %d tokens", dropped, len(pairs), max_length
        )
    return examples


class TargetOnlyTrainer(Trainer):
    """The HF ``Trainer`` computing logits only where there is a target.

    Prompt tokens carry no loss, yet a causal LM's forward projects every position onto the
    vocabulary: for the small default model that projection is about 40% of the compute.
    Here the base model runs on the whole sequence and the output layer only on the positions
    whose next token is a target. The loss is the sum of the targets' cross-entropy over
    ``num_items_in_batch`` (the targets of every micro-batch of the optimiser step), as the
    Trainer's own causal-LM loss is, so gradient accumulation gives the same loss and
    gradient as one large batch; without that count it is the micro-batch's token mean.
    """

    def compute_loss(
        self,
        model: Any,
        inputs: dict[str, torch.Tensor],
        return_outputs: bool = False,
        num_items_in_batch: Any = None,
    ) -> Any:
        labels = inputs.pop("labels")  # (B, T)
        # through the model itself, which may be wrapped (DDP syncs gradients in its forward);
        # the output layer runs on the last position only, then on the targets' positions
        output = model(**inputs, output_hidden_states=True, logits_to_keep=1)
        hidden = output.hidden_states[-1]  # (B, T, H), after the final norm
        targets = labels[:, 1:]  # the token each position predicts
        keep = targets != -100  # (B, T-1)
        head = self.accelerator.unwrap_model(model).get_output_embeddings()
        logits = head(hidden[:, :-1][keep])  # (N, V)
        if num_items_in_batch is None:
            loss = torch.nn.functional.cross_entropy(logits.float(), targets[keep])
        else:
            losses = torch.nn.functional.cross_entropy(
                logits.float(), targets[keep], reduction="none"
            )  # (N,)
            loss = losses.sum() / num_items_in_batch
            if self.args.average_tokens_across_devices:
                loss = loss * self.accelerator.num_processes  # the count spans every device
        return (loss, logits) if return_outputs else loss


class PadCollator:
    """Right-pads a batch; padded label positions are -100."""

    def __init__(self, pad_id: int) -> None:
        self.pad_id = pad_id

    def __call__(self, batch: list[dict[str, list[int]]]) -> dict[str, torch.Tensor]:
        width = max(len(example["input_ids"]) for example in batch)
        ids = torch.full((len(batch), width), self.pad_id, dtype=torch.long)
        labels = torch.full((len(batch), width), -100, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for row, example in enumerate(batch):
            n = len(example["input_ids"])
            ids[row, :n] = torch.tensor(example["input_ids"])
            labels[row, :n] = torch.tensor(example["labels"])
            mask[row, :n] = 1
        return {"input_ids": ids, "labels": labels, "attention_mask": mask}  # (B, T) each


def load_model_and_tokenizer(
    config: BCConfig, tokenizer_texts: Iterable[str], *, tiny: TinyLlamaConfig | None = None
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """A pretrained causal LM, or a fresh small Llama with a tokenizer trained on the texts."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if config.model is not None:
        tokenizer = AutoTokenizer.from_pretrained(config.model)
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        return AutoModelForCausalLM.from_pretrained(config.model), tokenizer
    tiny = tiny or TinyLlamaConfig()
    tokenizer = train_tokenizer(tokenizer_texts, vocab_size=tiny.vocab_size)
    torch.manual_seed(config.seed)
    return LlamaForCausalLM(tiny.llama(tokenizer)), tokenizer


def train_bc(
    config: BCConfig,
    episodes: Sequence[Episode],
    *,
    tokenizer_texts: Iterable[str] = (),
    tiny: TinyLlamaConfig | None = None,
) -> dict[str, float]:
    """Clone the behaviour in ``episodes``; saves model, tokenizer, loss curve to ``config.out``.

    Returns: a summary (examples, steps, first and last logged loss, tokens/s).
    """
    pairs = examples_from_episodes(episodes, with_grammar=config.grammar)
    texts = (text for pair in pairs for text in pair)
    model, tokenizer = load_model_and_tokenizer(config, _chain(tokenizer_texts, texts), tiny=tiny)
    examples = tokenize_examples(pairs, tokenizer, max_length=config.max_length)
    if config.warmup_lm_epochs > 0:
        whole = [{**e, "labels": list(e["input_ids"])} for e in examples]  # every token a target
        out = config.out / "lm-warmup"
        warmup = config.model_copy(
            update={"epochs": config.warmup_lm_epochs, "max_steps": -1, "out": out}
        )
        fit(model, tokenizer, whole, warmup)
    summary, history = fit(model, tokenizer, examples, config)
    save_policy(model, tokenizer, config.out, with_grammar=config.grammar, copy_bias=config.bias)
    plot_loss(history, config.out / "loss.png")
    (config.out / "train_summary.json").write_text(
        json.dumps({"config": config.model_dump(mode="json"), **summary}, indent=2)
    )
    return summary


def fit(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    examples: list[dict[str, list[int]]],
    config: BCConfig,
) -> tuple[dict[str, float], list[tuple[int, float]]]:
    """Run the Trainer on tokenized examples; returns a summary and the (step, loss) history."""
    if not examples:
        raise ValueError("no training examples: the demonstrations are empty or all too long")
    history = LossHistory()
    args = training_arguments(
        config,
        lr_scheduler_type="cosine",
        warmup_steps=0.05,
        save_total_limit=2,
        train_sampling_strategy="group_by_length",
    )
    trainer = TargetOnlyTrainer(
        model=model,
        args=args,
        train_dataset=examples,
        data_collator=PadCollator(tokenizer.pad_token_id),
        processing_class=tokenizer,  # checkpoints then hold the tokenizer too
        callbacks=[history],
    )
    result = trainer.train(resume_from_checkpoint=config.resume or None)
    mean_length = sum(len(e["input_ids"]) for e in examples) / len(examples)
    seen = trainer.state.global_step * config.batch_size * config.grad_accum * args.world_size
    seconds = float(result.metrics["train_runtime"])
    summary = {
        "examples": float(len(examples)),
        "steps": float(trainer.state.global_step),
        "first_loss": history.points[0][1] if history.points else math.nan,
        "last_loss": history.points[-1][1] if history.points else math.nan,
        "train_seconds": seconds,
        "tokens_per_second": seen * mean_length / seconds,
    }
    return summary, history.points


def save_policy(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    out: Path,
    *,
    with_grammar: bool,
    copy_bias: float = 0.0,
) -> None:
    """Save weights (bfloat16 safetensors, half the bytes), tokenizer, and the prompt and
    decoding settings :meth:`agent.lm_policy.LMPolicy.from_pretrained` reads back."""
    save_bfloat16(model, tokenizer, out)
    settings = {"with_grammar": with_grammar, "copy_bias": copy_bias}
    (out / POLICY_CONFIG).write_text(json.dumps(settings, indent=2) + "\n")


def plot_loss(points: Sequence[tuple[int, float]], path: Path) -> None:
    """The training-loss curve as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 3.5))
    if points:
        steps, losses = zip(*points, strict=True)
        axes.plot(steps, losses)
    axes.set_xlabel("step")
    axes.set_ylabel("loss (command tokens)")
    axes.set_yscale("log")
    axes.set_title("Behaviour cloning")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def _chain(*iterables: Iterable[str]) -> Iterable[str]:
    for iterable in iterables:
        yield from iterable
