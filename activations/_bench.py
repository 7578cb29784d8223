"""``python -m activations bench``: the library against hand-written idioms and native calls.

Every figure is a ratio measured in the same run against a copy of the same array (absolute
times on a shared machine are noise). Rules that keep the comparison fair:

- each case is timed as the best of several repetitions of a loop long enough to time;
- in-place idioms (``np.maximum(x, 0, out=x)``, ``x[x < 0] = 0``, ``relu(x, out=x)``) get a
  fresh copy of the input for every call, made outside the timed region, so they never run on
  data they already made non-negative;
- out-of-place cases are compared with ``x.copy()`` (a fresh output, page faults included),
  in-place cases with ``np.copyto(o, x)`` into an existing array;
- jax results are waited for (``block_until_ready``); torch runs on the CPU.

Peak extra memory (NumPy only) is measured with tracemalloc, as a multiple of the input's size.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import importlib.util
import math
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Case", "Result", "run", "targets"]

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

    @property
    def ratio(self) -> float:
        return self.seconds / self.copy_seconds

    @property
    def gbps(self) -> float:
        itemsize = np.dtype(self.dtype).itemsize
        return self.arrays * self.size * itemsize / self.seconds / 1e9


# --- timing --------------------------------------------------------------------------------


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
    slices already, and repeating it would cost a quarter of the bench's two minutes.
    """
    if warm:
        fn()  # warm-up (compilation, probes, caches): not timed
    t0 = time.perf_counter()
    fn()
    once = time.perf_counter() - t0
    if settle and once >= _SETTLED:
        return lambda: once
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


# --- the cases, per backend ----------------------------------------------------------------


def _numpy_cases() -> list[Case]:
    import activations as A

    def clip_inplace(b: Any) -> None:
        np.clip(b, 0, np.inf, out=b)

    def max_inplace(b: Any) -> None:
        np.maximum(b, 0, out=b)

    def mask_inplace(b: Any) -> None:
        b[b < 0] = 0

    def relu_inplace(b: Any) -> None:
        A.relu(b, out=b)

    from scipy.special import erfc, expit

    def one_thread(fn: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            old = os.environ.get("ACTIVATIONS_NUM_THREADS")
            os.environ["ACTIVATIONS_NUM_THREADS"] = "1"
            try:
                return fn()
            finally:
                if old is None:
                    del os.environ["ACTIVATIONS_NUM_THREADS"]
                else:
                    os.environ["ACTIVATIONS_NUM_THREADS"] = old

        return run

    s2 = 1 / math.sqrt(2)
    return [
        Case("activations.relu(x)", lambda x, g: lambda: A.relu(x), library=True),
        Case("np.maximum(x, 0)", lambda x, g: lambda: np.maximum(x, 0)),
        Case("np.clip(x, 0, inf)", lambda x, g: lambda: np.clip(x, 0, np.inf)),
        Case("x * (x > 0)", lambda x, g: lambda: x * (x > 0)),
        Case("(abs(x) + x) / 2", lambda x, g: lambda: (abs(x) + x) / 2),
        Case("np.where(x > 0, x, 0)", lambda x, g: lambda: np.where(x > 0, x, 0)),
        Case("relu(x, out=x)", lambda x, g: relu_inplace, "inplace", library=True),
        Case("np.maximum(x, 0, out=x)", lambda x, g: max_inplace, "inplace"),
        Case("np.clip(x, 0, inf, out=x)", lambda x, g: clip_inplace, "inplace"),
        Case("x[x < 0] = 0", lambda x, g: mask_inplace, "inplace"),
        Case(
            "relu.derivative(x)",
            lambda x, g: lambda: A.relu.derivative(x),
            "derivative",
            library=True,
        ),
        Case("(x > 0).astype(x.dtype)", lambda x, g: lambda: (x > 0).astype(x.dtype), "derivative"),
        Case("np.heaviside(x, 0)", lambda x, g: lambda: np.heaviside(x, 0), "derivative"),
        Case("relu.vjp(x, dout)", lambda x, g: lambda: A.relu.vjp(x, g), "vjp", 3, True),
        Case("np.multiply(dout, x > 0)", lambda x, g: lambda: np.multiply(g, x > 0), "vjp", 3),
        Case("activations.gelu(x)", lambda x, g: lambda: A.gelu(x), "smooth", library=True),
        Case("gelu, 1 thread", lambda x, g: one_thread(lambda: A.gelu(x)), "smooth", library=True),
        Case("0.5*x*erfc(-x/sqrt2)", lambda x, g: lambda: 0.5 * x * erfc(-x * s2), "smooth"),
        Case("activations.silu(x)", lambda x, g: lambda: A.silu(x), "smooth", library=True),
        Case("silu, 1 thread", lambda x, g: one_thread(lambda: A.silu(x)), "smooth", library=True),
        Case("x * expit(x)", lambda x, g: lambda: x * expit(x), "smooth"),
    ]


def _torch_cases() -> list[Case]:
    import torch

    import activations as A

    def fwd_bwd(f: Callable[[Any], Any]) -> Callable[[Any, Any], Callable[[], Any]]:
        def make(x: Any, g: Any) -> Callable[[], Any]:
            def run() -> Any:
                t = x.detach().requires_grad_()
                f(t).backward(g)
                return t.grad

            return run

        return make

    return [
        Case("activations.relu(x)", lambda x, g: lambda: A.relu(x), library=True),
        Case("torch.relu(x)", lambda x, g: lambda: torch.relu(x)),
        Case("activations.gelu(x)", lambda x, g: lambda: A.gelu(x), "smooth", library=True),
        Case("F.gelu(x)", lambda x, g: lambda: torch.nn.functional.gelu(x), "smooth"),
        Case("relu fwd+bwd", fwd_bwd(A.relu), "grad", 4, True),
        Case("torch.relu fwd+bwd", fwd_bwd(torch.relu), "grad", 4),
    ]


def _tensorflow_cases() -> list[Case]:
    import tensorflow as tf

    import activations as A

    return [
        Case("activations.relu(x)", lambda x, g: lambda: A.relu(x), library=True),
        Case("tf.nn.relu(x)", lambda x, g: lambda: tf.nn.relu(x)),
        Case("activations.gelu(x)", lambda x, g: lambda: A.gelu(x), "smooth", library=True),
        Case("tf.nn.gelu(x)", lambda x, g: lambda: tf.nn.gelu(x), "smooth"),
    ]


def _jax_cases() -> list[Case]:
    import jax

    import activations as A

    def ready(f: Callable[[], Any]) -> Callable[[], Any]:
        return lambda: f().block_until_ready()

    return [
        Case("activations.relu(x)", lambda x, g: ready(lambda: A.relu(x)), library=True),
        Case("jax.nn.relu(x)", lambda x, g: ready(lambda: jax.nn.relu(x))),
        Case("jax.jit(jax.nn.relu)(x)", lambda x, g: ready(lambda: _JIT_RELU(x))),
        Case("activations.gelu(x)", lambda x, g: ready(lambda: A.gelu(x)), "smooth", library=True),
        Case("jax.nn.gelu(x, False)", lambda x, g: ready(lambda: jax.nn.gelu(x, False)), "smooth"),
    ]


_JIT_RELU: Any = None


@dataclass
class _Backend:
    name: str
    module: str
    cases: Callable[[], list[Case]]
    convert: Callable[[np.ndarray], Any]
    copy: Callable[[Any], Any]


def _to_torch(a: np.ndarray) -> Any:
    import torch

    return torch.from_numpy(a.copy())


def _to_tf(a: np.ndarray) -> Any:
    import tensorflow as tf

    return tf.constant(a)


def _to_jax(a: np.ndarray) -> Any:
    import jax

    global _JIT_RELU
    if _JIT_RELU is None:
        _JIT_RELU = jax.jit(jax.nn.relu)
    return jax.device_put(a)


def _tf_copy(t: Any) -> Any:
    import tensorflow as tf

    return tf.identity(t) + 0  # identity alone may alias


def _jax_copy(t: Any) -> Any:
    return t.copy().block_until_ready()


BACKENDS = {
    "numpy": _Backend("numpy", "numpy", _numpy_cases, lambda a: a, np.copy),
    "torch": _Backend("torch", "torch", _torch_cases, _to_torch, lambda t: t.clone()),
    "tensorflow": _Backend("tensorflow", "tensorflow", _tensorflow_cases, _to_tf, _tf_copy),
    "jax": _Backend("jax", "jax", _jax_cases, _to_jax, _jax_copy),
}


def installed() -> list[str]:
    return [n for n, b in BACKENDS.items() if importlib.util.find_spec(b.module) is not None]


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
        spec = BACKENDS[name]
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
    if name == "jax" and dtype == "float64":
        import jax

        return jax.enable_x64(True)
    return contextlib.nullcontext()


def _run_one(
    spec: _Backend, cases: list[Case], size: int, dtype: str, budget: float
) -> list[Result]:
    """Time the cases in interleaved rounds (each round runs every case once), so that a
    slow spell of a shared machine hits every case alike; each keeps its best round."""
    xa, ga = _inputs(size, dtype)
    x, g = spec.convert(xa), spec.convert(ga)
    reps = 2 if size >= 10_000_000 else 3 if size >= 1_000_000 else 5
    warm = size < 10_000_000  # see _sampler
    settle = not warm and spec.name != "jax"  # jax compiles for every new shape
    samplers: dict[str, Callable[[], float]] = {
        "copy": _sampler(lambda: spec.copy(x), budget, warm)
    }
    if spec.name == "numpy":
        o = np.empty_like(xa)
        samplers["copyto"] = _sampler(lambda: np.copyto(o, xa), budget, warm)
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
        base = best.get("copyto", best["copy"]) if case.kind == "inplace" else best["copy"]
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
            )
        )
    return out


# --- the targets of issue 5 ----------------------------------------------------------------


def _get(results: list[Result], backend: str, dtype: str, size: int, label: str) -> Result | None:
    for r in results:
        if (r.backend, r.dtype, r.size, r.label) == (backend, dtype, size, label):
            return r
    return None


def targets(results: list[Result]) -> list[tuple[str, float, float, bool]]:
    """(target, measured, bound, met) for every target that these results can evaluate.

    Ratios: time of the library / time of the reference (below 1 is faster), except speedups
    (reference / library), marked by a bound above 1 with "speedup" in the name.
    """
    rows: list[tuple[str, float, float, bool]] = []
    keys = sorted({(r.backend, r.dtype, r.size) for r in results}, key=lambda k: (k[0], k[1], k[2]))

    def ratio(name: str, lib: Result | None, refs: list[Result | None], bound: float) -> None:
        found = [r for r in refs if r is not None]
        if lib is None or not found:
            return
        best = min(found, key=lambda r: r.seconds)
        value = lib.seconds / best.seconds
        rows.append((f"{name} (vs {best.label})", value, bound, value <= bound))

    for backend, dtype, size in keys:
        at = f"{backend} {dtype} n={size:,}"

        def g(label: str) -> Result | None:
            return _get(results, backend, dtype, size, label)  # noqa: B023

        if backend == "numpy":
            idioms = [
                "np.maximum(x, 0)",
                "np.clip(x, 0, inf)",
                "x * (x > 0)",
                "(abs(x) + x) / 2",
                "np.where(x > 0, x, 0)",
            ]
            ratio(
                f"{at}: relu <= 1.05x fastest idiom",
                g("activations.relu(x)"),
                [g(i) for i in idioms],
                1.05,
            )
            ratio(
                f"{at}: relu(out=x) <= 1.05x fastest in-place idiom",
                g("relu(x, out=x)"),
                [g("np.maximum(x, 0, out=x)"), g("np.clip(x, 0, inf, out=x)"), g("x[x < 0] = 0")],
                1.05,
            )
            ratio(
                f"{at}: relu.derivative <= (x>0).astype",
                g("relu.derivative(x)"),
                [g("(x > 0).astype(x.dtype)")],
                1.0,
            )
            ratio(
                f"{at}: relu.vjp <= np.multiply(dout, x>0)",
                g("relu.vjp(x, dout)"),
                [g("np.multiply(dout, x > 0)")],
                1.0,
            )
            if size >= 1_000_000:
                for f in ("gelu", "silu"):
                    lib, one = g(f"activations.{f}(x)"), g(f"{f}, 1 thread")
                    if lib and one:
                        speed = one.seconds / lib.seconds
                        rows.append(
                            (f"{at}: {f} speedup over 1 thread >= 1.6", speed, 1.6, speed >= 1.6)
                        )
            if size == 16:
                ratio(
                    f"{at}: dispatch <= 1.10x native",
                    g("activations.relu(x)"),
                    [g("np.maximum(x, 0)")],
                    1.10,
                )
        if backend == "torch":
            if size in (16, 100_000):
                ratio(
                    f"{at}: relu <= {'1.10' if size == 16 else '1.05'}x torch.relu",
                    g("activations.relu(x)"),
                    [g("torch.relu(x)")],
                    1.10 if size == 16 else 1.05,
                )
            if size >= 1_000_000:
                ratio(
                    f"{at}: fwd+bwd <= 1.2x native",
                    g("relu fwd+bwd"),
                    [g("torch.relu fwd+bwd")],
                    1.2,
                )
            if size >= 25_000_000:
                ratio(
                    f"{at}: relu <= torch.relu", g("activations.relu(x)"), [g("torch.relu(x)")], 1.0
                )
        if backend == "tensorflow":
            ratio(
                f"{at}: eager relu <= 1.1x tf.nn.relu",
                g("activations.relu(x)"),
                [g("tf.nn.relu(x)")],
                1.1,
            )
        if backend == "jax" and size <= 1_000:
            lib, ref = g("activations.relu(x)"), g("jax.nn.relu(x)")
            if lib and ref:
                speed = ref.seconds / lib.seconds
                rows.append(
                    (f"{at}: eager speedup over jax.nn.relu >= 10", speed, 10.0, speed >= 10)
                )
    return rows


def import_cost(runs: int = 7) -> tuple[float, float]:
    """(seconds for `import numpy`, extra seconds for `import activations`), best of runs.

    Measured as a user meets it from the second import on: with compiled bytecode cached
    (in a temporary PYTHONPYCACHEPREFIX, so nothing is written beside the sources, and even
    where PYTHONDONTWRITEBYTECODE is set; compiling the package's sources costs ~20 ms more).
    """
    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache

        def best(code: str) -> float:
            times = []
            for _ in range(runs + 1):  # the first run compiles and caches: not kept
                out = subprocess.run(
                    [
                        sys.executable,
                        "-c",
                        f"import time; t=time.perf_counter(); {code}; print(time.perf_counter()-t)",
                    ],
                    capture_output=True,
                    text=True,
                    check=True,
                    env=env,
                )
                times.append(float(out.stdout.strip().splitlines()[-1]))
            return min(times[1:])

        base = best("import numpy")
        return base, best("import numpy; import activations") - base


def plot(results: list[Result], path: str) -> str:
    """Percent of copy bandwidth against size, one panel per backend and dtype (a PNG)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError("the plot needs matplotlib: pip install matplotlib") from exc
    panels = sorted({(r.backend, r.dtype) for r in results})
    cols = 2
    rows = -(-len(panels) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(12, 3.6 * rows), squeeze=False)
    for ax, (backend, dtype) in zip(axes.flat, panels, strict=False):
        mine = [r for r in results if (r.backend, r.dtype) == (backend, dtype)]
        for label in dict.fromkeys(r.label for r in mine):
            pts = sorted((r.size, 100 / r.ratio) for r in mine if r.label == label)
            lib = any(r.library for r in mine if r.label == label)
            ax.plot(
                *zip(*pts, strict=True),
                marker="o" if lib else ".",
                linewidth=2.2 if lib else 1,
                linestyle="-" if lib else "--",
                label=label,
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f"{backend} {dtype}")
        ax.set_xlabel("elements")
        ax.set_ylabel("% of copy bandwidth")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=6, ncol=2)
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    fig.suptitle("activations: speed relative to copying the array (higher is faster)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
