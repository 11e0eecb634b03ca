"""Twenty labelers at once against the feedback app, with the server killed mid-run.

    python benchmarks/bench_feedback_app.py --corpus tiny.sqlite [--labelers 20] [--pairs 200]

Starts ``webgpt app`` in its own process on 127.0.0.1 with ``--pairs`` comparison tasks,
and runs ``--labelers`` threads that each claim a pair and judge it until none is left.
Once a third of the pairs are done the server is killed with SIGKILL and started again
(held tasks return to the queue after ``--hold-seconds``). At the end it checks, from the
store itself, that every submission the server acknowledged (HTTP 303) is there, and that
no task was submitted twice; it prints the p95 latency of a submission and a JSON line of
the counts. Bounded: it gives up after ``--timeout`` seconds.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

PAIR = {
    "question": "who developed pointillism ({n})",
    "answer_a": {
        "text": "Georges Seurat [1].",
        "quotes": [{"title": "Pointillism", "url": "u", "text": "Developed by Georges Seurat."}],
    },
    "answer_b": {"text": "Claude Monet.", "quotes": []},
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(data: Path, pairs: Path, corpus: Path, port: int, hold: float) -> subprocess.Popen[bytes]:
    argv = [
        sys.executable,
        "-m",
        "cli.main",
        "app",
        "--data",
        str(data),
        "--pairs",
        str(pairs),
        "--corpus",
        str(corpus),
        "--port",
        str(port),
        "--hold-minutes",
        str(hold / 60),
    ]
    server = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the app did not start within 60 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True, help="a corpus index to browse")
    parser.add_argument("--labelers", type=int, default=20)
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--hold-seconds", type=float, default=2.0)
    parser.add_argument("--timeout", type=float, default=240.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        root = Path(work)
        pairs = root / "pairs.jsonl"
        pairs.write_text(
            "".join(
                json.dumps({**PAIR, "question": PAIR["question"].format(n=n)})  # type: ignore[union-attr]
                + "\n"
                for n in range(args.pairs)
            )
        )
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start(root, pairs, args.corpus, port, args.hold_seconds)
        acknowledged: list[int] = []
        latencies: list[float] = []
        lock = threading.Lock()
        stop = time.monotonic() + args.timeout

        def label(name: str) -> None:
            with httpx.Client(base_url=base, cookies={"labeler": name}, timeout=10) as client:
                while time.monotonic() < stop:
                    try:
                        page = client.get("/compare")
                        task = re.search(r'action="/compare/(\d+)"', page.text)
                        if task is None:
                            if "No comparison task left" in page.text:
                                return
                            continue
                        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
                        began = time.perf_counter()
                        reply = client.post(
                            f"/compare/{task.group(1)}",
                            data={"preference": "1", "csrf": csrf.group(1)},
                        )  # type: ignore[union-attr]
                        if reply.status_code == 303:
                            with lock:
                                acknowledged.append(int(task.group(1)))
                                latencies.append(time.perf_counter() - began)
                    except httpx.HTTPError:
                        time.sleep(0.2)  # the server is down: wait for it

        threads = [
            threading.Thread(target=label, args=(f"labeler-{n}",)) for n in range(args.labelers)
        ]
        for thread in threads:
            thread.start()
        while len(acknowledged) < args.pairs // 3 and time.monotonic() < stop:
            time.sleep(0.05)
        server.send_signal(signal.SIGKILL)
        server.wait()
        killed_at = len(acknowledged)
        server = start(root, pairs, args.corpus, port, args.hold_seconds)
        for thread in threads:
            thread.join()
        server.terminate()
        server.wait()
        with sqlite3.connect(root / "feedback.sqlite") as db:
            stored = [row[0] for row in db.execute("SELECT task_id FROM submissions")]
        lost = sorted(set(acknowledged) - set(stored))
        twice = len(stored) - len(set(stored))
        p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) > 1 else float("nan")
        print(f"{args.labelers} labelers, {args.pairs} pairs, killed after {killed_at} submissions")
        print(
            f"  acknowledged {len(acknowledged)}, stored {len(stored)}, lost {len(lost)}, "
            f"submitted twice {twice}, p95 submission latency {p95 * 1000:.0f} ms"
        )
        print(
            json.dumps(
                {
                    "acknowledged": len(acknowledged),
                    "stored": len(stored),
                    "lost": len(lost),
                    "twice": twice,
                    "killed_at": killed_at,
                    "pairs": args.pairs,
                    "p95_ms": round(p95 * 1000, 1),
                }
            )
        )


if __name__ == "__main__":
    main()
