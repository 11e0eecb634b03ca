"""``webgpt corpus build``: index your own pages into a corpus file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from rich.console import Console
from rich.progress import TaskID

from browser.models import Value


class CorpusBuildConfig(Value):
    """``webgpt corpus build``: index JSONL files of {title, url, text} and directories."""

    inputs: list[Path] = Field(
        min_length=1, description="JSONL files and/or directories of .html/.md/.txt",
        json_schema_extra={"positional": True},
    )  # fmt: skip
    out: Path = Field(description="the index file to write")
    base_url: str | None = Field(None, description="the web address of the directories' root")
    search: Literal["hybrid", "bm25", "dense"] = Field(
        "hybrid", description="how the index is searched: BM25 and MiniLM vectors fused, or "
        "one of them (vectors cost about 0.15 s a page to build on two cores)",
    )  # fmt: skip

    @model_validator(mode="after")
    def _output_is_not_an_input(self) -> CorpusBuildConfig:
        for path in self.inputs:
            if path.exists() and self.out.exists() and path.resolve() == self.out.resolve():
                raise ValueError(f"--out {self.out} is one of the inputs; choose another file")
        return self


def run_corpus_build(config: CorpusBuildConfig) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from browser.corpus import build_index
    from browser.corpus_sources import read_inputs

    err = Console(stderr=True, highlight=False, soft_wrap=True)
    source_id = "user:" + ",".join(str(path.resolve()) for path in config.inputs)
    columns = (TextColumn("{task.description:<9}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as progress:
        tasks: dict[str, TaskID] = {}
        known = [0]  # pages read so far: the total of the stages after reading

        def show(stage: str, count: int) -> None:
            if stage == "read":
                known[0] = count
            if stage not in tasks and stage != "done":
                total = None if stage == "read" else known[0]
                tasks[stage] = progress.add_task(stage, total=total)
            if stage in tasks:
                progress.update(tasks[stage], completed=count)

        pages = build_index(
            read_inputs(config.inputs, base_url=config.base_url),
            config.out,
            source_id=source_id,
            on_progress=show,
            search=config.search,
        )
    err.print(f"Indexed {pages} pages into {config.out}")
    return 0
