"""Command-line flags from a config dataclass: one ``--flag`` per field, help from its metadata.

Torch-free, so the CLI builds its parsers without importing the trainers.
"""

from __future__ import annotations

import argparse
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any, TypeVar

_C = TypeVar("_C")
_TYPES: dict[str, type] = {
    "Path": Path, "list[Path]": Path, "float": float, "float | None": float,
    "int": int, "int | None": int,
}  # fmt: skip


def add_dataclass_arguments(parser: argparse.ArgumentParser, config_class: type[Any]) -> None:
    """Add one flag per field of ``config_class`` (a dataclass whose fields carry ``help``)."""
    for spec in fields(config_class):
        flag = "--" + spec.name.replace("_", "-")
        required = spec.default is MISSING and spec.default_factory is MISSING
        if spec.default_factory is not MISSING:
            default = spec.default_factory()
        else:
            default = None if spec.default is MISSING else spec.default
        help_text = spec.metadata["help"]
        if str(spec.type) in ("bool", "bool | None"):
            parser.add_argument(
                flag, action=argparse.BooleanOptionalAction, default=default, help=help_text
            )
            continue
        parser.add_argument(
            flag,
            type=_TYPES.get(str(spec.type), str),
            default=default,
            required=required,
            nargs="+" if str(spec.type).startswith("list[") else None,
            help=help_text,
        )


def dataclass_from_arguments(args: argparse.Namespace, config_class: type[_C]) -> _C:
    """The ``config_class`` instance named by parsed arguments."""
    return config_class(**{spec.name: getattr(args, spec.name) for spec in fields(config_class)})  # type: ignore[arg-type]


def check_run_settings(config: Any) -> None:
    """Raise ValueError unless a run config's epochs, learning rate, batch size and
    accumulation are positive (the fields BCConfig and RMConfig share)."""
    if min(config.epochs, config.learning_rate, config.batch_size, config.grad_accum) <= 0:
        raise ValueError(
            f"epochs, learning rate, batch size and accumulation must be positive: {config}"
        )
