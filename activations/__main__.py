"""The command line: ``python -m activations info | check | bench | plot``.

Every command names backends the same way (``numpy``, ``torch``, ``tensorflow``, ``jax``,
``pytensor``, ``array_api_strict``, ``dask``). A user's mistake (an unknown name, a missing
optional package) ends with a one-line message on stderr and exit status 2, never a traceback;
output piped into a program that stops reading (``| head``) ends quietly.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import math
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from importlib import metadata
from typing import Any

from . import __version__, backends


def _names() -> tuple[str, ...]:
    """The one set of backend names (the registry's, installed plugins' included)."""
    return tuple(lib.name for lib in backends.libraries())


class UsageError(Exception):
    """A user's mistake: reported in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors in one line like every other user error (no usage block:
    ``--help`` has it)."""

    def error(self, message: str) -> Any:
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


def _known(requested: Sequence[str] | None) -> list[str] | None:
    """The backends a command was asked for, each a known name, without repeats."""
    if not requested:
        return None
    names = _names()
    unknown = [n for n in requested if n not in names]
    if unknown:
        import difflib

        close = difflib.get_close_matches(unknown[0], names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise UsageError(f"unknown backend {unknown[0]!r}{hint}; backends: {', '.join(names)}")
    return list(dict.fromkeys(requested))


def _installed(names: list[str] | None) -> list[str] | None:
    """``names`` when every one is installed; a user error naming those that are not."""
    missing = [n for n in names or () if not _is_installed(n)]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        raise UsageError(f"{', '.join(missing)} {verb} not installed")
    return names


def _is_installed(name: str) -> bool:
    return importlib.util.find_spec(backends.library(name).module) is not None


def _backends(requested: Sequence[str] | None) -> list[str] | None:
    """The backends a command was asked for: known names, each installed."""
    return _installed(_known(requested))


def _activations(requested: Sequence[str] | None) -> None:
    """Unknown activation names are refused before any framework is imported."""
    from ._activation import get
    from ._axis import AXIS_ACTIVATIONS

    for name in requested or ():
        if name in AXIS_ACTIVATIONS:
            continue
        try:
            get(name)
        except ValueError as exc:
            raise UsageError(str(exc)) from None


def _size(text: str) -> int:
    """An array size: 100000, 100_000 or 1e5."""
    try:
        value = float(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r}") from None
    if not value.is_integer() or value < 1:
        raise argparse.ArgumentTypeError(f"not a whole positive size: {text!r}")
    return int(value)


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
    libraries = backends.libraries()
    found = {
        lib.name: [f"{d} {v}" for d in lib.distributions if (v := _version(d))] for lib in libraries
    }
    importable = {
        lib.name: lib.module
        for lib in libraries
        if found[lib.name] and importlib.util.find_spec(lib.module) is not None
    }
    errors = _import_checks(sorted(set(importable.values()))) if not args.no_import else {}
    broken = 0
    for lib in libraries:
        error = errors.get(lib.module)
        if lib.name in importable and error:
            state = f"BROKEN ({error})"
            broken += 1
        elif lib.name in importable:
            state = "available"
        else:
            state = "not installed"
        print(f"  {lib.name:<17} {state:<20} {', '.join(found[lib.name])}")
    print(
        "  (keras: Keras 3 symbolic tensors, run by the installed Keras backend; CuPy and any\n"
        "   other Array API namespace use the array_api_strict backend's code, through\n"
        "   array-api-compat)"
    )
    print(f"  {'numpy kernels':<17} {_numpy_kernels()}")
    for name, why in backends.failures().items():
        print(f"  backend {name} failed to load in this process: {why}")
    extra = [e.name for e in backends.entries() if e.name not in backends.BUILTIN]
    if extra:
        print(f"  third-party backends: {', '.join(extra)}")
    return 1 if broken else 0


def _numpy_kernels() -> str:
    """Whether relu's compiled NumPy ufuncs run here (the C extension built at install)."""
    from .backends.numpy import kernels

    if kernels.COMPILED:
        return "compiled (activations.backends.numpy._ufuncs)"
    if kernels.TURNED_OFF:
        return "pure NumPy (ACTIVATIONS_NUMPY_KERNELS=0)"
    return "pure NumPy (the C extension was not built at install: no C compiler?)"


def _ulp(e: float) -> str:
    return "inf" if math.isinf(e) else f"{e:.2g}" if e else "0"


def _cell(v: float, d: float) -> str:
    return f"{_ulp(v)}/{_ulp(d)}"


def cmd_check(args: argparse.Namespace) -> int:
    """The conformance table: max ULP error of value/derivative against the reference."""
    from . import _conformance as conf

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up notices
    t0 = time.perf_counter()
    _activations(args.activation)
    names = _backends(args.backend)
    if args.natives:
        return _check_natives(names, args)
    hs = conf.harnesses(names)
    for name, why in conf.unavailable.items():
        print(f"{name}: not checked here ({why})", file=sys.stderr)
    if not hs:
        raise UsageError(f"none of {', '.join(names or _names())} is installed")
    from ._axis import AXIS_ACTIVATIONS
    from ._conformance_axis import check_axis
    from ._progress import Progress

    requested = args.activation or []
    along = [n for n in AXIS_ACTIVATIONS if not requested or n in requested]
    elementwise = [n for n in requested if n not in AXIS_ACTIVATIONS]
    todo = conf.cells(hs, elementwise) if elementwise or not requested else []
    axis_todo = [(h, n, d) for h in hs for n in along for d in h.dtypes]
    with Progress(len(todo) + len(axis_todo), "checking") as bar:
        results = conf.check_cells(todo, args.random, bar.step)
        for h, n, d in axis_todo:
            bar.step(f"{h.name} {n} {d}")
            results.append(check_axis(h, n, d))
    failed = [r for r in results if not r.ok]
    print("Conformance of every activation with the mpmath reference (docs/conventions.md).")
    print("Cells: max error of value/derivative in ULPs of the dtype; 0 = bitwise identical to")
    print("the correctly rounded reference. Bounds: piecewise activations 0/0 (hardswish 3/3,")
    print("hard_sigmoid 2/1); smooth: float16/bfloat16 1/1, float32 4/8, float64 16/32 ULP.")
    print("softmax, log_softmax (along the vector): value/gradient of sum(w * f(x)), 1/1 up to")
    print("float32, float64 16/32 ULP.")
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
    ad_failed = _check_autodiff(todo, args) if args.autodiff else 0
    return 1 if failed or ad_failed else 0


def _check_natives(names: list[str] | None, args: argparse.Namespace) -> int:
    """The frameworks' own activations on the conformance cells (float32): where each one
    disagrees with the reference, by kind."""
    from . import _natives
    from ._progress import Progress

    t0 = time.perf_counter()
    if args.autodiff:
        raise UsageError("--natives measures first derivatives only; run --autodiff without it")
    found = _natives.sources(names)
    if not found:
        with_natives = sorted({n for s in _natives.SOURCES for n in s.selected_by})
        raise UsageError(
            f"{', '.join(names or _names())}: no native activations to measure here (natives: "
            f"{', '.join(with_natives)}, when installed)"
        )
    with Progress(None, "measuring") as bar:
        results = _natives.check_natives(
            names, args.activation, bar.step, n_random=args.random, found=found
        )
    if not results:
        raise UsageError(
            f"{', '.join(s.name for s in found)} "
            f"{'has' if len(found) == 1 else 'have'} no native {', '.join(args.activation or ())}"
        )
    print(
        "The frameworks' own activations against the contract (docs/conventions.md), float32,\n"
        "on the same points as check. Cells: worst error of value/derivative in ULPs at the\n"
        "ordinary points ('-': no autograd). Kinds: NaN (NaN in, not NaN out), -0.0 (sign of\n"
        "a zero), inf (not the limit at +-inf), kink (derivative at a kink), ULP (beyond the\n"
        "contract's bounds), defaults (default parameters differ), dtype (float32 in, another\n"
        "dtype out), error (raises for allowed parameters). The library: none of them."
    )
    kinds_order = ("NaN", "-0.0", "inf", "kink", "ULP", "defaults", "dtype", "error")
    for source in found:
        rows = [r for r in results if r.source == source.name]
        if not rows:
            continue
        width = max(len(r.label) for r in rows) + 2
        print(f"\n{source.name}")
        print(f"{'activation':<{width}}{'value/deriv':>14}  disagrees on")
        for r in rows:
            d = "-" if r.derivative_ulp is None else _ulp(r.derivative_ulp)
            kinds = ", ".join(k for k in kinds_order if k in r.kinds) or "-"
            print(f"{r.label:<{width}}{_ulp(r.value_ulp) + '/' + d:>14}  {kinds}")
            if args.verbose:
                for kind, example in r.examples.items():
                    print(f"{'':<{width}}{'':>14}    {kind}: {example}")
    print("\nWhere they disagree with each other (one example each):")
    for name in dict.fromkeys(r.label for r in results):
        seen = {r.source: r for r in results if r.label == name}
        for kind in kinds_order:
            who = [s for s, r in seen.items() if kind in r.kinds]
            example = seen[who[0]].examples[kind] if who else ""
            # a derivative's kind is compared among the sources that have derivatives
            peers = [
                s for s, r in seen.items() if r.derivative_ulp is not None or example[:2] != "f'"
            ]
            if who and len(who) < len(peers):
                fine = [s for s in peers if s not in who]
                print(f"  {name}, {kind}: {', '.join(who)} (not {', '.join(fine)}); {example}")
    print(f"\n({len(results)} cells, {time.perf_counter() - t0:.0f} s)")
    return 0


def _check_autodiff(todo: list[Any], args: argparse.Namespace) -> int:
    """The autodiff matrix (parameters as arrays, their gradients, forward mode, second
    derivatives) on the same cells; prints a summary per backend, returns the failures."""
    from . import _conformance_ad as ad
    from ._progress import Progress

    t0 = time.perf_counter()
    offered = {h.name: ad.ad_for(h) for h, *_ in todo}
    todo = [t for t in todo if offered[t[0].name] is not None]  # Keras: its backend's autodiff
    with Progress(len(todo), "differentiating") as bar:
        results = []
        for h, spec, kw, dtype in todo:
            bar.step(f"{h.name} {spec.name} {dtype}")
            results.append(ad.check_ad(h, spec, kw, dtype, max(20, args.random // 4)))
    print(
        "\nParameters and derivatives beyond the first: parameters given as arrays, their "
        "gradients\n(against the reference's partial derivatives), forward mode and second "
        "derivatives.\nWorst errors in ULPs; '-' where the framework has no such autodiff."
    )
    second = "f''"
    print(f"{'backend':<18}{'cells':>7}{'failed':>8}{'df/dparam':>11}{'jvp':>7}{second:>8}")
    for name in dict.fromkeys(r.backend for r in results):
        rows = [r for r in results if r.backend == name]
        a = offered[name]
        assert a is not None
        worst = {
            k: max(getattr(r, k) for r in rows) for k in ("param_ulp", "jvp_ulp", "second_ulp")
        }
        jvp = _ulp(worst["jvp_ulp"]) if a.jvp else "-"
        dd = _ulp(worst["second_ulp"]) if a.second else "-"
        print(
            f"{name:<18}{len(rows):>7}{sum(not r.ok for r in rows):>8}"
            f"{_ulp(worst['param_ulp']):>11}{jvp:>7}{dd:>8}"
        )
    bad = [r for r in results if not r.ok]
    for r in bad:
        print(f"FAIL {r.backend} {r.label} {r.dtype}:")
        for line in (r.failures or [])[: 5 if not args.verbose else None]:
            print(f"    {line}")
    print(
        f"({len(results) - len(bad)} passed, {len(bad)} failed, {time.perf_counter() - t0:.1f} s)"
    )
    return len(bad)


def _fmt_time(s: float) -> str:
    return f"{s * 1e6:9.1f} us" if s < 1e-2 else f"{s * 1e3:9.1f} ms"


def cmd_bench(args: argparse.Namespace) -> int:
    """Timings against hand-written idioms and native calls, as ratios to a copy."""
    from . import _bench

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    t0 = time.perf_counter()
    requested = _known(args.backend)
    from ._convert import MODULES

    symbolic = [n for n in requested or () if n not in MODULES]
    if symbolic:
        raise UsageError(
            f"{', '.join(symbolic)}: symbolic tensors, not timed (bench times "
            f"{', '.join(_bench.BENCHED)}; the loop over parameter values {', '.join(MODULES)})"
        )
    names = [n for n in requested or _bench.installed() if n in _bench.BENCHED]
    if requested and not names and not args.param_values:
        raise UsageError(
            f"bench times {', '.join(_bench.BENCHED)}; {', '.join(requested)} only take part "
            "in the loop over parameter values (--param-values) and in check"
        )
    _installed(requested)
    sizes = tuple(args.size) if args.size else (_bench.QUICK_SIZES if args.quick else _bench.SIZES)
    dtypes = tuple(args.dtype) if args.dtype else _bench.DTYPES

    from ._progress import Progress

    with Progress(None, "timing") as bar:
        results = _bench.run(names, sizes, dtypes, budget=args.budget, progress=bar.step)
    print("Times are the best of several runs; 'x copy' is the time over copying the same array:")
    print("into a fresh array for out-of-place calls; for in-place ones, np.copyto(b, x) into")
    print("fresh copies b of x made as the in-place calls' own inputs are (outside the timed")
    print("loop, up to 32 MB of them), so that both meet the same caches.")
    print("'% bw' is the copy's time over the call's (100% = copy speed); 'mem' is NumPy's peak")
    print("extra memory as a multiple of the input (1.0 = one output array). * = this library.")
    print("'x idiom' is the time over the fastest reference (idiom or native call) of the same")
    print("operation (relu's value, in place, derivative, vjp; each of leaky_relu, relu6, ...),")
    print("measured in the same run.")
    fastest = _bench.fastest_references(results)
    width = max([28, *(len(r.label) + 1 for r in results)])  # the family's idioms are long
    key = None
    for r in results:
        if (r.backend, r.dtype, r.size) != key:
            key = (r.backend, r.dtype, r.size)
            print(
                f"\n{r.backend} {r.dtype} n={r.size:,}  (copy {_fmt_time(r.copy_seconds).strip()})"
            )
        mem = f"{r.peak:5.2f}" if r.peak is not None else "    -"
        star = "*" if r.library else " "
        best = fastest.get((r.backend, r.dtype, r.size, r.group))
        idiom = f"{r.seconds / best:6.2f}x idiom" if best else " " * 12
        print(
            f" {star} {r.label:<{width}}{_fmt_time(r.seconds)} {idiom} {r.ratio:6.2f}x copy "
            f"{r.gbps:7.1f} GB/s {100 / r.ratio:6.0f}% bw  mem {mem}"
        )
    rows = _bench.targets(results)
    if rows:
        print(
            "\nSpeed targets: the library's time over the reference's (below 1: faster), or a "
            "speedup\nwhere stated. Each missed target says why; docs/performance.md has the "
            "measurements."
        )
        for name, value, bound, ok, why in rows:
            state = "met   " if ok else "missed"
            print(f"  {state} {value:6.2f} (target {bound:g})  {name}")
            if not ok:
                print(f"         why: {why}")
    if args.param_values:
        from ._bench import params as _bench_params

        loops = requested or _bench_params.installed()
        with Progress(None, "looping") as bar:
            done = _bench_params.run(loops, args.param_values, progress=bar.step)
        print(
            f"\nMany parameter values: leaky_relu(x, slope) on 1,000 float32 elements with "
            f"{args.param_values:,} distinct slopes (an annealed parameter); time per call over "
            "the first and the last tenth of the loop, and the growth of resident memory over "
            "it (flat: no cache keyed by parameter values)"
        )
        for loop in done:
            grew = "n/a" if loop.grew_mb is None else f"{loop.grew_mb:+.1f} MB"
            print(
                f"  {loop.backend:<17}{loop.first_us:9.1f} us -> {loop.last_us:9.1f} us per call"
                f"   memory {grew}"
            )
    if not args.no_import:
        base, extra = _bench.import_cost()
        print(
            f"\nimport numpy {base * 1e3:.1f} ms; import activations adds {extra * 1e3:.1f} ms "
            f"(bytecode cached; target <= 30 ms: {'met' if extra <= 0.030 else 'missed'})"
        )
    if args.plot:
        print(f"plot: {_bench.plot(results, args.plot)}")
    print(f"\n({time.perf_counter() - t0:.0f} s)")
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    """An activation and its derivative from every installed backend, kinks marked."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UsageError(
            "plot draws with matplotlib: pip install 'activations-shim[bench]'"
        ) from None
    if not args.name and not args.gallery:
        raise UsageError("give an activation name, or --gallery DIR")
    _activations([args.name] if args.name else None)
    names = _backends(args.backend)
    from . import _plot
    from ._progress import Progress

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if args.gallery:
        from ._catalog import CATALOG

        with Progress(len(CATALOG), "drawing") as bar:
            page = _plot.gallery(args.gallery, args.page, names, step=bar.step)
        print(f"gallery: {page} ({len(CATALOG)} activations in {args.gallery})")
        return 0
    try:
        kwargs = _plot.parse_params(args.param or [])
        path, worst = _plot.plot(args.name, args.out, kwargs or None, names, tuple(args.range))
    except (ValueError, TypeError) as exc:
        raise UsageError(str(exc)) from None
    print(f"{path}: largest difference between backends {worst:.3g}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        status = int(args.func(args))
        sys.stdout.flush()  # here, not at exit, so that a closed pipe is handled below
        return status
    except UsageError as exc:
        print(f"{parser.prog} {args.command}: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader stopped (| head): nothing more to say
        # so that the interpreter's flush at exit does not fail again (where stdout is a file)
        with contextlib.suppress(AttributeError, OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m activations",
        description="ReLU and its variants with the same numbers on every array library.",
    )
    parser.add_argument("--version", action="version", version=f"activations {__version__}")
    backend_help = f"only this backend (repeatable): {', '.join(_names())}"
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("info", help="installed backends and their versions")
    p.add_argument("--no-import", action="store_true", help="do not test-import the frameworks")
    p.set_defaults(func=cmd_info)
    p = sub.add_parser("check", help="conformance table against the high-precision reference")
    p.add_argument("--backend", action="append", help=backend_help)
    p.add_argument("--activation", action="append", help="only this activation (repeatable)")
    p.add_argument("--random", type=int, default=200, help="random points per range (200)")
    p.add_argument("-v", "--verbose", action="store_true", help="list every failing point")
    p.add_argument(
        "--autodiff",
        action="store_true",
        help="also check parameters as arrays, their gradients, forward mode and second "
        "derivatives",
    )
    p.add_argument(
        "--natives",
        action="store_true",
        help="measure the frameworks' own activations (torch.nn.functional, tf.nn, jax.nn, "
        "keras.ops, NumPy idioms) instead, and where they disagree",
    )
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("bench", help="timings against hand-written idioms and native calls")
    p.add_argument("--backend", action="append", help=backend_help)
    p.add_argument(
        "--size", action="append", type=_size, help="only this size, e.g. 1e5 (repeatable)"
    )
    p.add_argument("--dtype", action="append", choices=["float32", "float64"])
    p.add_argument("--quick", action="store_true", help="sizes up to 1e6 only")
    p.add_argument("--budget", type=float, default=0.01, help="seconds per timing loop (0.01)")
    p.add_argument("--plot", metavar="PNG", help="also draw the results into this PNG file")
    p.add_argument("--no-import", action="store_true", help="skip the import-time measurement")
    p.add_argument(
        "--param-values",
        type=int,
        default=10_000,
        metavar="N",
        help="calls with distinct parameter values per backend (10000; 0 skips the loop)",
    )
    p.set_defaults(func=cmd_bench)
    p = sub.add_parser("plot", help="an activation and its derivative from every backend")
    p.add_argument("name", nargs="?", help="activation name or alias")
    p.add_argument("--out", metavar="PNG", help="output file (NAME.png)")
    p.add_argument("--param", action="append", metavar="NAME=VALUE", help="a parameter")
    p.add_argument("--backend", action="append", help=backend_help)
    p.add_argument("--range", nargs=2, type=float, default=(-6.0, 6.0), metavar=("LO", "HI"))
    p.add_argument("--gallery", metavar="DIR", help="draw every activation into DIR")
    p.add_argument("--page", metavar="MD", help="the gallery's Markdown page (DIR/../gallery.md)")
    p.set_defaults(func=cmd_plot)
    return parser


if __name__ == "__main__":
    sys.exit(main())
