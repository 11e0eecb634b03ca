"""Copy-biased decoding: a pointer prior for the arguments a policy copies from its prompt.

A browsing policy's search queries and answers are mostly copied from what it reads: the
question's words, a quoted sentence. Copying a span token by token takes an induction
mechanism that a small model trained from scratch on a CPU budget does not learn (it writes
``search city ofth``), while choosing where a copy starts is a much easier skill. So while
a model writes the argument of ``search``, ``find`` or ``answer``, :class:`PromptCopyBias`
adds ``bias`` to the logit of each token that would extend the longest run of argument
tokens that also occurs in the prompt — the token that continues the copy, or, where no
copy is under way, any token of the prompt. The model still chooses every token: where the
copy starts, whether to follow the prior, where to stop.
This is the pointer half of a pointer-generator (See et al., 2017), applied at decoding.
"""

from __future__ import annotations

import weakref
from typing import Any

import torch
from transformers import LogitsProcessor

COPIED_COMMANDS = ("search", "find", "answer")
LONGEST_MATCH = 8  # tokens of the argument matched against the prompt
REPEATED_NGRAM = 6  # tokens: an argument never repeats one of its own n-grams this long
_NOT_COPIED = -1


class PromptCopyBias(LogitsProcessor):
    """Bias generation towards continuing a copy of the prompt inside copied arguments.

    Args:
        input_ids: the prompts as passed to ``generate`` (B, T), left-padded.
        attention_mask: their mask (B, T); padding is not part of a prompt.
        tokenizer: decodes the reply so far, to find where the argument starts.
        bias: added to each continuing token's logit (0 turns the prior off).
    """

    def __init__(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, tokenizer: Any, bias: float
    ) -> None:
        self.prompt_length = input_ids.shape[1]
        self.prompts = [
            row[mask.bool()] for row, mask in zip(input_ids, attention_mask, strict=True)
        ]
        marks: dict[bytes, tuple[torch.Tensor, ...]] = {}  # once per distinct prompt
        for prompt in self.prompts:
            if (key := prompt.numpy().tobytes()) not in marks:
                marks[key] = (*sentence_marks(prompt, tokenizer), _word_starts(prompt, tokenizer))
        rows = [marks[prompt.numpy().tobytes()] for prompt in self.prompts]
        self.stops = [furniture | final | after for furniture, final, after, _ in rows]
        self.sentence_ends = [final for _, final, _, _ in rows]
        self.word_starts = [starts for _, _, _, starts in rows]
        self.texts = token_texts(tokenizer)
        self.tokenizer = tokenizer
        self.bias = bias
        self.citation_opener = tokenizer(" [1]", add_special_tokens=False)["input_ids"][0]
        self.argument_start: list[int | None] = [None] * len(self.prompts)
        self.answering = [False] * len(self.prompts)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        for row, (prompt, stops) in enumerate(zip(self.prompts, self.stops, strict=True)):
            reply = input_ids[row, self.prompt_length :]  # (t,)
            start = self._argument_start(row, reply)
            if start is None:
                continue
            argument = reply[start:]
            if any("[" in self.texts[token] for token in argument.tolist()):
                continue  # a citation closes what the answer copies
            if len(argument) == 0:  # a copy starts at a word: "answer Columbidae", never
                starts = ~stops & self.word_starts[row]  # "answerColumbidae"
                scores[row, _distinct(prompt[starts])] += self.bias
                continue
            following = match_following(prompt, argument)
            scores[row, tokens_after(prompt, following, stops)] += self.bias
            ends = following.numel() and self.sentence_ends[row][following].all()
            if self.answering[row] and ends:  # the copied sentence is done:
                scores[row, self.citation_opener] += self.bias  # cite it, as answers do
            scores[row, repeating_tokens(argument)] = -torch.inf
        return scores

    def select_rows(self, rows: list[int]) -> None:
        """Keep only these rows' state, in this order (finished rows left the batch); a row
        may come twice (its lane split in two)."""
        for name in ("prompts", "stops", "sentence_ends", "word_starts", "argument_start",
                     "answering"):  # fmt: skip
            values = getattr(self, name)
            setattr(self, name, [values[row] for row in rows])

    def _argument_start(self, row: int, reply: torch.Tensor) -> int | None:
        """Index in ``reply`` of the argument's first token, once the command word of a
        copied command is complete; ``None`` before that or for other commands."""
        known = self.argument_start[row]
        if known is not None:
            return known if known >= 0 else None
        for end in range(1, len(reply) + 1):
            words = self.tokenizer.decode(reply[:end], skip_special_tokens=True).split()
            if len(words) == 1 and words[0] in COPIED_COMMANDS:
                start = end  # the command word ends here; its argument starts next
            elif len(words) > 1:  # a token spanned the end of the first word
                start = end - 1 if words[0] in COPIED_COMMANDS else _NOT_COPIED
            else:
                continue
            self.argument_start[row] = start
            self.answering[row] = words[0] == "answer"
            return start if start >= 0 else None
        return None


def continuations(
    prompt: torch.Tensor, argument: torch.Tensor, stops: torch.Tensor | None = None
) -> torch.Tensor:
    """The tokens that follow, in ``prompt``, the longest suffix of ``argument`` (up to
    ``LONGEST_MATCH`` tokens) that occurs there; empty when not even its last token does.
    An empty argument may start a copy anywhere in the prompt. With ``stops``
    (from :func:`sentence_marks`), a copy neither continues into a stopped position nor
    goes on from one."""
    stopped = torch.zeros_like(prompt, dtype=torch.bool) if stops is None else stops
    if len(argument) == 0:
        return _distinct(prompt[~stopped])
    return tokens_after(prompt, match_following(prompt, argument), stopped)


def tokens_after(
    prompt: torch.Tensor, following: torch.Tensor, stops: torch.Tensor
) -> torch.Tensor:
    """The distinct tokens at ``following`` positions (from :func:`match_following`) that a
    copy may go on to: neither the position nor the one before it is stopped."""
    return _distinct(prompt[following[~stops[following] & ~stops[following - 1]]])


def match_following(prompt: torch.Tensor, argument: torch.Tensor) -> torch.Tensor:
    """Positions in ``prompt`` right after each occurrence of the longest suffix of
    ``argument`` (up to ``LONGEST_MATCH`` tokens) that occurs there and has a next token."""
    for size in range(min(len(argument), LONGEST_MATCH), 0, -1):
        if size >= len(prompt):
            continue
        windows = prompt.unfold(0, size, 1)[:-1]  # (T - size, size): each has a next token
        found = (windows == argument[-size:]).all(dim=1).nonzero().flatten()
        if found.numel():
            return found + size
    return prompt.new_empty(0)


def repeating_tokens(argument: torch.Tensor, n: int = REPEATED_NGRAM) -> torch.Tensor:
    """The tokens that would repeat one of the argument's own ``n``-grams: a copy that
    loops ("and interior designer, and interior designer") is never what was meant. (``n``
    counts tokens: a word may take three, and a name may rightly come twice.)"""
    if len(argument) < n:
        return argument.new_empty(0)
    grams = argument.unfold(0, n, 1)  # (t - n + 1, n)
    repeats = (grams[:, :-1] == argument[len(argument) - n + 1 :]).all(dim=1)
    return _distinct(grams[repeats, -1])


def sentence_marks(
    prompt: torch.Tensor, tokenizer: Any
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Three masks over the prompt's positions (T,) each: page furniture (line breaks and
    link marks, never text to copy), sentence-final stops (a full stop before whitespace;
    "J. Illiger" and "1.5" have none), and the token after each. A copy is never pushed
    into any of them: where the copied sentence ends, the model, not the prior, decides
    what comes next, and an answer's prior turns to its citation."""
    texts = token_texts(tokenizer)
    tokens = [texts[token] for token in prompt.tolist()]
    furniture, final, after = (torch.zeros(len(tokens), dtype=torch.bool) for _ in range(3))
    for i, text in enumerate(tokens):
        furniture[i] = any(mark in text for mark in "\n【】†")
        before = tokens[i - 1].strip() if i else ""
        initial = len(before) == 1 and before.isupper()
        following = tokens[i + 1] if i + 1 < len(tokens) else "\n"
        if text.strip()[-1:] in (".", "!", "?") and not initial and following[:1].isspace():
            final[i] = True
            if i + 1 < len(tokens):
                after[i + 1] = True
    return furniture, final, after


def copy_stops(prompt: torch.Tensor, tokenizer: Any) -> torch.Tensor:
    """Every position a copy must not be pushed into (T,): see :func:`sentence_marks`."""
    furniture, final, after = sentence_marks(prompt, tokenizer)
    return furniture | final | after


def _word_starts(prompt: torch.Tensor, tokenizer: Any) -> torch.Tensor:
    """Which prompt tokens begin with whitespace, i.e. start a word (T,)."""
    texts = token_texts(tokenizer)
    return torch.tensor([texts[token][:1].isspace() for token in prompt.tolist()])


_TOKEN_TEXTS: weakref.WeakKeyDictionary[Any, list[str]] = weakref.WeakKeyDictionary()


def token_texts(tokenizer: Any) -> list[str]:
    """Each token id's text, decoded once per tokenizer (generation asks at every step)."""
    if tokenizer not in _TOKEN_TEXTS:
        _TOKEN_TEXTS[tokenizer] = tokenizer.batch_decode([[i] for i in range(len(tokenizer))])
    return _TOKEN_TEXTS[tokenizer]


def _distinct(tokens: torch.Tensor) -> torch.Tensor:
    """The distinct token ids, sorted."""
    values: torch.Tensor = torch.unique(tokens)
    return values
