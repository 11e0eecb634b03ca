"""Batched sampling from a causal LM for short replies, with finished rows dropped.

    replies = generate_replies(model, input_ids, attention_mask, Sampling(...), prior)

What ``model.generate`` does, cut to what a browsing policy needs, plus what it does not
do: rows in the same state share one lane of the batch. Best-of-n starts n episodes from
one observation and their paths often meet, so several rows hold the same prompt and often
draw the same tokens (a search for the question's words, a copied sentence): each distinct
prompt is prefilled once, and each distinct prompt-and-reply-so-far is one lane of every
forward pass, which its rows read their next-token distribution from. A row that draws a
token its lane-mates did not splits off into a lane of its own (a copy of the lane's
cache). A row that has finished its reply leaves, and a lane nobody reads leaves the batch,
so the rest no longer pay for it. The key/value cache keeps room for the reply, so each
new token is written in place rather than appended by copying the whole cache. Sampling
is temperature plus nucleus (top-p), as ``generate`` does with those options, each row
drawing on its own from a seeded generator.
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

    def select_rows(self, rows: list[int]) -> None:
        """Keep these rows' state, in this order; a row may come twice (a lane that split)."""


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
        prior: adjusts each step's logits; told which lanes remain (and which are copied)
            as lanes leave and split, starting from one lane per distinct prompt.
    """
    generator = torch.Generator().manual_seed(sampling.seed)
    cache_argument = _cache_argument(model)
    firsts, lane_of, logits, cache = _prefill(
        model, input_ids, attention_mask, sampling.max_new_tokens, cache_argument
    )
    ids, mask = input_ids[firsts], attention_mask[firsts]  # (L, T + t) each: one per lane
    position = mask.sum(-1, keepdim=True) - 1  # (L, 1): the last prompt token's
    if prior is not None:
        prior.select_rows(firsts.tolist())
    rows = list(range(input_ids.shape[0]))  # which original row each ongoing row is
    replies: list[list[int]] = [[] for _ in rows]
    for step in range(sampling.max_new_tokens):
        scores = logits.float()
        if prior is not None:
            scores = prior(ids, scores)
        chosen = _pick(scores, sampling, generator, lane_of)  # (A,): one per row
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
        keep = ongoing.nonzero().flatten()  # finished rows leave
        rows = [rows[i] for i in keep.tolist()]
        lanes = _regroup(lane_of[keep].tolist(), chosen[keep].tolist())
        if lanes.kept != list(range(len(ids))):  # lanes nobody reads leave the cache
            cache.reorder_cache(torch.tensor(lanes.kept))
        if lanes.copied:  # rows that drew apart from their lane: a lane each
            _append_lanes(cache, lanes.copied)
        if lanes.sources != list(range(len(ids))):
            ids, mask, position = ids[lanes.sources], mask[lanes.sources], position[lanes.sources]
            if prior is not None:
                prior.select_rows(lanes.sources)
        lane_of = torch.tensor(lanes.lane_of)
        tokens = torch.tensor(lanes.tokens)[:, None]  # (L, 1)
        ids = torch.cat([ids, tokens], dim=1)
        mask = torch.cat([mask, mask.new_ones(len(ids), 1)], dim=1)
        position = position + 1
        device = _device(model)  # the model's; the bookkeeping here stays on the CPU
        output = model(
            input_ids=tokens.to(device), attention_mask=mask.to(device),
            position_ids=position.to(device), use_cache=True, **{cache_argument: cache},
        )  # fmt: skip
        logits = output.logits[:, -1].cpu()  # (L, V)
    return replies


@dataclass(frozen=True)
class _Lanes:
    """The lanes of the next forward pass, from each row's lane and drawn token."""

    kept: list[int]
    """Old lanes that go on, in order: each carries on with one token its rows drew."""
    copied: list[int]
    """Lanes appended after them, each a copy of the kept lane (by new index) it split from."""
    tokens: list[int]
    """Each new lane's token."""
    lane_of: list[int]
    """Each row's new lane."""

    @property
    def sources(self) -> list[int]:
        """Each new lane's old lane."""
        return self.kept + [self.kept[lane] for lane in self.copied]


def _regroup(lane_of: list[int], chosen: list[int]) -> _Lanes:
    """Rows of one lane that drew the same token stay one lane; each other token of the
    lane's rows splits off into a new lane (the first token drawn keeps the old one)."""
    first: dict[int, tuple[int, int]] = {}  # old lane -> the (lane, token) that keeps it
    split: list[tuple[int, int]] = []
    for state in zip(lane_of, chosen, strict=True):
        if state[0] not in first:
            first[state[0]] = state
        elif state != first[state[0]] and state not in split:
            split.append(state)
    kept = sorted(first)
    order = [first[lane] for lane in kept] + split
    index = {state: n for n, state in enumerate(order)}
    return _Lanes(
        kept=kept,
        copied=[kept.index(lane) for lane, _ in split],
        tokens=[token for _, token in order],
        lane_of=[index[state] for state in zip(lane_of, chosen, strict=True)],
    )


def _append_lanes(cache: Any, sources: list[int]) -> None:
    """Append to the cache a copy of each ``sources`` lane, in place where the layers keep
    spare rows."""
    if all(isinstance(layer, _RoomyLayer) for layer in cache.layers):
        for layer in cache.layers:
            layer.append_rows(sources)
    else:
        rows = len(cache.layers[0].keys)
        cache.reorder_cache(torch.tensor(list(range(rows)) + sources))


class _RoomyLayer(DynamicLayer):  # type: ignore[no-untyped-call]
    """A key/value cache layer with room set aside for the reply: each new token is written
    into place, where ``DynamicLayer`` copies the whole cache to append it (at 8 rows and a
    few hundred prompt tokens, that copy cost as much as the layer's matrix products). It
    also keeps room for ``spare_rows`` rows in all, so lanes that split are copied in place."""

    def __init__(self, room: int, spare_rows: int = 0) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.room = room  # spare tokens kept after each (re)allocation
        self.spare_rows = spare_rows  # rows the store holds at least
        self.length = self.rows = 0
        self.key_store = self.value_store = torch.empty(0)  # (R, H, capacity, D) once written

    def update(
        self, key_states: torch.Tensor, value_states: torch.Tensor, *args: Any, **kwargs: Any
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        end = self.length + key_states.shape[-2]
        if self.length == 0 or end > self.key_store.shape[-2]:
            self.key_store = self._grown(self.key_store, key_states, end + self.room)
            self.value_store = self._grown(self.value_store, value_states, end + self.room)
        self.rows = len(key_states)
        self.key_store[: self.rows, :, self.length : end] = key_states
        self.value_store[: self.rows, :, self.length : end] = value_states
        self.length = end
        return self._expose()

    def _expose(self) -> tuple[torch.Tensor, torch.Tensor]:
        self.keys = self.key_store[: self.rows, :, : self.length]
        self.values = self.value_store[: self.rows, :, : self.length]
        return self.keys, self.values

    def _grown(
        self, store: torch.Tensor, new: torch.Tensor, capacity: int, rows: int = 0
    ) -> torch.Tensor:
        """A larger store (R, H, capacity, D) holding what ``store`` held."""
        rows = max(rows, len(new), self.spare_rows)
        grown = new.new_empty((rows, new.shape[1], capacity, new.shape[-1]))
        if self.length:
            grown[: self.rows, :, : self.length] = store[: self.rows, :, : self.length]
        return grown

    def fill(self, parts: list[tuple[torch.Tensor, _RoomyLayer]], shape: torch.Size) -> None:
        """Become the cache of ``shape`` (B, T) prompts whose rows were prefilled in parts:
        ``(rows, layer)`` pairs, each layer holding its rows' last tokens (the rest of a
        row is left padding, masked, so zeros stand in for it)."""
        sample = parts[0][1].key_store
        self.lazy_initialization(sample, sample)
        self.rows, self.length = shape
        store = sample.new_zeros((max(self.rows, self.spare_rows), sample.shape[1],
                                  self.length + self.room, sample.shape[-1]))  # fmt: skip
        self.key_store, self.value_store = store, store.clone()
        for group, layer in parts:
            start, width = self.length - layer.length, layer.length
            group = group.to(store.device)
            self.key_store[group, :, start : self.length] = layer.key_store[:, :, :width]
            self.value_store[group, :, start : self.length] = layer.value_store[:, :, :width]
        self._expose()

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
        else:
            beam_idx = beam_idx.to(self.key_store.device)
            self.key_store = self.key_store[: self.rows].index_select(0, beam_idx)
            self.value_store = self.value_store[: self.rows].index_select(0, beam_idx)
        self.rows = len(rows)
        self._expose()

    def append_rows(self, sources: list[int]) -> None:
        """Append a copy of each ``sources`` row, in the spare rows when there are enough."""
        rows = self.rows + len(sources)
        if rows > len(self.key_store):
            capacity = self.key_store.shape[-2]
            self.key_store = self._grown(self.key_store, self.key_store, capacity, rows)
            self.value_store = self._grown(self.value_store, self.value_store, capacity, rows)
        for slot, row in enumerate(sources, self.rows):
            self.key_store[slot, :, : self.length] = self.key_store[row, :, : self.length]
            self.value_store[slot, :, : self.length] = self.value_store[row, :, : self.length]
        self.rows = rows
        self._expose()

    def batch_select_indices(self, indices: torch.Tensor) -> None:
        self.reorder_cache(indices)


def _new_cache(model: Any, room: int, spare_rows: int = 0) -> Any:
    """A dynamic cache whose full-attention layers keep ``room`` tokens free for the reply
    and room for ``spare_rows`` rows."""
    cache = DynamicCache(config=model.config)
    cache.layers = [
        _RoomyLayer(room, spare_rows) if type(layer) is DynamicLayer else layer
        for layer in cache.layers
    ]
    return cache


def _prefill(
    model: Any,
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor,
    room: int,
    cache_argument: str,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, Any]:
    """Each distinct prompt computed once, as a lane: the first row holding each (L,), each
    row's lane (B,), the lanes' last-position logits (L, V) and their cache. Prompts are
    prefilled in groups of similar length when that saves padding (a results page and an
    article in one batch pad the shorter by hundreds of tokens: a quarter of best-of-8's
    prefill)."""
    positions = (attention_mask.cumsum(-1) - 1).clamp(min=0)  # left padding: count real tokens
    distinct, lane_of = torch.unique(input_ids, dim=0, return_inverse=True)  # (L, T), (B,)
    firsts = torch.tensor([int((lane_of == d).nonzero()[0]) for d in range(len(distinct))])
    mask, positions = attention_mask[firsts], positions[firsts]
    cache = _new_cache(model, room, spare_rows=len(input_ids))
    groups = _length_groups(mask.sum(-1))
    if len(groups) == 1 or not all(isinstance(layer, _RoomyLayer) for layer in cache.layers):
        groups = [torch.arange(len(distinct))]
    logits = torch.empty(0)
    parts = []
    for group in groups:
        width = int(mask[group].sum(-1).max())  # the group's longest prompt; the rest is padding
        part = cache if len(groups) == 1 else _new_cache(model, room)
        device = _device(model)  # the model's; the bookkeeping here stays on the CPU
        output = model(
            input_ids=distinct[group, -width:].to(device),
            attention_mask=mask[group, -width:].to(device),
            position_ids=positions[group, -width:].to(device), use_cache=True, logits_to_keep=1,
            **{cache_argument: part},
        )  # fmt: skip
        if not len(logits):
            logits = torch.empty(
                (len(distinct), output.logits.shape[-1]), dtype=output.logits.dtype
            )
        logits[group] = output.logits[:, -1].cpu()
        parts.append((group, part))
    if len(parts) > 1:  # one cache again, each group's keys right-aligned as its mask is
        for index, layer in enumerate(cache.layers):
            layer.fill([(group, part.layers[index]) for group, part in parts], distinct.shape)
    return firsts, lane_of, logits, cache


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


def _pick(
    scores: torch.Tensor,
    sampling: Sampling,
    generator: torch.Generator,
    lane_of: torch.Tensor | None = None,
) -> torch.Tensor:
    """One token per row, from its lane's scores (``lane_of``; by default each row is its
    own lane): the argmax, or a draw of its own from the tempered nucleus."""
    lane_of = torch.arange(len(scores)) if lane_of is None else lane_of
    if sampling.temperature == 0:
        return scores.argmax(-1)[lane_of]
    scores = scores / sampling.temperature
    tokens = None  # which token each column of scores is; None: all of them, in order
    if sampling.top_p < 1:
        scores, tokens = _nucleus(scores, sampling.top_p)
    cumulative = scores.softmax(-1).cumsum(-1)[lane_of]  # (A, K)
    # inverse transform: the first token whose cumulative mass passes a uniform draw (a token
    # of no mass never does); one draw per row, where multinomial costs a pass of its own
    draw = torch.rand((len(lane_of), 1), generator=generator) * cumulative[:, -1:]
    chosen = torch.searchsorted(cumulative, draw, right=True)
    chosen = chosen.clamp(max=scores.shape[-1] - 1)  # a draw at the very top of rounding
    return (chosen if tokens is None else tokens[lane_of].gather(-1, chosen)).flatten()


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


def _device(model: Any) -> torch.device:
    """Where the model's weights are (its inputs go there; its logits come back)."""
    return next(model.parameters()).device  # type: ignore[no-any-return]
