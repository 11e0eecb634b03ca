"""The scripted teacher on the hand-written questions (tests/data/questions.jsonl)."""

from __future__ import annotations

import pytest

from agent.loop import run_episode
from agent.teacher import TeacherPolicy
from browser.answer import ABSTAIN_ANSWER
from browser.corpus import CorpusBackend
from browser.env import BrowserConfig, BrowserEnv, find_span
from browser.render import render_document
from training.metrics import contains_answer


def test_teacher_answers_most_hand_written_questions_with_grounded_citations(
    corpus: CorpusBackend, questions: list[dict[str, object]]
) -> None:
    assert len(questions) >= 50
    env = BrowserEnv(corpus)
    correct = 0
    for row in questions:
        episode = run_episode(str(row["question"]), TeacherPolicy(), env)
        assert episode.terminated, row["question"]
        correct += contains_answer(episode.answer or "", row["answers"])  # type: ignore[arg-type]
        assert episode.cited_ids, f"no citation for {row['question']!r}: {episode.answer!r}"
        for number in episode.cited_ids:
            quote = episode.quotes[number - 1]
            page = render_document(corpus.open(quote.url), width=env.config.width)
            assert find_span(page.plain_text, quote.text) == quote.text
    assert correct / len(questions) >= 0.70, f"{correct}/{len(questions)}"


def test_teacher_steps_are_valid_commands_that_never_error(corpus: CorpusBackend) -> None:
    episode = run_episode("who directed 2001 a space odyssey", TeacherPolicy(), BrowserEnv(corpus))
    assert [step.action.split()[0] for step in episode.steps] == [
        "search",
        "click",
        "quote",
        "answer",
    ]
    assert all(step.error is None for step in episode.steps)
    assert "Stanley Kubrick" in (episode.answer or "")


def test_teacher_abstains_when_nothing_matches(tiny_corpus: CorpusBackend) -> None:
    episode = run_episode("zzyzx qwerty blorf", TeacherPolicy(), BrowserEnv(tiny_corpus))
    assert episode.answer == ABSTAIN_ANSWER
    assert episode.quotes == ()


@pytest.mark.parametrize("budget", [1, 2, 3, 4])
def test_teacher_answers_within_any_budget(corpus: CorpusBackend, budget: int) -> None:
    env = BrowserEnv(corpus, BrowserConfig(max_actions=budget))
    episode = run_episode("how tall is mount everest", TeacherPolicy(), env)
    assert episode.terminated and not episode.truncated
    assert len(episode.steps) <= budget


def test_teacher_can_quote_by_line_numbers_and_still_answer_with_the_sentence(
    corpus: CorpusBackend,
) -> None:
    env = BrowserEnv(corpus)
    episode = run_episode(
        "who directed 2001 a space odyssey", TeacherPolicy(quote_style="lines"), env
    )
    quote_step = episode.steps[2]
    assert quote_step.action.startswith("quote lines ") and quote_step.error is None
    assert "Stanley Kubrick" in episode.quotes[0].text
    assert "Stanley Kubrick" in (episode.answer or "") and episode.cited_ids == [1]
    by_text = run_episode("who directed 2001 a space odyssey", TeacherPolicy(), env)
    assert episode.answer == by_text.answer  # the answer is the sentence, not the whole lines


def test_teacher_searches_with_the_question_words_as_spelled(corpus: CorpusBackend) -> None:
    """A student copies the query from the question, so the teacher must not refold it."""
    question = "Who painted A Sunday Afternoon on the Island of La Grande Jatte?"
    episode = run_episode(question, TeacherPolicy(), BrowserEnv(corpus))
    assert episode.steps[0].action == "search painted Sunday Afternoon Island La Grande Jatte"
