"""Pages of a long list, with the counts the support team reads (« 51 à 100 sur 312 »)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Generic, Sequence, TypeVar

T = TypeVar("T")
PAGE_SIZE = 50


@dataclass
class Page(Generic[T]):
    items: list[T]
    number: int  # 1-based
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first(self) -> int:
        """1-based position of the first item shown (0 when there is none)."""
        return (self.number - 1) * self.size + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.total, self.number * self.size)


def page_number(raw: str | None) -> int:
    """The requested page; anything but a positive integer is page 1."""
    try:
        return max(1, int(raw or 1))
    except ValueError:
        return 1


def paginate(items: Sequence[T], raw_page: str | None, size: int = PAGE_SIZE) -> Page[T]:
    """One page of `items`; a page past the end shows the last one."""
    pages = max(1, -(-len(items) // size))
    number = min(page_number(raw_page), pages)
    start = (number - 1) * size
    return Page(list(items[start:start + size]), number, size, len(items))


def fetch_page(raw_page: str | None, total: int, fetch: Callable[[int, int], list[T]],
               size: int = PAGE_SIZE) -> Page[T]:
    """One page of a list the database pages itself: `fetch(offset, limit)` returns its items."""
    pages = max(1, -(-total // size))
    number = min(page_number(raw_page), pages)
    return Page(fetch((number - 1) * size, size), number, size, total)
