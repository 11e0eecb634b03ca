"""The I/O layer: an httpx transport that connects only to checked, pinned addresses.

:class:`GuardedBackend` is an httpcore network backend. For each new connection it resolves
the host once, checks every address (:func:`browser.web.addresses.check_resolved`) and
connects to those very addresses, so a DNS answer that changes between the check and the
connect (DNS rebinding) cannot move the connection. httpcore still sends ``Host`` and does
TLS with SNI and certificate checks for the host *name*, because only the TCP connect
sees the address. :class:`GuardedTransport` is the httpx transport around it; it uses no
proxies, since a proxy would resolve names itself.
"""

from __future__ import annotations

import logging
import socket
import ssl
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import httpcore
import httpx

from browser.web.addresses import AllowList, check_resolved
from browser.web.deadline import bounded

logger = logging.getLogger(__name__)

Resolver = Callable[[str, int], list[str]]
"""``(host, port) -> addresses``: IP address strings, best first (``socket.getaddrinfo``)."""

MAX_ADDRESSES_TRIED = 4  # a host with many dead addresses must not multiply the timeout


def system_resolver(host: str, port: int) -> list[str]:
    """Resolve ``host`` with the system resolver (``getaddrinfo``), addresses best first.

    Raises:
        httpcore.ConnectError: the name does not resolve.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise httpcore.ConnectError(f"could not resolve {host!r}: {exc}") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class GuardedBackend(httpcore.NetworkBackend):
    """Resolve once, check every address, connect to a checked address."""

    def __init__(self, *, allow: AllowList, resolver: Resolver = system_resolver) -> None:
        self._allow = allow
        self._resolve = resolver
        self._sockets = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = self._resolve(host, port)
        if not addresses:
            raise httpcore.ConnectError(f"{host!r} resolved to no address")
        check_resolved(host, port, addresses, allow=self._allow)
        failure: httpcore.ConnectError | None = None
        for address in addresses[:MAX_ADDRESSES_TRIED]:
            try:  # an address literal: getaddrinfo inside does no lookup, so no rebinding
                stream = self._sockets.connect_tcp(
                    address, port, bounded(timeout, "connect"), local_address, socket_options
                )
                return DeadlineStream(stream)
            except httpcore.ConnectError as exc:
                logger.debug("connecting to %s (%s) port %d failed: %s", host, address, port, exc)
                failure = exc
        assert failure is not None
        raise failure

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError(f"unix sockets are never used by the web backend ({path!r})")

    def sleep(self, seconds: float) -> None:
        self._sockets.sleep(seconds)


class DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read, write and TLS handshake keeps to the deadline of
    :mod:`browser.web.deadline`: a server dripping its status line or headers one byte at
    a time is cut off when the fetch's time is up, not never."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, bounded(timeout, "read"))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, bounded(timeout, "write"))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        upgraded = self._inner.start_tls(ssl_context, server_hostname, bounded(timeout, "TLS"))
        return DeadlineStream(upgraded)

    def get_extra_info(self, info: str) -> object:
        return self._inner.get_extra_info(info)


class GuardedTransport(httpx.BaseTransport):
    """An httpx transport over :class:`GuardedBackend`: HTTP/1.1, TLS verified, no proxy.

    Args:
        allow: hosts and addresses exempt from the address checks.
        resolver: turns a host name into addresses; the system resolver by default.
        verify: an SSL context, or False to skip certificate checks (tests only).
    """

    def __init__(
        self,
        *,
        allow: AllowList,
        resolver: Resolver = system_resolver,
        verify: ssl.SSLContext | bool = True,
        max_connections: int = 10,
    ) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=5.0,
            network_backend=GuardedBackend(allow=allow, resolver=resolver),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _as_httpx_errors():
            response = self._pool.handle_request(core_request)
        assert isinstance(response.stream, Iterable)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response.stream),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._pool.close()


class _ResponseStream(httpx.SyncByteStream):
    def __init__(self, stream: Iterable[bytes]) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        with _as_httpx_errors():
            yield from self._stream

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


# httpcore's errors and their httpx equivalents, the most specific first.
_ERRORS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextmanager
def _as_httpx_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        for core_error, httpx_error in _ERRORS:
            if isinstance(exc, core_error):
                raise httpx_error(str(exc) or type(exc).__name__) from exc
        raise
