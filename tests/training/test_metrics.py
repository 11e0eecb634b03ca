from __future__ import annotations

from training.metrics import contains_answer, normalize_answer


def test_normalize_answer_folds_accents_case_and_punctuation() -> None:
    assert normalize_answer("  Selma Lagerlöf, (1909)! ") == "selma lagerlof 1909"
    assert normalize_answer("8,848.86 m") == "8 848 86 m"


def test_contains_answer_needs_whole_words() -> None:
    assert contains_answer("It was painted by Georges Seurat [1].", ["Seurat"])
    assert contains_answer("It rises 8,848.86 m.", ["8,848.86"])
    assert not contains_answer("In 18860 nothing happened.", ["1886"])
    assert not contains_answer("anything", ["", "   "])
