"""Questions that read like real ones: generated from corpus sentences in the forms people
type into a search box (Natural Questions' style: lowercase, no question mark).

    questions = list(generate_real_questions(corpus.pages()))

Each maker reads one sentence of an article and, when the sentence has its shape, writes a
question whose short answer is a span of that sentence::

    "The Berlin Wall fell on 9 November 1989."      -> "when did the berlin wall fall"
    "Moby-Dick is an 1851 novel by Herman Melville." -> "who wrote moby-dick"
    "Mars is the fourth planet from the Sun."       -> "what is the fourth planet from the sun"

The answer and its sentence are kept (``support``), so a reader can learn which sentence
answers and which span is the answer. Articles are split as in
:func:`training.questions.article_split`, so held-out questions never come from an article
that training saw.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from browser.corpus_sources import CorpusEntry
from browser.text import split_sentences
from training.questions import GeneratedQuestion, article_split, read_questions, write_questions

PER_ARTICLE = 6
"""At most this many questions from one article (the first makers that fire)."""

_YEAR = r"(?:1\d{3}|20\d{2})"
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
)
_DATE = rf"(?:(?:\d{{1,2}} {_MONTH}|{_MONTH} \d{{1,2}},?) {_YEAR}|{_MONTH} {_YEAR}|{_YEAR})"
_NAME = (
    r"(?:[A-Z][\w'’.-]+(?:\s+(?:de|van|von|da|di|del|la|le|of|the|and|y)?\s*[A-Z][\w'’.-]+){0,4})"
)
_PRONOUN_RE = re.compile(r"^(?:He|She|It|They)\b")

# participle -> the verb as an active question asks it ("written by X" -> "who wrote ...")
_ACTIVE = {
    "written": "wrote", "directed": "directed", "painted": "painted", "composed": "composed",
    "founded": "founded", "invented": "invented", "discovered": "discovered",
    "designed": "designed", "built": "built", "developed": "developed", "created": "created",
    "sung": "sang", "performed": "performed", "recorded": "recorded", "produced": "produced",
    "published": "published", "led": "led", "played": "plays", "voiced": "voices",
    "owned": "owns", "established": "established", "proposed": "proposed",
    "formulated": "formulated", "sculpted": "sculpted", "illustrated": "illustrated",
}  # fmt: skip
_BY_RE = re.compile(rf"\b(?:was|were|is|are|has been) (?:first |originally |also )?"
                    rf"(?P<verb>{'|'.join(_ACTIVE)}) by (?P<who>{_NAME})")  # fmt: skip
_WORK_BY_RE = re.compile(
    rf"^(?P<subject>[^,]+?) (?:is|was) an? (?:\d{{4}} )?(?P<kind>(?:[a-z-]+ ){{0,3}}"
    rf"(?:novel|film|song|album|painting|poem|play|opera|symphony|book|series|musical)) "
    rf"(?:written |directed |composed |painted |recorded |released |performed )?by "
    rf"(?:the )?(?:[a-z]+ )*?(?P<who>{_NAME})"
)
_WORK_VERB = {"novel": "wrote", "book": "wrote", "poem": "wrote", "play": "wrote",
              "film": "directed", "song": "sang", "album": "released", "painting": "painted",
              "opera": "composed", "symphony": "composed", "series": "created",
              "musical": "wrote"}  # fmt: skip
_WHEN_PASSIVE_RE = re.compile(
    rf"^(?P<subject>[^,]+?) (?:was|were) (?:first |officially |formally )?(?P<verb>[a-z]+ed|built"
    rf"|begun|held|signed|born|won|sold|made|released|launched|opened) (?:[^,.;]*? )?"
    rf"(?:in|on) (?P<date>{_DATE})\b"
)
_SUPERLATIVE_RE = re.compile(
    r"^(?P<subject>[^,(]+?)(?: \([^)]*\))? (?:is|was) the (?P<what>(?:(?:first|second|third|"
    r"fourth|fifth|sixth|seventh|eighth|largest|smallest|longest|highest|tallest|oldest|"
    r"deepest|most|only|biggest|main|official|national|capital|oldest)\b[^,;.]{6,70}?))"
    r"(?:[,;.]| and | which | that | in \d)"
)
_LOCATED_RE = re.compile(
    rf"\b(?:is|are|was) (?:a [^,.]*? )?(?:located|situated|found|based) (?:in|on) (?:the )?"
    rf"(?P<place>{_NAME}(?:, {_NAME})?)"
)
_BORN_RE = re.compile(rf"\bborn (?:on )?(?P<date>{_DATE})(?: in (?P<place>{_NAME}))?")
_POPULATION_RE = re.compile(
    r"\bpopulation of (?:about |approximately |over |more than |around |nearly )?"
    r"(?P<number>\d[\d,.]*(?: (?:million|billion))?)"
)
_MEASURE_RE = re.compile(
    r"\b(?P<number>\d[\d,.]*) (?P<unit>metres|meters|kilometres|kilometers|km|miles|feet|ft|m)"
    r"(?: \([^)]*\))? (?P<what>tall|high|long|deep|wide|in height|in length|in diameter)"
)
_MEASURE_QUESTION = {"tall": "how tall is", "high": "how high is", "in height": "how tall is",
                     "long": "how long is", "in length": "how long is", "deep": "how deep is",
                     "wide": "how wide is", "in diameter": "what is the diameter of"}  # fmt: skip
_CAPITAL_RE = re.compile(
    rf"\b(?:its|the) capital(?: and largest city)? (?:is|was) (?P<city>{_NAME})"
)
_MEMBER_RE = re.compile(
    rf"^(?P<who>{_NAME}) (?:is|was) an? (?:[A-Za-z-]+ )*?(?P<role>singer|guitarist|drummer|"
    rf"founder|member|president|king|queen|emperor|leader|captain) (?:and [a-z ]+ )?(?:of|for) "
    rf"(?:the )?(?P<group>{_NAME})"
)

Made = tuple[str, str]
_Maker = Callable[[str, str, random.Random], "Made | None"]


def _subject(title: str) -> str:
    return re.sub(r"\s*\(.*?\)\s*", " ", title).strip()


def _lower(text: str) -> str:
    return text.lower().rstrip(" ?.")


def _by(sentence: str, subject: str, rng: random.Random) -> Made | None:
    match = _BY_RE.search(sentence)
    if not match:
        return None
    thing = match.string[: match.start()].strip()
    thing = subject if _PRONOUN_RE.match(thing) or len(thing.split()) > 8 else thing
    if not thing:
        return None
    verb = _ACTIVE[match.group("verb")]
    return _lower(f"who {verb} {thing}"), match.group("who")


def _work_by(sentence: str, subject: str, rng: random.Random) -> Made | None:
    match = _WORK_BY_RE.match(sentence)
    if not match:
        return None
    kind = match.group("kind").split()[-1]
    verb = _WORK_VERB.get(kind, "made")
    form = rng.choice([f"who {verb} {{t}}", f"who {verb} the {kind} {{t}}", f"{{t}} {kind} by"])
    return _lower(form.format(t=subject)), match.group("who")


def _when(sentence: str, subject: str, rng: random.Random) -> Made | None:
    match = _WHEN_PASSIVE_RE.match(sentence)
    if not match:
        return None
    thing = match.group("subject")
    thing = subject if _PRONOUN_RE.match(thing) or len(thing.split()) > 8 else thing
    verb = match.group("verb")
    form = rng.choice(["when was {t} {v}", "what year was {t} {v}", "when was {t} {v} in"])
    date = match.group("date")
    if form.startswith("what year"):
        year = re.search(_YEAR, date)
        date = year.group() if year else date
    return _lower(form.format(t=thing, v=verb)), date


def _superlative(sentence: str, subject: str, rng: random.Random) -> Made | None:
    match = _SUPERLATIVE_RE.match(sentence)
    if not match:
        return None
    thing = match.group("subject")
    if _PRONOUN_RE.match(thing) or thing.lower() != subject.lower():
        return None
    what = match.group("what").strip()
    asker = "who" if rng.random() < 0.5 and what.split()[0] in ("first", "only") else "what"
    return _lower(f"{asker} is the {what}"), subject


def _located(sentence: str, subject: str, rng: random.Random) -> Made | None:
    match = _LOCATED_RE.search(sentence)
    if not match:
        return None
    form = rng.choice(["where is {t}", "where is {t} located", "where is {t} found"])
    return _lower(form.format(t=subject)), match.group("place")


def _born(sentence: str, subject: str, rng: random.Random) -> Made | None:
    match = _BORN_RE.search(sentence)
    if not match or not sentence.startswith(subject.split()[0]):
        return None
    if match.group("place") and rng.random() < 0.5:
        return _lower(f"where was {subject} born"), match.group("place")
    return _lower(rng.choice(["when was {t} born", "what year was {t} born"]).format(t=subject)), (
        match.group("date")
    )


def _population(sentence: str, subject: str, rng: random.Random) -> Made | None:
    match = _POPULATION_RE.search(sentence)
    if not match:
        return None
    form = rng.choice(["what is the population of {t}", "how many people live in {t}"])
    return _lower(form.format(t=subject)), match.group("number").rstrip(".,")


def _measure(sentence: str, subject: str, rng: random.Random) -> Made | None:
    match = _MEASURE_RE.search(sentence)
    if not match:
        return None
    question = _MEASURE_QUESTION[match.group("what")]
    return _lower(f"{question} {subject}"), f"{match.group('number')} {match.group('unit')}"


def _capital(sentence: str, subject: str, rng: random.Random) -> Made | None:
    match = _CAPITAL_RE.search(sentence)
    if not match:
        return None
    return _lower(rng.choice(["what is the capital of {t}", "capital of {t}"]).format(t=subject)), (
        match.group("city")
    )


def _member(sentence: str, subject: str, rng: random.Random) -> Made | None:
    match = _MEMBER_RE.match(sentence)
    if not match or match.group("who").lower() != subject.lower():
        return None
    role, group = match.group("role"), match.group("group")
    return _lower(f"who was the {role} of {group}"), subject


_CLOZE_RE = re.compile(
    rf"(?P<prep>\b(?:in|on|at|by|from|of|since|until) )?(?P<span>{_DATE}|"
    rf"\d[\d,.]*(?: (?:million|billion|thousand|percent|km|kilometres|metres|miles|people|"
    rf"years|species|members))?|(?<!^){_NAME})(?![\w'’-])(?P<after> [a-z]+)?"
)
_CLAUSE_END_RE = re.compile(r"[,;:]|\b(?:which|who|whose|while|although|but)\b")


def _cloze(sentence: str, subject: str, rng: random.Random) -> Made | None:
    """The sentence's clause around one span, asked for with the span's wh-word: "The
    Berlin Wall fell on 9 November 1989, when …" -> "when the berlin wall fell"."""
    if _PRONOUN_RE.match(sentence):
        sentence = subject + sentence[sentence.index(" ") :]
    clause = _CLAUSE_END_RE.split(sentence, maxsplit=1)[0].rstrip(" .")
    spans = [m for m in _CLOZE_RE.finditer(clause) if m.start("span") > 0]
    spans = [
        m
        for m in spans
        if m.group("span").lower() not in subject.lower()
        and not (m.group("after") and re.search(r"\b(?:a|an|the)\s*$", clause[: m.start()]))
    ]  # not the subject, nor an adjective ("an English playwright")
    if not spans or len(clause.split()) < 5:
        return None
    match = rng.choice(spans)
    span = match.group("span")
    if re.fullmatch(_DATE, span):
        asker = "when"
    elif span[0].isdigit():
        asker = "how many" if not re.search(r"km|metres|miles", span) else "how far"
    elif (match.group("prep") or "").strip() in ("in", "at", "from"):
        asker = "where"
    else:
        asker = "who" if (match.group("prep") or "").strip() == "by" else "what"
    rest = (clause[: match.start()] + clause[match.end("span") :]).split()
    if len(rest) > 12:
        return None
    return _lower(f"{asker} {' '.join(rest)}"), span


_MAKERS: tuple[_Maker, ...] = (
    _work_by, _by, _when, _superlative, _located, _born, _population, _measure, _capital,
    _member, _cloze,
)  # fmt: skip


def generate_real_questions(
    pages: Iterable[CorpusEntry], *, seed: int = 0
) -> Iterator[GeneratedQuestion]:
    """Real-sounding questions from every article's sentences, deterministically: each maker
    fires at most once per article, and an article gives at most :data:`PER_ARTICLE`."""
    rng = random.Random(seed)
    for page in pages:
        subject = _subject(page.title)
        split = article_split(page.title)
        made_here = 0
        sentences = split_sentences(page.text)
        for maker in _MAKERS:
            order = sentences if maker is not _cloze else rng.sample(sentences, len(sentences))
            for sentence in order:
                made = maker(sentence, subject, rng)
                if made is None or made[1].lower() in made[0] or len(made[0].split()) < 3:
                    continue
                question, answer = made
                yield GeneratedQuestion(
                    question=question, answers=(answer.strip().rstrip(".,;:"),),
                    title=page.title, url=page.url, support=sentence,
                    kind="real:" + maker.__name__.lstrip("_"), split=split,
                )  # fmt: skip
                made_here += 1
                break
            if made_here >= PER_ARTICLE:
                break


REAL_QUESTIONS_FILE = "real-questions.jsonl"


def real_questions_in(
    work: Path, pages: Callable[[], Iterable[CorpusEntry]]
) -> list[GeneratedQuestion]:
    """The real-sounding questions kept in ``work``, generated from ``pages()`` on first use
    (so a reader, a policy and a reward model built in one work directory share them)."""
    path = work / REAL_QUESTIONS_FILE
    if not path.is_file():
        work.mkdir(parents=True, exist_ok=True)
        write_questions(path, generate_real_questions(pages()))
    return read_questions(path)
