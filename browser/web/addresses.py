"""Which urls and addresses the web backend may connect to.

A page, a redirect or a model can name any url, so every one is checked before a request
(:func:`check_url`: scheme, user info, port, host name, literal address) and every address
a host name resolves to is checked again right before connecting
(:func:`check_resolved`, called by :mod:`browser.web.network`)::

    check_url("http://169.254.169.254/latest/meta-data/", allow=AllowList())
    # BlockedAddress: refusing 'http://169.254.169.254/…': 169.254.169.254 is a cloud
    # metadata endpoint

Blocked: loopback, private (RFC 1918), link-local, CGNAT, multicast, reserved, unspecified,
broadcast, documentation and benchmarking ranges, cloud metadata endpoints, and IPv6 forms
that carry one of those IPv4 addresses (IPv4-mapped, NAT64, 6to4) or tunnel to unknown ones
(Teredo). Host names are read the way resolvers read them, so ``2130706433``, ``0x7f.1``,
``0177.0.0.1`` and ``127.1`` are all 127.0.0.1. An :class:`AllowList` (off by default) lets
tests and intranets reach named hosts or addresses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

import httpx

from browser.errors import BackendError
from browser.web.errors import BlockedAddress

IPAddress = IPv4Address | IPv6Address

MAX_URL_LENGTH = 4096
SCHEMES = frozenset({"http", "https"})
# Cloud metadata services answer on these names inside their clouds.
BLOCKED_NAMES = frozenset(
    {"metadata.google.internal", "metadata.goog", "metadata", "instance-data",
     "instance-data.ec2.internal", "metadata.azure.internal"}
)  # fmt: skip
# Ports browsers refuse (the Fetch standard's "bad ports"): other protocols' services,
# which a crafted HTTP request could talk to.
BAD_PORTS = frozenset(
    {0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95,
     101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161,
     179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563,
     587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060,
     5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080}
)  # fmt: skip

_METADATA = "a cloud metadata endpoint"
_PRIVATE = "a private network (RFC 1918)"
# Most specific first: the first match names the reason.
_IPV4_BLOCKS: tuple[tuple[IPv4Network, str], ...] = tuple(
    (IPv4Network(network), reason)
    for network, reason in (
        ("169.254.169.254/32", _METADATA),
        ("100.100.100.200/32", _METADATA),
        ("0.0.0.0/8", "the unspecified 'this network' range"),
        ("10.0.0.0/8", _PRIVATE),
        ("100.64.0.0/10", "carrier-grade NAT space (RFC 6598)"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("172.16.0.0/12", _PRIVATE),
        ("192.0.0.0/24", "reserved for IETF protocol assignments"),
        ("192.0.2.0/24", "a documentation range (TEST-NET-1)"),
        ("192.88.99.0/24", "the deprecated 6to4 relay anycast range"),
        ("192.168.0.0/16", _PRIVATE),
        ("198.18.0.0/15", "a benchmarking range (RFC 2544)"),
        ("198.51.100.0/24", "a documentation range (TEST-NET-2)"),
        ("203.0.113.0/24", "a documentation range (TEST-NET-3)"),
        ("224.0.0.0/4", "multicast"),
        ("255.255.255.255/32", "broadcast"),
        ("240.0.0.0/4", "reserved (240.0.0.0/4)"),
    )
)
_IPV6_BLOCKS: tuple[tuple[IPv6Network, str], ...] = tuple(
    (IPv6Network(network), reason)
    for network, reason in (
        ("fd00:ec2::254/128", _METADATA),
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("64:ff9b:1::/48", "local-use NAT64 (RFC 8215)"),
        ("100::/64", "discard-only (RFC 6666)"),
        ("2001::/32", "a Teredo tunnel"),
        ("2001:db8::/32", "a documentation range"),
        ("2001::/23", "reserved for IETF protocol assignments"),
        ("3fff::/20", "a documentation range (RFC 9637)"),
        ("5f00::/16", "segment-routing (SRv6) space"),
        ("fc00::/7", "a unique local (private) network"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "site-local (deprecated)"),
        ("ff00::/8", "multicast"),
    )
)
_GLOBAL_UNICAST = IPv6Network("2000::/3")
_DIGITS = {8: "01234567", 10: "0123456789", 16: "0123456789abcdefABCDEF"}
_NAT64 = IPv6Network("64:ff9b::/96")


def blocked_reason(ip: IPAddress) -> str | None:
    """Why ``ip`` must not be connected to, or None when it is a public address."""
    if isinstance(ip, IPv6Address):
        return _ipv6_reason(ip)
    for network, reason in _IPV4_BLOCKS:
        if ip in network:
            return reason
    return None if ip.is_global else "not globally routable"


def _ipv6_reason(ip: IPv6Address) -> str | None:
    embedded = _embedded_ipv4(ip)
    if embedded is not None:
        reason = blocked_reason(embedded)
        return f"{reason} ({embedded}, embedded in an IPv6 address)" if reason else None
    for network, reason in _IPV6_BLOCKS:
        if ip in network:
            return reason
    if ip not in _GLOBAL_UNICAST:
        return "reserved (outside the global unicast range 2000::/3)"
    return None if ip.is_global else "not globally routable"


def _embedded_ipv4(ip: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv4-mapped, NAT64 or 6to4 address reaches."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def parse_ip(host: str) -> IPAddress | None:
    """The address a url host names, or None when it is a domain name.

    Reads hosts as resolvers do: ``[::1]``, zone ids (``fe80::1%eth0``), a trailing dot,
    and the legacy IPv4 spellings (``2130706433``, ``0x7f.1``, ``0177.0.0.1``, ``127.1``).

    Raises:
        BackendError: the host ends in a number but is no valid IPv4 address
            (``1.2.3.999``), which resolvers reject and browsers refuse.
    """
    name = host.strip().lower()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if ":" in name:
        try:
            return IPv6Address(name.split("%", 1)[0])
        except ValueError:
            return None
    labels = name.rstrip(".").split(".")
    if not labels or _ipv4_number(labels[-1]) is None:
        return None  # a domain name: its last label is not a number
    numbers = [_ipv4_number(label) for label in labels]
    if len(labels) > 4 or any(n is None for n in numbers):
        raise BackendError(f"{host!r} is neither a domain name nor a valid IPv4 address")
    *head, last = [n for n in numbers if n is not None]
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):
        raise BackendError(f"{host!r} is not a valid IPv4 address (a part is out of range)")
    value = last
    for index, part in enumerate(head):
        value += part << (8 * (3 - index))
    return IPv4Address(value)


def _ipv4_number(label: str) -> int | None:
    """One dotted part, as inet_aton reads it: ``0x`` hex, leading-zero octal, or decimal."""
    digits, base = label, 10
    if label[:2] in ("0x", "0X"):
        digits, base = label[2:] or "0", 16
    elif len(label) > 1 and label.startswith("0"):
        digits, base = label[1:], 8
    if not digits or any(char not in _DIGITS[base] for char in digits):
        return None
    return int(digits, base)


@dataclass(frozen=True)
class AllowList:
    """Hosts and addresses exempt from the address checks, each optionally with a port.

    ``"127.0.0.1"`` allows that address on any port, ``"127.0.0.1:8080"`` only that port,
    ``"intranet.example"`` whatever that name resolves to, ``"[::1]:8080"`` an IPv6 address
    and port. Addresses are compared in canonical form, so ``"0x7f.1"`` is 127.0.0.1.
    """

    entries: frozenset[tuple[str, int | None]] = frozenset()

    @classmethod
    def parse(cls, hosts: Iterable[str]) -> AllowList:
        """Read ``host``, ``host:port`` and ``[ipv6]:port`` entries.

        Raises:
            ValueError: an entry is empty or its port is not a number from 1 to 65535.
        """
        return cls(frozenset(parse_allow_entry(host) for host in hosts))

    def allows(self, host: str, port: int | None) -> bool:
        """Whether ``host`` (a name or an address) on ``port`` is allow-listed."""
        name = canonical_host(host)
        return (name, None) in self.entries or (name, port) in self.entries

    def __bool__(self) -> bool:
        return bool(self.entries)


def parse_allow_entry(entry: str) -> tuple[str, int | None]:
    """``"host"``, ``"host:port"`` or ``"[v6]:port"`` as a canonical ``(host, port)``."""
    text = entry.strip().lower()
    host, port_text = text, ""
    if text.startswith("[") and "]" in text:
        host, _, rest = text[1:].partition("]")
        port_text = rest.removeprefix(":")
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    if not host:
        raise ValueError(f"allow-list entry {entry!r} has no host")
    if port_text and not (port_text.isdigit() and 0 < int(port_text) < 65536):
        raise ValueError(f"allow-list entry {entry!r} has a bad port {port_text!r}")
    return canonical_host(host), int(port_text) if port_text else None


def canonical_host(host: str) -> str:
    """A host as the allow-list compares it: lowercase, no trailing dot, addresses canonical."""
    try:
        ip = parse_ip(host)
    except BackendError:
        ip = None
    return str(ip) if ip is not None else host.strip().lower().rstrip(".")


def check_url(url: str, *, allow: AllowList) -> httpx.URL:
    """Parse ``url`` and refuse it unless it may be fetched; returns it without fragment.

    Raises:
        BlockedAddress: not http(s), user info in it, a refused port, a cloud metadata name,
            or a literal address that :func:`blocked_reason` refuses.
        BackendError: not a valid url.
    """
    if len(url) > MAX_URL_LENGTH:
        raise BackendError(f"the url is {len(url)} characters long, more than {MAX_URL_LENGTH}")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError) as exc:
        raise BackendError(f"{url!r} is not a valid url: {exc}") from None
    if parsed.scheme not in SCHEMES:
        raise BlockedAddress(
            f"only http and https urls are fetched, not {parsed.scheme or 'relative'!r} "
            f"({shorten(url)!r})"
        )
    if parsed.userinfo:
        raise BlockedAddress(f"refusing {shorten(url)!r}: urls with a user name are not fetched")
    host = parsed.raw_host.decode("ascii").lower()
    if not host:
        raise BackendError(f"{shorten(url)!r} has no host")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    if port in BAD_PORTS:
        raise BlockedAddress(f"refusing {shorten(url)!r}: port {port} is not used for the web")
    if not allow.allows(host, port):
        _check_host(host, url)
    return parsed.copy_with(fragment=None)


def _check_host(host: str, url: str) -> None:
    if host.rstrip(".") in BLOCKED_NAMES:
        raise BlockedAddress(f"refusing {shorten(url)!r}: {host} is {_METADATA}")
    ip = parse_ip(host)
    reason = blocked_reason(ip) if ip is not None else None
    if reason is not None:
        raise BlockedAddress(f"refusing {shorten(url)!r}: {ip} is {reason}")


def check_resolved(host: str, port: int, addresses: list[str], *, allow: AllowList) -> None:
    """Refuse to connect to ``host`` when any address it resolved to is blocked.

    Raises:
        BlockedAddress: naming the host, the address and why it is refused.
    """
    if allow.allows(host, port):
        return
    for address in addresses:
        ip = parse_ip(address)
        if ip is None:
            raise BlockedAddress(f"refusing {host!r}: the resolver returned {address!r}")
        reason = blocked_reason(ip)
        if reason is not None and not allow.allows(str(ip), port):
            raise BlockedAddress(f"refusing to connect to {host!r}: it resolves to {ip}, {reason}")


def shorten(text: str, limit: int = 160) -> str:
    """``text`` cut to ``limit`` characters, for error messages about hostile urls."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
