"""Exceptions raised by the agent package::

AgentError
├── EpisodeFormatError    an episode file has a bad record (names file and line)
└── InputClosed           a person closed the prompt before answering
"""

from __future__ import annotations


class AgentError(Exception):
    """Base class of every error this package raises."""


class EpisodeFormatError(AgentError, ValueError):
    """A record of an episode JSONL file is not a valid episode."""


class InputClosed(AgentError):
    """The person at the prompt closed the input (end of file) before answering."""


class ChatEndpointError(AgentError):
    """A chat-completions endpoint failed or answered in an unexpected shape."""
