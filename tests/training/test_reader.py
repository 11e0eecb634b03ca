"""The reader: examples from generated questions, a few real training steps on MiniLM, and
the saved checkpoint read back by the NumPy reader with the same numbers."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import AutoTokenizer

from agent.reader import Reader, passage_text
from browser.corpus import CorpusBackend
from browser.encoder import default_encoder_path
from training.questions import GeneratedQuestion
from training.reader import ReaderExample, encode_batch, reader_examples, train_reader
from training.reader_config import ReaderConfig

SEURAT = "https://example.org/wiki/Georges_Seurat"
JATTE = "https://example.org/wiki/La_Grande_Jatte"


def question(text: str, answer: str, url: str, support: str) -> GeneratedQuestion:
    return GeneratedQuestion(
        question=text,
        answers=(answer,),
        title="t",
        url=url,
        support=support,
        kind="test",
        split="train",
    )


QUESTIONS = [
    question(
        "what nationality was georges seurat",
        "French",
        SEURAT,
        "Georges Seurat was a French post-Impressionist artist.",
    ),
    question(
        "when was la grande jatte painted",
        "1884 to 1886",
        JATTE,
        "A Sunday Afternoon on the Island of La Grande Jatte was painted from 1884 to 1886 "
        "and is Georges Seurat's most famous work.",
    ),
]


def test_examples_put_the_supporting_sentence_first_with_its_answer_span(
    tiny_corpus: CorpusBackend,
) -> None:
    examples = reader_examples(QUESTIONS, tiny_corpus, negatives=3, rng=random.Random(0))
    assert len(examples) == 2
    first = examples[0]
    title, sentence = first.passages[0]
    assert sentence == QUESTIONS[0].support and first.answer is not None
    assert f"{title}: {sentence}"[first.answer[0] : first.answer[1]] == "French"
    assert all("French" not in s for _, s in first.passages[1:])  # negatives lack the answer
    assert len(first.passages) == 4


def test_the_answer_span_maps_to_its_tokens() -> None:
    tokenizer = AutoTokenizer.from_pretrained(str(default_encoder_path()))
    example = ReaderExample(
        "who", (("Moby-Dick", "A novel by Herman Melville."), ("X", "Y.")), (22, 37)
    )
    batch = encode_batch([example], tokenizer, max_length=64)
    answer = batch.inputs["input_ids"][0][int(batch.starts[0]) : int(batch.ends[0]) + 1]
    assert tokenizer.decode(answer) == "herman melville" and batch.sizes == [2]


def test_training_steps_learn_and_the_numpy_reader_reads_the_checkpoint(
    tiny_corpus: CorpusBackend, tmp_path: Path
) -> None:
    config = ReaderConfig(
        out=tmp_path / "reader",
        negatives=3,
        epochs=8,
        group_batch=2,
        learning_rate=3e-4,
        max_length=64,
    )
    summary = train_reader(config, QUESTIONS, tiny_corpus)
    assert summary["steps"] == 8 and summary["last_loss"] < summary["first_loss"]
    reader = Reader.load(tmp_path / "reader")
    support = QUESTIONS[0].support
    readings = reader.read(
        QUESTIONS[0].question, [("Georges Seurat", support), ("Pointillism", "Dots of colour.")]
    )
    assert readings[0].score > readings[1].score
    assert readings[0].answer is not None and readings[0].answer in support
    assert len(list((tmp_path / "reader").iterdir())) == 2  # the weights and the settings
    with pytest.raises(FileNotFoundError, match="no reader at"):
        Reader.load(tmp_path)
    assert np.isfinite(readings[1].answer_score) or readings[1].answer is None
    # --init: a fresh model takes the saved layers and heads, and nothing else
    from safetensors.torch import load_file
    from transformers import BertModel

    from training.reader import ReaderModel, load_saved_reader

    fresh = ReaderModel(BertModel.from_pretrained(str(default_encoder_path())))
    load_saved_reader(fresh, tmp_path / "reader")
    saved = load_file(str(tmp_path / "reader" / "reader.safetensors"))
    assert torch.equal(fresh.relevance.weight, saved["relevance.weight"].float())
    assert torch.equal(fresh.bert.encoder.layer[5].output.dense.weight,
                       saved["encoder.layer.5.output.dense.weight"].float())  # fmt: skip
    with pytest.raises(FileNotFoundError, match="--init: no reader at"):
        load_saved_reader(fresh, tmp_path)
    # --abstain-questions: questions from several files place the saved reader's threshold
    from training.reader import place_abstention

    files = [tmp_path / "a.jsonl", tmp_path / "b.jsonl"]
    for path, (text, answer, title) in zip(files, [
        ("seurat nationality", "French", "Georges Seurat"),
        ("when was la grande jatte painted", "1884 to 1886",
         "A Sunday Afternoon on the Island of La Grande Jatte"),
    ], strict=True):  # fmt: skip
        path.write_text(json.dumps({"question": text, "answers": [answer], "title": title}) + "\n")
    placed = place_abstention(tmp_path / "reader", files, tiny_corpus)
    settings = json.loads((tmp_path / "reader" / "webgpt_reader.json").read_text())
    assert settings["teacher"]["abstain_below"] == placed
    assert settings["calibration_written"]["questions"] == 2
    assert settings["calibration_written"]["files"] == [str(path) for path in files]
    torch.manual_seed(0)


def test_thresholds_keep_the_cost_to_answerable_questions_within_budget() -> None:
    from training.calibrate import Trial, choose_thresholds

    trials = [
        Trial(((5.0, True),), answerable=True),
        Trial(((1.0, False), (4.0, True)), answerable=True),
        Trial(((2.0, True),), answerable=True),
        Trial(((0.5, False),), answerable=True),
        Trial(((1.5, False),), answerable=False),
        Trial(((-1.0, False),), answerable=False),
    ]
    chosen = choose_thresholds(trials, max_cost=0.25)  # one answerable question may be lost
    assert chosen["abstain_below"] == 4.0  # loses the 2.0 answer only, abstains on both hidden
    assert chosen["hidden_abstained"] == 1.0
    assert chosen["answerable_right"] == 0.75
    assert chosen["answerable_right_after_abstaining"] == 0.5
    # early stop at 1.0 would quote the wrong 1.0 sentence of the second question: too costly
    assert chosen["sure_above"] == 1.5


def test_a_span_stays_in_the_title_or_in_the_sentence() -> None:
    from agent.reader import _best_span

    # tokens: [CLS] q [SEP] | title title ':' | sentence sentence | [SEP]
    parts = np.array([-1, -1, -1, 0, 0, 0, 1, 1, -1], dtype=np.int8)
    starts = np.array([0, 0, 0, 5, 1, 0, 0, 0, 0], dtype=np.float32)
    ends = np.array([0, 0, 0, 0, 1, 0, 4, 0, 9], dtype=np.float32)
    # across the boundary (3, 6) would score 9; it must not be chosen, nor the [SEP]
    (span, score) = _best_span(starts, ends, parts) or ((-1, -1), 0.0)
    assert span == (3, 4) and score == 6.0
    assert _best_span(starts, ends, np.full(9, -1, dtype=np.int8)) is None


def test_written_questions_find_their_article_by_title(
    tiny_corpus: CorpusBackend, tmp_path: Path
) -> None:
    from training.written_questions import written_questions

    good = tmp_path / "written.jsonl"
    good.write_text(json.dumps({"question": "who devised pointillism", "answers": ["Seurat"],
                                "title": "Pointillism"}) + "\n")  # fmt: skip
    (question,) = written_questions(good, tiny_corpus)
    (page,) = [p for p in tiny_corpus.pages() if p.title == "Pointillism"]
    assert question.url == page.url and question.answers == ("Seurat",)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"question": "q", "answers": ["a"], "title": "Nowhere"}) + "\n")
    with pytest.raises(ValueError, match="no article titled 'Nowhere'"):
        written_questions(bad, tiny_corpus)


def test_written_supports_become_the_page_sentences_the_reader_trains_on(
    tiny_corpus: CorpusBackend, tmp_path: Path
) -> None:
    from training.questions import article_split
    from training.written_questions import written_questions

    rows = [
        # the support as written, with a no-break space the page's sentences do not keep
        {"question": "seurat nationality", "answers": ["French"], "title": "Georges Seurat",
         "support": "Georges Seurat was a French post-Impressionist\u00a0artist."},
        # a support that is not quite the page's sentence: the page's own takes its place
        {"question": "when was la grande jatte painted", "answers": ["1884 to 1886"],
         "title": "A Sunday Afternoon on the Island of La Grande Jatte",
         "support": "It was painted from 1884 to 1886."},
        # the answer is the page's subject: the sentence says "He", the title names him
        {"question": "who came up with chromoluminarism", "answers": ["Georges Seurat"],
         "title": "Georges Seurat", "support": "He devised the painting techniques known as "
         "chromoluminarism and pointillism."},
    ]  # fmt: skip
    written = tmp_path / "written.jsonl"
    written.write_text("".join(json.dumps(row) + "\n" for row in rows))
    first, second, third = written_questions(written, tiny_corpus)
    assert first.support == "Georges Seurat was a French post-Impressionist artist."
    assert second.support.startswith("A Sunday Afternoon on the Island of La Grande Jatte was")
    assert third.support.startswith("He devised")
    assert first.kind == "written" and first.split == article_split("Georges Seurat")
    examples = reader_examples(
        [first, second, third], tiny_corpus, negatives=2, rng=random.Random(0)
    )
    assert [e.passages[0][1] for e in examples] == [first.support, second.support, third.support]
    title_span = examples[2].answer
    assert title_span is not None
    assert passage_text(*examples[2].passages[0])[slice(*title_span)] == "Georges Seurat"
    rows[1]["answers"] = ["1901"]
    written.write_text("".join(json.dumps(row) + "\n" for row in rows))
    with pytest.raises(ValueError, match=r"written.jsonl:2: answers: .* does not hold the answer"):
        written_questions(written, tiny_corpus)

