"""A real feedback app on 127.0.0.1 for the tests: uvicorn in a thread, over a store and the
tiny corpus, stopped after the test."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from browser.answer import CitedAnswer
from browser.backend import Backend
from browser.models import Quote
from training.comparisons import Comparison
from training.feedback.server import create_app
from training.feedback.store import FeedbackStore

QUOTE = Quote(
    title="Pointillism",
    url="https://example.org/wiki/Pointillism",
    text="The technique was developed by Georges Seurat and Paul Signac in 1886.",
)
HOSTILE = "<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pairs(count: int) -> list[Comparison]:
    """Unlabelled pairs: a cited right answer against a hostile bare one."""
    return [
        Comparison(
            question=f"who developed pointillism ({n})",
            answer_a=CitedAnswer(
                text="Georges Seurat and Paul Signac [1]. The technique was "
                "developed by Georges Seurat and Paul Signac in 1886 [1].",
                quotes=(QUOTE,),
            ),
            answer_b=CitedAnswer(
                text=f"Claude Monet. {HOSTILE} <a href='javascript:alert(1)'>x</a>"
            ),
        )
        for n in range(count)
    ]


@contextmanager
def serving(
    store: FeedbackStore, backend: Backend, *, require_tokens: bool = False
) -> Iterator[str]:
    """The app's base url while it runs."""
    port = free_port()
    app = create_app(store, backend, require_tokens=require_tokens)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def new_store(root: Path, *, questions: list[str], comparisons: int) -> FeedbackStore:
    store = FeedbackStore(root / "feedback.sqlite")
    store.add_tasks("demonstrate", [{"question": q, "answers": []} for q in questions])
    store.add_tasks("compare", [c.model_dump(mode="json") for c in pairs(comparisons)])
    return store
