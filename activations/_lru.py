"""A small bounded cache, for state keyed by anything a program can vary without end.

Compiled kernels and graphs are cached so that repeated calls are fast; keyed by parameter
names and input types, they are :class:`Lru` caches of a fixed size, so that a program calling
with ever new keys keeps its memory flat. (Caches keyed by a type or a dtype, such as the
probes' results, are bounded by the types a program uses.) Lock-free: each OrderedDict operation
is atomic under the GIL, and a key evicted by another thread between two of them is simply
made again.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["Lru"]

V = TypeVar("V")


class Lru(Generic[V]):
    """At most ``size`` values by key; the least recently used one goes first.

    Examples
    --------
    >>> cache: Lru[int] = Lru(2)
    >>> cache.get("a", lambda: 1), cache.get("b", lambda: 2), cache.get("c", lambda: 3)
    (1, 2, 3)
    >>> len(cache)
    2
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[Hashable, V] = OrderedDict()

    def get(self, key: Hashable, make: Callable[[], V]) -> V:
        """The value for ``key``, made with ``make()`` (and kept) on a miss."""
        data = self._data
        try:
            value = data[key]
        except KeyError:
            value = data[key] = make()
            while len(data) > self.size:
                try:
                    data.popitem(last=False)
                except KeyError:  # emptied by another thread meanwhile
                    break
            return value
        with contextlib.suppress(KeyError):  # evicted by another thread meanwhile
            data.move_to_end(key)
        return value

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._data

    def clear(self) -> None:
        self._data.clear()
