"""Read a response body within a byte cap and a deadline, decompressing it ourselves.

httpx would inflate each network chunk whole, so one 64 KiB chunk of a gzip bomb could
become 64 MiB before any check. Here ``zlib`` is asked for at most the bytes still allowed,
so memory stays near the cap whatever the compression ratio; the cap counts *decoded*
bytes. The deadline is checked after every chunk, and the network layer cuts every read to the
time left (:mod:`browser.web.deadline`), which bounds a server that drips one byte at a
time; a server that sends nothing is bounded by the read timeout.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterable

import httpx

from browser.errors import BackendError


class _Inflater:
    """Bounded decompression of one ``Content-Encoding`` (identity, gzip or deflate)."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        # gzip: header required (16 + window); deflate: zlib header, raw as a fallback
        wbits = 16 + zlib.MAX_WBITS if encoding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self._inflate = zlib.decompressobj(wbits) if encoding != "identity" else None
        self._started = False

    def decode(self, data: bytes, limit: int) -> bytes:
        """Decoded bytes of ``data``, at most ``limit`` of them (``limit`` > 0)."""
        if self._inflate is None:
            return data[:limit]
        try:
            out = self._inflate.decompress(data, limit)
        except zlib.error:
            if self.encoding != "deflate" or self._started:
                raise
            self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)  # a raw deflate stream
            out = self._inflate.decompress(data, limit)
        self._started = True
        return out


def read_body(response: httpx.Response, *, max_bytes: int, deadline: float, what: str) -> bytes:
    """The decoded body of a streamed ``response``.

    Args:
        response: opened with ``stream=True``; the caller closes it.
        max_bytes: decoded bytes allowed; one more is an error.
        deadline: ``time.monotonic()`` value after which reading stops.
        what: names the resource in error messages (a url, "SearXNG").

    Raises:
        BackendError: the body is larger than ``max_bytes``, took past the deadline, broke
            off, is not valid gzip/deflate, or uses a Content-Encoding we do not read.
    """
    encoding = response.headers.get("content-encoding", "identity").strip().lower() or "identity"
    chunks: Iterable[bytes]
    if response.is_stream_consumed:  # built in memory (httpx.MockTransport): already decoded
        encoding, chunks = "identity", [response.content]
    else:
        chunks = response.iter_raw()
    if encoding not in ("identity", "gzip", "x-gzip", "deflate"):
        raise BackendError(f"{what} uses Content-Encoding {encoding!r}, which is not supported")
    inflater = _Inflater(encoding)
    parts: list[bytes] = []
    size = raw_size = 0
    try:
        for chunk in chunks:
            raw_size += len(chunk)
            data = inflater.decode(chunk, max_bytes - size + 1)
            size += len(data)
            parts.append(data)
            if size > max_bytes or raw_size > max_bytes:
                raise BackendError(f"{what} is larger than {max_bytes} bytes; stopped reading")
            if time.monotonic() > deadline:
                raise BackendError(f"{what} was still arriving at the time limit; stopped reading")
    except zlib.error as exc:
        raise BackendError(f"{what} has a broken {encoding} body: {exc}") from None
    except httpx.TimeoutException:
        if time.monotonic() >= deadline:
            raise BackendError(
                f"{what} was still arriving at the time limit; stopped reading"
            ) from None
        raise BackendError(f"{what} stopped sending data (read timeout)") from None
    except httpx.TransportError as exc:
        raise BackendError(f"{what} broke off while sending: {exc}") from None
    return b"".join(parts)
