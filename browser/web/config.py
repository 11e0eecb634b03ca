"""``WebConfig``: every limit and courtesy of the live-web backend, validated on construction.

    config = WebConfig(allow_hosts=frozenset({"127.0.0.1"}), per_host_interval_s=0.0)

A bad value raises pydantic's ``ValidationError`` naming the field.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from browser.web.addresses import parse_allow_entry

USER_AGENT = "webgpt/0.1 (+https://github.com/webgpt-open/webgpt)"


class WebConfig(BaseModel):
    """Timeouts, size caps, politeness and safety switches of the web backend."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    user_agent: str = Field(
        USER_AGENT, min_length=1, description="sent with every request; its first word is the "
        "robots.txt product token"
    )  # fmt: skip
    connect_timeout_s: float = Field(5.0, gt=0, le=60, description="seconds to open a connection")
    read_timeout_s: float = Field(10.0, gt=0, le=120, description="seconds to wait for any data")
    total_timeout_s: float = Field(
        20.0, gt=0, le=600, description="wall-clock cap on one open, redirects and body included"
    )
    max_bytes: int = Field(
        5_000_000, ge=1024, le=200_000_000, description="decoded body bytes read before giving up"
    )
    max_redirects: int = Field(5, ge=0, le=20, description="redirects followed per open")
    allow_hosts: frozenset[str] = Field(
        frozenset(), description="hosts or addresses (optionally host:port) exempt from the "
        "address checks; for tests and intranets"
    )  # fmt: skip
    obey_robots: bool = Field(True, description="refuse urls that robots.txt disallows")
    per_host_interval_s: float = Field(
        1.0, ge=0, le=60, description="least seconds between two requests to the same host"
    )
    cache_dir: Path | None = Field(
        None, description="folder of the on-disk HTTP cache of pages; None turns it off"
    )
    cache_ttl_s: float = Field(
        7 * 24 * 3600.0, gt=0, description="seconds a cached page is served without refetching"
    )

    @field_validator("allow_hosts")
    @classmethod
    def _hosts_parse(cls, hosts: frozenset[str]) -> frozenset[str]:
        for host in hosts:
            parse_allow_entry(host)  # raises ValueError naming the bad entry
        return hosts

    @field_validator("user_agent")
    @classmethod
    def _one_line(cls, user_agent: str) -> str:
        if any(char in user_agent for char in "\r\n\0"):
            raise ValueError(f"user_agent {user_agent!r} must be one line")
        return user_agent

    @model_validator(mode="after")
    def _total_covers_one_read(self) -> WebConfig:
        if self.total_timeout_s < self.connect_timeout_s:
            raise ValueError(
                f"total_timeout_s={self.total_timeout_s} is shorter than "
                f"connect_timeout_s={self.connect_timeout_s}"
            )
        return self
