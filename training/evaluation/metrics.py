"""Answer metrics: SQuAD exact match and token F1, ROUGE-L, retrieval and abstention.

Normalisation is :func:`training.metrics.normalize_answer` (the one the shared QA data was
filtered with: accents dropped, lowercase, every run of punctuation a space) with the
articles *a*, *an*, *the* removed, as SQuAD's script does. It differs from SQuAD's in one
way: punctuation becomes a space instead of vanishing ("8,848" -> "8 848", not "8848"),
which keeps it consistent with :func:`training.metrics.contains_answer`.

Citation marks (``[1]``, :func:`browser.answer.strip_citations`) are taken out of an answer
before any text metric, so a cited
"[1]" never matches a gold "1". A long answer is scored as SQuAD scores any prediction:
against each gold in turn, keeping the best.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from browser.answer import ABSTAIN_ANSWER, CitedAnswer
from browser.models import Quote
from training.metrics import contains_answer, normalize_answer

_ARTICLES = frozenset({"a", "an", "the"})


def squad_tokens(text: str) -> list[str]:
    """The normalised tokens SQuAD compares: lowercase, no punctuation, no articles."""
    return [token for token in normalize_answer(text).split() if token not in _ARTICLES]


def exact_match(prediction: str, golds: Iterable[str]) -> float:
    """1.0 when the normalised prediction equals some normalised gold, else 0.0."""
    tokens = squad_tokens(prediction)
    return float(any(tokens == squad_tokens(gold) for gold in golds))


def token_f1(prediction: str, gold: str) -> float:
    """SQuAD's token F1 of one prediction against one gold (bag of normalised tokens)."""
    predicted, wanted = squad_tokens(prediction), squad_tokens(gold)
    if not predicted or not wanted:
        return float(predicted == wanted)
    same = sum((Counter(predicted) & Counter(wanted)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(predicted), same / len(wanted)
    return 2 * precision * recall / (precision + recall)


def best_f1(prediction: str, golds: Iterable[str]) -> float:
    """The best :func:`token_f1` over the golds (0.0 when there are none)."""
    return max((token_f1(prediction, gold) for gold in golds), default=0.0)


def rouge_l(prediction: str, reference: str) -> float:
    """ROUGE-L F1: the longest common token subsequence, as precision and recall.

    Tokens are :func:`training.metrics.normalize_answer` words (what ``rouge-score``'s
    default tokenizer keeps, without stemming); articles are kept.
    """
    predicted, wanted = normalize_answer(prediction).split(), normalize_answer(reference).split()
    if not predicted or not wanted:
        return 0.0
    common = _lcs_length(predicted, wanted)
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(wanted)
    return 2 * precision * recall / (precision + recall)


def _lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence, one row of the table at a time."""
    previous = [0] * (len(b) + 1)
    for token in a:
        current = [0]
        for j, other in enumerate(b, 1):
            current.append(previous[j - 1] + 1 if token == other else max(previous[j], current[-1]))
        previous = current
    return previous[-1]


def retrieved(quotes: Iterable[Quote], golds: Sequence[str]) -> bool:
    """Whether some quote contains a gold answer (the evidence was found)."""
    return any(contains_answer(quote.text, golds) for quote in quotes)


def abstained(answer: CitedAnswer) -> bool:
    """An answer that says nothing checkable: empty, the teacher's "could not find", or
    citing no quote."""
    text = answer.text.strip()
    return not text or text == ABSTAIN_ANSWER or not answer.cited_ids
