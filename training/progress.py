"""A progress bar for long steps (rich, which the CLI already uses)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

from rich.progress import track

T = TypeVar("T")


def progress(items: Sequence[T] | Iterable[T], what: str, total: int | None = None) -> Iterator[T]:
    yield from track(items, description=what, total=total, transient=False)
