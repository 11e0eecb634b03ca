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
    assert split_sentences("A one-line description\nThe body. Its end.") == [
        "A one-line description", "The body.", "Its end."
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


def test_the_short_answer_leads_when_it_is_a_span_of_the_cited_quote() -> None:
    tiber = Quote(title="Rome", url="u", text="Rome lies on the Tiber.")
    answer = CitedAnswer(text="the Tiber [1]. Rome lies on the Tiber [1].", quotes=(tiber,))
    assert answer.short_answer == "the Tiber" and answer.in_its_quotes
    made_up = CitedAnswer(text="the Seine [1]. Rome lies on the Tiber [1].", quotes=(tiber,))
    assert made_up.short_answer == "the Seine. Rome lies on the Tiber."
    assert not made_up.in_its_quotes
    single = CitedAnswer(text="Rome lies on the Tiber [1].", quotes=(tiber,))
    assert single.short_answer == "Rome lies on the Tiber." and single.in_its_quotes
    assert not CitedAnswer(text="Rome lies on the Tiber.", quotes=(tiber,)).in_its_quotes


def test_a_short_answer_may_be_the_quoted_pages_title() -> None:
    composed = Quote(title="Pyotr Ilyich Tchaikovsky", url="u", text="He composed Swan Lake.")
    answer = CitedAnswer(text="Pyotr Ilyich Tchaikovsky [1]. He composed Swan Lake [1].",
                         quotes=(composed,))  # fmt: skip
    assert answer.short_answer == "Pyotr Ilyich Tchaikovsky" and answer.in_its_quotes
