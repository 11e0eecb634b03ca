"""``webgpt app``: the feedback web app, and ``webgpt app export``.

webgpt app --data feedback/ --questions questions.jsonl --pairs pairs.jsonl
webgpt app --data feedback/ --host 0.0.0.0 --token ana --token ben   # labelers' tokens
webgpt app export --data feedback/ --out exported/
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

from pydantic import Field, field_validator
from rich.console import Console

from browser.models import ExistingFiles, Value
from cli.flags import UsageError
from cli.options import BrowserOptions, make_browser

DATABASE = "feedback.sqlite"


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class AppConfig(Value):
    """``webgpt app``: serve the feedback app (tasks from files, stored in --data)."""

    data: Path = Field(description="the app's folder: its SQLite store (created if missing)")
    host: str = Field("127.0.0.1", description="address to bind; any but loopback needs tokens")
    port: int = Field(8765, ge=1, le=65535, description="port to listen on")
    questions: ExistingFiles = Field(
        default_factory=list, description="questions to demonstrate (JSONL with 'question')",
        json_schema_extra={"metavar": "FILE"},
    )  # fmt: skip
    pairs: ExistingFiles = Field(
        default_factory=list, description="answer pairs to compare (comparisons JSONL)",
        json_schema_extra={"metavar": "FILE"},
    )  # fmt: skip
    token: list[str] = Field(
        default_factory=list, description="issue a labeler token for NAME (printed once)",
        json_schema_extra={"repeat": True, "metavar": "NAME"},
    )  # fmt: skip
    hold_minutes: float = Field(30, gt=0, description="a held task goes back to the queue after")
    browser: BrowserOptions = Field(default_factory=BrowserOptions)


class AppExportConfig(Value):
    """``webgpt app export``: write the app's submissions as JSONL."""

    data: Path = Field(description="the app's folder")
    out: Path = Field(description="folder for demonstrations.jsonl and comparisons.jsonl")

    @field_validator("data")
    @classmethod
    def _has_store(cls, path: Path) -> Path:
        if not (path / DATABASE).is_file():
            raise ValueError(f"--data: no feedback store in {path}")
        return path


def run_app(config: AppConfig) -> int:
    try:
        import uvicorn
    except ImportError:
        raise UsageError("the feedback app needs its extra: pip install 'webgpt[app]'") from None

    from training.comparisons import load_comparisons
    from training.evaluation.datasets import load_dataset
    from training.feedback.server import create_app
    from training.feedback.store import FeedbackStore

    err = Console(stderr=True, highlight=False, soft_wrap=True)
    store = FeedbackStore(config.data / DATABASE, hold_seconds=config.hold_minutes * 60)
    for path in config.questions:
        items = load_dataset(path)
        added = store.add_tasks("demonstrate", [
            {"id": item.id, "question": item.question, "answers": list(item.answers)}
            for item in items
        ])  # fmt: skip
        err.print(f"{path}: {added} new demonstration tasks")
    for path in config.pairs:
        pairs = [c for c in load_comparisons(path) if c.preference is None]
        added = store.add_tasks("compare", [c.model_dump(mode="json") for c in pairs])
        err.print(f"{path}: {added} new comparison tasks")
    for name in config.token:
        err.print(f"token for {name}: {store.issue_token(name)}")
    require_tokens = not _loopback(config.host)
    browser = make_browser(config.browser, err)
    app = create_app(store, browser.backend, require_tokens=require_tokens,
                     browser_config=browser.config)  # fmt: skip
    access = "labeler tokens required" if require_tokens else "this machine only, no password"
    err.print(f"Feedback app on http://{config.host}:{config.port}/ ({access})")
    uvicorn.run(app, host=config.host, port=config.port, log_level="warning")
    return 0


def run_app_export(config: AppExportConfig) -> int:
    import json

    from training.feedback.server import export
    from training.feedback.store import FeedbackStore

    counts = export(FeedbackStore(config.data / DATABASE), config.out)
    Console(stderr=True).print(f"Exported to {config.out}: " + json.dumps(counts))
    return 0
