"""The command line: ``python -m activations info | check | bench | plot``."""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from importlib import metadata

from . import __version__, backends

# The frameworks a built-in backend serves: (backend, distributions to report, module).
FRAMEWORKS = (
    ("numpy", ("numpy", "scipy"), "numpy"),
    ("torch", ("torch",), "torch"),
    ("tensorflow", ("tensorflow", "tensorflow-cpu"), "tensorflow"),
    ("keras", ("keras",), "keras"),
    ("jax", ("jax", "jaxlib"), "jax"),
    ("pytensor", ("pytensor",), "pytensor"),
    ("dask", ("dask", "distributed"), "dask"),
    ("array_api", ("array-api-compat", "array-api-strict", "cupy"), "array_api_compat"),
)


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _import_checks(modules: list[str]) -> dict[str, str | None]:
    """Import each module in a subprocess of its own (in parallel): None, or the error."""
    procs = {
        m: subprocess.Popen(
            [sys.executable, "-c", f"import {m}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        )
        for m in modules
    }
    result: dict[str, str | None] = {}
    for m, proc in procs.items():
        try:
            _, err = proc.communicate(timeout=180)
        except subprocess.TimeoutExpired:
            proc.kill()
            result[m] = "import did not finish in 180 s"
            continue
        lines = [line for line in err.strip().splitlines() if line.strip()]
        result[m] = (
            None if proc.returncode == 0 else (lines[-1] if lines else f"exit {proc.returncode}")
        )
    return result


def cmd_info(args: argparse.Namespace) -> int:
    """Installed frameworks and versions; each installed framework is imported in a
    subprocess, so that a broken install shows here with its error."""
    print(f"activations {__version__} on Python {sys.version.split()[0]}")
    registered = {e.name for e in backends.entries()}
    found = {
        name: [f"{d} {v}" for d in dists if (v := _version(d))]
        for name, dists, module in FRAMEWORKS
    }
    importable = {
        name: module
        for name, dists, module in FRAMEWORKS
        if module is not None and found[name] and importlib.util.find_spec(module) is not None
    }
    errors = _import_checks(sorted(set(importable.values()))) if not args.no_import else {}
    broken = 0
    for name, _dists, module in FRAMEWORKS:
        error = errors.get(module) if module else None
        if name not in registered:
            state = "not implemented yet"
        elif name in importable and error:
            state = f"BROKEN ({error})"
            broken += 1
        elif name in importable:
            state = "available"
        else:
            state = "not installed"
        print(f"  {name:<11} {state:<20} {', '.join(found[name])}")
    for name, why in backends.failures().items():
        print(f"  backend {name} failed to load in this process: {why}")
    extra = [e.name for e in backends.entries() if e.name not in {f[0] for f in FRAMEWORKS}]
    if extra:
        print(f"  third-party backends: {', '.join(extra)}")
    return 1 if broken else 0


def _cell(v: float, d: float) -> str:
    def f(e: float) -> str:
        return "inf" if math.isinf(e) else f"{e:.2g}" if e else "0"

    return f"{f(v)}/{f(d)}"


def cmd_check(args: argparse.Namespace) -> int:
    """The conformance table: max ULP error of value/derivative against the reference."""
    from . import _conformance as conf

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up notices
    t0 = time.perf_counter()
    names = args.backend or None
    hs = conf.harnesses(names)
    if not hs:
        print(f"no installed backend among {names}", file=sys.stderr)
        return 2
    from ._progress import Progress

    try:
        todo = conf.cells(hs, args.activation)
    except ValueError as exc:
        print(f"check: {exc}", file=sys.stderr)
        return 2
    with Progress(len(todo), "checking") as bar:
        results = conf.check_cells(todo, args.random, bar.step)
    failed = [r for r in results if not r.ok]
    print("Conformance of every activation with the mpmath reference (docs/conventions.md).")
    print("Cells: max error of value/derivative in ULPs of the dtype; 0 = bitwise identical to")
    print("the correctly rounded reference. Bounds: exact activations 0/0 (hardswish 3/3,")
    print("hard_sigmoid 2/1); smooth: float16/bfloat16 1/1, float32 4/8, float64 16/32 ULP.")
    for h in hs:
        rows = [r for r in results if r.backend == h.name]
        labels = list(dict.fromkeys(r.label for r in rows))
        width = max(len(label) for label in labels) + 2
        print(f"\n{h.name} {h.version}")
        print(f"{'activation':<{width}}" + "".join(f"{d:>12}" for d in h.dtypes) + "  result")
        for label in labels:
            cells = {r.dtype: r for r in rows if r.label == label}
            ok = all(c.ok for c in cells.values())
            line = f"{label:<{width}}"
            line += "".join(
                f"{_cell(cells[d].value_ulp, cells[d].derivative_ulp):>12}"
                if d in cells
                else " " * 12
                for d in h.dtypes
            )
            print(line + ("  pass" if ok else "  FAIL"))
    points = sum(r.points for r in results)
    print(
        f"\n{len(results) - len(failed)} passed, {len(failed)} failed "
        f"({points} points, {time.perf_counter() - t0:.1f} s)"
    )
    for r in failed:
        print(f"FAIL {r.backend} {r.label} {r.dtype}:")
        for line in r.failures[: 5 if not args.verbose else None]:
            print(f"    {line}")
    return 1 if failed else 0


def _fmt_time(s: float) -> str:
    return f"{s * 1e6:9.1f} us" if s < 1e-2 else f"{s * 1e3:9.1f} ms"


def cmd_bench(args: argparse.Namespace) -> int:
    """Timings against hand-written idioms and native calls, as ratios to a copy."""
    from . import _bench

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    t0 = time.perf_counter()
    available = _bench.installed()
    names = args.backend or available
    missing = [n for n in names if n not in available]
    if missing:
        print(f"not installed or not benchmarked: {', '.join(missing)}", file=sys.stderr)
        return 2
    sizes = tuple(args.size) if args.size else (_bench.QUICK_SIZES if args.quick else _bench.SIZES)
    dtypes = tuple(args.dtype) if args.dtype else _bench.DTYPES

    from ._progress import Progress

    with Progress(None, "timing") as bar:
        results = _bench.run(names, sizes, dtypes, budget=args.budget, progress=bar.step)
    print("Times are the best of several runs; 'x copy' is the time over copying the same array")
    print("(a fresh copy for out-of-place calls, a copy into an existing array for in-place ones);")
    print("'% bw' is the copy's time over the call's (100% = copy speed); 'mem' is NumPy's peak")
    print("extra memory as a multiple of the input (1.0 = one output array). * = this library.")
    key = None
    for r in results:
        if (r.backend, r.dtype, r.size) != key:
            key = (r.backend, r.dtype, r.size)
            print(
                f"\n{r.backend} {r.dtype} n={r.size:,}  (copy {_fmt_time(r.copy_seconds).strip()})"
            )
        mem = f"{r.peak:5.2f}" if r.peak is not None else "    -"
        star = "*" if r.library else " "
        print(
            f" {star} {r.label:<28}{_fmt_time(r.seconds)} {r.ratio:7.2f}x copy "
            f"{r.gbps:7.1f} GB/s {100 / r.ratio:6.0f}% bw  mem {mem}"
        )
    rows = _bench.targets(results)
    if rows:
        print("\nTargets (issue 5): library time / reference time, or a speedup where stated")
        for name, value, bound, ok in rows:
            print(f"  {'met ' if ok else 'MISS'}  {value:6.2f}  (bound {bound:g})  {name}")
    if not args.no_import:
        base, extra = _bench.import_cost()
        print(
            f"\nimport numpy {base * 1e3:.1f} ms; import activations adds {extra * 1e3:.1f} ms "
            f"(bytecode cached; target <= 30 ms: {'met' if extra <= 0.030 else 'MISS'})"
        )
    if args.plot:
        print(f"plot: {_bench.plot(results, args.plot)}")
    print(f"\n({time.perf_counter() - t0:.0f} s)")
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    """An activation and its derivative from every installed backend, kinks marked."""
    from . import _plot
    from ._progress import Progress

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if args.gallery:
        from ._catalog import CATALOG

        with Progress(len(CATALOG), "drawing") as bar:
            page = _plot.gallery(args.gallery, args.page, args.backend, step=bar.step)
        print(f"gallery: {page} ({len(CATALOG)} activations in {args.gallery})")
        return 0
    if not args.name:
        print("plot: give an activation name, or --gallery DIR", file=sys.stderr)
        return 2
    try:
        kwargs = _plot.parse_params(args.param or [])
        path, worst = _plot.plot(
            args.name, args.out, kwargs or None, args.backend, tuple(args.range)
        )
    except (ValueError, TypeError) as exc:
        print(f"plot: {exc}", file=sys.stderr)
        return 2
    print(f"{path}: largest difference between backends {worst:.3g}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m activations",
        description="ReLU and its variants with the same numbers on every array library.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("info", help="installed backends and their versions")
    p.add_argument("--no-import", action="store_true", help="do not test-import the frameworks")
    p.set_defaults(func=cmd_info)
    p = sub.add_parser("check", help="conformance table against the high-precision reference")
    p.add_argument("--backend", action="append", help="only this backend (repeatable)")
    p.add_argument("--activation", action="append", help="only this activation (repeatable)")
    p.add_argument("--random", type=int, default=200, help="random points per range (200)")
    p.add_argument("-v", "--verbose", action="store_true", help="list every failing point")
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("bench", help="timings against hand-written idioms and native calls")
    p.add_argument("--backend", action="append", help="only this backend (repeatable)")
    p.add_argument("--size", action="append", type=int, help="only this size (repeatable)")
    p.add_argument("--dtype", action="append", choices=["float32", "float64"])
    p.add_argument("--quick", action="store_true", help="sizes up to 1e6 only")
    p.add_argument("--budget", type=float, default=0.01, help="seconds per timing loop (0.01)")
    p.add_argument("--plot", metavar="PNG", help="also draw the results into this PNG file")
    p.add_argument("--no-import", action="store_true", help="skip the import-time measurement")
    p.set_defaults(func=cmd_bench)
    p = sub.add_parser("plot", help="an activation and its derivative from every backend")
    p.add_argument("name", nargs="?", help="activation name or alias")
    p.add_argument("--out", metavar="PNG", help="output file (NAME.png)")
    p.add_argument("--param", action="append", metavar="NAME=VALUE", help="a parameter")
    p.add_argument("--backend", action="append", help="only this backend (repeatable)")
    p.add_argument("--range", nargs=2, type=float, default=(-6.0, 6.0), metavar=("LO", "HI"))
    p.add_argument("--gallery", metavar="DIR", help="draw every activation into DIR")
    p.add_argument("--page", metavar="MD", help="the gallery's Markdown page (DIR/../gallery.md)")
    p.set_defaults(func=cmd_plot)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
