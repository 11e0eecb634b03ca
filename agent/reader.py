"""The reader: how well a sentence answers a question, and which span of it is the answer.

    reader = Reader.load()                          # the shipped one, NumPy only
    readings = reader.read("who wrote moby-dick", [("Moby-Dick", "It is a novel by …"), …])
    best = max(readings, key=lambda r: r.score)
    best.answer                                     # "Herman Melville" (a span of the sentence)

It is MiniLM as a cross-encoder: the question and ``title: sentence`` go through the
encoder together; a relevance head on the pooled first token scores the pair, and a span
head on each token of the sentence gives where the short answer starts and ends (the
extractive reader of open-domain QA, Chen et al. 2017; Karpukhin et al. 2020). Training
(:mod:`training.reader`) fine-tunes only the top layers, so a checkpoint holds those
layers and the heads (about 7 MB) and the rest comes from the packaged MiniLM.

A sentence's score adds two standardised views: the cross-encoder's relevance, learnt on
generated questions, and the cosine of the packaged (untrained) MiniLM between the
question and ``title: sentence``, which all-MiniLM-L6-v2's own training on real question
and answer pairs made good at paraphrase. The scales of each come from held-out
generated questions (``combine`` in the settings); together they pick the answering
sentence more often than either alone (``benchmarks/reader_accuracy.py``).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from agent.shipped import DEFAULT_READER
from browser.dense import shared_encoder
from browser.encoder import Array, Encoder

READER_SETTINGS = "webgpt_reader.json"
READER_WEIGHTS = "reader.safetensors"
MAX_ANSWER_TOKENS = 12


@dataclass(frozen=True)
class Reading:
    """The reader's view of one sentence: its score, the best answer span of ``title:
    sentence`` (the page's title answers "who wrote …" when the sentence says "He wrote
    …"; None when there is no span) and that span's logit."""

    score: float
    answer: str | None
    answer_score: float
    cross: float = 0.0  # the cross-encoder's relevance logit
    cosine: float = 0.0  # the bi-encoder's cosine


def no_reader_at(path: Path) -> str | None:
    """Why ``path`` holds no reader, or None when it holds one (what every check says)."""
    if (path / READER_WEIGHTS).is_file():
        return None
    return f"no reader at {path} (no {READER_WEIGHTS} there)"


def passage_text(title: str, sentence: str) -> str:
    """The second segment the reader sees: the page's title, then the sentence."""
    return f"{title}: {sentence}"


class Reader:
    """A MiniLM cross-encoder with a relevance head and a span head (see the module doc).

    Args:
        encoder: the fine-tuned encoder.
        heads: ``relevance.weight`` (1, H), ``relevance.bias`` (1,), ``span.weight`` (2, H),
            ``span.bias`` (2,).
        batch_size: pairs per forward pass.
    """

    def __init__(
        self,
        encoder: Encoder,
        heads: dict[str, Array],
        *,
        embedder: Encoder | None = None,
        combine: dict[str, float] | None = None,
        batch_size: int = 16,
    ) -> None:
        self.encoder = encoder
        self.heads = heads
        self.embedder = embedder
        self.combine = combine
        self.batch_size = batch_size

    @classmethod
    def load(cls, path: Path = DEFAULT_READER) -> Reader:
        """A reader saved by :func:`training.reader.train_reader`.

        Raises:
            FileNotFoundError: ``path`` holds no reader.
        """
        from safetensors.numpy import load_file

        if why := no_reader_at(path):
            raise FileNotFoundError(why)
        settings = json.loads((path / READER_SETTINGS).read_text())
        tensors = load_file(path / READER_WEIGHTS)
        heads = {
            k: v.astype(np.float32)
            for k, v in tensors.items()
            if k.startswith(("relevance.", "span."))
        }
        layers = {k: v for k, v in tensors.items() if k not in heads}
        encoder = Encoder.load(overrides=layers)
        combine = settings.get("combine")
        embedder = shared_encoder() if combine else None
        return cls(encoder, heads, embedder=embedder, combine=combine)

    def read(self, question: str, passages: Sequence[tuple[str, str]]) -> list[Reading]:
        """One :class:`Reading` per ``(title, sentence)``, in order."""
        readings: list[Reading] = []
        for start in range(0, len(passages), self.batch_size):
            chunk = passages[start : start + self.batch_size]
            readings.extend(self._read(question, chunk))
        return readings

    def _read(self, question: str, passages: Sequence[tuple[str, str]]) -> list[Reading]:
        texts = [passage_text(title, sentence) for title, sentence in passages]
        batch = self.encoder.tokenize([question] * len(passages), pairs=texts)
        hidden = self.encoder.forward(batch)  # (B, T, H)
        pooled = np.tanh(hidden[:, 0] @ self.encoder.w["pooler.dense.weight"].T
                         + self.encoder.w["pooler.dense.bias"])  # (B, H)  # fmt: skip
        relevance = pooled @ self.heads["relevance.weight"][0] + self.heads["relevance.bias"][0]
        ends = hidden @ self.heads["span.weight"].T + self.heads["span.bias"]  # (B, T, 2)
        readings = []
        for row, text in enumerate(texts):
            title_end = len(passages[row][0])
            parts = np.full(batch.ids.shape[1], -1, dtype=np.int8)  # -1: never in a span
            for index, (start, end) in enumerate(batch.offsets[row]):
                if batch.types[row, index] == 1 and end > start:
                    parts[index] = 0 if start < title_end else 1  # the title, or the sentence
            span = _best_span(ends[row, :, 0], ends[row, :, 1], parts)
            answer, answer_score = None, float("-inf")
            if span is not None:
                (i, j), answer_score = span
                begin, end = batch.offsets[row][i][0], batch.offsets[row][j][1]
                answer = text[begin:end].strip(" :") or None
            readings.append(
                Reading(float(relevance[row]), answer, answer_score, cross=float(relevance[row]))
            )
        return self._combined(question, texts, readings)

    def _combined(self, question: str, texts: list[str], readings: list[Reading]) -> list[Reading]:
        """Scores that add the standardised cross-encoder logit and bi-encoder cosine."""
        if self.embedder is None or self.combine is None:
            return readings
        vectors = self.embedder.embed([question, *texts])  # (1 + N, H)
        cosines = vectors[1:] @ vectors[0]
        c = self.combine
        return [
            replace(
                reading,
                score=(reading.cross - c["cross_mean"]) / c["cross_std"]
                + (float(cosine) - c["cosine_mean"]) / c["cosine_std"],
                cosine=float(cosine),
            )
            for reading, cosine in zip(readings, cosines, strict=True)
        ]


def _best_span(
    starts: NDArray[np.float32], ends: NDArray[np.float32], parts: NDArray[np.int8]
) -> tuple[tuple[int, int], float] | None:
    """The ``(start, end)`` token pair with the highest start + end logit, start <= end,
    at most :data:`MAX_ANSWER_TOKENS` long, both in the same part (``parts``: 0 the title,
    1 the sentence, -1 neither), so an answer never runs from the title into the sentence."""
    positions = np.flatnonzero(parts >= 0)
    if not len(positions):
        return None
    best: tuple[tuple[int, int], float] | None = None
    for i in positions:
        same = positions[parts[positions] == parts[i]]
        window = same[(same >= i) & (same < i + MAX_ANSWER_TOKENS)]
        j = int(window[np.argmax(ends[window])])
        total = float(starts[i] + ends[j])
        if best is None or total > best[1]:
            best = ((int(i), j), total)
    return best


class CachedRead:
    """A reader's ``read`` that remembers: best-of-n's samples and a training round's
    episodes read the same pages for the same question again and again."""

    def __init__(self, read: Callable[[str, Sequence[tuple[str, str]]], list[Reading]], *,
                 size: int = 4096) -> None:  # fmt: skip
        self._read = read
        self._size = size
        self._seen: OrderedDict[tuple[str, tuple[tuple[str, str], ...]], list[Reading]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()

    def __call__(self, question: str, passages: Sequence[tuple[str, str]]) -> list[Reading]:
        key = (question, tuple(passages))
        with self._lock:
            found = self._seen.get(key)
            if found is not None:
                self._seen.move_to_end(key)
                return found
        readings = self._read(question, passages)
        with self._lock:
            self._seen[key] = readings
            if len(self._seen) > self._size:
                self._seen.popitem(last=False)
        return readings
