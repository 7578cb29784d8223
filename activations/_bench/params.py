"""``bench``'s loop over many parameter values: does each call stay fast, memory flat?

A training loop that anneals a slope calls an activation with a new parameter value every
step. Each backend runs ``leaky_relu(x, slope)`` on 1,000 float32 elements for ``n`` distinct
slopes and reports the time per call over the first and the last tenth of the loop, and how
much the process's resident memory grew over it. A cache keyed by parameter values (one
compiled kernel per value, say) shows as growing memory and a slow last tenth.
"""

from __future__ import annotations

import importlib.util
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["LoopResult", "installed", "rss_mb", "run"]


@dataclass(frozen=True)
class LoopResult:
    backend: str
    calls: int
    first_us: float  # mean time per call over the first tenth of the loop
    last_us: float  # ... and over the last tenth
    grew_mb: float | None  # resident memory after the loop minus before (None: unknown here)


def rss_mb() -> float | None:
    """This process's resident memory in MB (Linux), or None."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _settle(y: Any) -> None:
    """Wait for an asynchronous result (JAX); symbolic and lazy ones are left as they are."""
    ready = getattr(y, "block_until_ready", None)
    if ready is not None:
        ready()


def _loop(x: Any, n: int) -> LoopResult:
    import activations as A

    tenth = max(1, n // 10)
    for i in range(10):  # first calls compile and fill caches: not part of the loop
        _settle(A.leaky_relu(x, 0.5 + i * 1e-3))
    before = rss_mb()
    marks = []
    start = time.perf_counter()
    for i in range(n):
        if i in (tenth, n - tenth):
            marks.append(time.perf_counter())
        _settle(A.leaky_relu(x, 0.01 + i * 1e-6))  # a new value every call
    end = time.perf_counter()
    after = rss_mb()
    first = (marks[0] - start) / tenth if marks else (end - start) / n
    last = (end - marks[-1]) / tenth if marks else (end - start) / n
    grew = None if before is None or after is None else after - before
    return LoopResult("", n, first * 1e6, last * 1e6, grew)


def installed() -> list[str]:
    from .._convert import MODULES

    return [b for b, m in MODULES.items() if importlib.util.find_spec(m) is not None]


def run(
    backends: list[str], n: int = 10_000, progress: Callable[[str], None] | None = None
) -> list[LoopResult]:
    """The loop on each backend (as named by ``activations.testing.to_backend``)."""
    from .._convert import to_backend

    x = np.linspace(-3, 3, 1000, dtype=np.float32)
    results = []
    for name in backends:
        if progress:
            progress(f"{name}: {n:,} parameter values")
        r = _loop(to_backend(x, name), n)
        results.append(LoopResult(name, r.calls, r.first_us, r.last_us, r.grew_mb))
    return results
