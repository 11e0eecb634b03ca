"""Copy-biased decoding: which tokens continue a copy, and when the prior applies."""

from __future__ import annotations

import pytest
import torch

from agent.copy_bias import PromptCopyBias, continuations
from training.bc import train_tokenizer

PROMPT = "Question: who painted the Mona Lisa?\nL1: The Mona Lisa was painted by Leonardo da Vinci."
PAGE = "L1: 【0†Vinci】 painted it in 1.5 years. Then he left.\nL2: more"


@pytest.fixture(scope="module")
def tokenizer():  # type: ignore[no-untyped-def]
    texts = [PROMPT, PAGE, " search answer click find quote lines"] * 20
    return train_tokenizer(texts, vocab_size=400)


def ids(tokenizer, text: str) -> torch.Tensor:  # type: ignore[no-untyped-def]
    return torch.tensor(tokenizer(text, add_special_tokens=False)["input_ids"])


def test_the_longest_matching_suffix_decides_what_follows() -> None:
    prompt = torch.tensor([1, 2, 3, 9, 2, 4, 5, 2, 4])
    assert continuations(prompt, torch.tensor([2])).tolist() == [3, 4]
    assert continuations(prompt, torch.tensor([1, 2])).tolist() == [3]
    assert continuations(prompt, torch.tensor([7, 9, 2])).tolist() == [4]  # [9, 2] matched
    assert continuations(prompt, torch.tensor([4])).tolist() == [5]  # the last 4 has no next
    assert continuations(prompt, torch.tensor([7])).tolist() == []  # a word of its own
    empty = torch.tensor([], dtype=torch.long)
    assert continuations(prompt, empty).tolist() == [1, 2, 3, 4, 5, 9]  # a copy starts anywhere
    stops = torch.zeros(len(prompt), dtype=torch.bool)
    stops[2] = True  # the 3 after [1, 2]: neither copied into nor copied on from
    assert continuations(prompt, torch.tensor([1, 2]), stops).tolist() == []
    assert continuations(prompt, torch.tensor([3]), stops).tolist() == []
    assert continuations(prompt, empty, stops).tolist() == [1, 2, 4, 5, 9]


def test_a_copy_never_repeats_its_own_ngrams() -> None:
    from agent.copy_bias import repeating_tokens

    assert repeating_tokens(torch.tensor([5, 6, 7, 8, 5, 6]), n=3).tolist() == [7]
    assert repeating_tokens(torch.tensor([5, 6, 7, 8]), n=3).tolist() == []
    assert repeating_tokens(torch.tensor([5, 6]), n=3).tolist() == []
    loop = torch.tensor([1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5])
    assert repeating_tokens(loop).tolist() == [6]  # the default: six-token loops
    assert repeating_tokens(loop[:-1]).tolist() == []  # a repeated word is no loop


def bias_after(tokenizer, reply: str, bias: float = 5.0) -> torch.Tensor:  # type: ignore[no-untyped-def]
    """The logits the processor leaves after ``reply``, from all-zero scores."""
    prompt = ids(tokenizer, PROMPT)
    pad = torch.full((3,), tokenizer.pad_token_id)
    padded = torch.cat([pad, prompt])[None]  # (1, T): left padding, as in generation
    mask = torch.cat([torch.zeros(3), torch.ones(len(prompt))])[None]
    processor = PromptCopyBias(padded, mask, tokenizer, bias)
    sequence = torch.cat([padded[0], ids(tokenizer, reply)])[None]
    return processor(sequence, torch.zeros((1, len(tokenizer))))[0]


def test_inside_a_search_or_answer_the_token_that_continues_the_copy_gets_the_bias(
    tokenizer,  # type: ignore[no-untyped-def]
) -> None:
    for reply in (" search Mona", " answer The Mona"):
        scores = bias_after(tokenizer, reply)
        (boosted,) = scores.nonzero().flatten().tolist()
        assert tokenizer.decode([boosted]) == " Lisa" and scores[boosted] == 5.0


def test_where_no_copy_is_under_way_any_prompt_token_may_start_one(tokenizer) -> None:  # type: ignore[no-untyped-def]
    from agent.copy_bias import copy_stops

    prompt = ids(tokenizer, PROMPT)
    starts = torch.tensor([tokenizer.decode([int(t)])[:1] == " " for t in prompt])
    in_prompt = set(prompt[~copy_stops(prompt, tokenizer) & starts].tolist())
    assert all(tokenizer.decode([t]).startswith(" ") for t in in_prompt) and len(in_prompt) > 5
    for reply in (" search", " answer"):
        assert set(bias_after(tokenizer, reply).nonzero().flatten().tolist()) == in_prompt
    assert not bias_after(tokenizer, " search Zebra").any()  # a word of its own: no copy on


def test_a_citation_ends_the_copy(tokenizer) -> None:  # type: ignore[no-untyped-def]
    assert not bias_after(tokenizer, " answer The Mona Lisa [1]").any()


def test_no_bias_for_other_commands_or_while_the_command_word_is_written(tokenizer) -> None:  # type: ignore[no-untyped-def]
    assert not bias_after(tokenizer, " click Mona").any()
    assert not bias_after(tokenizer, " quote lines").any()
    assert not bias_after(tokenizer, " sea").any()


def test_copies_are_not_pushed_across_line_breaks_links_or_a_sentences_end(tokenizer) -> None:  # type: ignore[no-untyped-def]
    from agent.copy_bias import copy_stops

    prompt = ids(tokenizer, PAGE)
    stops = copy_stops(prompt, tokenizer)
    stopped = "".join(
        tokenizer.decode([int(t)]) if s else "_" for t, s in zip(prompt, stops, strict=True)
    )
    assert "\n" in stopped and "【" in stopped and "】" in stopped and " Then" in stopped
    assert stopped.count(".") == 2  # the two full stops; the decimal point may be copied
    assert continuations(prompt, ids(tokenizer, " years"), stops).tolist() == []
    assert tokenizer.decode(continuations(prompt, ids(tokenizer, " 1"), stops)) == "."
    initials = ids(tokenizer, "Described by J. Illiger in 1811.")
    assert copy_stops(initials, tokenizer).tolist().index(True) == len(initials) - 1  # not "J."


def test_where_an_answer_reaches_the_end_of_the_copied_sentence_it_is_pushed_to_cite(
    tokenizer,  # type: ignore[no-untyped-def]
) -> None:
    opener = tokenizer(" [1]", add_special_tokens=False)["input_ids"][0]
    assert (
        bias_after(tokenizer, " answer The Mona Lisa was painted by Leonardo da Vinci")[opener] > 0
    )
    assert bias_after(tokenizer, " answer The Mona Lisa was painted by")[opener] == 0
    assert bias_after(tokenizer, " search Mona Lisa was painted by Leonardo da Vinci")[opener] == 0


def test_after_rows_leave_each_remaining_row_keeps_its_own_prompt_and_state(tokenizer) -> None:  # type: ignore[no-untyped-def]
    prompts = [PROMPT, PAGE, "Question: what did Vinci paint?"]
    tokenizer.padding_side = "left"
    batch = tokenizer(prompts, add_special_tokens=False, padding=True, return_tensors="pt")
    replies = [" answer The Mona", " search Vinci", " find Vinci"]
    reply_ids = tokenizer(replies, add_special_tokens=False, padding=True, return_tensors="pt")
    sequences = torch.cat([batch["input_ids"], reply_ids["input_ids"]], dim=1)
    width = len(tokenizer)
    whole = PromptCopyBias(batch["input_ids"], batch["attention_mask"], tokenizer, 5.0)
    before = whole(sequences, torch.zeros((3, width)))  # its rows' state is now set
    whole.select_rows([2, 0])  # row 1 finished
    after = whole(sequences[[2, 0]], torch.zeros((2, width)))
    assert torch.equal(after, before[[2, 0]])
    assert after[1].count_nonzero() == 1  # " Lisa" still continues row 0's copy
