"""The reference judge: each criterion, the weighted score, and ties."""

from __future__ import annotations

from test_comparisons import episode  # pytest puts this folder on sys.path

from browser.answer import ABSTAIN_ANSWER, CitedAnswer
from browser.models import Quote
from training.judge import (
    JUDGE_NAME,
    Judgement,
    ReferenceJudge,
    faithfulness,
    gold_in_answer,
    gold_in_cited_quote,
    has_citation,
    judge_pair,
    length_penalty,
)
from training.questions import GeneratedQuestion

SEURAT = Quote(
    title="Pointillism",
    url="u1",
    text="The technique was developed by Georges Seurat and Paul Signac in 1886.",
)
DOTS = Quote(title="Pointillism", url="u1", text="Small dots of colour applied in patterns.")
GOLDS = ["Georges Seurat"]


def cited(text: str, *quotes: Quote) -> CitedAnswer:
    return CitedAnswer(text=text, quotes=quotes)


def test_gold_in_answer_matches_whole_normalised_words() -> None:
    assert gold_in_answer(cited("It was GEORGES  Seurat."), GOLDS) == 1.0
    assert gold_in_answer(cited("Georges Seurats"), GOLDS) == 0.0


def test_gold_in_cited_quote_needs_the_quote_to_be_cited() -> None:
    assert gold_in_cited_quote(cited("Seurat [1].", SEURAT), GOLDS) == 1.0
    assert gold_in_cited_quote(cited("Seurat.", SEURAT), GOLDS) == 0.0
    assert gold_in_cited_quote(cited("Dots [1].", DOTS), GOLDS) == 0.0


def test_faithfulness_is_the_share_of_answer_words_in_cited_quotes() -> None:
    copied = "The technique was developed by Georges Seurat [1]."
    assert faithfulness(cited(copied, SEURAT)) == 1.0
    half = "Developed by Georges Seurat [1]. Monet painted water lilies."
    assert faithfulness(cited(half, SEURAT)) == 0.5
    assert faithfulness(cited(copied)) == 0.0  # nothing cited, nothing supported
    assert faithfulness(cited("", SEURAT)) == 0.0


def test_has_citation_counts_only_existing_quotes() -> None:
    assert has_citation(cited("x [1]", SEURAT)) == 1.0
    assert has_citation(cited("x [2]", SEURAT)) == 0.0


def test_length_penalty_hits_empty_and_rambling_answers() -> None:
    assert length_penalty(cited("")) == 1.0 and length_penalty(cited("[1]")) == 1.0
    assert length_penalty(cited("word " * 60)) == 0.0
    assert length_penalty(cited("word " * 120), max_words=60) == 0.5
    assert length_penalty(cited("word " * 1000)) == 1.0


def test_judge_ranks_correct_cited_above_correct_above_wrong_above_empty() -> None:
    question = GeneratedQuestion(
        question="who devised pointillism",
        answers=("Georges Seurat",),
        title="t",
        url="u",
        support="s",
        kind="k",
        split="train",
    )
    judge = ReferenceJudge()
    assert judge.name == JUDGE_NAME == "judge:reference-v2"
    cited = judge(
        question, episode(question.question, "Developed by Georges Seurat [1].", (SEURAT,))
    )
    bare = judge(question, episode(question.question, "Georges Seurat."))
    wrong = judge(question, episode(question.question, "Paul Gauguin [1].", (DOTS,)))
    empty = judge(question, episode(question.question, None, (SEURAT,)))
    assert cited.score == 5.0 and cited.criteria["gold_in_cited_quote"] == 1.0
    assert bare.score == 3.0
    assert wrong.score == 0.5 and wrong.criteria["faithfulness"] == 0.0
    assert empty.score == -1.0 and empty.criteria["length_penalty"] == 1.0
    assert set(cited.criteria) == {
        "gold_in_answer",
        "gold_in_cited_quote",
        "short_answer_exact",
        "faithfulness",
        "has_citation",
        "abstained",
        "length_penalty",
    }
    short = judge(question, episode(question.question, "Georges Seurat [1]. Developed by "
                                    "Georges Seurat [1].", (SEURAT,)))  # fmt: skip
    assert short.criteria["short_answer_exact"] == 1.0 and short.score == cited.score + 1.0
    honest = judge(question, episode(question.question, ABSTAIN_ANSWER, (SEURAT,)))
    assert honest.criteria["abstained"] == 1.0
    assert wrong.score < honest.score < bare.score  # better to abstain than to be wrong


def test_judge_pair_ties_within_epsilon() -> None:
    assert judge_pair(Judgement(3.0), Judgement(1.0)) == "A"
    assert judge_pair(Judgement(1.0), Judgement(3.0)) == "B"
    assert judge_pair(Judgement(3.0), Judgement(2.8)) == "tie"
    assert judge_pair(Judgement(3.0), Judgement(2.8), epsilon=0.1) == "A"
