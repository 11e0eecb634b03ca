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
        for row, token, going in zip(rows, chosen.tolist(), ongoing.tolist(), strict=True):
            if going:
                replies[row].append(token)
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

    def reorder_cache(self, beam_idx: torch.Tensor) -> None:
        """Rows in a new order, or a subset of them; the spare room comes along."""
        if self.length:
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
    """Last-position logits (B, V) and the cache, computing each distinct prompt once."""
    positions = (attention_mask.cumsum(-1) - 1).clamp(min=0)  # left padding: count real tokens
    distinct, row_of = torch.unique(input_ids, dim=0, return_inverse=True)  # (D, T), (B,)
    first = [int((row_of == d).nonzero()[0]) for d in range(len(distinct))]
    cache = _new_cache(model, room)
    output = model(
        input_ids=distinct, attention_mask=attention_mask[first], position_ids=positions[first],
        use_cache=True, logits_to_keep=1, **{cache_argument: cache},
    )  # fmt: skip
    logits = output.logits[:, -1]  # (D, V)
    if len(distinct) < len(input_ids):
        cache.reorder_cache(row_of)  # copy each distinct prompt's cache to its rows
        logits = logits[row_of]
    return logits, cache


def _pick(scores: torch.Tensor, sampling: Sampling, generator: torch.Generator) -> torch.Tensor:
    """One token per row: the argmax, or a draw from the tempered nucleus."""
    if sampling.temperature == 0:
        return scores.argmax(-1)
    scores = scores / sampling.temperature
    if sampling.top_p < 1:
        ordered, order = scores.sort(dim=-1, descending=True)
        mass_before = ordered.softmax(-1).cumsum(-1) - ordered.softmax(-1)
        ordered[mass_before > sampling.top_p] = -torch.inf  # the top token always stays
        scores = torch.full_like(scores, -torch.inf).scatter(-1, order, ordered)
    cumulative = scores.softmax(-1).cumsum(-1)  # (A, V)
    # inverse transform: the first token whose cumulative mass passes a uniform draw (a token
    # of no mass never does); one draw per row, where multinomial costs a pass of its own
    draw = torch.rand((len(scores), 1), generator=generator) * cumulative[:, -1:]
    chosen = torch.searchsorted(cumulative, draw, right=True).flatten()
    return chosen.clamp(max=scores.shape[-1] - 1)  # a draw at the very top of rounding


def _cache_argument(model: Any) -> str:
    """The forward argument that takes the key/value cache: ``cache`` from transformers
    5.24, ``past_key_values`` before."""
    parameters = inspect.signature(model.forward).parameters
    return "cache" if "cache" in parameters else "past_key_values"
