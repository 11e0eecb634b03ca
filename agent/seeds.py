"""Seeds derived from what an episode is, never from when it ran.

``derive_seed(run_seed, question, sample)`` names one episode's randomness: the same run
seed gives the same episodes whether a run has one worker or eight, and whether it was
resumed, because no seed depends on a counter shared across episodes.
"""

from __future__ import annotations

import hashlib

SEED_BITS = 63


def derive_seed(*parts: object) -> int:
    """A stable non-negative seed for ``parts`` (ints and strings), the same in every process."""
    text = "\x1f".join(repr(part) for part in parts)
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> (64 - SEED_BITS)
