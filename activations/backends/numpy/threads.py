"""Splitting large NumPy work between threads.

NumPy's ufuncs (and SciPy's) release the GIL, so two threads working on two halves of an array
run on two cores. A pool costs tens of microseconds per call, so only arrays of
``PARALLEL_MIN`` elements or more are split (measured: docs/performance.md).

The number of threads is the number of CPUs this process may use, or the environment variable
``ACTIVATIONS_NUM_THREADS`` (1 turns threading off). The pool is created on first use and is
the only state kept here (a forked child forgets its parent's pool and makes its own); work
submitted from inside a worker runs in the caller's thread (no nested waiting, no deadlock).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

__all__ = [
    "CHUNK",
    "PARALLEL_MIN",
    "chunks",
    "num_threads",
    "parallel",
    "run_chunked",
    "serial",
]

PARALLEL_MIN = 1 << 19  # elements; below this one thread is faster (pool overhead)
CHUNK = 1 << 15  # elements per task for formulas with many temporaries (they stay in L2)

_pool: ThreadPoolExecutor | None = None
_pool_size = 0
_pool_lock = threading.Lock()
_local = threading.local()


def _forget_pool() -> None:
    """In a forked child: the parent's pool threads do not exist there (only the forking
    thread is copied), and its lock may have been held by one of them. Start afresh: the
    child's first large call makes a pool of its own."""
    global _pool, _pool_size, _pool_lock, _local
    _pool, _pool_size = None, 0
    _pool_lock = threading.Lock()
    _local = threading.local()


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_forget_pool)


def num_threads() -> int:
    env = os.environ.get("ACTIVATIONS_NUM_THREADS", "").strip()
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            raise ValueError(
                f"ACTIVATIONS_NUM_THREADS must be a positive integer, got {env!r}"
            ) from None
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@contextlib.contextmanager
def serial() -> Iterator[None]:
    """Run the kernels called inside in this thread only (for work already spread, e.g. by Dask)."""
    before = getattr(_local, "inside", False)
    _local.inside = True
    try:
        yield
    finally:
        _local.inside = before


def _executor(n: int) -> ThreadPoolExecutor:
    global _pool, _pool_size
    with _pool_lock:
        if _pool is None or _pool_size != n:  # resized when the env var changes
            old, _pool, _pool_size = _pool, ThreadPoolExecutor(n, "activations"), n
            if old is not None:
                old.shutdown(wait=False)
        return _pool


def _views(arrays: tuple[np.ndarray, ...]) -> list[np.ndarray] | None:
    shape = arrays[0].shape
    order = "C" if arrays[0].flags.c_contiguous else "F"
    views = []
    for a in arrays:
        contiguous = a.flags.c_contiguous if order == "C" else a.flags.f_contiguous
        if a.shape != shape or not contiguous:
            return None
        views.append(a.reshape(-1, order=order))  # type: ignore[call-overload]
    return views


def _run(work: Callable[[int], None], tasks: int, n: int) -> None:
    errors = np.geterr()  # NumPy's error state is per thread: workers take the caller's

    def run(k: int) -> None:
        _local.inside = True
        try:
            with np.errstate(**errors):
                work(k)
        finally:
            _local.inside = False

    futures = [_executor(n).submit(run, k) for k in range(1, tasks)]
    try:
        work(0)  # the caller's thread takes a share
    finally:
        for f in futures:
            f.result()


def parallel(fn: Callable[..., None], *arrays: np.ndarray) -> bool:
    """Run ``fn(*parts)`` on as many equal parts of ``arrays`` as there are threads.

    The arrays have one shape and one memory order; the last one is written. Returns False
    (having done nothing) when the work should run in one thread instead.
    """
    n = num_threads()
    if n < 2 or getattr(_local, "inside", False):
        return False
    views = _views(arrays)
    if views is None:
        return False
    size = views[0].size
    bounds = [size * k // n for k in range(n + 1)]

    def work(k: int) -> None:
        i, j = bounds[k], bounds[k + 1]
        fn(*(v[i:j] for v in views))

    _run(work, n, n)
    return True


def chunks(fn: Callable[..., None], *arrays: np.ndarray, size: int = CHUNK) -> bool:
    """Run ``fn(*parts)`` on consecutive chunks of ``arrays``, spread over the threads.

    For formulas with many temporaries: a chunk's temporaries stay in the core's cache, and
    memory beyond the result stays a few chunks. In a worker thread or under :func:`serial`
    the chunks run in the calling thread. Returns False (having done nothing) when the arrays
    do not share one shape and memory order.
    """
    # inside a worker (or serial()): the chunks run one after another in this thread, which
    # keeps the temporaries small all the same
    n = 1 if getattr(_local, "inside", False) else num_threads()
    views = _views(arrays)
    if views is None:
        return False
    total = views[0].size
    starts = iter(range(0, total, size))
    lock = threading.Lock()

    def next_start() -> Iterator[int]:
        while True:
            with lock:
                i = next(starts, None)
            if i is None:
                return
            yield i

    def work(k: int) -> None:
        for i in next_start():
            fn(*(v[i : i + size] for v in views))

    _run(work, min(n, -(-total // size)), n)
    return True


def run_chunked(fn: Callable[..., Any], *arrays: np.ndarray, out: np.ndarray) -> bool:
    """``out[...] = fn(*arrays)`` chunk by chunk (fn returns the chunk's result)."""

    def one(*parts: np.ndarray) -> None:
        np.copyto(parts[-1], fn(*parts[:-1]), casting="unsafe")

    return chunks(one, *arrays, out)
