"""`webgpt ask --web live` against the local site and its fake SearXNG (127.0.0.1 only)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from cli.main import main

if TYPE_CHECKING:  # the fixture's type; conftest is not imported at run time
    from conftest import LocalSite


def test_ask_on_the_live_web_cites_the_local_site(
    site: LocalSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("WEBGPT_CACHE_DIR", str(tmp_path))
    argv = ["ask", "--policy", "teacher", "--json", "--web", "live", "--searxng-url", site.base,
            "--allow-host", "127.0.0.1",
            "Who painted A Sunday Afternoon on the Island of La Grande Jatte?"]  # fmt: skip
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    assert "Georges Seurat" in result["answer"]
    assert result["references"][0]["url"] == site.url("/wiki/La_Grande_Jatte")


def test_the_local_site_is_refused_without_the_allow_list(
    site: LocalSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("WEBGPT_CACHE_DIR", str(tmp_path))
    argv = [
        "ask",
        "--policy",
        "teacher",
        "--json",
        "--web",
        "live",
        "--searxng-url",
        site.base,
        "who painted it",
    ]
    assert main(argv) == 0  # the agent goes on: the refusal is an error observation
    result = json.loads(capsys.readouterr().out)
    assert result["references"] == []
    assert any("search failed" in step["observation"] for step in result["steps"][1:])
    assert site.hits == []  # nothing reached the server
