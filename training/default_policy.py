"""The embedded default policy, rebuilt from nothing but the corpus by one command:

    webgpt train bc --out agent/checkpoints/bc-default

Questions are generated from the corpus (training split only), the scripted teacher
demonstrates them, quoting by line numbers (episodes whose answer contains the gold answer
are kept), and a small
Llama with a tokenizer trained on the same text clones that behaviour. Every stage resumes:
questions and demonstrations are files in ``work``; training resumes from checkpoints.
"""

from __future__ import annotations

import logging
from pathlib import Path

from agent.episode import read_episodes
from agent.teacher import TeacherPolicy
from browser.corpus import CorpusBackend
from browser.env import BrowserEnv
from training.bc import train_bc
from training.bc_config import BCConfig
from training.demos import generate_demos
from training.questions import generate_questions, read_questions, write_questions

logger = logging.getLogger(__name__)


def build_default_policy(config: BCConfig, work: Path) -> dict[str, float]:
    """Generate questions and teacher demos into ``work``, then train into ``config.out``."""
    work.mkdir(parents=True, exist_ok=True)
    corpus = CorpusBackend.open_default()
    questions_file = work / "questions.jsonl"
    if not questions_file.is_file():
        write_questions(questions_file, generate_questions(corpus.pages()))
    train = [q for q in read_questions(questions_file) if q.split == "train"]
    demos_file = work / "demos.jsonl"
    # quoting by line numbers: a small model imitates it far better than copying sentences
    teacher = TeacherPolicy(quote_style="lines")
    counts = generate_demos(train, teacher, BrowserEnv(corpus), demos_file)
    logger.info("demonstrations: %s", counts)
    episodes = list(read_episodes(demos_file))
    corpus_text = (f"{page.title}\n{page.description}\n{page.text}" for page in corpus.pages())
    return train_bc(config, episodes, tokenizer_texts=corpus_text)
