"""Where the models that ship inside the package live (paths only: importing this loads
nothing heavy). Each is rebuilt by one command, named beside it."""

from __future__ import annotations

from pathlib import Path

CHECKPOINTS = Path(__file__).resolve().parent / "checkpoints"

DEFAULT_POLICY = CHECKPOINTS / "bc-default"
"""The behaviour-cloned LM policy: ``webgpt train bc --out agent/checkpoints/bc-default``."""

DEFAULT_REWARD_MODEL = CHECKPOINTS / "rm-default"
"""The reward model of best-of-n: ``webgpt train rm --out agent/checkpoints/rm-default``."""

DEFAULT_READER = CHECKPOINTS / "reader-default"
"""The reader (relevance and answer spans): ``webgpt train reader --out
agent/checkpoints/reader-default``."""

DEFAULT_RANKER = CHECKPOINTS / "ranker-default"
"""The ranking policy's head, cloned from the reading teacher: ``webgpt train ranker
--out agent/checkpoints/ranker-default``."""
