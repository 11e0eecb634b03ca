"""Shared fixtures: the real default corpus (built once into a temporary cache) and a tiny
hand-made corpus whose every page the tests know."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

# Build indexes into a throwaway cache, never the user's, before anything imports browser.
os.environ["WEBGPT_CACHE_DIR"] = tempfile.mkdtemp(prefix="webgpt-test-cache-")

from browser.corpus import CorpusBackend, build_index
from browser.corpus_sources import read_jsonl

DATA = Path(__file__).parent / "data"

TINY_PAGES = [
    {
        "title": "Georges Seurat",
        "url": "https://example.org/wiki/Georges_Seurat",
        "text": (
            "Georges Seurat was a French post-Impressionist artist. He devised the painting "
            "techniques known as chromoluminarism and pointillism.\n"
            "His large-scale work A Sunday Afternoon on the Island of La Grande Jatte altered "
            "the direction of modern art."
        ),
    },
    {
        "title": "A Sunday Afternoon on the Island of La Grande Jatte",
        "url": "https://example.org/wiki/La_Grande_Jatte",
        "text": (
            "A Sunday Afternoon on the Island of La Grande Jatte was painted from 1884 to 1886 "
            "and is Georges Seurat's most famous work. It is a leading example of pointillist "
            "technique."
        ),
    },
    {
        "title": "Pointillism",
        "url": "https://example.org/wiki/Pointillism",
        "text": " ".join(
            f"Sentence {n} about pointillism, small dots of colour applied in patterns."
            for n in range(1, 40)
        )
        + " The technique was developed by Georges Seurat and Paul Signac in 1886.",
    },
]


@pytest.fixture(scope="session")
def corpus() -> CorpusBackend:
    """The embedded default corpus (about 10,000 Wikipedia lead extracts)."""
    return CorpusBackend.open_default()


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory: pytest.TempPathFactory) -> CorpusBackend:
    root = tmp_path_factory.mktemp("tiny")
    source = root / "pages.jsonl"
    source.write_text("\n".join(json.dumps(page) for page in TINY_PAGES) + "\n")
    build_index(read_jsonl(source), root / "tiny.sqlite", source_id="tiny")
    return CorpusBackend(root / "tiny.sqlite")


@pytest.fixture(scope="session")
def questions() -> list[dict[str, object]]:
    """Hand-written questions whose answers the default corpus states."""
    with (DATA / "questions.jsonl").open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
