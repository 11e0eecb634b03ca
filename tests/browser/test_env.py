from __future__ import annotations

import pytest

from browser.corpus import CorpusBackend
from browser.env import BrowserConfig, BrowserEnv, find_span

QUESTION = "Who painted A Sunday Afternoon on the Island of La Grande Jatte?"


@pytest.fixture
def env(tiny_corpus: CorpusBackend) -> BrowserEnv:
    env = BrowserEnv(tiny_corpus, BrowserConfig(window_lines=5, max_actions=20, max_quotes=2))
    env.reset(QUESTION)
    return env


def open_page(env: BrowserEnv, title: str) -> None:
    found = env.step(f"search {title}")
    link = next(
        line.split("†")[0].lstrip("【")
        for line in found.observation.window
        if line.startswith("【") and f"†{title}】" in line
    )
    opened = env.step(f"click {link}")
    assert opened.error is None
    assert opened.observation.page_title == title


def test_reset_shows_the_question_on_a_blank_page(tiny_corpus: CorpusBackend) -> None:
    observation = BrowserEnv(tiny_corpus).reset(QUESTION)
    assert observation.question == QUESTION
    assert observation.page_url is None
    assert observation.actions_left == 20
    assert "start with a search" in observation.render()


def test_search_then_click_opens_the_page_with_its_links(env: BrowserEnv) -> None:
    result = env.step("search Grande Jatte")
    assert result.error is None
    assert result.observation.is_search_page
    assert "La Grande Jatte" in result.observation.window[0]
    open_page(env, "A Sunday Afternoon on the Island of La Grande Jatte")
    window = "\n".join(env.step("top").observation.window)
    assert "【0†Georges Seurat】" in window  # the other page's title became a link
    clicked = env.step("click 0")
    assert clicked.observation.page_title == "Georges Seurat"


def test_scroll_top_and_back_move_through_pages(env: BrowserEnv) -> None:
    open_page(env, "Pointillism")
    first = env.step("top").observation
    assert first.first_line == 1 and first.total_lines > 10
    down = env.step("scroll down").observation
    assert down.first_line == 6
    assert env.step("scroll up").observation.first_line == 1
    assert env.step("scroll up").error == "already at the top of the page"
    back = env.step("back").observation
    assert back.is_search_page


def test_find_jumps_to_the_next_match(env: BrowserEnv) -> None:
    open_page(env, "Pointillism")
    found = env.step("find Paul Signac")
    assert found.error is None
    assert "Paul Signac" in " ".join(found.observation.window[:2])
    assert env.step("find no such words here").error == "'no such words here' is not on this page"


def test_quote_forms_keep_spans_of_the_page(env: BrowserEnv) -> None:
    open_page(env, "A Sunday Afternoon on the Island of La Grande Jatte")
    exact = env.step("quote was painted from 1884 to 1886")
    assert exact.error is None
    span = env.step("quote A Sunday Afternoon…most famous work.")
    assert span.error is None
    assert env.quotes[1].text.endswith("is Georges Seurat's most famous work.")
    assert env.quotes[0].url == "https://example.org/wiki/La_Grande_Jatte"
    assert env.step("quote lines 1-1").error == "the quote budget (2) is spent"


def test_quote_lines_uses_line_numbers(env: BrowserEnv) -> None:
    open_page(env, "Georges Seurat")
    result = env.step("quote lines 1-2")
    assert result.error is None
    assert env.quotes[0].text.startswith("Georges Seurat was a French")


@pytest.mark.parametrize(
    ("command", "error"),
    [
        ("fly away", "unknown command 'fly'"),
        ("click 99", "no link 99 on this page"),
        ("quote Claude Monet painted water lilies", "not on this page"),
        ("quote lines 40-41", "not on this page"),
        ("answer Seurat [3]", "there is no quote 3"),
    ],
)
def test_impossible_commands_return_an_error_and_the_episode_goes_on(
    env: BrowserEnv, command: str, error: str
) -> None:
    open_page(env, "Georges Seurat")
    result = env.step(command)
    assert error in (result.error or "")
    assert not result.terminated and not result.truncated
    assert result.observation.error == result.error
    assert f"Error: {result.error}" in result.observation.render()
    assert env.step("scroll up").observation.page_title == "Georges Seurat"


def test_errors_before_any_page_and_on_search_pages(env: BrowserEnv) -> None:
    assert env.step("click 0").error == "no page is open yet; start with a search"
    assert env.step("back").error == "there is no previous page"
    assert "no results" in (env.step("search zzqqxx").error or "")
    env.step("search Seurat")
    assert "not from search results" in (env.step("quote Seurat").error or "")


def test_answer_terminates_and_budget_truncates(tiny_corpus: CorpusBackend) -> None:
    env = BrowserEnv(tiny_corpus, BrowserConfig(max_actions=3))
    env.reset(QUESTION)
    env.step("search Seurat")
    env.step("click 0")
    ended = env.step("quote lines 1-1")
    assert ended.truncated and not ended.terminated
    with pytest.raises(RuntimeError, match="episode is over"):
        env.step("back")
    env.reset(QUESTION)
    answered = env.step("answer I do not know.")
    assert answered.terminated and not answered.truncated
    assert env.answer == "I do not know."


def test_find_span_forgives_what_hand_copying_gets_wrong() -> None:
    text = "Seurat's work – a famous one – was painted in 1886."
    assert find_span(text, "seurat’s WORK - a famous") == "Seurat's work – a famous"
    assert find_span(text, "【2†Seurat】's  work") == "Seurat's work"
    assert find_span(text, "Seurat's", "1886.") == text
    assert find_span(text, "Monet") is None
    assert find_span(text, "painted", "Seurat") is None  # the end must follow the start


def test_quoting_only_blank_lines_is_an_error_not_an_empty_quote(env: BrowserEnv) -> None:
    open_page(env, "Georges Seurat")
    window = env.step("top").observation.window
    blank = next(n for n, line in enumerate(window, 1) if not line.strip())
    result = env.step(f"quote lines {blank}-{blank}")
    assert result.error == f"lines {blank}-{blank} are empty; nothing to quote"
    assert not env.quotes
