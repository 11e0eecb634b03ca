"""The ranking policy: it lists the commands the browser offers and picks one by score.

WebShop's imitation-learning agent (Yao et al., 2022) scores each available action given
the state and takes the best (or samples). Here the available commands come from the
observation: the searches the question suggests, each result link, scrolling, going back,
quoting each sentence of the page just read, and answering with each candidate short
answer of the quoted sentence, or abstaining. What each command refers to is read by the
reader (:mod:`agent.reader`: MiniLM fine-tuned as a cross-encoder); a small head learnt
by behaviour cloning on the reading teacher's demonstrations (:mod:`training.ranker`)
turns that reading and the episode's state into a score per command. Temperature 0
takes the best command; above 0 it samples from the softmax, which is what best-of-n
draws from.

The head is a two-layer perceptron over :data:`FEATURES`; everything it sees is written
down there, so a newcomer can read off what the policy knows.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from agent.reader import CachedRead, Reader, Reading
from agent.reading_teacher import (
    ReadFunction,
    answer_text,
    page_sentences,
    results_in_window,
)
from agent.shipped import DEFAULT_RANKER
from browser.answer import ABSTAIN_ANSWER
from browser.observation import Observation
from browser.render import short_url, strip_link_marks
from browser.text import collapse_spaces, content_words

KINDS = ("search", "click", "scroll", "back", "quote", "answer", "abstain")
FEATURES = (
    *(f"is_{kind}" for kind in KINDS),
    "relevance",  # the reader's score of what the command points at (0 for none)
    "relevance_minus_best",  # that score minus the best sentence score of the episode
    "is_best_sentence",  # quote/answer: the best sentence read so far
    "best_score",  # the best sentence score of the episode so far
    "best_is_here",  # the best sentence is on the open page
    "best_page_link",  # click: this result holds the best sentence so far
    "link_rank",  # click: 0 for the first result, 1/8 per place
    "visited",  # click: the result was opened before
    "pages_read",  # pages read to their end, over 3
    "page_read",  # the open page has been read to its end
    "actions_used",  # over 20
    "short_answer",  # answer: it leads with a short answer
    "answer_score",  # answer: the reader's span score
    "second_query",  # search: the content-word query, not the question
)
ABSTAIN_COLUMN = FEATURES.index("is_abstain")
HEAD_FILE = "ranker_head.npz"
SETTINGS_FILE = "webgpt_ranker.json"


@dataclass(frozen=True)
class Candidate:
    """A command the policy could issue, and what the head reads about it."""

    command: str
    kind: str
    features: tuple[float, ...]


@dataclass(frozen=True)
class PolicyHead:
    """A two-layer perceptron: ``score = w2 · relu(W1 · x + b1) + b2``."""

    w1: NDArray[np.float32]  # (H, F)
    b1: NDArray[np.float32]  # (H,)
    w2: NDArray[np.float32]  # (H,)
    b2: float

    def scores(self, features: NDArray[np.float32]) -> NDArray[np.float32]:
        """One score per row of ``features`` (N, F)."""
        hidden = np.maximum(features @ self.w1.T + self.b1, 0.0)  # (N, H)
        return (hidden @ self.w2 + self.b2).astype(np.float32)  # type: ignore[no-any-return]

    def save(self, path: Path) -> None:
        np.savez(path, w1=self.w1, b1=self.b1, w2=self.w2, b2=np.float32(self.b2))

    @classmethod
    def load(cls, path: Path) -> PolicyHead:
        saved = np.load(path)
        return cls(saved["w1"], saved["b1"], saved["w2"], float(saved["b2"]))


@dataclass
class _Reading:
    """What the policy remembers of one episode."""

    question: str | None = None
    links: dict[str, int] = field(default_factory=dict)  # shown address -> link id
    visited: set[int] = field(default_factory=set)
    lines: dict[int, str] = field(default_factory=dict)
    page_url: str | None = None
    read: dict[str, list[tuple[str, Reading]]] = field(default_factory=dict)  # url -> sentences
    best: tuple[float, str, str, int] | None = None  # score, sentence, url, link id
    searches: int = 0
    revisiting: bool = False  # the last click opened a result opened before


@dataclass
class RankerPolicy:
    """Score the available commands with the head and take one (see the module doc).

    Args:
        read: the reader's ``read`` (question, ``[(title, sentence)]``) -> readings.
        head: the learnt scorer.
        temperature: 0 takes the best command; above 0 samples from softmax(score / T).
        seed: the sampling seed until the episode loop resets the policy with its own.
        abstain_bias: added to the score of abstaining before choosing (negative: abstain
            less); placed on held-out questions by :mod:`training.abstention`.
    """

    read: ReadFunction
    head: PolicyHead
    temperature: float = 0.0
    seed: int = 0
    abstain_bias: float = 0.0
    name: str = "ranker"
    trace: list[tuple[NDArray[np.float32], int]] = field(default_factory=list, repr=False)
    """This episode's steps as the head saw them: candidate features (N, F) and the choice
    (what expert iteration and policy-gradient training learn from)."""
    _memory: _Reading = field(default_factory=_Reading, repr=False)
    _rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(0), repr=False)

    def __post_init__(self) -> None:
        if self.temperature < 0:
            raise ValueError(f"temperature {self.temperature!r} must be >= 0")
        self._rng = np.random.default_rng(self.seed)

    @classmethod
    def load(
        cls, path: Path = DEFAULT_RANKER, *, reader: Reader | None = None, **options: float
    ) -> RankerPolicy:
        """The policy saved in ``path`` (its head and placed ``abstain_bias``), reading with
        ``reader`` (default: the shipped reader); ``options`` override the saved ones."""
        if not (path / HEAD_FILE).is_file():
            raise FileNotFoundError(f"no ranking policy at {path} (no {HEAD_FILE} there)")
        settings = json.loads((path / SETTINGS_FILE).read_text())
        if tuple(settings["features"]) != FEATURES:
            raise ValueError(f"{path}: the head was trained on other features; retrain it")
        reader = reader or Reader.load()
        head = PolicyHead.load(path / HEAD_FILE)
        options = {"abstain_bias": settings.get("abstain_bias", 0.0)} | options
        return cls(read=CachedRead(reader.read), head=head, **options)  # type: ignore[arg-type]

    def reset(self, *, seed: int = 0) -> None:
        self._memory = _Reading()
        self._rng = np.random.default_rng(seed)
        self.trace = []

    def act(self, observation: Observation) -> str:
        candidates = self.candidates(observation)
        features = np.array([c.features for c in candidates], dtype=np.float32)
        scores = self.head.scores(features)
        abstaining = features[:, ABSTAIN_COLUMN] > 0
        index = self._choose(np.where(abstaining, scores + self.abstain_bias, scores))
        self.trace.append((features, index))
        self.commit(observation, candidates[index])
        return candidates[index].command

    def _choose(self, scores: NDArray[np.float32]) -> int:
        if self.temperature == 0:
            return int(np.argmax(scores))
        logits = scores / self.temperature
        weights = np.exp(logits - logits.max())
        return int(self._rng.choice(len(scores), p=weights / weights.sum()))

    # -- what can be done -----------------------------------------------------------------

    def candidates(self, observation: Observation) -> list[Candidate]:
        """Every command worth considering now, with its features; reading the page (and
        remembering what was read) happens here."""
        memory = self._memory
        if memory.question != observation.question:
            memory = self._memory = _Reading(question=observation.question)
        if observation.quotes:
            return self._answers(observation)
        found: list[Candidate] = []
        if observation.page_url is None or observation.is_search_page or observation.error:
            found += self._searches(observation)
        if observation.is_search_page:
            found += self._clicks(observation)
        elif observation.page_url is not None:
            found += self._page(observation)
        found.append(self._candidate("abstain", f"answer {ABSTAIN_ANSWER}", observation))
        return found

    def commit(self, observation: Observation, candidate: Candidate) -> None:
        """Remember what the chosen command does to the episode."""
        memory = self._memory
        if candidate.kind == "search":
            memory.searches += 1
        elif candidate.kind == "click":
            link = int(candidate.command.split()[1])
            memory.revisiting = link in memory.visited
            memory.visited.add(link)
        elif candidate.kind == "back":
            memory.revisiting = False

    def _searches(self, observation: Observation) -> list[Candidate]:
        question = collapse_spaces(observation.question)
        words = " ".join(content_words(question))
        found = [self._candidate("search", f"search {question}", observation)]
        if words and words != question.lower():
            found.append(
                self._candidate("search", f"search {words}", observation, second_query=1.0)
            )
        return found

    def _clicks(self, observation: Observation) -> list[Candidate]:
        memory = self._memory
        found = []
        for link, address in results_in_window(observation.window):
            memory.links.setdefault(address, link)
            best_here = memory.best is not None and memory.best[3] == link
            found.append(
                self._candidate(
                    "click",
                    f"click {link}",
                    observation,
                    link_rank=link / 8,
                    visited=float(link in memory.visited),
                    best_page_link=float(best_here),
                )
            )
        if observation.last_line < observation.total_lines:
            found.append(self._candidate("scroll", "scroll down", observation))
        return found

    def _page(self, observation: Observation) -> list[Candidate]:
        memory = self._memory
        url = observation.page_url or ""
        if url != memory.page_url:
            memory.page_url, memory.lines = url, {}
        for number, line in enumerate(observation.window, observation.first_line):
            memory.lines[number] = strip_link_marks(line)
        # A page opened again was read already: it was reopened to quote from, as the
        # teacher does, so going back is not offered (the head would otherwise cycle
        # between the results and a page until the action budget ran out, unanswered).
        found = [] if memory.revisiting else [self._candidate("back", "back", observation)]
        if url not in memory.read and observation.last_line < observation.total_lines:
            found.append(self._candidate("scroll", "scroll down", observation))
            return found
        if url not in memory.read:
            self._read_page(observation, url)
        if observation.quotes_left > 0:
            for sentence, reading in memory.read[url]:
                found.append(
                    self._candidate(
                        "quote",
                        f"quote {sentence}",
                        observation,
                        relevance=reading.score,
                        sentence=sentence,
                    )
                )
        return found

    def _read_page(self, observation: Observation, url: str) -> None:
        memory = self._memory
        sentences = page_sentences(memory.lines)
        title = observation.page_title or ""
        readings = (
            self.read(observation.question, [(title, s) for s in sentences]) if sentences else []
        )
        memory.read[url] = list(zip(sentences, readings, strict=True))
        link = memory.links.get(short_url(url), -1)
        for sentence, reading in memory.read[url]:
            if memory.best is None or reading.score > memory.best[0]:
                memory.best = (reading.score, sentence, url, link)

    def _answers(self, observation: Observation) -> list[Candidate]:
        quote = observation.quotes[-1]
        readings = [r for s, r in self._memory.read.get(quote.url, []) if s == quote.text]
        reading = readings[0] if readings else None
        relevance = reading.score if reading else 0.0
        found = [
            self._candidate(
                "answer",
                f"answer {answer_text(None, quote.text, len(observation.quotes))}",
                observation,
                relevance=relevance,
                sentence=quote.text,
            )
        ]
        if reading is not None and reading.answer:
            text = answer_text(reading.answer, quote.text, len(observation.quotes))
            if text != found[0].command[len("answer ") :]:
                found.append(
                    self._candidate(
                        "answer",
                        f"answer {text}",
                        observation,
                        relevance=relevance,
                        sentence=quote.text,
                        short_answer=1.0,
                        answer_score=reading.answer_score,
                    )
                )
        found.append(self._candidate("abstain", f"answer {ABSTAIN_ANSWER}", observation))
        return found

    def _candidate(
        self,
        kind: str,
        command: str,
        observation: Observation,
        *,
        relevance: float = 0.0,
        sentence: str | None = None,
        **given: float,
    ) -> Candidate:
        memory = self._memory
        best = memory.best
        values = dict.fromkeys(FEATURES, 0.0)
        values[f"is_{kind}"] = 1.0
        values["relevance"] = _squash(relevance)
        values["best_score"] = _squash(best[0]) if best else 0.0
        values["relevance_minus_best"] = _squash(relevance - best[0]) if best and sentence else 0.0
        values["is_best_sentence"] = float(best is not None and sentence == best[1])
        values["best_is_here"] = float(best is not None and best[2] == observation.page_url)
        values["pages_read"] = len(memory.read) / 3
        values["page_read"] = float(observation.page_url in memory.read)
        values["actions_used"] = len(observation.past_actions) / 20
        values |= given
        if "answer_score" in given:
            values["answer_score"] = _squash(given["answer_score"])
        return Candidate(command, kind, tuple(values[name] for name in FEATURES))


def _squash(score: float) -> float:
    """A logit into (-1, 1), so the head sees bounded inputs."""
    return math.tanh(score / 4)
