"""The ``webgpt`` command line, in process and as the installed console script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent.episode import read_episodes
from agent.shipped import DEFAULT_REWARD_MODEL
from browser.corpus import CorpusBackend
from cli.main import main

OPEN_VALIDATION = Path(__file__).resolve().parents[2] / "training/data/open_validation.jsonl"


def test_ask_json_prints_one_object_with_answer_references_and_steps(
    corpus: CorpusBackend, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    trace = tmp_path / "trace.jsonl"
    question = "Who painted A Sunday Afternoon on the Island of La Grande Jatte?"
    assert main(["ask", "--policy", "teacher", "--json", "--trace", str(trace), question]) == 0
    assert main(["ask", "--policy", "teacher", "--json", "--trace", str(trace), question]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    result = json.loads(lines[0])
    assert set(result) == {"question", "answer", "references", "steps"}
    assert "Georges Seurat" in result["answer"] and "[1]" in result["answer"]
    assert set(result["references"][0]) == {"id", "title", "url", "quote"}
    assert result["references"][0]["url"].startswith("https://en.wikipedia.org/wiki/")
    assert result["steps"][0]["action"].startswith("search ")
    assert result["steps"][0]["observation"].startswith(f"Question: {question}")
    episodes = list(read_episodes(trace))
    assert len(episodes) == 2 and episodes[0].answer == result["answer"]


def test_ask_reads_with_the_reader_given(
    corpus: CorpusBackend, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``--reader DIR`` brings that reader's settings too: one whose abstention threshold
    no sentence reaches makes the teacher say it could not find the answer."""
    from agent.shipped import DEFAULT_READER
    from browser.answer import ABSTAIN_ANSWER

    strict = tmp_path / "reader"
    shutil.copytree(DEFAULT_READER, strict)
    settings = json.loads((strict / "webgpt_reader.json").read_text())
    settings["teacher"]["abstain_below"] = 1e9
    (strict / "webgpt_reader.json").write_text(json.dumps(settings))
    question = "which planet is known as the red planet"
    assert main(["ask", "--policy", "teacher", "--json", question]) == 0
    assert main(["ask", "--policy", "teacher", "--reader", str(strict), "--json", question]) == 0
    shipped, given = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert shipped["answer"] != ABSTAIN_ANSWER and given["answer"] == ABSTAIN_ANSWER


def test_ask_shows_each_action_then_the_answer_and_references(
    corpus: CorpusBackend, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "--policy", "teacher", "which planet is known as the red planet"]) == 0
    out = capsys.readouterr().out
    assert " 1 search " in out and " 2 click " in out
    answer = next(line for line in out.splitlines() if line.startswith("Answer: "))
    assert "Red Planet" in answer and answer.endswith("[1].")
    assert "[1] Mars — https://en.wikipedia.org/wiki/Mars" in out


LONG_QUESTION = "why " * 2600

BAD_ARGUMENTS = [
    (["ask", "   "], "the question is empty"),
    (["ask", LONG_QUESTION], "the question is 10400 characters; at most 1000 are read"),
    (["ask", "--corpus", "/no/such/corpus.sqlite", "q"], "--corpus: no such corpus file"),
    (["ask", "--max-actions", "0", "q"], "--max-actions: must be at least 1, got '0'"),
    (["ask", "--best-of", "0", "q"], "--best-of: must be at least 1, got '0'"),
    (["ask", "--best-of", "2", "--reward-model", "/no/such/rm", "q"], "no reward model at"),
    (["ask", "--best-of", "2", "--reward-model", "/tmp", "q"], "--reward-model: no reward model"),
    (["ask", "--reward-model", "/no/such/rm", "q"], "--reward-model: no reward model"),
    (["ask", "--reward-model", str(DEFAULT_REWARD_MODEL), "q"], "add --best-of N"),
    (["ask", "--policy", "lm", "--model", "/no/such/model", "q"], "--model: no model directory"),
    (["ask", "--model", "/no/such/ranker", "q"], "--model: no ranking policy directory at"),
    (["ask", "--reader", "/tmp", "q"], "--reader: no reader at /tmp (no reader.safetensors"),
    (["ask", "--policy", "lm", "--reader", "/tmp", "q"], "--reader goes with --policy ranker"),
    (["train", "reader", "--out", "x", "--written-repeats", "0"], "--written-repeats: must be"),
    (["train", "reader", "--out", "x", "--init", "/tmp"], "--init: no reader at /tmp"),
    (["train", "reader", "--out", "x", "--written", "/no/such.jsonl"], "--written: no such"),
    (["ask", "--top-p", "0", "q"], "--top-p: must be greater than 0, got '0'"),
    (["ask", "--temperature", "-1", "q"], "--temperature: must be at least 0, got '-1'"),
    (["ask", "--policy", "gpt", "q"], "--policy: must be 'ranker', 'teacher', 'lm' or 'chat'"),
    (["ask", "--patience", "soon", "q"], "--patience: expected a count of actions or 'none'"),
    (["ask", "--select", "vote", "q"], "--select vote needs --best-of N with N > 1"),
    (["ask", "--best-of", "2", "--select", "most", "q"], "--select: must be 'reward' or 'vote'"),
    (["ask", "--trace", "/tmp", "q"], "--trace: /tmp is a directory"),
    (["ask", "--policy", "chat", "q"], "--policy chat needs --chat-url and --chat-model"),
    (["ask", "--zim", "/no/such.zim", "q"], "--zim: no such ZIM file"),
    (["eval", "nosuch.jsonl", "--out", "/tmp/x"], "no such dataset file: nosuch.jsonl"),
    (["eval", "--out", "/tmp/x"], "give a DATASET, or --compare DIR_A DIR_B"),
    (["corpus", "build", "/no/such/input.jsonl", "--out", "x.sqlite"], "no such file"),
    (["corpus", "build", os.devnull, "--out", "x.sqlite"], "not a regular file or a directory"),
    (["train", "rm", "--out", "x", "--eval-fraction", "2"], "--eval-fraction: must be less than 1"),
    (
        ["train", "iterate", "--out", "x", "--policy", "lm", "--method", "grpo"],
        "--method grpo goes with --policy ranker; --policy lm learns by --method expert",
    ),
    (["train", "iterate", "--out", "x", "--model", "/tmp"], "--model goes with --policy lm"),
    (["train", "rm", "--out", "x", "--written", "/no/such.jsonl"], "--written: no such file"),
    (
        ["train", "abstention", "q.jsonl", "--policy", "p", "--out", "x", "--target", "0"],
        "--target: must be greater than 0",
    ),
    (
        ["train", "abstention", str(OPEN_VALIDATION), "--policy", "p", "--out", "x"],
        "need questions with answers and questions without",
    ),
]


@pytest.mark.parametrize(("argv", "message"), BAD_ARGUMENTS)
def test_bad_input_is_one_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("webgpt: error: ") and message in err
    assert err.count("\n") == 1


def test_bad_arguments_fail_in_a_fresh_process_before_any_model_loads() -> None:
    """Each check runs before torch is imported, so a mistake costs well under a second."""
    code = (
        "import sys, time; from cli.main import main; start = time.perf_counter(); "
        f"codes = [main(argv) for argv in {[argv for argv, _ in BAD_ARGUMENTS]!r}]; "
        "print(codes, 'torch' in sys.modules, time.perf_counter() - start)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    codes, torch_loaded, seconds = done.stdout.rsplit(" ", 2)
    assert codes == str([2] * len(BAD_ARGUMENTS)) and torch_loaded == "False"
    assert float(seconds) / len(BAD_ARGUMENTS) < 1.0, seconds


def test_unreadable_corpus_file_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(os.urandom(4096))
    assert main(["ask", "--corpus", str(junk), "q"]) == 2
    assert "not a webgpt corpus index" in capsys.readouterr().err


def test_corpus_build_then_ask_on_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pages = tmp_path / "pages.jsonl"
    pages.write_text(
        json.dumps({"title": "Zorblat", "url": "https://intranet.example/zorblat",
                    "text": "Zorblat is our build robot. It was built by Mina in 2021."})
        + "\n"
    )  # fmt: skip
    out = tmp_path / "mine.sqlite"
    assert main(["corpus", "build", str(pages), "--out", str(out)]) == 0
    assert "Indexed 1 pages" in capsys.readouterr().err
    assert (
        main(["ask", "--policy", "teacher", "--json", "--corpus", str(out),
              "what year was zorblat built"])
        == 0
    )  # fmt: skip
    result = json.loads(capsys.readouterr().out)
    assert result["answer"].startswith("2021 [1].")
    assert result["references"][0]["url"] == "https://intranet.example/zorblat"


def test_browse_lets_a_person_drive_and_record(
    tiny_corpus: CorpusBackend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    typed = iter(["search pointillism", "click 7", "", "click 0", "quote lines 1-1",
                  "answer Dots of colour [1]."])  # fmt: skip
    monkeypatch.setattr("builtins.input", lambda prompt="": next(typed))
    record = tmp_path / "demos.jsonl"
    argv = ["browse", "--corpus", str(tiny_corpus.path), "--question", "what is pointillism",
            "--record", str(record)]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Commands (one per turn):" in out and "no link 7" in out
    (episode,) = read_episodes(record)
    assert episode.policy == "human"
    assert [s.action for s in episode.steps][-1] == "answer Dots of colour [1]."


def test_installed_console_script_answers_in_a_fresh_process(corpus: CorpusBackend) -> None:
    script = shutil.which("webgpt", path=os.path.dirname(sys.executable))
    assert script, "the webgpt console script is not installed next to this Python"
    done = subprocess.run(
        [script, "ask", "--policy", "teacher", "--json", "how tall is mount everest"],
        capture_output=True, text=True, timeout=60, env=os.environ | {"PYTHONWARNINGS": "error"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["answer"].endswith("[1].")
    assert result["references"][0]["url"] == "https://en.wikipedia.org/wiki/Mount_Everest"
    assert "torch" not in subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import cli.main, agent.teacher, agent.loop"],
        capture_output=True, text=True, timeout=60,
    ).stderr  # fmt: skip


def test_ask_uses_the_shipped_policy_by_default_and_it_answers_with_a_citation(
    corpus: CorpusBackend, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    question = "Who painted A Sunday Afternoon on the Island of La Grande Jatte?"
    assert main(["ask", "--json", "--trace", str(tmp_path / "trace.jsonl"), question]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["steps"][0]["action"].startswith("search ")
    assert "[1]" in result["answer"] and result["references"]
    (episode,) = read_episodes(tmp_path / "trace.jsonl")
    assert episode.policy == "ranker"


def test_ask_best_of_n_shows_every_answer_with_its_reward_and_keeps_the_best(
    corpus: CorpusBackend, capsys: pytest.CaptureFixture[str]
) -> None:
    question = "What is the capital of France?"
    assert main(["ask", "--policy", "lm", "--best-of", "3", "--json", question]) == 0
    result = json.loads(capsys.readouterr().out)
    candidates = result["best_of"]
    assert len(candidates) == 3 and all(isinstance(c["reward"], float) for c in candidates)
    best = max(candidates, key=lambda c: c["reward"])
    assert result["answer"] == best["answer"]
    assert main(["ask", "--policy", "lm", "--best-of", "3", question]) == 0
    shown = capsys.readouterr().out
    assert shown.count("→") == 1 and f"{best['reward']:+.2f}" in shown


def test_an_empty_corpus_input_says_so_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n")
    assert main(["corpus", "build", str(empty), "--out", str(tmp_path / "x.sqlite")]) == 2
    err = capsys.readouterr().err
    assert err == "webgpt: error: the inputs hold no pages with text; nothing was written\n"
    assert not (tmp_path / "x.sqlite").exists() and not list(tmp_path.glob(".*partial"))


def test_corpus_build_never_overwrites_its_input_or_a_file_that_is_not_an_index(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pages = tmp_path / "pages.jsonl"
    pages.write_text(json.dumps({"title": "T", "url": "u", "text": "Some text."}) + "\n")
    before = pages.read_bytes()
    assert main(["corpus", "build", str(pages), "--out", str(pages), "--search", "bm25"]) == 2
    assert "is one of the inputs" in capsys.readouterr().err and pages.read_bytes() == before
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    assert main(["corpus", "build", str(pages), "--out", str(notes), "--search", "bm25"]) == 2
    assert "not a webgpt index; refusing to overwrite it" in capsys.readouterr().err
    assert notes.read_text() == "my notes"
    assert main(["corpus", "build", "/dev/zero", "--out", str(tmp_path / "x.sqlite")]) == 2
    assert "/dev/zero: not a regular file or a directory" in capsys.readouterr().err
    index = tmp_path / "index.sqlite"
    assert main(["corpus", "build", str(pages), "--out", str(index), "--search", "bm25"]) == 0
    assert main(["corpus", "build", str(pages), "--out", str(index), "--search", "bm25"]) == 0


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("[" * 100_000 + "]" * 100_000, "bad.jsonl:2: not valid JSON"),
        ('{"title": "T", "url": "v", "text": ' + "9" * 100_000 + "}", "bad.jsonl:2: not valid"),
        ('{"title": "T", "url": "v"}', "bad.jsonl:2: field 'text'"),
    ],
)
def test_a_bad_corpus_line_names_its_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, problem: str
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"title": "T", "url": "u", "text": "Text."}) + "\n" + line + "\n")
    assert main(["corpus", "build", str(bad), "--out", str(tmp_path / "x.sqlite")]) == 2
    err = capsys.readouterr().err
    assert problem in err and err.count("\n") == 1


def test_a_killed_build_leaves_nothing_the_next_build_keeps(tmp_path: Path) -> None:
    pages = tmp_path / "pages.jsonl"
    with pages.open("w") as handle:
        for n in range(60_000):
            text = f"Page {n} links to Page {n + 1}."
            page = {"title": f"Page {n}", "url": f"u{n}", "text": text}
            handle.write(json.dumps(page) + "\n")
    out = tmp_path / "big.sqlite"
    argv = [sys.executable, "-m", "cli.main", "corpus", "build", str(pages), "--out", str(out),
            "--search", "bm25"]  # fmt: skip
    build = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".big.sqlite.*.partial")) and time.monotonic() < deadline:
        time.sleep(0.05)
    build.kill()
    build.wait()
    assert list(tmp_path.glob(".big.sqlite.*.partial")), "the build was killed before it wrote"
    assert not out.exists()
    done = subprocess.run(argv, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert out.exists() and not list(tmp_path.glob(".big.sqlite.*.partial"))
