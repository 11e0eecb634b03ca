"""One wall-clock deadline for everything a fetch or a search does on the network.

    with deadline(20.0):                 # the whole fetch: robots.txt, each hop, the body
        client.send(request, stream=True)

httpx's timeouts bound each *operation* (a connect, one read), so a server that sends its
status line or headers one byte a second never trips them. The guarded network layer
(:mod:`browser.web.network`) asks :func:`bounded` for every connect, TLS handshake, read
and write: the operation's own timeout, cut to the time left, or a timeout error once
the deadline has passed. The deadline lives in a context variable, so each thread (each
evaluation worker) has its own, and an inner ``deadline`` can only shorten an outer one.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import httpcore

_DEADLINE: ContextVar[float | None] = ContextVar("webgpt_network_deadline", default=None)


@contextmanager
def deadline(seconds: float) -> Iterator[float]:
    """Bound all network I/O in this block (and this thread) to ``seconds`` from now;
    yields the ``time.monotonic()`` value of the deadline."""
    outer = _DEADLINE.get()
    mine = time.monotonic() + seconds
    token = _DEADLINE.set(mine if outer is None else min(mine, outer))
    try:
        yield _DEADLINE.get() or mine
    finally:
        _DEADLINE.reset(token)


def bounded(timeout: float | None, what: str) -> float | None:
    """``timeout`` cut to the time left before the deadline (unchanged outside one).

    Raises:
        httpcore.ConnectTimeout | httpcore.ReadTimeout: the deadline has passed (``what`` is
            ``"connect"`` or anything else).
    """
    end = _DEADLINE.get()
    if end is None:
        return timeout
    left = end - time.monotonic()
    if left <= 0:
        error = httpcore.ConnectTimeout if what == "connect" else httpcore.ReadTimeout
        raise error(f"the time limit passed during {what}")
    return left if timeout is None else min(timeout, left)
