from __future__ import annotations

from browser.answer import CitedAnswer, cited_numbers, strip_citations
from browser.models import Quote
from browser.text import split_sentences

SEURAT = Quote(title="Georges Seurat", url="u1", text="Georges Seurat was a French artist.")
DOTS = Quote(title="Pointillism", url="u2", text="Pointillism uses dots of colour.")


def test_sentences_keep_their_trailing_citations() -> None:
    assert split_sentences("Seurat was French [1]. He painted dots. [2] Done") == [
        "Seurat was French [1].",
        "He painted dots. [2]",
        "Done",
    ]
    assert split_sentences("") == []


def test_initials_abbreviations_and_closing_quotes_do_not_split_wrongly() -> None:
    text = 'L. L. Zamenhof made it. St. Petersburg is big. He said "Go." Then 1990 came! Ok'
    assert split_sentences(text) == [
        "L. L. Zamenhof made it.",
        "St. Petersburg is big.",
        'He said "Go."',
        "Then 1990 came!",
        "Ok",
    ]
    assert split_sentences("A lowercase start. like this stays one.") == [
        "A lowercase start. like this stays one."
    ]


def test_cited_answer_knows_its_citations() -> None:
    answer = CitedAnswer(text="Dots [2] and Seurat [1], again [2], not [9].", quotes=(SEURAT, DOTS))
    assert cited_numbers(answer.text) == [2, 1, 9]
    assert answer.cited_ids == [2, 1]
    assert answer.cited_quotes == [DOTS, SEURAT]
    assert answer.plain_text == "Dots and Seurat, again, not."
    assert CitedAnswer().cited_ids == [] and CitedAnswer().text == ""


def test_strip_citations_and_sentences_of_an_answer() -> None:
    assert strip_citations("Paris [1][2]. Big [3].") == "Paris. Big."
    answer = CitedAnswer(text="The Tiber [1]. Rome lies on the Tiber [1].", quotes=(SEURAT,))
    assert answer.sentences() == ["The Tiber [1].", "Rome lies on the Tiber [1]."]
