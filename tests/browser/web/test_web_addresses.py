"""Address safety without any network: every blocked form, the allow-list, the config."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from browser.errors import BackendError
from browser.web.addresses import (
    AllowList,
    blocked_reason,
    check_resolved,
    check_url,
    parse_allow_entry,
    parse_ip,
)
from browser.web.config import WebConfig
from browser.web.errors import BlockedAddress

BLOCKED = [
    # (host as written in a url, a word of the reason)
    ("127.0.0.1", "loopback"),
    ("127.255.255.254", "loopback"),
    ("2130706433", "loopback"),  # decimal
    ("0x7f000001", "loopback"),  # one hex number
    ("0177.0.0.1", "loopback"),  # octal
    ("0x7f.1", "loopback"),  # hex, short form
    ("127.1", "loopback"),  # short form
    ("127.0.0.1.", "loopback"),  # trailing dot
    ("[::1]", "loopback"),
    ("[::ffff:127.0.0.1]", "loopback"),  # IPv4-mapped
    ("[::ffff:7f00:1]", "loopback"),
    ("[64:ff9b::7f00:1]", "loopback"),  # NAT64 of 127.0.0.1
    ("[64:ff9b::a00:1]", "private"),  # NAT64 of 10.0.0.1
    ("[2002:a9fe:a9fe::]", "metadata"),  # 6to4 of 169.254.169.254
    ("[2002:c0a8:101::1]", "private"),  # 6to4 of 192.168.1.1
    ("[2001:0:4136:e378:8000:63bf:3fff:fdd2]", "Teredo"),
    ("10.1.2.3", "private"),
    ("172.16.0.1", "private"),
    ("172.31.255.255", "private"),
    ("192.168.0.1", "private"),
    ("169.254.1.1", "link-local"),
    ("[fe80::1]", "link-local"),
    ("[fe80::1%25eth0]", "link-local"),  # with a zone id
    ("100.64.0.1", "carrier-grade NAT"),
    ("100.127.255.255", "carrier-grade NAT"),
    ("224.0.0.1", "multicast"),
    ("239.255.255.250", "multicast"),
    ("[ff02::1]", "multicast"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "broadcast"),
    ("0.0.0.0", "unspecified"),
    ("0", "unspecified"),
    ("[::]", "unspecified"),
    ("192.0.2.10", "documentation"),
    ("198.51.100.10", "documentation"),
    ("203.0.113.10", "documentation"),
    ("[2001:db8::1]", "documentation"),
    ("[3fff::1]", "documentation"),
    ("198.18.0.1", "benchmarking"),
    ("198.19.255.1", "benchmarking"),
    ("192.0.0.8", "IETF"),
    ("169.254.169.254", "metadata"),
    ("0xa9fea9fe", "metadata"),  # 169.254.169.254 as one hex number
    ("100.100.100.200", "metadata"),
    ("[fd00:ec2::254]", "metadata"),
    ("[fc00::1]", "unique local"),
    ("[fd12:3456::1]", "unique local"),
    ("[fec0::1]", "site-local"),
    ("[100::1]", "discard"),
    ("[::127.0.0.1]", "reserved"),  # IPv4-compatible (deprecated)
    ("[5f00::1]", "segment-routing"),
]

PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.215.14", "2606:4700:4700::1111",
          "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"]  # fmt: skip


@pytest.mark.parametrize(("host", "reason"), BLOCKED)
def test_every_blocked_address_form_is_refused(host: str, reason: str) -> None:
    ip = parse_ip(host)
    assert ip is not None, host
    assert reason.lower() in (blocked_reason(ip) or "").lower()
    with pytest.raises(BackendError, match=r"refusing|not a valid url"):
        check_url(f"http://{host}/latest/meta-data/", allow=AllowList())


@pytest.mark.parametrize(("host", "reason"), BLOCKED)
def test_a_name_resolving_to_a_blocked_address_is_refused(host: str, reason: str) -> None:
    ip = parse_ip(host)
    with pytest.raises(
        BlockedAddress, match=rf"'rebind\.example'.*resolves to {re.escape(str(ip))}"
    ):
        check_resolved("rebind.example", 80, ["93.184.215.14", str(ip)], allow=AllowList())


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address: str) -> None:
    ip = parse_ip(address)
    assert ip is not None and blocked_reason(ip) is None
    check_resolved("example.org", 443, [address], allow=AllowList())


def test_odd_ipv4_spellings_read_as_resolvers_read_them() -> None:
    assert {str(parse_ip(h)) for h in ("2130706433", "0x7f.1", "0177.0.0.1", "127.1")} == {
        "127.0.0.1"
    }
    assert str(parse_ip("10.0x10.010")) == "10.16.0.8"
    assert parse_ip("example.com") is None and parse_ip("1e100.net") is None
    with pytest.raises(BackendError, match=r"'1\.2\.3\.999' is not a valid IPv4"):
        parse_ip("1.2.3.999")
    with pytest.raises(BackendError, match=r"'intranet\.123' is neither a domain"):
        parse_ip("intranet.123")


@pytest.mark.parametrize(
    "url",
    ["http://metadata.google.internal/computeMetadata/v1/", "http://METADATA.google.internal./",
     "http://metadata.goog/", "http://instance-data/latest/"],
)  # fmt: skip
def test_cloud_metadata_names_are_refused_without_resolving(url: str) -> None:
    with pytest.raises(BlockedAddress, match="cloud metadata"):
        check_url(url, allow=AllowList())


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://example.org/x", "gopher://example.org/", "javascript:alert(1)",
     "data:text/html,hi", "/relative/path", "ws://example.org/"],
)  # fmt: skip
def test_only_http_and_https_are_fetched(url: str) -> None:
    with pytest.raises(BlockedAddress, match="only http and https"):
        check_url(url, allow=AllowList())


def test_user_info_and_non_web_ports_are_refused() -> None:
    with pytest.raises(BlockedAddress, match="user name"):
        check_url("http://169.254.169.254@example.org/", allow=AllowList())
    with pytest.raises(BlockedAddress, match="port 25"):
        check_url("http://example.org:25/", allow=AllowList())
    with pytest.raises(BackendError, match="characters long"):
        check_url("http://example.org/" + "a" * 5000, allow=AllowList())


def test_check_url_returns_the_url_without_its_fragment() -> None:
    assert str(check_url("https://Example.org/a?b=1#c", allow=AllowList())) == (
        "https://example.org/a?b=1"
    )


def test_allow_list_admits_exactly_its_hosts_and_ports() -> None:
    allow = AllowList.parse(["127.0.0.1:8080", "intranet.example", "[::1]:9000"])
    assert str(check_url("http://127.0.0.1:8080/x", allow=allow)) == "http://127.0.0.1:8080/x"
    assert check_url("http://0x7f.1:8080/", allow=allow)  # the same address, spelled oddly
    with pytest.raises(BlockedAddress, match="loopback"):
        check_url("http://127.0.0.1:8081/", allow=allow)
    check_url("http://[::1]:9000/", allow=allow)
    check_resolved("intranet.example", 443, ["10.0.0.7"], allow=allow)
    check_resolved("other.example", 8080, ["127.0.0.1"], allow=allow)  # allowed address:port
    with pytest.raises(BlockedAddress, match=r"10\.0\.0\.7"):
        check_resolved("other.example", 443, ["10.0.0.7"], allow=allow)
    assert not AllowList() and allow


def test_allow_list_entries_are_validated() -> None:
    assert parse_allow_entry(" LocalHost:8080 ") == ("localhost", 8080)
    assert parse_allow_entry("::1") == ("::1", None)
    for bad in ("", ":80", "host:99999", "host:abc"):
        with pytest.raises(ValueError, match=repr(bad)):
            parse_allow_entry(bad)


def test_web_config_validates_its_fields() -> None:
    config = WebConfig()
    assert config.obey_robots and not config.allow_hosts and config.cache_dir is None
    assert config.user_agent.startswith("webgpt/")
    with pytest.raises(ValidationError, match="host:99999"):
        WebConfig(allow_hosts=frozenset({"host:99999"}))
    with pytest.raises(ValidationError, match="shorter than connect_timeout_s"):
        WebConfig(total_timeout_s=1.0, connect_timeout_s=5.0)
    with pytest.raises(ValidationError, match="per_host_interval_s"):
        WebConfig(per_host_interval_s=-1)
    with pytest.raises(ValidationError, match="one line"):
        WebConfig(user_agent="webgpt\r\nX-Evil: 1")
