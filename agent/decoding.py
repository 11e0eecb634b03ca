"""Batched sampling from a causal LM for short replies, with finished rows dropped.

    replies = generate_replies(model, input_ids, attention_mask, Sampling(...), prior)

What ``model.generate`` does, cut to what a browsing policy needs, plus two things it does
not do: a prompt that several rows share is prefilled once (best-of-n starts n episodes
from one observation, and their paths often meet), and a row that has finished its reply
leaves the batch, so the rest no longer pay for it (the n answers of best-of-n differ in
length by tens of tokens). The key/value cache keeps room for the reply, so each new token
is written in place rather than appended by copying the whole cache. Sampling is
temperature plus nucleus (top-p), as ``generate`` does with those options, drawn from a
seeded generator.
"""

from __future__ import annotations

import inspect
import itertools
from dataclasses import dataclass
from typing import Any, Protocol

import torch
from transformers import DynamicCache
from transformers.cache_utils import DynamicLayer


@dataclass(frozen=True)
class Sampling:
    """How to pick each token: greedy when ``temperature`` is 0."""

    temperature: float
    top_p: float
    max_new_tokens: int
    eos_token_id: int
    seed: int = 0
    stop_token_ids: tuple[int, ...] = ()
    """Tokens that end a reply once it has begun, kept in it (a policy's newline: its
    command is one line, and what a model writes after it is never read)."""


class RowPrior(Protocol):
    """A logits processor with per-row state (:class:`agent.copy_bias.PromptCopyBias`)."""

    def __call__(self, input_ids: Any, scores: Any) -> Any: ...

    def select_rows(self, rows: list[int]) -> None: ...


@torch.no_grad()
def generate_replies(
    model: Any,
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor,
    sampling: Sampling,
    prior: RowPrior | None = None,
) -> list[list[int]]:
    """The new token ids of each row (B lists, end-of-sequence left out).

    Args:
        model: a causal LM with a key/value cache.
        input_ids: left-padded prompts (B, T).
        attention_mask: their mask (B, T).
        sampling: temperature, top-p, length limit, end token, seed.
        prior: adjusts each step's logits; told which rows remain when rows leave.
    """
    generator = torch.Generator().manual_seed(sampling.seed)
    cache_argument = _cache_argument(model)
    logits, cache = _prefill(
        model, input_ids, attention_mask, sampling.max_new_tokens, cache_argument
    )
    rows = list(range(input_ids.shape[0]))  # which original row each batch row is
    replies: list[list[int]] = [[] for _ in rows]
    ids, mask = input_ids, attention_mask  # (A, T + t) each
    position = attention_mask.sum(-1, keepdim=True) - 1  # (A, 1): the last prompt token's
    for step in range(sampling.max_new_tokens):
        scores = logits.float()
        if prior is not None:
            scores = prior(ids, scores)
        chosen = _pick(scores, sampling, generator)  # (A,)
        ongoing = chosen != sampling.eos_token_id
        if sampling.stop_token_ids:  # before this token joins the replies
            begun = torch.tensor([len(replies[row]) > 0 for row in rows])
        for row, token, going in zip(rows, chosen.tolist(), ongoing.tolist(), strict=True):
            if going:
                replies[row].append(token)
        if sampling.stop_token_ids:
            stops = torch.isin(chosen, torch.tensor(sampling.stop_token_ids))
            ongoing &= ~(stops & begun)
        if step == sampling.max_new_tokens - 1 or not ongoing.any():
            break
        if not ongoing.all():  # finished rows leave the batch, and the cache
            keep = ongoing.nonzero().flatten()
            rows = [rows[i] for i in keep.tolist()]
            cache.reorder_cache(keep)
            ids, mask, position, chosen = ids[keep], mask[keep], position[keep], chosen[keep]
            if prior is not None:
                prior.select_rows(keep.tolist())
        ids = torch.cat([ids, chosen[:, None]], dim=1)
        mask = torch.cat([mask, mask.new_ones(len(rows), 1)], dim=1)
        position = position + 1
        output = model(
            input_ids=chosen[:, None], attention_mask=mask, position_ids=position, use_cache=True,
            **{cache_argument: cache},
        )  # fmt: skip
        logits = output.logits[:, -1]  # (A, V)
    return replies


class _RoomyLayer(DynamicLayer):  # type: ignore[no-untyped-call]
    """A key/value cache layer with room set aside for the reply: each new token is written
    into place, where ``DynamicLayer`` copies the whole cache to append it (at 8 rows and a
    few hundred prompt tokens, that copy cost as much as the layer's matrix products)."""

    def __init__(self, room: int) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.room = room  # spare tokens kept after each (re)allocation
        self.length = 0
        self.key_store = self.value_store = torch.empty(0)  # (B, H, capacity, D) once written

    def update(
        self, key_states: torch.Tensor, value_states: torch.Tensor, *args: Any, **kwargs: Any
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        end = self.length + key_states.shape[-2]
        if self.length == 0 or end > self.key_store.shape[-2]:
            self.key_store = self._grown(self.key_store, key_states, end + self.room)
            self.value_store = self._grown(self.value_store, value_states, end + self.room)
        self.key_store[:, :, self.length : end] = key_states
        self.value_store[:, :, self.length : end] = value_states
        self.length = end
        self.keys, self.values = self.key_store[:, :, :end], self.value_store[:, :, :end]
        return self.keys, self.values

    def _grown(self, store: torch.Tensor, new: torch.Tensor, capacity: int) -> torch.Tensor:
        grown = new.new_empty((*new.shape[:2], capacity, new.shape[-1]))  # (B, H, capacity, D)
        if self.length:
            grown[:, :, : self.length] = store[:, :, : self.length]
        return grown

    def fill(self, parts: list[tuple[torch.Tensor, _RoomyLayer]], shape: torch.Size) -> None:
        """Become the cache of ``shape`` (B, T) prompts whose rows were prefilled in parts:
        ``(rows, layer)`` pairs, each layer holding its rows' last tokens (the rest of a
        row is left padding, masked, so zeros stand in for it)."""
        sample = parts[0][1]
        self.lazy_initialization(sample.key_store, sample.value_store)
        rows, length = shape
        store = sample.key_store.new_zeros((rows, *sample.key_store.shape[1:2], length + self.room,
                                            sample.key_store.shape[-1]))  # fmt: skip
        self.key_store, self.value_store, self.length = store, store.clone(), length
        for group, layer in parts:
            width = layer.length
            self.key_store[group, :, length - width : length] = layer.key_store[:, :, :width]
            self.value_store[group, :, length - width : length] = layer.value_store[:, :, :width]
        self.keys, self.values = self.key_store[:, :, :length], self.value_store[:, :, :length]

    def reorder_cache(self, beam_idx: torch.Tensor) -> None:
        """Rows in a new order, or a subset of them; the spare room comes along. Rows that
        leave (a subset in order) are closed up in place, with no new allocation."""
        if not self.length:
            return
        rows = beam_idx.tolist()
        if all(a < b for a, b in itertools.pairwise(rows)):  # a subset, in order
            for slot, row in enumerate(rows):  # slot <= row: nothing is read after it moved
                if slot != row:
                    self.key_store[slot] = self.key_store[row]
                    self.value_store[slot] = self.value_store[row]
            self.key_store = self.key_store[: len(rows)]
            self.value_store = self.value_store[: len(rows)]
        else:
            self.key_store = self.key_store.index_select(0, beam_idx)
            self.value_store = self.value_store.index_select(0, beam_idx)
        self.keys = self.key_store[:, :, : self.length]
        self.values = self.value_store[:, :, : self.length]

    def batch_select_indices(self, indices: torch.Tensor) -> None:
        self.reorder_cache(indices)


def _new_cache(model: Any, room: int) -> Any:
    """A dynamic cache whose full-attention layers keep ``room`` tokens free for the reply."""
    cache = DynamicCache(config=model.config)
    cache.layers = [
        _RoomyLayer(room) if type(layer) is DynamicLayer else layer for layer in cache.layers
    ]
    return cache


def _prefill(
    model: Any,
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor,
    room: int,
    cache_argument: str,
) -> tuple[torch.Tensor, Any]:
    """Last-position logits (B, V) and the cache, computing each distinct prompt once, in
    groups of similar length when that saves padding (a results page and an article in one
    batch pad the shorter by hundreds of tokens: a quarter of best-of-8's prefill)."""
    positions = (attention_mask.cumsum(-1) - 1).clamp(min=0)  # left padding: count real tokens
    distinct, row_of = torch.unique(input_ids, dim=0, return_inverse=True)  # (D, T), (B,)
    first = [int((row_of == d).nonzero()[0]) for d in range(len(distinct))]
    mask, positions = attention_mask[first], positions[first]
    cache = _new_cache(model, room)
    groups = _length_groups(mask.sum(-1))
    if len(groups) == 1 or not all(isinstance(layer, _RoomyLayer) for layer in cache.layers):
        groups = [torch.arange(len(distinct))]
    logits = torch.empty(0)
    parts = []
    for group in groups:
        width = int(mask[group].sum(-1).max())  # the group's longest prompt; the rest is padding
        part = cache if len(groups) == 1 else _new_cache(model, room)
        output = model(
            input_ids=distinct[group, -width:], attention_mask=mask[group, -width:],
            position_ids=positions[group, -width:], use_cache=True, logits_to_keep=1,
            **{cache_argument: part},
        )  # fmt: skip
        if not len(logits):
            logits = output.logits.new_empty((len(distinct), output.logits.shape[-1]))
        logits[group] = output.logits[:, -1]
        parts.append((group, part))
    if len(parts) > 1:  # one cache again, each group's keys right-aligned as its mask is
        for index, layer in enumerate(cache.layers):
            layer.fill([(group, part.layers[index]) for group, part in parts], distinct.shape)
    if len(distinct) < len(input_ids):
        cache.reorder_cache(row_of)  # copy each distinct prompt's cache to its rows
        logits = logits[row_of]
    return logits, cache


def _length_groups(lengths: torch.Tensor, saving: float = 0.2) -> list[torch.Tensor]:
    """Rows (indices) split in two by length where that pads at least ``saving`` fewer
    tokens than one batch, else all rows as one group. A longest-first split: the long
    group is padded to its longest, the short group to its own."""
    order = lengths.argsort(descending=True)
    ordered = lengths[order].tolist()
    whole = len(ordered) * ordered[0]
    best, split = whole, 0
    for cut in range(1, len(ordered)):
        padded = cut * ordered[0] + (len(ordered) - cut) * ordered[cut]
        if padded < best:
            best, split = padded, cut
    if best > (1 - saving) * whole:
        return [order]
    return [order[:split], order[split:]]


def _pick(scores: torch.Tensor, sampling: Sampling, generator: torch.Generator) -> torch.Tensor:
    """One token per row: the argmax, or a draw from the tempered nucleus."""
    if sampling.temperature == 0:
        return scores.argmax(-1)
    scores = scores / sampling.temperature
    tokens = None  # which token each column of scores is; None: all of them, in order
    if sampling.top_p < 1:
        scores, tokens = _nucleus(scores, sampling.top_p)
    cumulative = scores.softmax(-1).cumsum(-1)  # (A, K)
    # inverse transform: the first token whose cumulative mass passes a uniform draw (a token
    # of no mass never does); one draw per row, where multinomial costs a pass of its own
    draw = torch.rand((len(scores), 1), generator=generator) * cumulative[:, -1:]
    chosen = torch.searchsorted(cumulative, draw, right=True)
    chosen = chosen.clamp(max=scores.shape[-1] - 1)  # a draw at the very top of rounding
    return (chosen if tokens is None else tokens.gather(-1, chosen)).flatten()


def _nucleus(
    scores: torch.Tensor, top_p: float, candidates: int = 64
) -> tuple[torch.Tensor, torch.Tensor]:
    """The scores of the candidate tokens (A, K), -inf for those outside the nucleus, and
    their token ids (A, K) in vocabulary order, so that a draw picks what it would from the
    whole vocabulary. The nucleus is the most likely tokens, in order, until the mass before
    the next one passes ``top_p`` (the top token always stays). A trained policy's nucleus
    is a handful of tokens, so it is sought among the top ``candidates``; only a row whose
    nucleus is wider is sorted whole (sorting all of them for every token cost an eighth of
    best-of-8's time)."""
    top, order = scores.topk(min(candidates, scores.shape[-1]), dim=-1)  # sorted, descending
    probabilities = (top - scores.logsumexp(-1, keepdim=True)).exp()
    wide = (probabilities.sum(-1) <= top_p).nonzero().flatten()
    if len(wide):
        top, order, probabilities = _widened(scores, top_p, wide, top, order, probabilities)
    mass_before = probabilities.cumsum(-1) - probabilities
    top = top.masked_fill(mass_before > top_p, -torch.inf)
    tokens, position = order.sort(dim=-1)
    return top.gather(-1, position), tokens


def _widened(
    scores: torch.Tensor,
    top_p: float,
    wide: torch.Tensor,
    top: torch.Tensor,
    order: torch.Tensor,
    probabilities: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The candidates made as many as the widest nucleus among the ``wide`` rows, whose
    candidates come from sorting their whole row; the other rows' extra candidates are
    padding of no mass (token 0 at -inf, never drawn)."""
    ordered, ordered_tokens = scores[wide].sort(dim=-1, descending=True)
    ordered_probabilities = ordered.softmax(-1)
    before = ordered_probabilities.cumsum(-1) - ordered_probabilities
    width = max(top.shape[-1], int((before <= top_p).sum(-1).max()))
    padding = width - top.shape[-1]
    top = torch.nn.functional.pad(top, (0, padding), value=-torch.inf)
    order = torch.nn.functional.pad(order, (0, padding), value=0)
    probabilities = torch.nn.functional.pad(probabilities, (0, padding), value=0.0)
    top[wide], order[wide] = ordered[:, :width], ordered_tokens[:, :width]
    probabilities[wide] = ordered_probabilities[:, :width]
    return top, order, probabilities


def _cache_argument(model: Any) -> str:
    """The forward argument that takes the key/value cache: ``cache`` from transformers
    5.24, ``past_key_values`` before."""
    parameters = inspect.signature(model.forward).parameters
    return "cache" if "cache" in parameters else "past_key_values"
