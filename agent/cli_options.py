"""Options shared by the commands that browse: which backend, which policy."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console

from agent.policy import Policy
from browser.corpus import CorpusBackend
from browser.env import BrowserConfig, BrowserEnv


class UsageError(Exception):
    """A mistake in what the user asked for; reported in one line with exit code 2."""


BEST_OF_TEMPERATURE = 0.8
"""Sampling temperature of best-of-n when none is given: n greedy answers would coincide."""
BEST_OF_TOP_P = 0.9
"""Nucleus mass of best-of-n when none is given: cutting the unlikely tail of each token's
distribution keeps samples from wandering (benchmarks/best_of_n_curve.py: better at every n,
and fewer samples that run to the action budget)."""


def add_policy_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--policy", choices=("teacher", "lm", "chat"), default="lm",
        help="who browses: a causal LM (default: the embedded BC checkpoint, or --model), "
        "the scripted teacher, or a chat endpoint",
    )  # fmt: skip
    parser.add_argument("--model", help="lm: a checkpoint path or hub id (default: embedded)")
    parser.add_argument("--chat-url", help="chat: the OpenAI-compatible API root (…/v1)")
    parser.add_argument("--chat-model", help="chat: the model name the endpoint serves")
    parser.add_argument(
        "--temperature", type=float,
        help=f"lm/chat sampling (default 0, greedy; {BEST_OF_TEMPERATURE} with --best-of)",
    )  # fmt: skip
    parser.add_argument(
        "--top-p", type=float,
        help=f"lm sampling: nucleus mass (default 1; {BEST_OF_TOP_P} with --best-of)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=0, help="lm/chat sampling seed")


def add_best_of_options(parser: argparse.ArgumentParser) -> None:
    from training.best_of_n import DEFAULT_PATIENCE

    parser.add_argument(
        "--best-of", type=int, default=1, metavar="N",
        help="sample N answers and keep the one the reward model scores highest",
    )  # fmt: skip
    parser.add_argument(
        "--patience", type=_patience, default=DEFAULT_PATIENCE, metavar="K",
        help="best-of: once one sample has ended, the rest get K more actions before they "
        f"are dropped (default {DEFAULT_PATIENCE}; 'none' waits for all)",
    )  # fmt: skip
    parser.add_argument(
        "--reward-model", type=Path, metavar="DIR",
        help="the reward model for --best-of (default: the embedded one)",
    )  # fmt: skip


def _patience(text: str) -> int | None:
    if text.lower() == "none":
        return None
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a count of actions or 'none', got {text!r}")
    return int(text)


def make_policy(args: argparse.Namespace) -> Policy:
    best_of = getattr(args, "best_of", 1) > 1
    temperature = args.temperature
    if temperature is None:
        temperature = BEST_OF_TEMPERATURE if best_of else 0.0
    top_p = args.top_p if args.top_p is not None else (BEST_OF_TOP_P if best_of else 1.0)
    if not 0 < top_p <= 1:
        raise UsageError(f"--top-p must be in (0, 1], got {top_p}")
    if args.policy == "teacher":
        from agent.teacher import TeacherPolicy

        return TeacherPolicy()
    if args.policy == "lm":
        from agent.lm_policy import DEFAULT_CHECKPOINT, LMPolicy

        source = args.model or DEFAULT_CHECKPOINT
        if args.model is None and not DEFAULT_CHECKPOINT.is_dir():
            raise UsageError(
                f"no default checkpoint at {DEFAULT_CHECKPOINT}; pass --model, or --policy teacher"
            )
        looks_local = args.model and args.model.startswith(("/", ".", "~"))
        if looks_local and not Path(args.model).expanduser().is_dir():
            raise UsageError(f"no model directory at {args.model}")  # not a hub id either
        _quiet_loading()
        return LMPolicy.from_pretrained(
            source, temperature=temperature, top_p=top_p, seed=args.seed
        )
    if not args.chat_url or not args.chat_model:
        raise UsageError("--policy chat needs --chat-url and --chat-model")
    return make_chat_policy(args.chat_url, args.chat_model, temperature, args.seed)


def load_reward_model(path: Path | None, *, required: bool) -> Any:
    """The reward model at ``path``, else the embedded default when it is there (``None``
    when it is not and none is ``required``)."""
    from training.reward_model import DEFAULT_CHECKPOINT, RewardModel

    path = path or (DEFAULT_CHECKPOINT if DEFAULT_CHECKPOINT.is_dir() else None)
    if path is None:
        if required:
            raise UsageError(f"--best-of needs a reward model: none at {DEFAULT_CHECKPOINT}, "
                             "pass --reward-model DIR")  # fmt: skip
        return None
    if not path.is_dir():
        raise UsageError(f"no reward model at {path}")
    _quiet_loading()
    return RewardModel.from_pretrained(path)


def _quiet_loading() -> None:
    """No "Loading weights" progress bar from transformers between the CLI's own lines."""
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]


def make_chat_policy(url: str, model: str, temperature: float, seed: int) -> Policy:
    """A policy behind an OpenAI-compatible endpoint, with the CLI's timeouts."""
    import httpx

    from agent.chat_policy import ChatPolicy

    client = httpx.Client(timeout=httpx.Timeout(120.0, connect=10.0))
    return ChatPolicy(client, base_url=url, model=model, temperature=temperature, seed=seed)


def add_browser_options(parser: argparse.ArgumentParser) -> None:
    """Which backend the browser reads, and the episode budget and window."""
    defaults = BrowserConfig()
    parser.add_argument(
        "--web", choices=("corpus", "live", "zim"), default=None,
        help="the backend: the offline corpus (default), the live web, or a ZIM archive (--zim)",
    )  # fmt: skip
    parser.add_argument(
        "--search-provider", choices=("searxng", "brave", "ddgs"), default="searxng",
        help="live: the search engine (brave reads $BRAVE_API_KEY)",
    )  # fmt: skip
    parser.add_argument("--searxng-url", help="live: your SearXNG instance, e.g. http://host:8888")
    parser.add_argument(
        "--allow-host", action="append", default=[], metavar="HOST",
        help="live: let the browser fetch this private/loopback host (tests, intranets)",
    )  # fmt: skip
    parser.add_argument(
        "--corpus", type=Path, help="an index built by `webgpt corpus build` (default: embedded)"
    )
    parser.add_argument("--zim", type=Path, metavar="FILE", help="a Kiwix .zim archive")
    parser.add_argument("--max-actions", type=int, default=defaults.max_actions)
    parser.add_argument("--window", type=int, default=defaults.window_lines, help="lines shown")


def make_browser(args: argparse.Namespace, err: Console) -> BrowserEnv:
    if args.max_actions < 1 or args.window < 1:
        raise UsageError("--max-actions and --window must be at least 1")
    config = BrowserConfig(max_actions=args.max_actions, window_lines=args.window)
    web = args.web or ("zim" if args.zim else "corpus")
    if web == "zim":
        if args.zim is None:
            raise UsageError("--web zim needs --zim FILE")
        from browser.zim import ZimBackend

        return BrowserEnv(ZimBackend(args.zim), config)
    if args.zim is not None:
        raise UsageError(f"--zim goes with --web zim, not --web {web}")
    if web == "live":
        from browser.web import WebBackend

        backend = WebBackend.from_options(
            provider=args.search_provider, searxng_url=args.searxng_url,
            allow_hosts=tuple(args.allow_host),
        )  # fmt: skip
        return BrowserEnv(backend, config)
    if args.corpus is not None:
        return BrowserEnv(CorpusBackend(args.corpus), config)
    with err.status("Building the offline corpus index (first run only)…"):
        return BrowserEnv(CorpusBackend.open_default(), config)
