"""The reading teacher on the tiny corpus, with a word-overlap stand-in for the reader."""

from __future__ import annotations

from collections.abc import Sequence

from agent.loop import run_episode
from agent.reader import Reading
from agent.reading_teacher import ReadingTeacher, answer_text
from browser.answer import ABSTAIN_ANSWER
from browser.corpus import CorpusBackend
from browser.env import BrowserEnv
from browser.text import content_words


def overlap_reader(question: str, passages: Sequence[tuple[str, str]]) -> list[Reading]:
    """Scores a sentence by the question words it holds; the answer is its last two words."""
    wanted = set(content_words(question))
    readings = []
    for _, sentence in passages:
        hits = len(wanted & set(content_words(sentence)))
        readings.append(Reading(float(hits), " ".join(sentence.rstrip(".").split()[-2:]), 1.0))
    return readings


def test_reads_the_top_pages_then_quotes_the_best_sentence_and_answers_short(
    tiny_corpus: CorpusBackend,
) -> None:
    calls: list[int] = []

    def counting(question: str, passages: Sequence[tuple[str, str]]) -> list[Reading]:
        calls.append(len(passages))
        return overlap_reader(question, passages)

    teacher = ReadingTeacher(read=counting, max_pages=3, sure_above=99, abstain_below=1)
    episode = run_episode("who developed the technique with paul signac", teacher,
                          BrowserEnv(tiny_corpus))  # fmt: skip
    actions = [step.action for step in episode.steps]
    assert actions[0] == "search who developed the technique with paul signac"
    assert sum(a.startswith("click") for a in actions) == 4  # three pages read, one revisited
    assert len(calls) == 3  # each page scored once, when read to its end
    assert (
        episode.quotes[0].text
        == "The technique was developed by Georges Seurat and Paul Signac in 1886."
    )
    assert episode.answer == (
        "in 1886 [1]. The technique was developed by Georges Seurat and Paul Signac in 1886 [1]."
    )


def test_a_sure_sentence_is_quoted_at_once(tiny_corpus: CorpusBackend) -> None:
    teacher = ReadingTeacher(read=overlap_reader, sure_above=2, abstain_below=1)
    episode = run_episode("who devised pointillism", teacher, BrowserEnv(tiny_corpus))
    clicks = [step.action for step in episode.steps if step.action.startswith("click")]
    assert len(clicks) == 1 and episode.cited_ids == [1]


def test_weak_evidence_is_an_honest_abstention(tiny_corpus: CorpusBackend) -> None:
    teacher = ReadingTeacher(read=overlap_reader, abstain_below=50)
    episode = run_episode("who devised pointillism", teacher, BrowserEnv(tiny_corpus))
    assert episode.answer == ABSTAIN_ANSWER and episode.quotes == ()


def test_answer_text_leads_with_the_short_answer() -> None:
    sentence = "Rome lies on the Tiber."
    assert answer_text("the Tiber", sentence, 1) == "the Tiber [1]. Rome lies on the Tiber [1]."
    assert answer_text(None, sentence, 2) == "Rome lies on the Tiber [2]."
    assert answer_text("Rome lies on the Tiber", sentence, 1) == "Rome lies on the Tiber [1]."
    assert answer_text("x " * 11, sentence, 1) == "Rome lies on the Tiber [1]."
