"""WebBackend end to end on the local site: the Backend contract, a full teacher episode with
citations, and the command-line constructor."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from agent.loop import run_episode
from agent.teacher import TeacherPolicy
from browser.backend import Backend
from browser.checker import check_backend
from browser.env import BrowserEnv, find_span
from browser.render import render_document
from browser.web.backend import WebBackend
from browser.web.config import WebConfig
from browser.web.errors import SearchFailed, WebConfigError

if TYPE_CHECKING:  # the fixtures' types; conftest is not imported at run time
    from conftest import LocalSite, MakeBackend


def test_web_backend_passes_the_backend_check(site: LocalSite, make_backend: MakeBackend) -> None:
    backend = make_backend()
    assert isinstance(backend, Backend) and backend.name == "web"
    check_backend(backend, query="Seurat")


def test_a_teacher_episode_answers_from_the_local_site_with_citations(
    site: LocalSite, make_backend: MakeBackend
) -> None:
    backend = make_backend()
    env = BrowserEnv(backend)
    episode = run_episode(
        "Who painted A Sunday Afternoon on the Island of La Grande Jatte?", TeacherPolicy(), env
    )
    assert episode.terminated and episode.backend == "web"
    assert "Georges Seurat" in (episode.answer or "")
    assert episode.cited_ids == [1]
    assert all(step.error is None for step in episode.steps)
    quote = episode.quotes[0]
    assert quote.url == site.url("/wiki/La_Grande_Jatte")
    page = render_document(backend.open(quote.url), width=env.config.width)
    assert find_span(page.plain_text, quote.text) == quote.text
    assert {hit.path for hit in site.hits} >= {"/search", "/robots.txt", "/wiki/La_Grande_Jatte"}


def test_a_failing_search_is_an_error_observation_not_a_crash(
    site: LocalSite, make_backend: MakeBackend
) -> None:
    site.page("/search", "{}", status=429, content_type="application/json")
    env = BrowserEnv(make_backend())
    env.reset("anything")
    step = env.step("search Seurat")
    assert step.error is not None and "rate-limiting us (HTTP 429)" in step.error
    assert not step.terminated


def test_an_unopenable_link_is_an_error_observation(
    site: LocalSite, make_backend: MakeBackend
) -> None:
    site.article("/trap", "Seurat trap", "A page about Seurat with a bad link.",
                 extra="<p><a href='http://169.254.169.254/latest/'>metadata</a></p>")  # fmt: skip
    env = BrowserEnv(make_backend())
    env.reset("trap")
    env.step("search trap")
    env.step("click 0")
    clicked = env.step("click 1")  # link 0 is the site's "Home" link; 1 the metadata one
    assert clicked.error is not None
    assert "169.254.169.254 is a cloud metadata endpoint" in clicked.error


def test_from_options_builds_a_cached_searxng_backend(site: LocalSite, tmp_path: Path) -> None:
    config = WebConfig(per_host_interval_s=0.0)
    with WebBackend.from_options(
        searxng_url=site.base, allow_hosts=[f"127.0.0.1:{site.port}"], cache_dir=tmp_path,
        config=config,
    ) as backend:  # fmt: skip
        assert backend.config.cache_dir == tmp_path
        assert backend.config.allow_hosts == {f"127.0.0.1:{site.port}"}
        assert backend.search("Seurat", limit=1)[0].url == site.url("/wiki/Georges_Seurat")
        backend.open(site.url("/wiki/Georges_Seurat"))
    assert list(tmp_path.glob("pages-allow-*.sqlite"))


def test_from_options_rejects_bad_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(WebConfigError, match="needs searxng_url"):
        WebBackend.from_options(cache_dir=tmp_path)
    with pytest.raises(WebConfigError, match="unknown search provider 'bing'"):
        WebBackend.from_options(provider="bing", cache_dir=tmp_path)  # type: ignore[arg-type]
    with pytest.raises(WebConfigError, match=r"web option 'allow_hosts'.*'host:99999'"):
        WebBackend.from_options(searxng_url="http://x", allow_hosts=["host:99999"])
    monkeypatch.delenv("BRAVE_API_KEY", raising=False)
    with pytest.raises(WebConfigError, match="BRAVE_API_KEY"):
        WebBackend.from_options(provider="brave", cache_dir=tmp_path)


def test_from_options_defaults_to_the_webgpt_cache_folder(site: LocalSite) -> None:
    with WebBackend.from_options(searxng_url=site.base) as backend:
        assert backend.config.cache_dir is not None and backend.config.cache_dir.name == "web"
        with pytest.raises(SearchFailed, match="loopback"):  # a local SearXNG needs allowing
            backend.search("Seurat", limit=3)
    assert site.hits == []
