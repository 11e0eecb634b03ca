"""Dense retrieval: one MiniLM vector per page, searched by cosine similarity.

    vectors = embed_pages(encoder, pages)           # (N, 384) float16, unit length
    index = DenseIndex(vectors)
    index.top(encoder.embed([query])[0], 10)        # [(page position, cosine), ...]

A page is embedded as its title, its one-line description and its text, cut at the
encoder's 256 tokens (the lead extracts of the default corpus average 110). Vectors are
stored as float16: 7.7 MB for the 10,033 pages of the default corpus, whose vectors ship
with the package (``browser/data``), so a first ``webgpt ask`` does not spend the quarter
of an hour the encoding takes on two cores.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from browser.encoder import Encoder

DATA = Path(__file__).resolve().parent / "data"
SHIPPED_VECTORS = DATA / "wiki-vital-en.minilm.f16.npy"
SHIPPED_MANIFEST = DATA / "wiki-vital-en.minilm.json"
ENCODER_NAME = "all-MiniLM-L6-v2"
CHUNK = 64
DENSE_FLOOR = 0.4
"""Pages less similar than this to a query are not results: MiniLM puts any text near
some page (nonsense like ``zqxjvkw qqqzzz`` at cosines of 0.25-0.34 on the default corpus,
real questions at 0.6-0.75), and "no results" is worth telling a policy."""


def page_passage(title: str, description: str, text: str) -> str:
    """What a page is embedded as."""
    head = f"{title}: {description}" if description else title
    return f"{head}\n{text}"


def embed_pages(
    encoder: Encoder,
    passages: Sequence[str],
    *,
    on_progress: Callable[[int], None] | None = None,
) -> NDArray[np.float16]:
    """Unit-length float16 vectors of ``passages``, (N, H), reporting pages done."""
    parts = []
    for start in range(0, len(passages), CHUNK):
        parts.append(encoder.embed(passages[start : start + CHUNK]).astype(np.float16))
        if on_progress is not None:
            on_progress(min(start + CHUNK, len(passages)))
    return np.concatenate(parts) if parts else np.zeros((0, 384), np.float16)


def urls_fingerprint(urls: Iterable[str]) -> str:
    """A fingerprint of the page order the vectors are aligned with."""
    digest = hashlib.sha1()
    for url in urls:
        digest.update(url.encode() + b"\n")
    return digest.hexdigest()


def shipped_vectors(urls: Sequence[str]) -> NDArray[np.float16] | None:
    """The packaged vectors of the default corpus when they are for exactly these pages, in
    this order; None otherwise (another corpus, or another version of the source)."""
    if not (SHIPPED_VECTORS.is_file() and SHIPPED_MANIFEST.is_file()):
        return None
    manifest = json.loads(SHIPPED_MANIFEST.read_text())
    if manifest.get("urls") != urls_fingerprint(urls) or manifest.get("pages") != len(urls):
        return None
    vectors: NDArray[np.float16] = np.load(SHIPPED_VECTORS)
    return vectors if vectors.shape[0] == len(urls) else None


class DenseIndex:
    """Pages ranked by the cosine of their vector with a query vector."""

    def __init__(self, vectors: NDArray[np.float16] | NDArray[np.float32]) -> None:
        self.vectors = np.asarray(vectors, dtype=np.float32)  # (N, H)

    def top(self, query: NDArray[np.float32], limit: int) -> list[tuple[int, float]]:
        """Up to ``limit`` ``(page position, cosine)`` pairs, best first."""
        if limit < 1 or not len(self.vectors):
            return []
        scores = self.vectors @ query  # (N,)
        count = min(limit, len(scores))
        best = np.argpartition(-scores, count - 1)[:count]
        best = best[np.lexsort((best, -scores[best]))]
        return [(int(i), float(scores[i])) for i in best]


def vector_blobs(vectors: NDArray[np.float16]) -> dict[str, bytes]:
    """The vectors as named blobs of the index file's ``dense`` table."""
    rows, width = vectors.shape
    return {
        "vectors": np.ascontiguousarray(vectors, dtype=np.float16).tobytes(),
        "shape": f"{rows},{width}".encode(),
        "encoder": ENCODER_NAME.encode(),
    }


def vectors_from_blobs(blobs: dict[str, bytes]) -> NDArray[np.float16]:
    rows, width = (int(n) for n in blobs["shape"].decode().split(","))
    return np.frombuffer(blobs["vectors"], dtype=np.float16).reshape(rows, width)


@functools.cache
def shared_encoder() -> Encoder:
    """The packaged MiniLM, loaded once per process on first use."""
    return Encoder.load()


def query_vector(query: str) -> NDArray[np.float32]:
    """The query's MiniLM vector."""
    return np.asarray(shared_encoder().embed([query])[0], dtype=np.float32)
