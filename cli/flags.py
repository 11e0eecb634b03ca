"""Command-line flags from config models: one flag per field, help from its description.

A command's configuration is a pydantic model (:class:`browser.models.Value` or any
``BaseModel``); a field whose type is itself a model adds that model's flags (the options
shared by several commands). Parsing keeps only the flags given, and the model fills in
defaults and validates, so a bad value fails before anything heavy loads, in one line that
names the flag::

    webgpt: error: --temperature: must be at least 0, got '-1'

Field extras (``json_schema_extra``): ``positional`` (an argument, not a flag),
``repeat`` (a list given by repeating the flag), ``metavar``, ``flag`` (when the flag's
name is not the field's).
"""

from __future__ import annotations

import argparse
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, TypeVar, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

_C = TypeVar("_C", bound=BaseModel)


class UsageError(Exception):
    """A mistake in what the user asked for; reported in one line with exit code 2."""


def add_flags(parser: argparse.ArgumentParser, config: type[BaseModel]) -> None:
    """Add one argument per field of ``config`` (and of the models its fields nest)."""
    for name, field in config.model_fields.items():
        nested = _model_type(field.annotation)
        if nested is not None:
            add_flags(parser, nested)
            continue
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        kind, choices = _shape(field.annotation)
        options: dict[str, Any] = {"help": _help(field, choices)}
        if extra.get("metavar"):
            metavar = extra["metavar"]
            options["metavar"] = tuple(metavar) if isinstance(metavar, list) else metavar
        elif choices:
            options["metavar"] = "{" + ",".join(choices) + "}"
        if extra.get("positional"):
            optional = not field.is_required()
            nargs = "+" if kind == "list" else ("?" if optional else None)
            parser.add_argument(name, nargs=_nargs(extra, nargs), **options)
            continue
        flag = "--" + str(extra.get("flag", name)).replace("_", "-")
        options["dest"] = name
        options["default"] = argparse.SUPPRESS  # absent flags take the model's default
        if kind == "bool":
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, **options)
        elif kind == "list" and extra.get("repeat"):
            parser.add_argument(flag, action="append", **options)
        elif kind == "list":
            parser.add_argument(flag, nargs=_nargs(extra, "+"), **options)
        else:
            parser.add_argument(flag, **options)


def config_from(config: type[_C], namespace: argparse.Namespace | Mapping[str, Any]) -> _C:
    """The ``config`` named by parsed arguments, validated.

    Raises:
        UsageError: the first bad value, naming its flag and what it accepts.
    """
    given = vars(namespace) if isinstance(namespace, argparse.Namespace) else dict(namespace)
    try:
        return config.model_validate(_values(config, given))
    except ValidationError as exc:
        raise UsageError(_message(exc)) from None


def _values(config: type[BaseModel], given: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, field in config.model_fields.items():
        nested = _model_type(field.annotation)
        if nested is not None:
            values[name] = _values(nested, given)
        elif name in given and given[name] is not None:
            values[name] = given[name]
    return values


def _message(exc: ValidationError) -> str:
    """One line naming the flag, what it accepts and what it got."""
    error = exc.errors()[0]
    text = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "value_error":  # our own checks: their messages name the flags
        return text
    names = [part for part in error["loc"] if isinstance(part, str)]
    flag = "--" + names[-1].replace("_", "-") if names else "a value"
    if error["type"] == "missing":
        return f"{flag} is required"
    text = text[:1].lower() + text[1:].split(", unable to parse")[0]
    for wordy, short in (
        ("input should be", "must be"),
        ("greater than or equal to", "at least"),
        ("less than or equal to", "at most"),
    ):
        text = text.replace(wordy, short)
    return f"{flag}: {text}, got {error.get('input')!r}"


def _help(field: FieldInfo, choices: tuple[str, ...]) -> str:
    text = field.description or ""
    if field.is_required():
        return text
    default = field.get_default(call_default_factory=True)
    if default in (None, False, [], ()) or isinstance(default, BaseModel):
        return text
    return f"{text} (default: {default})"


def _nargs(extra: dict[str, Any], default: str | None) -> int | str | None:
    value = extra.get("nargs", default)
    return value if isinstance(value, int | str) or value is None else default


def _model_type(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _shape(annotation: Any) -> tuple[str, tuple[str, ...]]:
    """``(kind, choices)``: kind is ``bool``, ``list`` or ``value``; choices of a Literal."""
    args = [a for a in get_args(annotation) if a is not type(None)]
    origin = get_origin(annotation)
    if origin in (typing.Union, types.UnionType) and len(args) == 1:
        return _shape(args[0])
    if annotation is bool:
        return "bool", ()
    if origin in (list, tuple):
        return "list", ()
    if origin is Literal:
        return "value", tuple(str(a) for a in get_args(annotation))
    return "value", ()
