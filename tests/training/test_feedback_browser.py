"""The feedback app driven in real headless Chromium (Debian's, by Playwright): a
demonstration recorded by clicking, a comparison judged, hostile text inert, screenshots.

Skipped, saying why, only where /usr/bin/chromium is missing (``.ci/run`` installs it)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from feedback_server import new_store, serving

from agent.episode import read_episodes
from browser.corpus import CorpusBackend
from training.comparisons import load_comparisons
from training.feedback.server import export

CHROMIUM = "/usr/bin/chromium"
DOCS = Path(__file__).resolve().parents[2] / "docs"
pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None, reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)"
)


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


def test_a_demonstration_recorded_by_clicking_replays_and_trains(
    chromium: object, tiny_corpus: CorpusBackend, tmp_path: Path
) -> None:
    store = new_store(tmp_path, questions=["who devised pointillism"], comparisons=0)
    with serving(store, tiny_corpus) as base:
        page = chromium.new_page(viewport={"width": 1280, "height": 860})  # type: ignore[attr-defined]
        page.goto(base + "/demonstrate")
        assert page.inner_text("#question") == "who devised pointillism"
        page.fill("#search-box", "pointillism")
        page.click("#search")
        page.click("button.link >> nth=0")  # the first result
        page.wait_for_selector("#page-title")
        page.check("input.line-box >> nth=0")
        page.click("#quote-lines")
        page.wait_for_selector("#quotes li:not(.none)")
        page.fill("#answer-box", "Georges Seurat devised it")
        page.click("button.cite >> nth=0")
        if DOCS.is_dir():
            page.screenshot(path=str(DOCS / "feedback-demonstrate.png"))
        page.click("#submit-answer")
        page.wait_for_selector("text=Saved")
    export(store, tmp_path / "out")
    (episode,) = read_episodes(tmp_path / "out" / "demonstrations.jsonl")
    actions = [step.action for step in episode.steps]
    assert actions[:3] == ["search pointillism", "click 0", "quote lines 1-1"]
    assert episode.answer == "Georges Seurat devised it [1]" and episode.cited_ids == [1]


def test_a_comparison_is_judged_and_hostile_answers_stay_inert(
    chromium: object, tiny_corpus: CorpusBackend, tmp_path: Path
) -> None:
    store = new_store(tmp_path, questions=[], comparisons=1)
    with serving(store, tiny_corpus) as base:
        page = chromium.new_page(viewport={"width": 1280, "height": 860})  # type: ignore[attr-defined]
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(base + "/compare")
        assert page.title() == "webgpt feedback — compare"  # no script changed it
        assert "<script>" in page.inner_text("#answer-B")  # shown as text
        assert (
            page.locator("#answer-B img").count() == 0 and page.locator("#answer-B a").count() == 0
        )
        assert "supported by [1]" in page.inner_text("#answer-A")
        assert "no citation" in page.inner_text("#answer-B")
        if DOCS.is_dir():
            page.screenshot(path=str(DOCS / "feedback-compare.png"), full_page=True)
        page.check("input[name=preference][value='1']")
        page.fill("input[name='a.factual']", "6")
        page.click("#submit-comparison")
        page.wait_for_selector("text=No comparison task left")
        assert dialogs == [] and page.title() != "pwned"
    export(store, tmp_path / "out")
    (comparison,) = load_comparisons(tmp_path / "out" / "comparisons.jsonl")
    assert comparison.preference == 1.0 and comparison.ratings == {"a.factual": 6.0}
