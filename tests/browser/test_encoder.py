"""The NumPy MiniLM against transformers' own forward pass, and dense search."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from transformers import AutoModel, AutoTokenizer

from browser.dense import DenseIndex, page_passage
from browser.encoder import Encoder, default_encoder_path
from browser.search_index import fuse

TEXTS = ["when did the berlin wall fall", "The Berlin Wall fell on 9 November 1989. " * 3, "x"]


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return Encoder.load()


def test_embeddings_and_hidden_states_match_transformers(encoder: Encoder) -> None:
    path = str(default_encoder_path())
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModel.from_pretrained(path).eval()
    batch = tokenizer(TEXTS, padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state  # (B, T, H)
    mask = batch["attention_mask"].unsqueeze(-1).float()
    expected = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=1)
    assert np.abs(encoder.embed(TEXTS) - expected.numpy()).max() < 1e-5
    pairs = tokenizer(TEXTS[:2], ["a passage", "another one"], padding=True, return_tensors="pt")
    with torch.no_grad():
        expected_pairs = model(**pairs).last_hidden_state.numpy()
    ours = encoder.forward(encoder.tokenize(TEXTS[:2], pairs=["a passage", "another one"]))
    assert np.abs(ours - expected_pairs).max() < 1e-4


def test_dense_search_ranks_by_cosine(encoder: Encoder) -> None:
    pages = [("Berlin Wall", "", "The wall fell in 1989."), ("Cake", "", "Flour, eggs, sugar.")]
    vectors = encoder.embed([page_passage(*page) for page in pages]).astype(np.float16)
    index = DenseIndex(vectors)
    (first, score), (second, _) = index.top(encoder.embed(["when did the berlin wall fall"])[0], 5)
    assert (first, second) == (0, 1) and 0 < score <= 1.0001
    assert index.top(vectors[1].astype(np.float32), 0) == []


def test_reciprocal_rank_fusion_rewards_agreement() -> None:
    assert fuse([[1, 2, 3], [3, 1, 4]], weights=(1.0, 1.0)) == [1, 3, 2, 4]
    assert fuse([[1, 2], [2, 1]], weights=(1.0, 3.0))[0] == 2
