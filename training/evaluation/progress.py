"""A rich progress bar for :func:`~training.evaluation.runner.run_eval`, for the CLI.

The library itself only calls a ``(finished, total)`` hook; this module makes one::

    with rich_progress(Console(stderr=True)) as progress:
        run_eval(items, make_policy, make_browser, out_dir, progress=progress)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from training.evaluation.runner import ProgressHook


@contextmanager
def rich_progress(
    console: Console | None = None, *, description: str = "questions"
) -> Iterator[ProgressHook]:
    """A ``(finished, total)`` hook that drives a progress bar while the block runs."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TimeRemainingColumn())  # fmt: skip
    with Progress(*columns, console=console) as bar:
        task = bar.add_task(description, total=None)

        def update(finished: int, total: int) -> None:
            bar.update(task, completed=finished, total=total)

        yield update
