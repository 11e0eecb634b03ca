"""Generate who/what/when/where questions from corpus articles, with gold answers.

Each question keeps its gold answer and the sentence that supports it, so demonstrations
can be filtered and answers scored. The split is by article (a stable hash of the title),
so held-out questions never come from an article that training saw.

    webgpt questions generate --out questions.jsonl
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from browser.corpus_sources import CorpusEntry
from browser.records import read_records, write_records
from browser.text import split_sentences

Split = Literal["train", "heldout"]
HELDOUT_PERCENT = 10


class GeneratedQuestion(BaseModel):
    """A question with its gold answer and the corpus sentence that states it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    question: str = Field(min_length=1)
    answers: tuple[str, ...] = Field(min_length=1)
    title: str
    url: str
    support: str = Field(description="the sentence of the article that states the answer")
    kind: str = Field(description="which generator made it")
    split: Split


def article_split(title: str) -> Split:
    """``heldout`` for a stable 10% of articles (by title hash), ``train`` for the rest."""
    bucket = int(hashlib.sha1(title.encode()).hexdigest()[:8], 16) % 100
    return "heldout" if bucket < HELDOUT_PERCENT else "train"


_NAME = r"(?:[A-Z][\w'’.-]+(?:\s+(?:de|van|von|da|di|del|la|le|of|the|and)?\s*[A-Z][\w'’.-]+){0,4})"
_BY_RE = re.compile(rf"^(?:\d{{4}}\s+)?(?P<noun>[A-Za-z -]+?) by (?P<who>{_NAME})$")
_YEAR_NOUN_RE = re.compile(r"^(?P<year>1\d{3}|20\d{2})\s+(?P<noun>[a-z][a-z -]+?)(?: by .*)?$")
_YEAR = r"(?:1\d{3}|20\d{2})"
_LIFESPAN_RE = re.compile(
    r"\((?:[^()]*?;\s*)?(?:born\s+)?[^()]*?"
    rf"\b(?P<born>{_YEAR})\b[^()]*?[–-][^()]*?\b(?P<died>{_YEAR})\)"
)
_IS_A_RE = re.compile(
    r"^(?:The\s+)?(?P<subject>[^,]+?)\s+(?:is|was|are|were)\s+(?:an?|the)\s+"
    r"(?P<what>[^,;.]{8,80}?)(?:[,;.]| that | which | who | in \d)"
)
_CAPITAL_RE = re.compile(
    rf"\b(?:its|the) capital(?: and largest city)? (?:is|was) (?P<capital>{_NAME})"
)
_LOCATED_RE = re.compile(
    rf"\b(?:located|situated|lies|found) (?:in|on) (?:the )?(?P<place>{_NAME})"
)
_FOUNDED_RE = re.compile(
    rf"\b(?:founded|established|built|completed|discovered|invented) in (?P<year>{_YEAR})\b"
)
_POPULATION_RE = re.compile(
    r"\bpopulation of (?:about |approximately |over |more than |around )?"
    r"(?P<number>\d[\d,.]*(?: (?:million|billion))?)"
)

_Maker = Callable[[CorpusEntry, str, random.Random], "tuple[str, str] | None"]


def _subject(title: str) -> str:
    return re.sub(r"\s*\(.*?\)\s*", " ", title).strip()


def _from_description_by(page: CorpusEntry, _: str, rng: random.Random) -> tuple[str, str] | None:
    match = _BY_RE.match(page.description)
    if not match:
        return None
    noun = match.group("noun").strip().lower()
    template = rng.choice(["who made the {noun} {t}?", "{t} is a {noun} by whom?",
                           "Who created {t}?", "who is the {noun} {t} by"])  # fmt: skip
    return template.format(noun=noun, t=_subject(page.title)), match.group("who")


def _from_description_year(page: CorpusEntry, _: str, rng: random.Random) -> tuple[str, str] | None:
    match = _YEAR_NOUN_RE.match(page.description)
    if not match:
        return None
    noun = match.group("noun").strip()
    template = rng.choice(["What year is the {noun} {t} from?", "when did the {noun} {t} come out",
                           "In which year was {t} made?"])  # fmt: skip
    return template.format(noun=noun, t=_subject(page.title)), match.group("year")


def _lifespan(page: CorpusEntry, sentence: str, rng: random.Random) -> tuple[str, str] | None:
    match = _LIFESPAN_RE.search(sentence)
    if not match or not sentence.startswith(_subject(page.title).split()[0]):
        return None
    who = _subject(page.title)
    if rng.random() < 0.5:
        born = ["When was {w} born?", "what year was {w} born", "In which year was {w} born?"]
        return rng.choice(born).format(w=who), match.group("born")
    died = ["When did {w} die?", "what year did {w} die", "In which year did {w} die?"]
    return rng.choice(died).format(w=who), match.group("died")


def _definition(page: CorpusEntry, sentence: str, rng: random.Random) -> tuple[str, str] | None:
    match = _IS_A_RE.match(sentence)
    subject = _subject(page.title)
    if not match or match.group("subject").lower() != subject.lower():
        return None
    what = match.group("what").strip()
    if len(what.split()) < 2:
        return None
    template = rng.choice(["What is {t}?", "what is {t}", "What kind of thing is {t}?",
                           "tell me what {t} is"])  # fmt: skip
    return template.format(t=subject), what


def _capital(page: CorpusEntry, sentence: str, rng: random.Random) -> tuple[str, str] | None:
    match = _CAPITAL_RE.search(sentence)
    if not match:
        return None
    template = rng.choice(["What is the capital of {t}?", "capital of {t}",
                           "which city is the capital of {t}"])  # fmt: skip
    return template.format(t=_subject(page.title)), match.group("capital")


def _location(page: CorpusEntry, sentence: str, rng: random.Random) -> tuple[str, str] | None:
    match = _LOCATED_RE.search(sentence)
    subject = _subject(page.title)
    if not match or subject.split()[0] not in sentence:
        return None
    template = rng.choice(["Where is {t}?", "where is {t} located", "In what place is {t} found?"])
    return template.format(t=subject), match.group("place")


def _founded(page: CorpusEntry, sentence: str, rng: random.Random) -> tuple[str, str] | None:
    match = _FOUNDED_RE.search(sentence)
    subject = _subject(page.title)
    if not match or subject.split()[0] not in sentence:
        return None
    verb = sentence[match.start() :].split()[0]
    template = rng.choice(
        ["When was {t} {v}?", "what year was {t} {v}", "In which year was {t} {v}?"]
    )
    return template.format(t=subject, v=verb), match.group("year")


def _population(page: CorpusEntry, sentence: str, rng: random.Random) -> tuple[str, str] | None:
    match = _POPULATION_RE.search(sentence)
    if not match:
        return None
    number = match.group("number").rstrip(".,")
    template = rng.choice(["What is the population of {t}?", "how many people live in {t}",
                           "population of {t}"])  # fmt: skip
    return template.format(t=_subject(page.title)), number


_DESCRIPTION_MAKERS: tuple[_Maker, ...] = (_from_description_by, _from_description_year)
_SENTENCE_MAKERS: tuple[_Maker, ...] = (
    _lifespan, _definition, _capital, _location, _founded, _population,
)  # fmt: skip


def generate_questions(
    pages: Iterable[CorpusEntry], *, seed: int = 0
) -> Iterator[GeneratedQuestion]:
    """At most one question per generator and article, in corpus order, deterministically."""
    rng = random.Random(seed)
    for page in pages:
        split = article_split(page.title)
        sentences = split_sentences(page.text)
        for maker in _DESCRIPTION_MAKERS:
            made = maker(page, page.description, rng)
            support = next((s for s in sentences if made and made[1] in s), None)
            if made and support:  # the body must state it, or nobody can quote it
                yield _question(page, made, support, maker, split)
        for maker in _SENTENCE_MAKERS:
            for sentence in sentences[:4]:
                made = maker(page, sentence, rng)
                if made:
                    yield _question(page, made, sentence, maker, split)
                    break


def _question(
    page: CorpusEntry, made: tuple[str, str], support: str, maker: _Maker, split: Split
) -> GeneratedQuestion:
    question, answer = made
    return GeneratedQuestion(
        question=question, answers=(answer.strip().rstrip(".,;:"),), title=page.title, url=page.url,
        support=support, kind=maker.__name__.lstrip("_"), split=split,
    )  # fmt: skip


def write_questions(path: Path, questions: Iterable[GeneratedQuestion]) -> int:
    """Write questions as JSONL atomically (a temporary file renamed into place)."""
    return write_records(path, questions)


def read_questions(path: Path) -> list[GeneratedQuestion]:
    """Questions of a JSONL file; a bad line raises ValueError naming file, line and field."""
    return read_records(path, GeneratedQuestion)


def heldout_sample(
    pages: Iterable[CorpusEntry], n: int, *, seed: int = 0
) -> list[GeneratedQuestion]:
    """``n`` questions drawn (seeded) from the held-out articles: the evaluation set of the
    BC, reward-model and best-of-n benchmarks, so their numbers are on the same questions."""
    heldout = [q for q in generate_questions(pages) if q.split == "heldout"]
    return random.Random(seed).sample(heldout, min(n, len(heldout)))
