"""Parsing what a server sends, with bounds checked before the parser runs.

``json.loads`` recurses once per nesting level, so an answer nested 100,000 arrays deep
raises RecursionError (not a ValueError), and a number of 100,000 digits costs quadratic
time to convert. :func:`bounded_json` reads the nesting depth and the longest run of digits
in one linear pass over the bytes first, and refuses what is too deep or too long as a
ValueError, the one error type a malformed answer should raise.
"""

from __future__ import annotations

import json
from typing import Any

MAX_JSON_DEPTH = 64
MAX_NUMBER_DIGITS = 100


def bounded_json(body: bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """The JSON value of ``body``.

    Raises:
        ValueError: it is not JSON, not UTF-8, nests deeper than ``max_depth``, or holds a
            number longer than :data:`MAX_NUMBER_DIGITS` digits.
    """
    depth = deepest = digits = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
            continue
        if byte == 0x22:
            in_string, digits = True, 0
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
            if deepest > max_depth:
                raise ValueError(f"nested deeper than {max_depth} levels")
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
        if 0x30 <= byte <= 0x39:
            digits += 1
            if digits > MAX_NUMBER_DIGITS:
                raise ValueError(f"a number longer than {MAX_NUMBER_DIGITS} digits")
        else:
            digits = 0
    try:
        return json.loads(body)
    except (UnicodeDecodeError, RecursionError) as exc:
        raise ValueError(str(exc)) from None
