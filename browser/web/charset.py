"""Decode a page's bytes to text: byte-order mark, header charset, ``<meta charset>``, then
detection, in the order browsers use (WHATWG "encoding sniffing").

Labels are read as browsers read them: ``iso-8859-1`` and ``us-ascii`` mean windows-1252,
a ``<meta>`` that claims UTF-16 means UTF-8, and UTF-7 is never used. A label naming no
text encoding (``rot13``, ``zlib``, ``base64``, ``undefined``, an unknown name) is ignored,
as browsers ignore it. Undecodable bytes become U+FFFD rather than errors.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_META_CHARSET_RE = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.IGNORECASE
)
_PRESCAN_BYTES = 4096
_DETECT_BYTES = 65536
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_WINDOWS_1252_ALIASES = frozenset({"iso8859-1", "latin-1", "ascii"})
_NEVER = frozenset(
    {"utf-7", "undefined", "punycode", "idna", "unicode-escape", "raw-unicode-escape"}
)  # text codecs no web page uses, whose decoders reinterpret bytes or raise


def decode_body(body: bytes, *, declared: str | None, html: bool) -> tuple[str, str]:
    """``(text, encoding used)`` for ``body``.

    Args:
        body: the decoded-from-transfer bytes.
        declared: the ``charset`` parameter of the Content-Type header, if any.
        html: whether to look for ``<meta charset>`` in the first bytes.
    """
    encoding = (
        bom_encoding(body)
        or normalize_label(declared)
        or (meta_charset(body) if html else None)
        or detect_encoding(body)
    )
    try:
        return body.decode(encoding, errors="replace"), encoding
    except (LookupError, UnicodeError, ValueError):  # a codec that refuses "replace"
        return body.decode("utf-8", errors="replace"), "utf-8"


def bom_encoding(body: bytes) -> str | None:
    """The encoding a byte-order mark at the start of ``body`` announces."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return encoding
    return None


def normalize_label(label: str | None) -> str | None:
    """The Python codec for a charset label, or None when it is unknown or unsafe."""
    if not label:
        return None
    try:
        info = codecs.lookup(label.strip().strip("\"'").strip())
        b"".decode(info.name)  # bytes-to-bytes and text-to-text codecs refuse this
    except (LookupError, ValueError, UnicodeError, TypeError):
        return None
    name = info.name
    if name in _NEVER or not getattr(info, "_is_text_encoding", True):
        return None
    return "cp1252" if name in _WINDOWS_1252_ALIASES else name


def meta_charset(body: bytes) -> str | None:
    """The charset a ``<meta charset>`` or ``<meta http-equiv>`` near the start declares."""
    match = _META_CHARSET_RE.search(body[:_PRESCAN_BYTES])
    if match is None:
        return None
    name = normalize_label(match.group(1).decode("ascii"))
    if name is not None and name.startswith("utf-16"):
        return "utf-8"  # a page that could be read far enough to find this is not UTF-16
    return name


def detect_encoding(body: bytes) -> str:
    """UTF-8 when the bytes are valid UTF-8, else charset-normalizer's guess, else cp1252.

    Short Western text fits a dozen single-byte encodings equally well; among charset-
    normalizer's best-scored candidates windows-1252 (the web's default) wins whenever it
    is one of them, so ``café`` is not read as Central European ``cafĂ©``.
    """
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    matches = list(from_bytes(body[:_DETECT_BYTES]))
    if not matches:
        return "cp1252"
    best = min(matches, key=lambda match: (match.chaos, -match.coherence))
    tied = [m for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence)]
    if any("cp1252" in match.could_be_from_charset for match in tied):
        return "cp1252"
    return normalize_label(best.encoding) or "cp1252"
