"""The reward model at inference: its inputs, batched scoring, loading (no trainer needed)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest
import torch
from transformers import (
    AutoTokenizer,
    BertConfig,
    BertForSequenceClassification,
    PreTrainedTokenizerBase,
)

from agent.reward_model import RewardModel, default_backbone_path, encode_answer, fair_shares
from browser.answer import CitedAnswer
from browser.models import Quote

QUOTE = Quote(title="Pointillism", url="u", text="The technique was developed by Georges Seurat.")


@pytest.fixture(scope="module")
def tokenizer() -> PreTrainedTokenizerBase:
    return AutoTokenizer.from_pretrained(default_backbone_path())


def test_inputs_number_the_quotes_and_fit_max_length(tokenizer: PreTrainedTokenizerBase) -> None:
    long_quote = Quote(title="Long", url="u", text="dots of colour " * 200)
    item = (
        "who devised pointillism",
        CitedAnswer(text="Seurat [1] and [2].", quotes=(QUOTE, long_quote)),
    )
    ids = encode_answer(item, tokenizer, max_length=96)["input_ids"]
    text = str(tokenizer.decode(ids))
    assert len(ids) == 96
    assert text.startswith("[CLS] question : who devised pointillism answer : seurat [ 1 ]")
    assert "[ 1 ] pointillism : the technique was developed by georges seurat." in text
    assert "[ 2 ] long : dots of colour" in text  # the long quote takes what is left
    bare = encode_answer(("q", CitedAnswer()), tokenizer, max_length=96)
    assert (
        tokenizer.decode(bare["input_ids"])
        == "[CLS] question : q answer : ( none ) [SEP] ( no quotes ) [SEP]"
    )
    assert fair_shares(10, [2, 30, 30]) == [2, 4, 4]
    assert fair_shares(100, [2, 3]) == [2, 3] and fair_shares(5, []) == []


def test_scores_are_batched_invisibly_and_each_distinct_answer_runs_once(
    tokenizer: PreTrainedTokenizerBase,
) -> None:
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=64, num_labels=1)  # fmt: skip
    model = BertForSequenceClassification(config)
    reward_model = RewardModel(model, tokenizer, max_length=128, batch_size=2)
    items = [
        ("who devised pointillism", CitedAnswer(text=text, quotes=quotes))
        for text, quotes in [("Seurat [1].", (QUOTE,)), ("Monet.", ()), ("Long. " * 20, (QUOTE,))]
    ]
    scores = reward_model(items)
    assert len(scores) == 3 and all(math.isfinite(s) for s in scores)
    assert reward_model(items[2:]) == pytest.approx(scores[2:], abs=1e-5)
    rows_seen: list[int] = []
    model.register_forward_pre_hook(lambda _, args, kw: rows_seen.append(len(kw["input_ids"])),
                                    with_kwargs=True)  # fmt: skip
    repeated = reward_model([items[1], items[0], items[1], items[0]])
    assert repeated == pytest.approx([scores[1], scores[0], scores[1], scores[0]], abs=1e-5)
    assert sum(rows_seen) == 2


def test_a_directory_without_a_model_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=f"no reward model at {tmp_path}"):
        RewardModel.from_pretrained(tmp_path)


def test_scoring_never_imports_a_trainer() -> None:
    import subprocess

    code = "import agent.reward_model, sys; print('transformers.trainer' in sys.modules)"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "False"
