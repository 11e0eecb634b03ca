"""The WebGPT-style text browser: commands, rendering, the environment and its backends."""

from browser.answer import CitedAnswer
from browser.backend import Backend
from browser.checker import BackendCheckError, check_backend
from browser.commands import grammar_help, parse_command
from browser.corpus import CorpusBackend, build_index
from browser.env import BrowserConfig, BrowserEnv, StepResult
from browser.errors import (
    BackendError,
    BrowserError,
    CommandSyntaxError,
    CorpusError,
    PageNotFound,
    RecordFormatError,
)
from browser.models import Document, Link, Quote, SearchResult
from browser.observation import Observation

__all__ = [
    "Backend",
    "BackendCheckError",
    "BackendError",
    "BrowserConfig",
    "BrowserEnv",
    "BrowserError",
    "CitedAnswer",
    "CommandSyntaxError",
    "CorpusBackend",
    "CorpusError",
    "Document",
    "Link",
    "Observation",
    "PageNotFound",
    "Quote",
    "RecordFormatError",
    "SearchResult",
    "StepResult",
    "build_index",
    "check_backend",
    "grammar_help",
    "parse_command",
]
