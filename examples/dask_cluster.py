"""gelu and relu.vjp on an array several times larger than each worker's memory limit.

Starts a dask.distributed LocalCluster whose workers have a memory limit, builds a lazy Dask
array ``--factor`` times larger than that limit, applies ``activations.gelu`` and
``activations.relu.vjp`` (lazy: nothing is computed by the calls), reduces the results on the
cluster and reports the peak memory (RSS) of every worker while it ran, sampled every 50 ms.

    python examples/dask_cluster.py                      # 2 workers x 400 MiB, 4x the limit
    python examples/dask_cluster.py --limit 1GiB --factor 8

Needs ``pip install "activations-shim[dask]"`` (dask[array] and distributed). The exit status
is 1 if a worker went over its limit, died, or a result differs from NumPy's.
"""

from __future__ import annotations

import argparse
import threading
import time
from typing import Any

import dask
import dask.array as da
import numpy as np
from dask.utils import format_bytes, parse_bytes
from distributed import Client, LocalCluster

import activations


def _rss() -> int:
    import psutil

    return int(psutil.Process().memory_info().rss)


class PeakMemory:
    """Samples every worker's RSS in a background thread; ``peaks`` holds the maxima."""

    def __init__(self, client: Client, interval: float = 0.05) -> None:
        self.client, self.interval = client, interval
        self.peaks: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for worker, rss in self.client.run(_rss).items():
                self.peaks[worker] = max(self.peaks.get(worker, 0), rss)
            time.sleep(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()


def run(limit: str = "400MiB", factor: float = 4.0, workers: int = 2, chunk: str = "8MiB") -> dict:
    """Run the example; returns the figures it prints."""
    limit_bytes = parse_bytes(limit)
    n = int(factor * limit_bytes) // 8  # float64 elements
    per_chunk = parse_bytes(chunk) // 8
    with (
        dask.config.set({"distributed.worker.memory.spill": False}),  # no disk: RAM or fail
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            memory_limit=limit,
            processes=True,
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        idle = client.run(_rss)
        x = da.random.default_rng(0).standard_normal(n, chunks=per_chunk)
        dout = da.random.default_rng(1).standard_normal(n, chunks=per_chunk)
        y = activations.gelu(x)  # lazy Dask arrays, with x's chunks
        dx = activations.relu.vjp(x, dout)
        assert isinstance(y, da.Array) and y.chunks == x.chunks == dx.chunks
        start = time.perf_counter()
        with PeakMemory(client) as memory:
            y_sum, y_max, dx_sum = dask.compute(y.sum(), y.max(), dx.sum())
        seconds = time.perf_counter() - start
        # the same numbers as NumPy, on one chunk brought back
        xs, ys, dos, dxs = dask.compute(
            x[:per_chunk], y[:per_chunk], dout[:per_chunk], dx[:per_chunk]
        )
        same = bool(
            np.array_equal(ys, activations.gelu(xs))
            and np.array_equal(dxs, activations.relu.vjp(xs, dos))
        )
        alive = len(client.scheduler_info()["workers"])
    figures = {
        "array_bytes": n * 8,
        "limit_bytes": limit_bytes,
        "workers": workers,
        "alive": alive,
        "idle": idle,
        "peaks": memory.peaks,
        "seconds": seconds,
        "same_as_numpy": same,
        "sums": (float(y_sum), float(y_max), float(dx_sum)),
    }
    return figures


def report(f: dict) -> bool:
    ok = f["same_as_numpy"] and f["alive"] == f["workers"] and len(f["peaks"]) == f["workers"]
    print(
        f"array: {format_bytes(f['array_bytes'])} float64 (x and dout each), "
        f"{f['array_bytes'] / f['limit_bytes']:.1f}x the per-worker limit of "
        f"{format_bytes(f['limit_bytes'])}; {f['workers']} workers, 1 thread each"
    )
    print(f"gelu(x).sum(), gelu(x).max(), relu.vjp(x, dout).sum(): {f['sums']}")
    print(f"computed in {f['seconds']:.1f} s; one chunk equal to NumPy's: {f['same_as_numpy']}")
    print(f"{'worker':<28}{'idle RSS':>12}{'peak RSS':>12}{'peak/limit':>12}")
    for worker, peak in sorted(f["peaks"].items()):
        share = peak / f["limit_bytes"]
        ok &= share < 1
        idle = format_bytes(f["idle"].get(worker, 0))
        print(f"{worker:<28}{idle:>12}{format_bytes(peak):>12}{share:>11.0%}")
    print("every worker stayed under its limit" if ok else "FAILED")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", default="400MiB", help="memory limit per worker (400MiB)")
    parser.add_argument("--factor", type=float, default=4.0, help="array size / limit (4)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (2)")
    parser.add_argument("--chunk", default="8MiB", help="chunk size (8MiB)")
    a = parser.parse_args()
    return 0 if report(run(a.limit, a.factor, a.workers, a.chunk)) else 1


if __name__ == "__main__":
    raise SystemExit(main())
