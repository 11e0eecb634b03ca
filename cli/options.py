"""The options several commands share, as validated models, and what they build.

``BrowserOptions`` builds the browser, ``PolicyOptions`` the policy, ``BestOfOptions`` the
reward model of best-of-n. Every check a value needs happens when the model is made, so a
bad flag fails before a model loads; the builders only build.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from rich.console import Console

from agent.best_of_n import BEST_OF_TEMPERATURE, BEST_OF_TOP_P, DEFAULT_PATIENCE, Selection
from agent.policy import Policy
from agent.shipped import DEFAULT_POLICY, DEFAULT_RANKER, DEFAULT_READER, DEFAULT_REWARD_MODEL
from browser.env import BrowserConfig, BrowserEnv
from browser.models import Value
from cli.flags import UsageError


class BrowserOptions(Value):
    """Which backend the browser reads, and the episode budget and window."""

    web: Literal["corpus", "live", "zim"] | None = Field(
        None, description="the backend: the offline corpus (default), the live web, or --zim"
    )
    search_provider: Literal["searxng", "brave", "ddgs"] = Field(
        "searxng", description="live: the search engine (brave reads $BRAVE_API_KEY)"
    )
    searxng_url: str | None = Field(None, description="live: your SearXNG, e.g. http://host:8888")
    allow_host: list[str] = Field(
        default_factory=list,
        description="live: let the browser fetch this private/loopback host (tests, intranets)",
        json_schema_extra={"repeat": True, "metavar": "HOST"},
    )
    corpus: Path | None = Field(
        None, description="an index built by `webgpt corpus build` (default: embedded)"
    )
    zim: Path | None = Field(
        None, description="a Kiwix .zim archive", json_schema_extra={"metavar": "FILE"}
    )
    max_actions: int = Field(BrowserConfig().max_actions, ge=1, description="actions per episode")
    window: int = Field(BrowserConfig().window_lines, ge=1, description="page lines shown")

    @model_validator(mode="after")
    def _consistent(self) -> BrowserOptions:
        web = self.backend
        if web == "zim" and self.zim is None:
            raise ValueError("--web zim needs --zim FILE")
        if self.zim is not None and web != "zim":
            raise ValueError(f"--zim goes with --web zim, not --web {web}")
        for flag, what, path in (("--zim", "ZIM", self.zim), ("--corpus", "corpus", self.corpus)):
            if path is not None and not path.is_file():
                raise ValueError(f"{flag}: no such {what} file: {path}")
        return self

    @property
    def backend(self) -> str:
        """The backend chosen: ``--web``, else zim when ``--zim`` is given, else corpus."""
        return self.web or ("zim" if self.zim else "corpus")

    @property
    def config(self) -> BrowserConfig:
        return BrowserConfig(max_actions=self.max_actions, window_lines=self.window)


class PolicyOptions(Value):
    """Who browses, and how it samples."""

    policy: Literal["ranker", "teacher", "lm", "chat"] = Field(
        "ranker", description="who browses: the ranking policy (the default, reading with the "
        "shipped reader), the reading teacher, a causal LM (the embedded BC checkpoint, or "
        "--model), or a chat endpoint",
    )  # fmt: skip
    model: str | None = Field(None, description="lm: a checkpoint path or hub id; ranker: a "
                              "policy directory")  # fmt: skip
    reader: Path | None = Field(
        None, description="ranker/teacher: a reader directory (default: the shipped reader)",
        json_schema_extra={"metavar": "DIR"},
    )  # fmt: skip
    chat_url: str | None = Field(None, description="chat: the OpenAI-compatible API root (…/v1)")
    chat_model: str | None = Field(None, description="chat: the model name the endpoint serves")
    temperature: float | None = Field(
        None,
        ge=0,
        description=f"lm/chat sampling (0: greedy; {BEST_OF_TEMPERATURE} with --best-of)",
    )
    top_p: float | None = Field(
        None,
        gt=0,
        le=1,
        description=f"lm sampling: nucleus mass (1; {BEST_OF_TOP_P} with --best-of)",
    )
    seed: int = Field(0, description="the run's seed: each episode's draws derive from it")

    @model_validator(mode="after")
    def _complete(self) -> PolicyOptions:
        if self.policy == "chat" and not (self.chat_url and self.chat_model):
            raise ValueError("--policy chat needs --chat-url and --chat-model")
        if self.policy == "lm" and self.model is not None:
            local = self.model.startswith(("/", ".", "~"))
            if local and not Path(self.model).expanduser().is_dir():
                raise ValueError(f"--model: no model directory at {self.model}")
        if self.policy == "lm" and self.model is None and not DEFAULT_POLICY.is_dir():
            raise ValueError(
                f"no default policy at {DEFAULT_POLICY}; pass --model or --policy teacher"
            )
        if self.reader is not None:
            from agent.reader import no_reader_at

            if self.policy not in ("ranker", "teacher"):
                raise ValueError(f"--reader goes with --policy ranker or teacher, not "
                                 f"{self.policy}")  # fmt: skip
            if why := no_reader_at(self.reader):
                raise ValueError(f"--reader: {why}")
        if self.policy == "ranker" and self.model is not None and not Path(self.model).is_dir():
            raise ValueError(f"--model: no ranking policy directory at {self.model}")
        return self

    def sampling(self, *, best_of: int) -> tuple[float, float]:
        """``(temperature, top_p)``: as given, else greedy, or best-of-n's defaults."""
        sampled = best_of > 1
        temperature = self.temperature
        if temperature is None:
            temperature = BEST_OF_TEMPERATURE if sampled else 0.0
        top_p = self.top_p if self.top_p is not None else (BEST_OF_TOP_P if sampled else 1.0)
        return temperature, top_p


class BestOfOptions(Value):
    """Best-of-n rejection sampling against a reward model."""

    best_of: int = Field(
        1, ge=1, description="sample N answers and keep the one the reward model scores highest",
        json_schema_extra={"metavar": "N"},
    )  # fmt: skip
    select: Selection = Field(
        "reward", description="best-of: keep the answer the reward model scores highest, or the "
        "one most samples give (vote; the reward model picks among them)",
    )  # fmt: skip
    patience: int | None = Field(
        DEFAULT_PATIENCE, ge=0,
        description="best-of: once one sample has ended, the rest get K more actions before they "
        "are dropped ('none' waits for all)", json_schema_extra={"metavar": "K"},
    )  # fmt: skip
    reward_model: Path | None = Field(
        None, description="the reward model (default: the embedded one)",
        json_schema_extra={"metavar": "DIR"},
    )  # fmt: skip

    @field_validator("patience", mode="before")
    @classmethod
    def _none_waits_for_all(cls, value: object) -> object:
        if isinstance(value, str) and not value.isdigit():
            if value.lower() != "none":
                message = f"--patience: expected a count of actions or 'none', got {value!r}"
                raise ValueError(message)
            return None
        return value

    @model_validator(mode="after")
    def _vote_needs_samples(self) -> BestOfOptions:
        if self.select == "vote" and self.best_of == 1:
            raise ValueError("--select vote needs --best-of N with N > 1 (one sample has no vote)")
        return self

    @field_validator("reward_model")
    @classmethod
    def _holds_a_model(cls, value: Path | None) -> Path | None:
        if value is not None and not (value / "config.json").is_file():
            raise ValueError(f"--reward-model: no reward model at {value} (no config.json there)")
        return value

    @property
    def reward_model_path(self) -> Path | None:
        """The reward model to load: the one given, else the embedded one when it is there."""
        if self.reward_model is not None:
            return self.reward_model
        return DEFAULT_REWARD_MODEL if DEFAULT_REWARD_MODEL.is_dir() else None


def make_browser(options: BrowserOptions, err: Console) -> BrowserEnv:
    """The browser over the chosen backend (the default index is built on first use)."""
    config = options.config
    if options.backend == "zim":
        from browser.zim import ZimBackend

        assert options.zim is not None  # checked by BrowserOptions
        return BrowserEnv(ZimBackend(options.zim), config)
    if options.backend == "live":
        from browser.web import WebBackend

        backend = WebBackend.from_options(
            provider=options.search_provider, searxng_url=options.searxng_url,
            allow_hosts=tuple(options.allow_host),
        )  # fmt: skip
        return BrowserEnv(backend, config)
    from browser.corpus import CorpusBackend

    if options.corpus is not None:
        return BrowserEnv(CorpusBackend(options.corpus), config)
    with err.status("Building the offline corpus index (first run only)…"):
        return BrowserEnv(CorpusBackend.open_default(), config)


def make_policy(options: PolicyOptions, *, best_of: int = 1) -> Policy:
    """The policy the options name (a model is loaded here, and only here)."""
    temperature, top_p = options.sampling(best_of=best_of)
    if options.policy in ("teacher", "ranker"):
        from agent.reader import Reader

        reader_path = options.reader or DEFAULT_READER
        reader = Reader.load(reader_path)
        if options.policy == "teacher":
            from agent.reading_teacher import ReadingTeacher

            return ReadingTeacher.from_reader(reader, reader_path)
        from agent.ranker_policy import RankerPolicy

        path = Path(options.model) if options.model else DEFAULT_RANKER
        return RankerPolicy.load(path, reader=reader, temperature=temperature, seed=options.seed)
    if options.policy == "chat":
        assert options.chat_url and options.chat_model  # checked by PolicyOptions
        return make_chat_policy(options.chat_url, options.chat_model, temperature, options.seed)
    from agent.lm_policy import LMPolicy

    quiet_loading()
    source = options.model or DEFAULT_POLICY
    return LMPolicy.from_pretrained(source, temperature=temperature, top_p=top_p, seed=options.seed)


def load_reward_model(options: BestOfOptions, *, required: bool) -> object:
    """The reward model to use (a :class:`agent.reward_model.RewardModel`), or None when
    none is there and none is ``required``."""
    path = options.reward_model_path
    if path is None:
        if required:
            raise UsageError(f"--best-of needs a reward model: none at {DEFAULT_REWARD_MODEL}, "
                             "pass --reward-model DIR")  # fmt: skip
        return None
    from agent.reward_model import RewardModel

    quiet_loading()
    return RewardModel.from_pretrained(path)


def make_chat_policy(url: str, model: str, temperature: float, seed: int) -> Policy:
    """A policy behind an OpenAI-compatible endpoint, with the CLI's timeouts."""
    import httpx

    from agent.chat_policy import ChatPolicy

    client = httpx.Client(timeout=httpx.Timeout(120.0, connect=10.0))
    return ChatPolicy(client, base_url=url, model=model, temperature=temperature, seed=seed)


def quiet_loading() -> None:
    """No "Loading weights" progress bar from transformers between the CLI's own lines."""
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
