"""``webgpt corpus build``: index your own pages into a corpus file."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from rich.console import Console

from browser.models import Value


class CorpusBuildConfig(Value):
    """``webgpt corpus build``: index JSONL files of {title, url, text} and directories."""

    inputs: list[Path] = Field(
        min_length=1, description="JSONL files and/or directories of .html/.md/.txt",
        json_schema_extra={"positional": True},
    )  # fmt: skip
    out: Path = Field(description="the index file to write")
    base_url: str | None = Field(None, description="the web address of the directories' root")


def run_corpus_build(config: CorpusBuildConfig) -> int:
    from browser.corpus import build_index
    from browser.corpus_sources import read_inputs

    err = Console(stderr=True, highlight=False, soft_wrap=True)
    source_id = "user:" + ",".join(str(path.resolve()) for path in config.inputs)
    with err.status("Reading the inputs…") as status:
        pages = build_index(
            read_inputs(config.inputs, base_url=config.base_url),
            config.out,
            source_id=source_id,
            on_progress=lambda stage, count: status.update(f"{stage}: {count} pages"),
        )
    err.print(f"Indexed {pages} pages into {config.out}")
    return 0
