"""Questions written by people, with the article that answers them.

    questions = written_questions(Path("training/data/written_training.jsonl"), corpus)

One JSONL format, two uses:

- ``{"question", "answers", "title"}`` (``tests/data/questions.jsonl``): asked with their
  article shown and hidden, they place the reading teacher's abstention threshold;
- the same with ``"support"``, the article's sentence that states the answer
  (``training/data/written_*.jsonl``): the reader trains on those of training articles and
  is validated on those of held-out articles.

Each becomes a :class:`training.questions.GeneratedQuestion` (kind ``written``), its url
found by title and its split by article (:func:`training.questions.article_split`), so a
written question never puts a held-out article into training.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from browser.corpus import CorpusBackend
from browser.models import Value
from browser.records import read_records
from browser.text import collapse_spaces, content_words, split_sentences
from training.questions import GeneratedQuestion, article_split


class WrittenQuestion(Value):
    """One line of a written-questions file."""

    question: str = Field(min_length=1)
    answers: tuple[str, ...] = Field(min_length=1)
    title: str = Field(min_length=1)
    support: str = Field("", description="the article's sentence stating the answer, if given")


def written_questions(path: Path, corpus: CorpusBackend) -> list[GeneratedQuestion]:
    """The questions of ``path`` (see the module doc). A support is matched to the page's
    own sentence split: the page sentence it is, else the page sentence holding the answer
    that shares the most words with it, else "" (the split cut the answer in two, as in
    "Warner Bros. | Entertainment"; such a question is not trained on).

    Raises:
        ValueError: naming the file and line of a title that is not an article of
            ``corpus``, or of a support whose answer neither the article's text nor its
            title holds.
    """
    pages = {page.title: page for page in corpus.pages()}
    found = []
    for number, row in enumerate(read_records(path, WrittenQuestion), 1):
        page = pages.get(row.title)
        if page is None:
            raise ValueError(f"{path}:{number}: title: no article titled {row.title!r} in "
                             "the corpus")  # fmt: skip
        answers = tuple(collapse_spaces(answer) for answer in row.answers)
        support = ""
        if row.support:
            if answers[0].lower() not in f"{page.title} {collapse_spaces(page.text)}".lower():
                raise ValueError(f"{path}:{number}: answers: the article {row.title!r} does not "
                                 f"hold the answer {answers[0]!r}")  # fmt: skip
            sentences = split_sentences(page.text)
            support = _page_sentence(collapse_spaces(row.support), answers[0], sentences)
        found.append(GeneratedQuestion(
            question=row.question, answers=answers, title=row.title, url=page.url,
            support=support, kind="written", split=article_split(row.title),
        ))  # fmt: skip
    return found


def _page_sentence(support: str, answer: str, sentences: list[str]) -> str:
    """The page sentence that is ``support`` (which may hold the answer only through the
    page's title: "He wrote …"), else the one holding ``answer`` that shares the most
    words with it ("" when none holds the answer)."""
    if support in sentences:
        return support
    holding = [s for s in sentences if answer in s] or [
        s for s in sentences if answer.lower() in s.lower()
    ]
    words = set(content_words(support))
    return max(holding, key=lambda s: len(words & set(content_words(s))), default="")
