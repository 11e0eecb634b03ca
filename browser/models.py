"""Typed values that cross the backend boundary and the episode record."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, model_validator


def _all_files(paths: list[Path], info: ValidationInfo) -> list[Path]:
    for path in paths:
        if not path.is_file():
            flag = "--" + (info.field_name or "").replace("_", "-")
            raise ValueError(f"{flag}: no such file: {path}")
    return paths


ExistingFiles = Annotated[list[Path], AfterValidator(_all_files)]
"""A list of files that must exist; a missing one is named with its flag."""


class Value(BaseModel):
    """Base for immutable values: frozen, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Link(Value):
    """A link inside a document: the characters ``text[start:end]`` point at ``url``."""

    start: int = Field(ge=0)
    end: int = Field(gt=0)
    url: str = Field(min_length=1)


class Document(Value):
    """A page as a backend returns it: plain text in paragraphs (``\\n``) plus link spans."""

    url: str = Field(min_length=1)
    title: str
    text: str
    links: tuple[Link, ...] = ()

    @model_validator(mode="after")
    def _links_inside_text(self) -> Document:
        previous_end = 0
        for link in self.links:
            if not (previous_end <= link.start < link.end <= len(self.text)):
                raise ValueError(
                    f"link {link!r} of {self.url!r} is out of order or outside the text "
                    f"({len(self.text)} characters)"
                )
            previous_end = link.end
        return self


class SearchResult(Value):
    """One hit of a backend search."""

    url: str = Field(min_length=1)
    title: str
    snippet: str = ""


class Quote(Value):
    """A span of a page the policy chose to keep as evidence."""

    title: str
    url: str
    text: str = Field(min_length=1)
