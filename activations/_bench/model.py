"""What the bench times (:class:`Case`) and what it measures (:class:`Result`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["DTYPES", "QUICK_SIZES", "SIZES", "Case", "Result"]

SIZES = (16, 1_000, 100_000, 1_000_000, 25_000_000)
QUICK_SIZES = (16, 1_000, 100_000, 1_000_000)
DTYPES = ("float32", "float64")


@dataclass
class Case:
    """One timed call: ``make(x, dout)`` returns a zero-argument callable (or one taking a
    fresh copy of x, for in-place cases)."""

    label: str
    make: Callable[[Any, Any], Callable[..., Any]]
    kind: str = "value"  # value, inplace, derivative, vjp, smooth, grad
    arrays: int = 2  # arrays of x's size read and written (for GB/s)
    library: bool = False  # a call of this library (the others are references)
    # the cases that compute the same thing ('x idiom' compares within a group); "" = kind,
    # so relu's cases need none while each family activation names its own
    group: str = ""
    # timed only at these sizes (None: at every size asked for), to keep the bench short
    sizes: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        self.group = self.group or self.kind


@dataclass
class Result:
    backend: str
    dtype: str
    size: int
    label: str
    kind: str
    seconds: float
    copy_seconds: float
    arrays: int
    library: bool
    peak: float | None = None  # extra memory / input size
    extra: dict[str, Any] = field(default_factory=dict)
    group: str = ""  # the Case's group ("" = kind)

    def __post_init__(self) -> None:
        self.group = self.group or self.kind

    @property
    def ratio(self) -> float:
        return self.seconds / self.copy_seconds

    @property
    def gbps(self) -> float:
        itemsize = np.dtype(self.dtype).itemsize
        return self.arrays * self.size * itemsize / self.seconds / 1e9
