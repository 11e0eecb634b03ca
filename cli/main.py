"""The ``webgpt`` command line.

    webgpt ask "Who painted A Sunday Afternoon on the Island of La Grande Jatte?"
    webgpt ask --json "how tall is mount everest"
    webgpt browse                                   # drive the browser yourself
    webgpt corpus build notes/ pages.jsonl --out my.sqlite
    webgpt ask --corpus my.sqlite "…"
    webgpt ask --web live --searxng-url http://localhost:8888 "…"
    webgpt ask --zim wikipedia_en_all_nopic.zim "…"
    webgpt questions generate / demos generate / train bc / comparisons synthesize /
        compare / train rm / eval                 # the training and evaluation pipeline

Each command is a config model and a handler: the flags come from the model
(:mod:`cli.flags`), the model validates them, and the handler receives the model. Bad input
(an empty question, a bad flag value, a missing or unreadable file) prints one line and
exits 2, before any model loads.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel
from rich.console import Console
from rich.markup import escape

from agent.errors import AgentError
from browser.errors import BrowserError
from cli.app import AppConfig, AppExportConfig, run_app, run_app_export
from cli.ask import AskConfig, BrowseConfig, run_ask, run_browse
from cli.corpus import CorpusBuildConfig, run_corpus_build
from cli.evaluate import EvalConfig, run_eval_command
from cli.flags import UsageError, add_flags, config_from
from cli.training import (
    CompareConfig,
    DemosConfig,
    ExportConfig,
    QuestionsConfig,
    SynthesizeConfig,
    TrainAbstentionConfig,
    TrainBCConfig,
    TrainIterateConfig,
    TrainRankerConfig,
    TrainReaderConfig,
    TrainRMConfig,
    run_compare,
    run_demos,
    run_export,
    run_questions,
    run_synthesize,
    run_train_abstention,
    run_train_bc,
    run_train_iterate,
    run_train_ranker,
    run_train_reader,
    run_train_rm,
)

EXIT_USAGE = 2

Handler = Callable[[Any], int]
COMMANDS: tuple[tuple[tuple[str, ...], str, type[BaseModel], Handler], ...] = (
    (("ask",), "answer a question by browsing, with citations", AskConfig, run_ask),
    (("browse",), "drive the browser yourself at a prompt", BrowseConfig, run_browse),
    (("corpus", "build"), "index JSONL files of {title, url, text} and directories of "
     ".html/.md/.txt", CorpusBuildConfig, run_corpus_build),
    (("questions", "generate"), "who/what/when/where questions with gold answers, split by "
     "article", QuestionsConfig, run_questions),
    (("demos", "generate"), "a teacher answers generated questions; correct episodes are kept",
     DemosConfig, run_demos),
    (("demos", "export"), "episodes -> {prompt, completion} JSONL for TRL / HF trainers",
     ExportConfig, run_export),
    (("train", "bc"), "behaviour cloning; without --demos, build the embedded default policy",
     TrainBCConfig, run_train_bc),
    (("train", "rm"), "a reward model on pairwise comparisons; without --comparisons, build "
     "the embedded default", TrainRMConfig, run_train_rm),
    (("train", "reader"), "the reader: MiniLM fine-tuned to pick the answering sentence and "
     "its short answer", TrainReaderConfig, run_train_reader),
    (("train", "ranker"), "the ranking policy: a head over the reader's scores, cloned from "
     "the reading teacher", TrainRankerConfig, run_train_ranker),
    (("train", "iterate"), "the default policy learns from its own best answers (expert "
     "iteration or GRPO against the reward model)", TrainIterateConfig, run_train_iterate),
    (("train", "abstention"), "place the ranking policy's abstain bias on answerable and "
     "unanswerable questions kept apart", TrainAbstentionConfig, run_train_abstention),
    (("comparisons", "synthesize"), "sample answers from the LM policy, rank them with a "
     "reference judge", SynthesizeConfig, run_synthesize),
    (("compare",), "label which of two answers is better", CompareConfig, run_compare),
    (("eval",), "answer every question of a dataset and report against the human answers",
     EvalConfig, run_eval_command),
    (("app",), "the feedback web app: people demonstrate and compare in a browser",
     AppConfig, run_app),
    (("app", "export"), "write the app's demonstrations and comparisons as JSONL files",
     AppExportConfig, run_app_export),
)  # fmt: skip
"""Every command: its words, its help, its config model and its handler."""


def main(argv: Sequence[str] | None = None) -> int:
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    namespace = build_parser().parse_args(argv)
    config_class, handler = namespace.command_config, namespace.command_handler
    try:
        config = config_from(config_class, namespace)
        return int(handler(config))
    except (UsageError, BrowserError, AgentError, ValueError, OSError) as exc:
        err.print(f"webgpt: error: {escape(str(exc))}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        err.print("webgpt: interrupted")
        return 130


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command, built from :data:`COMMANDS`."""
    parser = argparse.ArgumentParser(
        prog="webgpt", description="A WebGPT-style browsing agent that answers with citations."
    )
    groups: dict[tuple[str, ...], Any] = {(): parser.add_subparsers(dest="command", required=True)}
    commands: dict[tuple[str, ...], argparse.ArgumentParser] = {}  # a command may head a group
    for words, help_text, config_class, handler in COMMANDS:
        for depth in range(1, len(words)):
            group = words[:depth]
            if group not in groups:
                if group in commands:  # "app" runs by itself and heads "app export"
                    groups[group] = commands[group].add_subparsers(dest="_".join(group))
                else:
                    parent = groups[group[:-1]].add_parser(group[-1], help=f"{group[-1]} commands")
                    groups[group] = parent.add_subparsers(dest="_".join(group), required=True)
        command = groups[words[:-1]].add_parser(words[-1], help=help_text, description=help_text)
        add_flags(command, config_class)
        command.set_defaults(command_config=config_class, command_handler=handler)
        commands[words] = command
    return parser


if __name__ == "__main__":
    sys.exit(main())
