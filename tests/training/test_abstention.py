"""Placing the ranking policy's abstain bias: one run per question with abstaining off
predicts exactly what the policy does with any bias (checked against real runs), the
placement hits its target, and an interrupted measurement resumes."""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace

import pytest
from test_default_reward_model import overlap_reader  # pytest puts this folder on sys.path

from agent.loop import run_episode
from agent.ranker_policy import HEAD_FILE, SETTINGS_FILE, PolicyHead, RankerPolicy
from agent.reader import Reading
from agent.reading_teacher import ReadingTeacher
from browser.answer import ABSTAIN_ANSWER
from browser.corpus import CorpusBackend
from browser.env import BrowserEnv
from training.abstention import (
    Confidence,
    measure_confidences,
    outcome_at,
    place_abstain_bias,
    save_abstain_bias,
)
from training.evaluation.datasets import EvalItem
from training.metrics import contains_answer
from training.ranker import train_ranker
from training.ranker_config import RankerConfig

ANSWERABLE = {
    "who devised pointillism": ("Seurat",),
    "when was la grande jatte painted": ("1884",),
    "who developed the technique with paul signac": ("Georges Seurat",),
    "what nationality was seurat": ("French",),
    "what is the grande jatte an example of": ("pointillist technique",),
}
UNANSWERED = [
    "who won the world cup in 1998",
    "what is the capital of peru",
    "when did seurat die",
    "how many paintings did signac sell",
    "where was the artist born",
]


def items() -> list[EvalItem]:
    known = [
        EvalItem(id=f"a{n}", question=q, answers=a, source="t")
        for n, (q, a) in enumerate(ANSWERABLE.items())
    ]
    unknown = [EvalItem(id=f"u{n}", question=q, source="t") for n, q in enumerate(UNANSWERED)]
    return known + unknown


@pytest.fixture(scope="module")
def cloned(tiny_corpus: CorpusBackend, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A head cloned from a teacher that abstains below two matching words."""
    teacher = ReadingTeacher(read=overlap_reader, sure_above=99, abstain_below=2)
    browser = BrowserEnv(tiny_corpus)
    demos = [run_episode(item.question, teacher, browser) for item in items()]
    assert any(d.answer == ABSTAIN_ANSWER for d in demos) and any(
        d.answer != ABSTAIN_ANSWER for d in demos
    )
    out = tmp_path_factory.mktemp("abstention") / "ranker"
    config = RankerConfig(out=out, epochs=300, learning_rate=1e-2)
    train_ranker(config, demos, browser, lambda head: RankerPolicy(read=overlap_reader, head=head))
    return out


def policy_at(path: Path, bias: float = 0.0) -> RankerPolicy:
    head = PolicyHead.load(path / HEAD_FILE)
    return RankerPolicy(read=overlap_reader, head=head, abstain_bias=bias)


def test_one_run_per_question_predicts_every_bias(
    cloned: Path, tiny_corpus: CorpusBackend, tmp_path: Path
) -> None:
    questions = items()
    confidences = measure_confidences(
        policy_at(cloned), questions, tiny_corpus, out=tmp_path / "c.jsonl"
    )
    finite = sorted(c.confidence for c in confidences if math.isfinite(c.confidence))
    assert len(set(finite)) > 2  # the questions differ in how sure the policy is
    between = [(low + high) / 2 for low, high in itertools.pairwise(finite)]
    biases = [-math.inf, finite[0] - 1, *between, 9.0]
    for bias in biases:
        policy = policy_at(cloned, bias)
        for item, measured in zip(questions, confidences, strict=True):
            episode = run_episode(item.question, policy, BrowserEnv(tiny_corpus))
            abstained = episode.answer == ABSTAIN_ANSWER
            assert abstained == (measured.confidence < bias), (item.question, bias)
            if not abstained:
                right = bool(episode.cited_ids) and contains_answer(episode.answer, item.answers)
                assert right == measured.right
    assert outcome_at(confidences, -math.inf)["answerable_right"] > 0


def test_the_placed_bias_abstains_on_the_target_share_at_least_cost() -> None:
    def made(confidence: float, answerable: bool, right: bool = False) -> Confidence:
        return Confidence(
            id=str(confidence), answerable=answerable, right=right, confidence=confidence
        )

    confidences = [made(c, False) for c in (0.0, 1.0, 2.0, 3.0)] + [
        made(1.5, True, right=True),
        made(5.0, True, right=True),
        made(0.5, True, right=False),
    ]
    placed = place_abstain_bias(confidences, target=0.5)
    assert placed["abstain_bias"] == 1.5  # halfway between the 2nd and 3rd unanswered
    assert placed["unanswered_abstained"] == 0.5
    assert placed["answerable_abstained"] == pytest.approx(1 / 3)  # only the 0.5 one
    assert placed["answerable_right"] == pytest.approx(2 / 3)  # 1.5 is not below 1.5
    assert place_abstain_bias(confidences, target=1.0)["unanswered_abstained"] == 1.0
    with pytest.raises(ValueError, match="no unanswered"):
        place_abstain_bias([c for c in confidences if c.answerable], target=0.5)
    with pytest.raises(ValueError, match="target"):
        place_abstain_bias(confidences, target=0.0)


def test_measuring_resumes_and_the_bias_is_saved_with_the_policy(
    cloned: Path, tiny_corpus: CorpusBackend, tmp_path: Path
) -> None:
    out = tmp_path / "c.jsonl"
    first = measure_confidences(policy_at(cloned), items()[:4], tiny_corpus, out=out)

    def refusing(question: str, passages: Sequence[tuple[str, str]]) -> list[Reading]:
        if question in {item.question for item in items()[:4]}:
            raise AssertionError(f"measured again: {question}")
        return overlap_reader(question, passages)

    resumed = RankerPolicy(read=refusing, head=PolicyHead.load(cloned / HEAD_FILE))
    every = measure_confidences(resumed, items(), tiny_corpus, out=out)
    assert every[:4] == first and len(every) == len(items())
    assert len(out.read_text().splitlines()) == len(items())  # nothing written twice

    placed = place_abstain_bias(every, target=0.6)
    save_abstain_bias(cloned, placed)
    settings = json.loads((cloned / SETTINGS_FILE).read_text())
    assert settings["abstain_bias"] == placed["abstain_bias"]
    stand_in = SimpleNamespace(read=overlap_reader)  # the loader only calls ``read``
    loaded = RankerPolicy.load(cloned, reader=stand_in)  # type: ignore[arg-type]
    assert loaded.abstain_bias == placed["abstain_bias"]
    assert RankerPolicy.load(cloned, reader=stand_in, abstain_bias=0.0).abstain_bias == 0.0  # type: ignore[arg-type]
