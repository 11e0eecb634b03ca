from __future__ import annotations

import pytest

from browser.answer import ABSTAIN_ANSWER, CitedAnswer, strip_citations
from browser.models import Quote
from training.evaluation.metrics import (
    abstained,
    best_f1,
    exact_match,
    retrieved,
    rouge_l,
    squad_tokens,
    token_f1,
)


def test_squad_normalisation_drops_case_punctuation_and_articles() -> None:
    assert squad_tokens("The  Eiffel Tower, in Paris!") == ["eiffel", "tower", "in", "paris"]
    assert squad_tokens("An apple a day") == ["apple", "day"]


def test_exact_match_against_every_gold() -> None:
    assert exact_match("the Beatles", ["Beatles", "Rolling Stones"]) == 1.0
    assert exact_match("Beatles!", ["The Beatles"]) == 1.0
    assert exact_match("The Beatles were a band", ["The Beatles"]) == 0.0


def test_token_f1_by_hand() -> None:
    # prediction tokens: pyotr ilyich tchaikovsky wrote ballets (5); gold: pyotr ilyich
    # tchaikovsky (3); overlap 3 -> P = 3/5, R = 1, F1 = 2*0.6/(1.6) = 0.75
    assert token_f1("Pyotr Ilyich Tchaikovsky wrote the ballets", "Pyotr Ilyich Tchaikovsky") == (
        pytest.approx(0.75)
    )
    # bag of words: "a a b" vs "a b b": common = {a:1, b:1} = 2; P = R = 2/3
    assert token_f1("x x y", "x y y") == pytest.approx(2 / 3)
    assert token_f1("nothing shared", "other words") == 0.0
    assert token_f1("the", "a") == 1.0  # both empty after normalisation, as SQuAD 2 scores it
    assert best_f1("December 1972", ["14 December 1972 UTC", "December 1972"]) == 1.0
    assert best_f1("anything", []) == 0.0


def test_rouge_l_by_hand() -> None:
    # reference: the cat sat on the mat (6); prediction: the cat lay on the mat (6)
    # LCS = the cat on the mat (5) -> P = R = 5/6 -> F = 5/6
    assert rouge_l("The cat lay on the mat.", "the cat sat on the mat") == pytest.approx(5 / 6)
    # prediction "a b c d" vs reference "b d": LCS 2, P = 2/4, R = 1 -> F = 2/3
    assert rouge_l("w x y z", "x z") == pytest.approx(2 / 3)
    assert rouge_l("", "x") == 0.0
    assert rouge_l("x y", "z") == 0.0


def test_citations_never_count_as_answer_words() -> None:
    assert strip_citations("Paris is the capital [1][2]. It is big [3].") == (
        "Paris is the capital. It is big."
    )
    assert exact_match(strip_citations("1 [1]"), ["1"]) == 1.0
    assert exact_match(strip_citations("Paris [1]"), ["1"]) == 0.0


def test_retrieval_and_abstention() -> None:
    quotes = [Quote(title="T", url="u", text="Seurat painted it in 1884.")]
    assert retrieved(quotes, ["1884"])
    assert not retrieved(quotes, ["1886"])
    assert abstained(CitedAnswer())
    assert abstained(CitedAnswer(text=ABSTAIN_ANSWER, quotes=tuple(quotes)))
    assert abstained(CitedAnswer(text="Paris is the capital.", quotes=tuple(quotes)))  # no [n]
    assert abstained(CitedAnswer(text="Paris is the capital [2].", quotes=tuple(quotes)))
    assert not abstained(CitedAnswer(text="Paris is the capital [1].", quotes=tuple(quotes)))
