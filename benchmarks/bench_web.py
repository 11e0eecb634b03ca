"""Speed of the live-web backend on a local site, with a plain baseline from the same run.

    python benchmarks/bench_web.py

Serves 40 generated article pages (about 8 KB of HTML and 60 links each) from a
ThreadingHTTPServer on 127.0.0.1 and measures pages fetched and rendered per second:

* webgpt, network: ``WebBackend.open`` (url and address checks, pinned connection,
  robots.txt, bounded body, charset, hidden-text removal, trafilatura, numbered links) then
  ``render_document``;
* webgpt, disk cache warm: the same with every page already in the on-disk HTTP cache;
* baseline: ``httpx.get`` then ``BeautifulSoup(html, "lxml").get_text()``, none of the above;
  ``httpx.get`` builds a client (and its TLS context) per call, so a second baseline reuses
  one ``httpx.Client`` to separate that cost from the fetch and parse.

Loopback only: no DNS, no TLS, no latency, so this measures our per-page CPU cost, not what
a real web fetch costs (there the network and the per-host interval dominate).
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import httpx
from bs4 import BeautifulSoup

from browser.render import render_document
from browser.web.backend import WebBackend
from browser.web.config import WebConfig
from browser.web.providers import SearxngProvider
from browser.web.transports import build_client

PAGES = 40
SECONDS = 3.0


def article(number: int) -> bytes:
    paragraphs = "".join(
        f"<p>Paragraph {p} of article {number} says something about painters, dots of colour "
        f"and <a href='/wiki/{(number + p) % PAGES}'>article {(number + p) % PAGES}</a>, and "
        f"then <a href='https://example.org/ref/{p}'>an outside source</a> adds more words to "
        "read, so that the page has the length of a real encyclopedia article.</p>"
        for p in range(30)
    )
    html = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>Article {number}</title>"
        "<style>.x{color:red}</style><script>var tracking = 1;</script></head><body>"
        "<nav><a href='/'>Home</a> <a href='/about'>About</a></nav>"
        f"<main><h1>Article {number}</h1>{paragraphs}"
        "<div style='display:none'>hidden text</div></main>"
        "<footer>Text is available under a free licence.</footer></body></html>"
    )
    return html.encode("utf-8")


class _Site(BaseHTTPRequestHandler):
    bodies: ClassVar[dict[str, bytes]] = {f"/wiki/{n}": article(n) for n in range(PAGES)}

    def do_GET(self) -> None:
        body = self.bodies.get(self.path)
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, format: str, *args: Any) -> None:
        pass


def rate(label: str, work: Callable[[], int]) -> float:
    """Pages per second of ``work`` (which returns how many pages it did), over SECONDS."""
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < SECONDS:
        done += work()
    per_second = done / (time.perf_counter() - start)
    print(f"  {label:<48} {per_second:>8,.1f} pages/s")
    return per_second


def web_backend(base: str, port: int, cache_dir: Path | None) -> WebBackend:
    config = WebConfig(
        allow_hosts=frozenset({f"127.0.0.1:{port}"}), per_host_interval_s=0.0, cache_dir=cache_dir
    )
    client = build_client(config)
    return WebBackend(client, SearxngProvider(client, base_url=base), config=config)


def main() -> None:
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = int(server.server_address[1])
    base = f"http://127.0.0.1:{port}"
    urls = [f"{base}/wiki/{n}" for n in range(PAGES)]
    print(f"Local site: {PAGES} pages of ~{len(article(0)) // 1000} KB on 127.0.0.1 (loopback)")
    try:
        with tempfile.TemporaryDirectory() as cache, web_backend(base, port, None) as live:
            warm = web_backend(base, port, Path(cache))
            for url in urls:
                warm.open(url)  # fill the disk cache

            def ours(backend: WebBackend) -> int:
                for url in urls:
                    render_document(backend.open(url), width=80)
                return len(urls)

            def baseline(get: Callable[[str], httpx.Response]) -> int:
                for url in urls:
                    BeautifulSoup(get(url).text, "lxml").get_text()
                return len(urls)

            network = rate("webgpt WebBackend.open + render (network)", lambda: ours(live))
            cached = rate("webgpt WebBackend.open + render (disk cache warm)", lambda: ours(warm))
            plain = rate("baseline httpx.get + BeautifulSoup get_text", lambda: baseline(httpx.get))
            with httpx.Client() as client:
                shared = rate("baseline, one shared httpx.Client", lambda: baseline(client.get))
            warm.close()
        for label, ours_rate in (("network", network), ("disk cache warm", cached)):
            print(f"  ours ({label}) / baseline httpx.get".ljust(50), end="")
            print(f"{ours_rate / plain:>8.2f}x   / shared client {ours_rate / shared:>6.2f}x")
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main()
