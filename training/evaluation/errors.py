"""Exceptions raised by the evaluation package.

Each names the file it is about, and the line, JSON path or field where there is one::

    EvaluationError
    ├── DatasetFormatError    a dataset file is malformed (names file, line or JSON path, field)
    └── RunDirError           an output folder holds records that do not fit this run, or
                              two runs share nothing to compare
"""

from __future__ import annotations


class EvaluationError(Exception):
    """Base class of every error this package raises."""


class DatasetFormatError(EvaluationError, ValueError):
    """A dataset file cannot be read as the format it was taken for."""


class RunDirError(EvaluationError, ValueError):
    """An output folder belongs to another dataset, a record in it is corrupt, or two
    runs have no question in common."""
