"""Progress of long loops, written to the log (what a run in the background shows)."""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger("webgpt.progress")


def logged_progress(what: str, *, every: int = 50) -> Callable[[int, int], None]:
    """A progress callback that logs ``what done/total`` every ``every`` items and at the end."""

    def progress(done: int, total: int) -> None:
        if done % every == 0 or done == total:
            logger.info("%s %d/%d", what, done, total)

    return progress
