"""Exceptions raised by the browser package.

The environment itself never raises on a policy's command: a bad command becomes an
observation carrying the error. These exceptions are for callers and backends::

    BrowserError
    ├── BackendError          a backend could not serve a request
    │   └── PageNotFound      no page at that url
    ├── CorpusError           a corpus file or corpus source is missing or malformed
    ├── RecordFormatError     a record file has a bad line (names file, line and field)
    └── CommandSyntaxError    a command text does not follow the grammar (also a ValueError)
"""

from __future__ import annotations


class BrowserError(Exception):
    """Base class of every error this package raises."""


class BackendError(BrowserError):
    """A backend could not serve a search or an open."""


class PageNotFound(BackendError):
    """The backend has no page at the requested url."""

    def __init__(self, url: str) -> None:
        super().__init__(f"no page at {url!r}")
        self.url = url


class CorpusError(BrowserError):
    """A corpus (index file, JSONL or directory) is missing, unreadable or malformed."""


class RecordFormatError(BrowserError, ValueError):
    """A record file (JSONL) has a bad line; the message names the file, line and field."""


class CommandSyntaxError(BrowserError, ValueError):
    """A command does not follow the grammar in :mod:`browser.commands`."""
