"""How the bench times: loops long enough to time, best of interleaved rounds, in-place
calls on fresh copies, peak memory with tracemalloc (NumPy)."""

from __future__ import annotations

import functools
import gc
import math
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

from .cases import BENCHED, Benched
from .model import DTYPES, SIZES, Case, Result

__all__ = ["run"]

_SETTLED = 0.25  # seconds


def _loops(fn: Callable[[], Any], budget: float) -> int:
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        if time.perf_counter() - t0 >= budget or n >= 1 << 20:
            return n
        n *= 4


def _sampler(
    fn: Callable[[], Any], budget: float, warm: bool = True, settle: bool = False
) -> Callable[[], float]:
    """Warm fn up, size a loop that lasts about ``budget``, and return a timer of that loop.

    A call that takes more than 20 budgets (large arrays) is its own loop: the call that sized
    the loop is also the first sample. ``warm=False`` (large arrays, timed in two or more
    rounds of which the best is kept) skips the warm-up: a first call slowed by compilation or
    a probe is then the round that is not kept. With ``settle`` (large arrays of a backend
    that compiles nothing per shape), a call of ``_SETTLED`` seconds or more (the slow idioms
    and the smooth activations at 2.5e7 elements) is timed once: it spans many scheduler
    slices already, and repeating it would cost a quarter of the bench's two minutes; such a
    call is made twice and the faster kept.
    """
    if warm:
        fn()  # warm-up (compilation, probes, caches): not timed
    t0 = time.perf_counter()
    fn()
    once = time.perf_counter() - t0
    if settle and once >= _SETTLED:
        # a second call: the first may have paid for memory the process had never touched
        # (on a VM, ~1 s for 200 MB), which the cases timed after it would not pay
        t0 = time.perf_counter()
        fn()
        best = min(once, time.perf_counter() - t0)
        return lambda: best
    pending = [once] if once > 20 * budget else []
    n = 1 if once > budget else _loops(fn, budget)

    def sample() -> float:
        if pending:
            return pending.pop()
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        return (time.perf_counter() - t0) / n

    return sample


def _inplace_sampler(
    fn: Callable[[Any], Any], x: Any, copy: Callable[[Any], Any]
) -> Callable[[], float]:
    """A timer of fn(buf) on fresh copies of x only (copies made outside the timed loop)."""
    nbytes: int = x.size * x.dtype.itemsize
    n: int = max(1, min(1 << 12, (32 << 20) // max(nbytes, 1)))
    fn(copy(x))

    def sample() -> float:
        bufs = [copy(x) for _ in range(n)]
        t0 = time.perf_counter()
        for b in bufs:
            fn(b)
        seconds = (time.perf_counter() - t0) / n
        del bufs
        return seconds

    return sample


def _peak(fn: Callable[[], Any], nbytes: int) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        y = fn()
        peak = tracemalloc.get_traced_memory()[1] - base
        del y
    finally:
        tracemalloc.stop()
    return peak / nbytes


def _inputs(size: int, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(size)
    x = rng.standard_normal(size, dtype=np.float64).astype(dtype)
    return x, rng.standard_normal(size, dtype=np.float64).astype(dtype)


def run(
    backends: list[str],
    sizes: tuple[int, ...] = SIZES,
    dtypes: tuple[str, ...] = DTYPES,
    budget: float = 0.01,
    progress: Callable[[str], None] | None = None,
) -> list[Result]:
    """Time every case of every backend at every size and dtype."""
    results: list[Result] = []
    for name in backends:
        spec = BENCHED[name]
        cases = spec.cases()
        for dtype in dtypes:
            x64 = _x64(name, dtype)
            with x64:
                for size in sizes:
                    if progress:
                        progress(f"{name} {dtype} n={size:,}")
                    results += _run_one(spec, cases, size, dtype, budget)
    return results


def _x64(name: str, dtype: str) -> Any:
    from .. import backends
    from ..backends._entry import dtype_scope

    return dtype_scope(backends.library(name), dtype)


def _run_one(
    spec: Benched, cases: list[Case], size: int, dtype: str, budget: float
) -> list[Result]:
    """Time the cases in interleaved rounds (each round runs every case once), so that a
    slow spell of a shared machine hits every case alike; each keeps its best round."""
    cases = [c for c in cases if c.sizes is None or size in c.sizes]
    xa, ga = _inputs(size, dtype)
    x, g = spec.convert(xa), spec.convert(ga)
    reps = 2 if size >= 10_000_000 else 3 if size >= 1_000_000 else 5
    warm = size < 10_000_000  # see _sampler
    settle = not warm and spec.name != "jax"  # jax compiles for every new shape
    samplers: dict[str, Callable[[], float]] = {
        "copy": _sampler(lambda: spec.copy(x), budget, warm)
    }
    if any(case.kind == "inplace" for case in cases):
        # the in-place cases' baseline: a copy into buffers made as theirs are (fresh copies
        # of x, up to 32 MB of them), not into one buffer kept hot in cache, which at 1e5-1e6
        # elements would make a call at memory speed look several times "a copy"
        samplers["copy in place"] = _inplace_sampler(lambda b: np.copyto(b, xa), x, spec.copy)
    fns = {case.label: case.make(x, g) for case in cases}
    for case in cases:
        fn = fns[case.label]
        samplers[case.label] = (
            _inplace_sampler(fn, x, spec.copy)
            if case.kind == "inplace"
            else _sampler(fn, budget, warm, settle)
        )
    best = dict.fromkeys(samplers, math.inf)
    for _ in range(reps):
        for key, sample in samplers.items():
            best[key] = min(best[key], sample())
    out = []
    for case in cases:
        fn = fns[case.label]
        peak = None
        if spec.name == "numpy" and 100_000 <= size <= 1_000_000:
            target = fn if case.kind != "inplace" else functools.partial(fn, xa.copy())
            peak = _peak(target, xa.nbytes)
        base = best["copy in place"] if case.kind == "inplace" else best["copy"]
        out.append(
            Result(
                spec.name,
                dtype,
                size,
                case.label,
                case.kind,
                best[case.label],
                base,
                case.arrays,
                case.library,
                peak,
                group=case.group,
            )
        )
    return out
