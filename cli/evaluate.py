"""``webgpt eval``: run a policy over a QA dataset, resumably, and write a report.

webgpt eval ../shared/data/nq_open_corpus_dev.jsonl --policy teacher --out runs/teacher
webgpt eval DATA.jsonl --policy lm --best-of 4 --out runs/bc-bo4
webgpt eval --compare runs/teacher runs/bc-bo4 --out runs/compare
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator
from rich.console import Console

from browser.env import BrowserEnv
from browser.models import Value
from cli.options import (
    BestOfOptions,
    BrowserOptions,
    PolicyOptions,
    load_reward_model,
    make_browser,
    make_policy,
)


class EvalConfig(Value):
    """``webgpt eval``: answer every question of a dataset and report against human answers."""

    dataset: Path | None = Field(
        None, description="JSONL, NQ, TriviaQA, SQuAD, …", json_schema_extra={"positional": True}
    )
    out: Path = Field(description="run folder (resumed if there)")
    format: Literal["jsonl", "nq", "triviaqa", "squad", "truthfulqa", "eli5"] | None = Field(
        None, description="jsonl, nq, triviaqa, squad, truthfulqa or eli5 (default: detected)"
    )
    limit: int | None = Field(None, ge=1, description="only the first N questions")
    workers: int = Field(2, ge=1, description="questions run concurrently")
    retry_failures: bool = Field(False, description="rerun failed questions")
    label: str | None = Field(None, description="the run's name in reports (e.g. best-of-4)")
    compare: list[Path] | None = Field(
        None, description="put two finished runs side by side with paired significance",
        json_schema_extra={"nargs": 2, "metavar": ["DIR_A", "DIR_B"]},
    )  # fmt: skip
    browser: BrowserOptions = Field(default_factory=BrowserOptions)
    policy: PolicyOptions = Field(default_factory=PolicyOptions)
    sampling: BestOfOptions = Field(default_factory=BestOfOptions)

    @model_validator(mode="after")
    def _dataset_or_compare(self) -> EvalConfig:
        if (self.compare is None) == (self.dataset is None):
            raise ValueError("give a DATASET, or --compare DIR_A DIR_B")
        if self.dataset is not None and not self.dataset.is_file():
            raise ValueError(f"no such dataset file: {self.dataset}")
        return self


def run_eval_command(config: EvalConfig) -> int:
    from training.evaluation import compare_dirs, compare_table, load_dataset, run_eval
    from training.evaluation.progress import rich_progress

    err = Console(stderr=True, highlight=False, soft_wrap=True)
    if config.compare is not None:
        table = compare_table(compare_dirs(*config.compare, out_dir=config.out))
        Console(highlight=False).print(table)
        return 0
    assert config.dataset is not None  # checked by EvalConfig
    items = load_dataset(config.dataset, format=config.format)
    n, seed = config.sampling.best_of, config.policy.seed
    base = make_browser(config.browser, err)
    with err.status("Loading the models…"):
        reward = load_reward_model(config.sampling, required=n > 1)
        loaded = [make_policy(config.policy, best_of=n)]  # fails here, before any worker starts
    best_of = _best_of(reward, n, seed, config.sampling) if n > 1 else None
    with rich_progress(err) as progress:
        run_eval(
            items,
            lambda: loaded.pop() if loaded else make_policy(config.policy, best_of=n),
            lambda: BrowserEnv(base.backend, base.config),
            config.out,
            workers=config.workers,
            limit=config.limit,
            best_of=best_of,
            progress=progress,
            prefer=reward.score if reward is not None else None,  # type: ignore[attr-defined]
            retry_failures=config.retry_failures,
            label=config.label or _best_of_label(n, config.sampling.select),
            seed=seed,
        )
    base.close()
    err.print(f"Report: {config.out / 'report.html'}")
    return 0


def _best_of_label(n: int, select: str) -> str | None:
    """A best-of run's default name: ``best-of-8``, ``best-of-8-vote``; None for one sample."""
    if n == 1:
        return None
    return f"best-of-{n}" + ("-vote" if select == "vote" else "")


def _best_of(reward: Any, n: int, seed: int, sampling: BestOfOptions) -> Any:
    from agent.best_of_n import best_of_n
    from agent.episode import Episode
    from agent.reward import episode_scorer

    score = episode_scorer(reward)

    def run(question: str, policy: Any, browser: BrowserEnv) -> Episode:
        return best_of_n(question, policy, browser, score, n, seed=seed,
                         patience=sampling.patience, select=sampling.select)[0]  # fmt: skip

    return run
