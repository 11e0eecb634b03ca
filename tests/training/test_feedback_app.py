"""The feedback app over HTTP on 127.0.0.1: tasks handed out once, durable submissions,
tokens and CSRF beyond loopback, and exports that the trainers read."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from feedback_server import HOSTILE, new_store, serving

from agent.episode import read_episodes
from browser.corpus import CorpusBackend
from training.comparisons import load_comparisons
from training.feedback.server import export
from training.feedback.store import FeedbackStore


def csrf_of(page: httpx.Response) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert match, page.text[:300]
    return match.group(1)


def test_each_labeler_gets_their_own_task_and_a_held_task_comes_back(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "f.sqlite", hold_seconds=0.3)
    store.add_tasks("demonstrate", [{"question": f"q{n}"} for n in range(3)])
    assert store.add_tasks("demonstrate", [{"question": "q0"}]) == 0  # no duplicates
    ana, ben = store.claim("demonstrate", "ana"), store.claim("demonstrate", "ben")
    assert ana and ben and ana.id != ben.id
    assert store.claim("demonstrate", "ana") == ana  # ana gets hers back
    assert store.submit(ana.id, "ana", {"x": 1}) and not store.submit(ana.id, "ana", {"x": 2})
    assert not store.submit(ben.id, "ana", {"x": 3})  # not hers
    time.sleep(0.35)
    carl = store.claim("demonstrate", "carl")
    assert carl is not None and carl.id == ben.id  # ben's hold ran out
    store.skip(carl.id, "carl", "unclear question")
    assert store.claim("demonstrate", "carl").id != carl.id  # type: ignore[union-attr]
    progress = store.progress()
    assert progress["ana"]["submitted"] == 1 and progress["carl"]["skipped"] == 1


def test_a_demonstration_and_a_comparison_by_http_then_export_loads(
    tiny_corpus: CorpusBackend, tmp_path: Path
) -> None:
    store = new_store(tmp_path, questions=["who devised pointillism"], comparisons=1)
    with serving(store, tiny_corpus) as base, httpx.Client(base_url=base) as client:
        page = client.get("/demonstrate")
        assert page.status_code == 200 and "who devised pointillism" in page.text
        task = int(re.search(r"/demonstrate/(\d+)/act", page.text).group(1))  # type: ignore[union-attr]
        csrf = csrf_of(page)
        for form in (
            {"command": "search", "argument": "pointillism"},
            {"command": "click 0"},
            {"command": "quote-lines", "line": "1"},
            {"command": "answer", "argument": "Georges Seurat devised it [1]."},
        ):
            done = client.post(f"/demonstrate/{task}/act", data={**form, "csrf": csrf})
            assert done.status_code == 303, done.text
        page = client.get("/compare")
        task = int(re.search(r'action="/compare/(\d+)"', page.text).group(1))  # type: ignore[union-attr]
        judged = client.post(
            f"/compare/{task}", data={"preference": "1", "a.factual": "7", "csrf": csrf_of(page)}
        )
        assert judged.status_code == 303
    counts = export(store, tmp_path / "out")
    assert counts == {"demonstrations": 1, "comparisons": 1}
    (episode,) = read_episodes(tmp_path / "out" / "demonstrations.jsonl")
    assert episode.answer == "Georges Seurat devised it [1]." and episode.policy == "human:local"
    assert [s.action for s in episode.steps][:1] == ["search pointillism"]
    (comparison,) = load_comparisons(tmp_path / "out" / "comparisons.jsonl")
    assert comparison.preference == 1.0 and comparison.judge == "human:local"
    assert comparison.ratings == {"a.factual": 7.0}
    # and the trainers read them: one step of each
    from test_default_reward_model import tiny_backbone

    from cli.main import main

    out = tmp_path / "out"
    bc = [
        "train",
        "bc",
        "--demos",
        str(out / "demonstrations.jsonl"),
        "--out",
        str(tmp_path / "bc"),
        "--max-steps",
        "1",
    ]
    assert main(bc) == 0 and (tmp_path / "bc" / "model.safetensors").is_file()
    rm = [
        "train",
        "rm",
        "--comparisons",
        str(out / "comparisons.jsonl"),
        "--out",
        str(tmp_path / "rm"),
        "--model",
        str(tiny_backbone(tmp_path / "tiny")),
        "--max-steps",
        "1",
        "--eval-fraction",
        "0",
        "--max-length",
        "64",
        "--freeze-layers",
        "-1",
    ]
    assert main(rm) == 0 and (tmp_path / "rm" / "model.safetensors").is_file()


def test_beyond_loopback_every_change_needs_a_token_and_a_csrf_token(
    tiny_corpus: CorpusBackend, tmp_path: Path
) -> None:
    store = new_store(tmp_path, questions=["q"], comparisons=2)
    token = store.issue_token("ana")
    with serving(store, tiny_corpus, require_tokens=True) as base:
        with httpx.Client(base_url=base) as stranger:
            assert stranger.get("/compare").status_code == 401
            assert (
                stranger.post("/compare/2", data={"preference": "1", "csrf": "x"}).status_code
                == 401
            )
        with httpx.Client(base_url=base) as ana:
            login = ana.get("/")
            assert (
                ana.post("/login", data={"token": "wrong", "csrf": csrf_of(login)}).status_code
                == 403
            )
            assert (
                ana.post("/login", data={"token": token, "csrf": csrf_of(login)}).status_code == 303
            )
            page = ana.get("/compare")
            assert page.status_code == 200
            task = re.search(r'action="/compare/(\d+)"', page.text).group(1)  # type: ignore[union-attr]
            forged = ana.post(f"/compare/{task}", data={"preference": "1", "csrf": "forged"})
            assert forged.status_code == 403
            assert ana.post(f"/compare/{task}", data={"preference": "1"}).status_code == 403
            assert store.submissions("compare") == []
            ok = ana.post(f"/compare/{task}", data={"preference": "-1", "csrf": csrf_of(page)})
            assert ok.status_code == 303 and len(store.submissions("compare")) == 1


def test_hostile_answers_are_escaped_and_scripts_are_not_allowed(
    tiny_corpus: CorpusBackend, tmp_path: Path
) -> None:
    store = new_store(tmp_path, questions=[], comparisons=1)
    with serving(store, tiny_corpus) as base, httpx.Client(base_url=base) as client:
        page = client.get("/compare")
    assert HOSTILE not in page.text and "&lt;script&gt;" in page.text
    assert "javascript:" not in page.text.replace("javascript:alert", "")  # only escaped text
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_twenty_labelers_at_once_get_distinct_tasks(
    tiny_corpus: CorpusBackend, tmp_path: Path
) -> None:
    store = new_store(tmp_path, questions=[], comparisons=60)
    with serving(store, tiny_corpus) as base:

        def label(name: str) -> list[str]:
            done = []
            with httpx.Client(base_url=base, cookies={"labeler": name}, timeout=30) as client:
                while True:
                    page = client.get("/compare")
                    found = re.search(r'action="/compare/(\d+)"', page.text)
                    if found is None:
                        return done
                    reply = client.post(
                        f"/compare/{found.group(1)}",
                        data={"preference": "0.5", "csrf": csrf_of(page)},
                    )
                    assert reply.status_code == 303
                    done.append(found.group(1))

        with ThreadPoolExecutor(20) as pool:
            labelled = [t for done in pool.map(label, [f"l{n}" for n in range(20)]) for t in done]
    assert sorted(labelled, key=int) == [str(n) for n in range(1, 61)]  # each once, none lost
    assert len(store.submissions("compare")) == 60


def test_a_killed_server_loses_no_acknowledged_submission_and_hands_nothing_out_twice(
    tiny_corpus: CorpusBackend,
) -> None:
    """The load benchmark, small: 20 labelers, the server SIGKILLed mid-run and restarted."""
    import json
    import subprocess
    import sys

    script = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_feedback_app.py"
    done = subprocess.run(
        [
            sys.executable,
            str(script),
            "--corpus",
            str(tiny_corpus.path),
            "--pairs",
            "60",
            "--labelers",
            "20",
            "--hold-seconds",
            "1.5",
            "--timeout",
            "120",
        ],
        capture_output=True,
        text=True,
        timeout=200,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    counts = json.loads(done.stdout.strip().splitlines()[-1])
    assert counts["lost"] == 0 and counts["twice"] == 0
    assert counts["stored"] == counts["pairs"] == 60 and 0 < counts["killed_at"] < 60
