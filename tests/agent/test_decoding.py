"""Batched decoding: the same tokens as ``model.generate``, rows leaving as they finish."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch
from transformers import DynamicCache, LlamaForCausalLM

from agent.decoding import (
    Sampling,
    _append_lanes,
    _length_groups,
    _nucleus,
    _pick,
    _regroup,
    _RoomyLayer,
    generate_replies,
)
from agent.tiny_llama import TinyLlamaConfig, train_tokenizer

MICRO = TinyLlamaConfig(vocab_size=300, hidden_size=64, intermediate_size=128, layers=2, heads=2)
PROMPTS = ["Question: who painted the Mona Lisa?", "L1: The Mona Lisa was painted by him.",
           "Question: who painted the Mona Lisa?", "search Mona"]  # fmt: skip


@pytest.fixture(scope="module")
def model_and_batch():  # type: ignore[no-untyped-def]
    tokenizer = train_tokenizer(PROMPTS * 20, vocab_size=MICRO.vocab_size)
    torch.manual_seed(0)
    model = LlamaForCausalLM(MICRO.llama(tokenizer)).eval()
    tokenizer.padding_side = "left"
    batch = tokenizer(PROMPTS, add_special_tokens=False, padding=True, return_tensors="pt")
    return model, tokenizer, batch


def hf_greedy(model, batch, eos: int, new: int) -> list[list[int]]:  # type: ignore[no-untyped-def]
    output = model.generate(
        **batch, do_sample=False, max_new_tokens=new, eos_token_id=eos, pad_token_id=eos
    )
    rows = output[:, batch["input_ids"].shape[1] :].tolist()
    return [row[: row.index(eos)] if eos in row else row for row in rows]


def test_greedy_replies_match_generate_while_rows_leave_early(model_and_batch) -> None:  # type: ignore[no-untyped-def]
    model, _, batch = model_and_batch
    unbounded = hf_greedy(model, batch, eos=-1, new=12)  # no row ends
    eos = unbounded[1][3]  # row 1 ends at its fourth token; others run on or end elsewhere
    expected = hf_greedy(model, batch, eos=eos, new=12)
    sampling = Sampling(temperature=0.0, top_p=1.0, max_new_tokens=12, eos_token_id=eos)
    replies = generate_replies(model, batch["input_ids"], batch["attention_mask"], sampling)
    assert replies == expected
    assert len({len(reply) for reply in replies}) > 1  # some rows did leave before others
    assert replies[0] == replies[2]  # a repeated prompt, prefilled once


def test_sampling_is_seeded_and_a_tiny_nucleus_is_greedy(model_and_batch) -> None:  # type: ignore[no-untyped-def]
    model, _, batch = model_and_batch

    def draw(seed: int, top_p: float = 1.0) -> list[list[int]]:
        sampling = Sampling(temperature=1.5, top_p=top_p, max_new_tokens=10, eos_token_id=-1,
                            seed=seed)  # fmt: skip
        return generate_replies(model, batch["input_ids"], batch["attention_mask"], sampling)

    assert draw(3) == draw(3)
    assert draw(3) != draw(4)
    greedy = Sampling(temperature=0.0, top_p=1.0, max_new_tokens=10, eos_token_id=-1)
    assert draw(5, top_p=1e-6) == generate_replies(
        model, batch["input_ids"], batch["attention_mask"], greedy
    )


def test_draws_follow_the_tempered_distribution() -> None:
    probabilities = torch.tensor([0.1, 0.2, 0.3, 0.4])
    scores = probabilities.log().repeat(40_000, 1) * 2.0  # at temperature 2: the same p again
    sampling = Sampling(temperature=2.0, top_p=1.0, max_new_tokens=1, eos_token_id=-1)
    drawn = _pick(scores, sampling, torch.Generator().manual_seed(0))
    frequencies = torch.bincount(drawn, minlength=4) / len(drawn)
    assert torch.allclose(frequencies, probabilities, atol=0.01)


def test_the_nucleus_keeps_the_fewest_tokens_holding_top_p() -> None:
    scores = torch.tensor([[math.log(p) for p in (0.5, 0.3, 0.15, 0.05)]] * 20_000)
    sampling = Sampling(temperature=1.0, top_p=0.7, max_new_tokens=1, eos_token_id=-1)
    drawn = _pick(scores, sampling, torch.Generator().manual_seed(0))
    frequencies = torch.bincount(drawn, minlength=4) / len(drawn)
    assert frequencies[2:].sum() == 0  # 0.5 + 0.3 already holds 0.7
    assert frequencies[0] == pytest.approx(0.5 / 0.8, abs=0.02)


def test_the_roomy_cache_layer_holds_what_concatenation_would_and_grows_when_full() -> None:
    layer, parts = _RoomyLayer(room=1), []
    for length in (3, 1, 1, 2):  # the third write fills the room, the fourth needs more
        keys, values = torch.randn(2, 2, length, 4), torch.randn(2, 2, length, 4)
        parts.append((keys, values))
        held_keys, held_values = layer.update(keys, values)
    assert torch.equal(held_keys, torch.cat([k for k, _ in parts], dim=2))
    assert torch.equal(held_values, torch.cat([v for _, v in parts], dim=2))
    layer.reorder_cache(torch.tensor([1]))  # row 0 left the batch
    assert torch.equal(layer.keys, torch.cat([k for k, _ in parts], dim=2)[[1]])
    assert layer.get_seq_length() == 7


@pytest.mark.parametrize(  # wide nuclei (rows sorted whole), narrow ones, and a mix
    "sharpness", [[0.5] * 8, [3.0] * 8, [30.0] * 8, [30.0, 0.5, 30.0, 3.0, 30.0, 30.0, 1.0, 30.0]]
)
def test_the_nucleus_from_the_top_candidates_matches_sorting_the_whole_vocabulary(
    sharpness: list[float],
) -> None:
    noise = torch.randn(8, 500, generator=torch.Generator().manual_seed(1))
    scores = noise * torch.tensor(sharpness)[:, None]
    ordered, order = scores.sort(dim=-1, descending=True)
    mass_before = ordered.softmax(-1).cumsum(-1) - ordered.softmax(-1)
    expected = torch.full_like(scores, -torch.inf).scatter(
        -1, order, ordered.masked_fill(mass_before > 0.9, -torch.inf)
    )
    kept, tokens = _nucleus(scores, 0.9, candidates=16)
    drawable = kept.isfinite()
    assert bool((tokens.diff(dim=-1)[drawable[:, 1:]] > 0).all())  # in vocabulary order
    full = torch.full_like(scores, -torch.inf)
    for row in range(len(scores)):  # scatter the drawable ones: padding repeats token 0
        full[row, tokens[row, drawable[row]]] = kept[row, drawable[row]]
    assert torch.equal(full, expected)


def test_a_stop_token_ends_a_begun_reply_and_stays_in_it(model_and_batch) -> None:  # type: ignore[no-untyped-def]
    model, _, batch = model_and_batch
    unbounded = hf_greedy(model, batch, eos=-1, new=12)
    stop = unbounded[1][2]  # a token of row 1's, after its first

    def cut(reply: list[int]) -> list[int]:  # through the first stop after the first token
        later = [i for i, token in enumerate(reply) if token == stop and i > 0]
        return reply[: later[0] + 1] if later else reply

    sampling = Sampling(temperature=0.0, top_p=1.0, max_new_tokens=12, eos_token_id=-1,
                        stop_token_ids=(stop,))  # fmt: skip
    replies = generate_replies(model, batch["input_ids"], batch["attention_mask"], sampling)
    assert replies == [cut(reply) for reply in unbounded]
    assert len(replies[1]) <= 3 < len(unbounded[1])  # row 1 did stop early
    first = unbounded[0][0]  # a stop token as the very first token does not end the reply
    sampling = Sampling(temperature=0.0, top_p=1.0, max_new_tokens=12, eos_token_id=-1,
                        stop_token_ids=(first,))  # fmt: skip
    replies = generate_replies(model, batch["input_ids"], batch["attention_mask"], sampling)
    assert len(replies[0]) > 1 and replies[0][0] == first


def test_prompts_of_unlike_lengths_are_prefilled_in_two_groups(model_and_batch) -> None:  # type: ignore[no-untyped-def]
    _, _, batch = model_and_batch
    lengths = batch["attention_mask"].sum(-1)
    groups = _length_groups(lengths[[0, 1, 3]])  # the distinct prompts of the greedy test above
    assert [len(group) for group in groups] == [2, 1]  # so it checked the grouped prefill too
    assert [g.tolist() for g in _length_groups(torch.tensor([300, 120, 290, 110]))] == [
        [0, 2],
        [1, 3],
    ]
    assert len(_length_groups(torch.tensor([300, 280, 290]))) == 1  # too little to save


def test_the_roomy_layer_closes_up_leaving_rows_and_reorders_others() -> None:
    layer = _RoomyLayer(room=2)
    keys, values = torch.randn(4, 2, 3, 4), torch.randn(4, 2, 3, 4)
    layer.update(keys, values)
    layer.reorder_cache(torch.tensor([0, 2, 3]))  # row 1 left: closed up in place
    assert torch.equal(layer.keys, keys[[0, 2, 3]]) and torch.equal(layer.values, values[[0, 2, 3]])
    layer.reorder_cache(torch.tensor([2, 0, 0]))  # a new order, with a row repeated
    assert torch.equal(layer.keys, keys[[3, 0, 0]]) and torch.equal(layer.values, values[[3, 0, 0]])
    more = torch.randn(3, 2, 1, 4)
    held, _ = layer.update(more, more)  # the room kept through both
    assert torch.equal(held, torch.cat([keys[[3, 0, 0]], more], dim=2))


def uncached_replies(model, batch, sampling: Sampling, prior=None) -> list[list[int]]:  # type: ignore[no-untyped-def]
    """The reference: every row computed alone from its whole text at every step, with no
    cache and no lanes, drawing from one generator in row order as generate_replies does."""
    generator = torch.Generator().manual_seed(sampling.seed)
    replies: list[list[int]] = [[] for _ in batch["input_ids"]]
    going = list(range(len(replies)))
    for _ in range(sampling.max_new_tokens):
        scores = torch.stack([
            model(input_ids=torch.cat([batch["input_ids"][row][batch["attention_mask"][row].bool()],
                                       torch.tensor(replies[row], dtype=torch.long)])[None]
                  ).logits[0, -1]
            for row in going
        ])  # fmt: skip
        if prior is not None:  # the going rows' replies are all as long
            so_far = torch.tensor([replies[row] for row in going], dtype=torch.long)
            scores = prior(torch.cat([batch["input_ids"][going], so_far], dim=1), scores)
        chosen = _pick(scores, sampling, generator).tolist()
        for row, token in zip(going, chosen, strict=True):
            if token != sampling.eos_token_id:
                replies[row].append(token)
        kept = [n for n, token in enumerate(chosen) if token != sampling.eos_token_id]
        going = [going[n] for n in kept]
        if prior is not None:
            prior.select_rows(kept)
        if not going:
            break
    return replies


class StatefulPrior:
    """A prior with per-row state, as the copy prior has: each row's prompt, and the first
    token of its reply once written; it pushes a token that follows from both."""

    def __init__(self, input_ids: torch.Tensor) -> None:
        self.prompt_length = input_ids.shape[1]
        self.state: list[tuple[int, int | None]] = [(int(row[-1]), None) for row in input_ids]

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        for row, reply in enumerate(input_ids[:, self.prompt_length :].tolist()):
            prompt_token, first = self.state[row]
            if reply and first is None:
                self.state[row] = prompt_token, reply[0]
            pushed = prompt_token * 7 + (first or 0) * 3 + len(reply)
            scores[row, pushed % scores.shape[-1]] += 2.0
        return scores

    def select_rows(self, rows: list[int]) -> None:
        self.state = [self.state[row] for row in rows]


@pytest.mark.parametrize("with_prior", [False, True])
def test_rows_sharing_a_prompt_draw_as_if_each_were_computed_alone(  # type: ignore[no-untyped-def]
    model_and_batch, with_prior: bool
) -> None:
    model, tokenizer, _ = model_and_batch
    prompts = [PROMPTS[0]] * 5 + [PROMPTS[3]] * 2 + [PROMPTS[1]]  # 8 rows, 3 lanes at first
    batch = tokenizer(prompts, add_special_tokens=False, padding=True, return_tensors="pt")
    sampling = Sampling(temperature=1.3, top_p=0.95, max_new_tokens=8, eos_token_id=-1, seed=7)

    def prior() -> StatefulPrior | None:
        return StatefulPrior(batch["input_ids"]) if with_prior else None

    with torch.no_grad():
        eos = uncached_replies(model, batch, sampling, prior())[5][2]  # ends some rows
        sampling = dataclasses.replace(sampling, eos_token_id=eos)
        expected = uncached_replies(model, batch, sampling, prior())
    replies = generate_replies(
        model, batch["input_ids"], batch["attention_mask"], sampling, prior()
    )
    assert replies == expected
    assert len({tuple(reply) for reply in replies[:5]}) > 1  # the shared lane did split
    assert len({len(reply) for reply in replies}) > 1  # and rows left at different steps


def test_regrouping_keeps_a_lane_for_its_first_token_and_splits_off_the_others() -> None:
    lanes = _regroup(lane_of=[0, 0, 0, 2, 2, 2], chosen=[5, 6, 5, 7, 9, 9])
    assert lanes.kept == [0, 2]  # lane 1's rows all finished: it leaves
    assert lanes.tokens == [5, 7, 6, 9]
    assert lanes.lane_of == [0, 2, 0, 1, 3, 3]
    assert lanes.copied == [0, 1]  # copies of new lanes 0 and 1, for tokens 6 and 9


def test_the_roomy_layer_appends_copies_of_rows_in_its_spare_rows_and_grows_past_them() -> None:
    layer = _RoomyLayer(room=2, spare_rows=3)
    keys = torch.randn(2, 2, 3, 4)
    layer.update(keys, keys)
    store = layer.key_store
    layer.append_rows([1])  # a third row: the spare one
    assert layer.key_store is store
    layer.append_rows([0, 2])  # five rows: the store grows
    assert torch.equal(layer.keys, keys[[0, 1, 1, 0, 1]])
    more = torch.randn(5, 2, 1, 4)
    held, _ = layer.update(more, more)
    assert torch.equal(held, torch.cat([keys[[0, 1, 1, 0, 1]], more], dim=2))


def test_lanes_split_off_in_caches_without_spare_rows_too() -> None:
    cache = DynamicCache()
    keys = torch.randn(2, 2, 3, 4)
    cache.update(keys, keys, layer_idx=0)  # a plain layer, as a sliding-window model has
    _append_lanes(cache, [1, 0])
    assert torch.equal(cache.layers[0].keys, keys[[0, 1, 1, 0]])


def test_each_row_keeps_its_own_prompt_when_no_prompt_repeats(model_and_batch) -> None:  # type: ignore[no-untyped-def]
    model, tokenizer, _ = model_and_batch
    prompts = [PROMPTS[3], PROMPTS[1], PROMPTS[0]]  # an order that sorting the prompts changes
    batch = tokenizer(prompts, add_special_tokens=False, padding=True, return_tensors="pt")
    _, order = torch.unique(batch["input_ids"], dim=0, return_inverse=True)
    assert order.tolist() != [0, 1, 2]
    sampling = Sampling(temperature=0.0, top_p=1.0, max_new_tokens=6, eos_token_id=-1)
    replies = generate_replies(model, batch["input_ids"], batch["attention_mask"], sampling)
    assert replies == hf_greedy(model, batch, eos=-1, new=6)
