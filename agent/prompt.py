"""The text a language-model policy reads, and how its reply becomes a command.

The prompt is the observation exactly as rendered for every policy, optionally preceded by
the browser's own command reference (:func:`browser.commands.grammar_help`), and followed by
a cue. The completion a model learns (and writes) is one command line.
"""

from __future__ import annotations

from browser.commands import grammar_help, is_command

CUE = "Next command:"


def build_prompt(observation_text: str, *, with_grammar: bool) -> str:
    """The prompt for one step. ``with_grammar`` prepends the command reference: useful
    for pretrained and chat models, wasted context for a model trained from scratch."""
    body = f"{observation_text}\n{CUE}"
    return f"{grammar_help()}\n\n{body}" if with_grammar else body


def completion_text(action: str) -> str:
    """What the model is trained to write after the prompt: one command and a newline."""
    return f" {action}\n"


def first_command(generated: str) -> str:
    """The command in a model's reply: its first line that parses as a command (chat models
    like to say something first), else its first non-empty line; quoting stripped."""
    lines = [line.strip().strip("`").strip() for line in generated.splitlines()]
    lines = [line for line in lines if line]
    return next((line for line in lines if is_command(line)), lines[0] if lines else "")
