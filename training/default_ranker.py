"""The embedded default policy, rebuilt from the corpus and the shipped reader by one command:

    webgpt train ranker --out agent/checkpoints/ranker-default

Real-sounding questions of the training articles (:mod:`training.real_questions`) are
answered by the reading teacher; episodes whose answer holds the gold answer are kept as
demonstrations. A quarter more questions are asked with their article hidden from the
corpus (:mod:`training.unanswerable`), and the teacher's honest abstentions there are kept
too, so the policy learns when to say it could not find the answer. Questions of held-out
articles give the held-out step accuracy. Every stage resumes from the files in ``work``.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from pathlib import Path

from agent.episode import Episode, append_episode, read_episodes
from agent.loop import run_episode
from agent.policy import Policy
from agent.ranker_policy import PolicyHead, RankerPolicy
from agent.reader import CachedRead, Reader
from agent.reading_teacher import ReadingTeacher
from agent.shipped import DEFAULT_READER
from browser.answer import ABSTAIN_ANSWER
from browser.corpus import CorpusBackend
from browser.env import BrowserEnv
from browser.records import DoneSet
from training.metrics import cites_gold
from training.questions import GeneratedQuestion
from training.ranker import train_ranker
from training.ranker_config import RankerConfig
from training.real_questions import real_questions_in
from training.unanswerable import WithoutPages

logger = logging.getLogger(__name__)
TRAIN_QUESTIONS, HELDOUT_QUESTIONS, UNANSWERABLE_SHARE = 1000, 150, 0.25


def build_default_ranker(
    config: RankerConfig,
    work: Path,
    *,
    reader_path: Path = DEFAULT_READER,
    questions_per_split: tuple[int, int] = (TRAIN_QUESTIONS, HELDOUT_QUESTIONS),
) -> dict[str, float]:
    """Demonstrations into ``work``, then the head into ``config.out``."""
    work.mkdir(parents=True, exist_ok=True)
    corpus = CorpusBackend.open_default()
    questions = real_questions_in(work, corpus.pages)
    reader = Reader.load(reader_path)
    read = CachedRead(reader.read, size=50_000)  # the replay reads what the teacher read
    teacher = ReadingTeacher.from_reader(reader, reader_path, read=read)
    demos: dict[str, list[Episode]] = {}
    for split, count in zip(("train", "heldout"), questions_per_split, strict=True):
        chosen = random.Random(f"ranker:{split}").sample(
            [q for q in questions if q.split == split], count
        )
        hidden = chosen[: int(count * UNANSWERABLE_SHARE)]
        file = work / f"demos-{split}.jsonl"
        make_demonstrations(chosen, teacher, corpus, file, hidden=hidden)
        demos[split] = read_episodes(file)
        logger.info("%s: %d demonstrations", split, len(demos[split]))

    def policy(head: PolicyHead) -> RankerPolicy:
        return RankerPolicy(read=read, head=head)

    return train_ranker(
        config, demos["train"], BrowserEnv(corpus), policy, heldout=demos["heldout"]
    )


def make_demonstrations(
    questions: Sequence[GeneratedQuestion],
    teacher: Policy,
    corpus: CorpusBackend,
    out: Path,
    *,
    hidden: Sequence[GeneratedQuestion] = (),
    on_progress: Callable[[int, int], None] | None = None,
) -> None:
    """Append to ``out`` the teacher's right answers to ``questions`` and its abstentions
    on ``hidden`` ones (asked with their article taken out of the corpus). Resumes."""
    done = DoneSet(out.with_name(out.name + ".done"))
    hidden_ids = {id(q) for q in hidden}
    for number, question in enumerate(questions, 1):
        key = ("hidden:" if id(question) in hidden_ids else "") + question.question
        if key in done:
            continue
        if id(question) in hidden_ids:
            browser = BrowserEnv(WithoutPages(corpus, {question.url}))
            episode = run_episode(question.question, teacher, browser)
            keep = episode.answer == ABSTAIN_ANSWER
        else:
            episode = run_episode(question.question, teacher, BrowserEnv(corpus))
            keep = cites_gold(episode, question.answers)
        if keep:
            append_episode(out, episode)
        done.add(key)
        if on_progress is not None:
            on_progress(number, len(questions))
