"""Training the reader (:mod:`agent.reader`): MiniLM fine-tuned as a cross-encoder that
picks the sentence answering a question and the answer's span in it.

    webgpt train reader --out agent/checkpoints/reader-default

Data: generated questions (:mod:`training.real_questions`, training articles only), each
with the sentence of its article that states the answer, and optionally questions written
by people (``--written``, :mod:`training.written_questions`), which read like real ones as
no template does. ``--init`` continues from a saved reader instead of MiniLM. A question's
group is that sentence and ``negatives`` others: sentences of the same article that do not
state the answer, and sentences of the pages the corpus search ranks highest for the
question (the mistakes a browsing reader can make). Loss: cross-entropy of the relevance
logits over the group (the supporting sentence against the rest) plus the span loss (start
and end cross-entropy) on the supporting sentence. Only the top ``train_layers`` layers,
the pooler and the heads are trained: a third of the compute of full fine-tuning on a CPU,
and a checkpoint of a few MB that sits on the packaged MiniLM.
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn
from transformers import AutoTokenizer, BertModel, PreTrainedTokenizerBase

from agent.reader import READER_SETTINGS, READER_WEIGHTS, Reader, no_reader_at, passage_text
from browser.corpus import CorpusBackend
from browser.encoder import default_encoder_path
from browser.text import split_sentences
from training.progress import logged_progress
from training.questions import GeneratedQuestion
from training.reader_config import ReaderConfig

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReaderExample:
    """A question, its group of ``(title, sentence)`` passages (the first supports the
    answer) and the answer's character span in the first passage's text (``title:
    sentence``, :func:`agent.reader.passage_text`): in the sentence, else in the title."""

    question: str
    passages: tuple[tuple[str, str], ...]
    answer: tuple[int, int] | None


def reader_examples(
    questions: Iterable[GeneratedQuestion],
    corpus: CorpusBackend,
    *,
    negatives: int,
    rng: random.Random,
) -> list[ReaderExample]:
    """One example per question whose support is a sentence of its page."""
    examples = []
    for question in questions:
        page = corpus.open(question.url)
        own = split_sentences(page.text)
        if question.support not in own:
            continue
        answer = _passage_span(page.title, question.support, question.answers[0])
        wrong_here = [s for s in own if s != question.support and question.answers[0] not in s]
        others = []
        for position in corpus.ranked(question.question, 4):
            other = corpus.open_position(position)
            if other.url != question.url:
                others += [(other.title, s) for s in split_sentences(other.text)
                           if question.answers[0] not in s]  # fmt: skip
        rng.shuffle(wrong_here)
        rng.shuffle(others)
        mine = [(page.title, s) for s in wrong_here[: max(1, negatives // 3)]]
        group = mine + others[: negatives - len(mine)]
        if group:
            passages = ((page.title, question.support), *group[:negatives])
            examples.append(ReaderExample(question.question, passages, answer))
    return examples


def _passage_span(title: str, sentence: str, answer: str) -> tuple[int, int] | None:
    """Where ``answer`` is in ``title: sentence``: in the sentence when it is there, else in
    the title (the sentence says "It" or "He" for the page's subject)."""
    text = passage_text(title, sentence)
    shift = len(title) + 2
    for start in (sentence.find(answer), sentence.lower().find(answer.lower())):
        if start >= 0:
            return shift + start, shift + start + len(answer)
    start = title.lower().find(answer.lower())
    return (start, start + len(answer)) if start >= 0 and len(text) else None


class ReaderModel(nn.Module):
    """BERT with the reader's two heads (the names :class:`agent.reader.Reader` loads)."""

    def __init__(self, bert: BertModel) -> None:
        super().__init__()
        self.bert = bert
        hidden = bert.config.hidden_size
        self.relevance = nn.Linear(hidden, 1)
        self.span = nn.Linear(hidden, 2)

    def forward(self, **inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Relevance logits (N,) and start/end logits (N, T, 2)."""
        output = self.bert(**inputs)
        relevance = self.relevance(output.pooler_output).squeeze(-1)  # (N,)
        return relevance, self.span(output.last_hidden_state)  # (N, T, 2)


@dataclass(frozen=True)
class EncodedBatch:
    """Every passage of a batch of groups as one tensor batch: ``inputs`` (N, T) each,
    ``sizes`` the passages per group (a group's first row supports its answer), and the
    answer's start and end token in each group's first row (-100: not a span of it)."""

    inputs: dict[str, torch.Tensor]
    sizes: list[int]
    starts: torch.Tensor
    ends: torch.Tensor


def encode_batch(
    examples: Sequence[ReaderExample], tokenizer: PreTrainedTokenizerBase, *, max_length: int
) -> EncodedBatch:
    """Tokenize a batch of groups at once (see :class:`EncodedBatch`)."""
    questions = [e.question for e in examples for _ in e.passages]
    texts = [passage_text(title, sentence) for e in examples for title, sentence in e.passages]
    encoded = tokenizer(
        questions, texts, truncation="only_second", max_length=max_length, padding=True,
        return_offsets_mapping=True, return_tensors="pt",
    )  # fmt: skip
    offsets = encoded.pop("offset_mapping")  # (N, T, 2)
    sizes = [len(e.passages) for e in examples]
    starts, ends, row = [], [], 0
    for example, size in zip(examples, sizes, strict=True):
        start, end = _answer_tokens(example, offsets[row], encoded["token_type_ids"][row])
        starts.append(start)
        ends.append(end)
        row += size
    return EncodedBatch(dict(encoded), sizes, torch.tensor(starts), torch.tensor(ends))


def _answer_tokens(
    example: ReaderExample, offsets: torch.Tensor, types: torch.Tensor
) -> tuple[int, int]:
    """The first and last token of the answer span in the supporting passage's row."""
    if example.answer is None:
        return -100, -100
    begin, stop = example.answer
    start = end = -100
    for index, (token_start, token_end) in enumerate(offsets.tolist()):
        if types[index] != 1 or token_end <= token_start:
            continue
        if start == -100 and token_start <= begin < token_end:
            start = index
        if token_start < stop <= token_end:
            end = index
    return (start, end) if start != -100 and end >= start else (-100, -100)


def reader_loss(model: ReaderModel, batch: EncodedBatch) -> tuple[torch.Tensor, float]:
    """Mean over the groups of the relevance cross-entropy (the first passage is the right
    one) plus half the span cross-entropy on that passage; and the share of groups whose
    first passage scored highest."""
    relevance, ends = model(**batch.inputs)  # (N,), (N, T, 2)
    firsts = torch.tensor([sum(batch.sizes[:g]) for g in range(len(batch.sizes))])
    losses, hits = [], 0
    for first, size in zip(firsts.tolist(), batch.sizes, strict=True):
        scores = relevance[first : first + size]
        losses.append(nn.functional.cross_entropy(scores[None], torch.zeros(1, dtype=torch.long)))
        hits += int(scores.argmax() == 0)
    total = torch.stack(losses).mean()
    spans = batch.starts >= 0
    if spans.any():
        mask = batch.inputs["token_type_ids"][firsts] == 1  # (G, T): the passage's tokens
        logits = ends[firsts].masked_fill(~mask[..., None], -1e4)  # (G, T, 2)
        total = total + 0.5 * (
            nn.functional.cross_entropy(logits[spans, :, 0], batch.starts[spans])
            + nn.functional.cross_entropy(logits[spans, :, 1], batch.ends[spans])
        )
    return total, hits / len(batch.sizes)


def train_reader(
    config: ReaderConfig,
    questions: Sequence[GeneratedQuestion],
    corpus: CorpusBackend,
    *,
    on_step: Callable[[int, int, float, float], None] | None = None,
) -> dict[str, float]:
    """Fine-tune and save the reader; returns a summary (loss, training-group accuracy)."""
    rng = random.Random(config.seed)
    generated = [q for q in questions if q.split == "train" and q.kind != "written"]
    written = [q for q in questions if q.split == "train" and q.kind == "written"]
    rng.shuffle(generated)
    chosen = generated[: config.questions] + written * config.written_repeats
    rng.shuffle(chosen)
    examples = reader_examples(chosen, corpus, negatives=config.negatives, rng=rng)
    if not examples:
        raise ValueError("no reader examples: no training question's support is on its page")
    torch.manual_seed(config.seed)
    base = default_encoder_path()
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    model = ReaderModel(BertModel.from_pretrained(str(base)))
    if config.init is not None:
        load_saved_reader(model, config.init)
    trained = _freeze_below(model, config.train_layers)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad],
                                  lr=config.learning_rate, weight_decay=0.01)  # fmt: skip
    steps = max(1, math.ceil(len(examples) * config.epochs / config.group_batch))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, (step + 1) / (0.06 * steps)) * max(0.0, 1 - step / steps)
    )
    model.train()
    history: list[tuple[float, float]] = []
    clock = time.perf_counter()
    order = [i % len(examples) for i in range(steps * config.group_batch)]
    for step in range(steps):
        batch = [
            examples[i] for i in order[step * config.group_batch : (step + 1) * config.group_batch]
        ]
        encoded = encode_batch(batch, tokenizer, max_length=config.max_length)
        loss, accuracy = reader_loss(model, encoded)
        optimizer.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        history.append((float(loss.detach()), accuracy))
        if on_step is not None:
            on_step(step + 1, steps, history[-1][0], accuracy)
    save_reader(model, trained, config)
    recent = history[-50:]
    return {
        "examples": float(len(examples)),
        "steps": float(steps),
        "first_loss": history[0][0],
        "last_loss": sum(loss for loss, _ in recent) / len(recent),
        "train_group_accuracy": sum(acc for _, acc in recent) / len(recent),
        "train_seconds": time.perf_counter() - clock,
    }


def load_saved_reader(model: ReaderModel, path: Path) -> None:
    """Put a saved reader's tensors (its top layers and heads) into ``model``.

    Raises:
        FileNotFoundError: ``path`` holds no reader.
        ValueError: the saved tensors do not fit ``model``.
    """
    from safetensors.torch import load_file

    if why := no_reader_at(path):
        raise FileNotFoundError(f"--init: {why}")
    saved = load_file(str(path / READER_WEIGHTS))
    state = {
        (name if name.startswith(("relevance.", "span.")) else f"bert.{name}"): tensor.float()
        for name, tensor in saved.items()
    }
    unexpected = model.load_state_dict(state, strict=False).unexpected_keys
    if unexpected:
        raise ValueError(f"--init: {path} holds tensors this reader lacks: {unexpected[:3]}")


def _freeze_below(model: ReaderModel, train_layers: int) -> list[str]:
    """Freeze all but the top ``train_layers`` layers, the pooler and the heads; returns
    the names of the trained tensors as the saved checkpoint names them."""
    layers = len(model.bert.encoder.layer)
    keep = tuple(f"bert.encoder.layer.{i}." for i in range(layers - train_layers, layers))
    names = []
    for name, parameter in model.named_parameters():
        trainable = name.startswith((*keep, "bert.pooler.", "relevance.", "span."))
        parameter.requires_grad_(trainable)
        if trainable:
            names.append(name)
    return names


def save_reader(model: ReaderModel, trained: Iterable[str], config: ReaderConfig) -> None:
    """The trained tensors (float16, named as :meth:`agent.reader.Reader.load` reads them)."""
    from safetensors.torch import save_file

    config.out.mkdir(parents=True, exist_ok=True)
    state = model.state_dict()
    tensors = {
        name.removeprefix("bert."): state[name].detach().half().contiguous() for name in trained
    }
    save_file(tensors, str(config.out / READER_WEIGHTS))
    settings: dict[str, object] = {
        "base": "all-MiniLM-L6-v2", "config": config.model_dump(mode="json")
    }  # fmt: skip
    if config.init is not None:  # the run it continued, so the whole recipe stays on record
        previous = json.loads((config.init / READER_SETTINGS).read_text())
        settings["init_config"] = previous["config"]
    (config.out / READER_SETTINGS).write_text(json.dumps(settings, indent=2) + "\n")


def build_default_reader(config: ReaderConfig, work: Path) -> dict[str, float]:
    """The shipped reader from nothing but the corpus: real-sounding questions of the
    training articles (kept in ``work``), then :func:`train_reader`."""

    from training.real_questions import real_questions_in

    corpus = CorpusBackend.open_default()
    questions = real_questions_in(work, corpus.pages)
    if config.written:
        from training.written_questions import written_questions

        for path in config.written:
            questions = [*questions, *written_questions(path, corpus)]
    logger.info("%d questions, %d from training articles (%d written)", len(questions),
                sum(q.split == "train" for q in questions),
                sum(q.split == "train" and q.kind == "written" for q in questions))  # fmt: skip

    def log(step: int, steps: int, loss: float, accuracy: float) -> None:
        if step % 25 == 0 or step == steps:
            logger.info("step %d/%d loss %.3f group accuracy %.2f", step, steps, loss, accuracy)

    summary = train_reader(config, questions, corpus, on_step=log)
    if config.calibration_questions:
        summary |= calibrate_saved_reader(config, questions, corpus)
    return summary


def calibrate_saved_reader(
    config: ReaderConfig, questions: Sequence[GeneratedQuestion], corpus: CorpusBackend
) -> dict[str, float]:
    """On held-out questions, for the reader saved in ``config.out``: the scales that put
    its cross-encoder logit and the bi-encoder cosine on one footing (``combine``), then
    the reading teacher's thresholds (``teacher``); both stored in its settings. With
    ``abstain_questions``, those place the abstention threshold (:func:`place_abstention`)."""
    from training.calibrate import calibrate_teacher

    heldout = [q for q in questions if q.split == "heldout" and q.kind != "written"]
    chosen = random.Random(config.seed).sample(
        heldout, min(config.calibration_questions, len(heldout))
    )
    settings_file = config.out / READER_SETTINGS
    settings = json.loads(settings_file.read_text())
    settings["combine"] = combine_scales(Reader.load(config.out), chosen, corpus)
    settings_file.write_text(json.dumps(settings, indent=2) + "\n")
    reader = Reader.load(config.out)
    progress = logged_progress("calibration")
    found = calibrate_teacher(reader.read, chosen, corpus, on_progress=progress)
    settings["teacher"] = {
        "sure_above": found["sure_above"],
        "abstain_below": found["abstain_below"],
    }
    settings["calibration"] = found | {"questions": len(chosen)}
    settings_file.write_text(json.dumps(settings, indent=2) + "\n")
    if config.abstain_questions:
        place_abstention(config.out, config.abstain_questions, corpus)
    return {f"calibration_{key}": value for key, value in found.items()}


def place_abstention(reader_dir: Path, paths: Sequence[Path], corpus: CorpusBackend) -> float:
    """Place the saved reader's abstention threshold on questions written by people (the
    files ``paths``; generated questions score higher than real phrasing does), store it
    in the reader's settings and return it."""
    from training.calibrate import calibrate_teacher
    from training.written_questions import written_questions

    written = [question for path in paths for question in written_questions(path, corpus)]
    progress = logged_progress("abstention threshold")
    placed = calibrate_teacher(Reader.load(reader_dir).read, written, corpus, on_progress=progress)
    settings_file = reader_dir / READER_SETTINGS
    settings = json.loads(settings_file.read_text())
    settings.setdefault("teacher", {})["abstain_below"] = placed["abstain_below"]
    settings["calibration_written"] = placed | {
        "questions": len(written), "files": [str(path) for path in paths]
    }  # fmt: skip
    settings_file.write_text(json.dumps(settings, indent=2) + "\n")
    return float(placed["abstain_below"])


def combine_scales(
    reader: Reader, questions: Sequence[GeneratedQuestion], corpus: CorpusBackend, *, pages: int = 3
) -> dict[str, float]:
    """Mean and spread of the cross-encoder logit and of the bi-encoder cosine over the
    sentences of the top ``pages`` pages of each question (what the teacher reads)."""
    from browser.dense import shared_encoder

    bare = Reader(reader.encoder, reader.heads)  # the cross-encoder alone
    embedder = shared_encoder()
    crosses: list[float] = []
    cosines: list[float] = []
    for question in questions:
        found = [corpus.open_position(p) for p in corpus.ranked(question.question, pages)]
        passages = [(page.title, s) for page in found for s in split_sentences(page.text)]
        if not passages:
            continue
        crosses += [r.cross for r in bare.read(question.question, passages)]
        vectors = embedder.embed([question.question] + [passage_text(t, s) for t, s in passages])
        cosines += [float(c) for c in vectors[1:] @ vectors[0]]
    cross, cosine = torch.tensor(crosses), torch.tensor(cosines)
    return {
        "cross_mean": float(cross.mean()),
        "cross_std": float(cross.std()),
        "cosine_mean": float(cosine.mean()),
        "cosine_std": float(cosine.std()),
        "questions": float(len(questions)),
    }
