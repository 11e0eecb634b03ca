"""Real-sounding questions: their forms, their answers inside their sentences, the split."""

from __future__ import annotations

from browser.corpus_sources import CorpusEntry
from training.questions import article_split
from training.real_questions import generate_real_questions

PAGES = [
    CorpusEntry(
        title="Moby-Dick",
        url="u1",
        text="Moby-Dick is an 1851 novel by American "
        "writer Herman Melville. The book was written by Herman Melville in 1850.",
    ),
    CorpusEntry(
        title="Mount Everest",
        url="u2",
        text="Mount Everest is the highest mountain "
        "above sea level. It is 8,849 metres tall. It is located in the Himalayas.",
    ),
    CorpusEntry(
        title="Berlin Wall",
        url="u3",
        text="The Berlin Wall was opened on 9 November 1989, after weeks of unrest.",
    ),
]


def test_questions_read_like_search_box_questions_and_answers_are_spans() -> None:
    questions = list(generate_real_questions(PAGES))
    by_kind = {q.kind: q for q in questions}
    assert by_kind["real:by"].question == "who wrote the book"
    assert by_kind["real:superlative"].question == "what is the highest mountain above sea level"
    assert by_kind["real:superlative"].answers == ("Mount Everest",)
    assert by_kind["real:measure"].question == "how tall is mount everest"
    assert by_kind["real:when"].answers[0] in ("9 November 1989", "1989")
    for q in questions:
        assert q.question == q.question.lower() and not q.question.endswith("?")
        assert q.answers[0] in q.support or q.answers[0] == q.title
        assert q.split == article_split(q.title)
    assert questions == list(generate_real_questions(PAGES))  # deterministic
