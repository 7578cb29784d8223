"""The conformance check: each activation on each backend against the mpmath reference.

Shared by ``python -m activations check`` and the test suite. For every activation, parameter
set (defaults and the catalog's examples), backend and dtype it evaluates the value and the
gradient on the contract's edge values, the kinks and their neighbours, and random values over
the whole finite range, and measures the error in ULPs of the dtype (docs/conventions.md):

- exact activations: the correctly rounded reference, bit for bit (sign of zero included);
  hardswish and hard_sigmoid (a division by 6) within 3 and 2 ULP;
- smooth activations: value / derivative within 1/1 ULP (float16, bfloat16), 4/8 (float32),
  16/32 (float64), with floors 2**-10 (value) and 2**-3 (derivative).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import _reference as ref
from . import backends
from ._activation import get
from ._catalog import CATALOG
from ._dtypes import FORMATS, round_to
from ._spec import REQUIRED, Spec
from .backends import Library

__all__ = [
    "BOUNDS",
    "DERIVATIVE_FLOOR",
    "VALUE_FLOOR",
    "Harness",
    "Result",
    "Unavailable",
    "all_backends",
    "bounds",
    "cells",
    "check_cells",
    "checks",
    "eager_harness",
    "harnesses",
    "inputs",
    "param_sets",
    "run",
    "unavailable",
]

VALUE_FLOOR = 2.0**-10
DERIVATIVE_FLOOR = 2.0**-3
# smooth activations: (value, derivative) in ULPs of the dtype
BOUNDS: dict[str, tuple[float, float]] = {
    "float16": (1, 1),
    "bfloat16": (1, 1),
    "float32": (4, 8),
    "float64": (16, 32),
}


def bounds(spec: Spec, dtype: str) -> tuple[float, float]:
    """The (value, derivative) ULP bounds of ``spec`` in ``dtype`` (0 means bitwise)."""
    if spec.piecewise:
        return spec.division_ulps or (0, 0)
    return BOUNDS[dtype]


# --- inputs ------------------------------------------------------------------------------------


def _to_bfloat16(a: np.ndarray) -> np.ndarray:
    """Round float64 values to bfloat16 (ties to even), returned as float64."""
    f = np.asarray(a, dtype=np.float64)
    out = f.copy()
    finite = np.isfinite(f) & (f != 0)
    out[finite] = [round_to(v, "bfloat16") for v in f[finite]]
    return np.asarray(out)


def representable(values: Iterable[float], dtype: str) -> np.ndarray:
    """The values rounded to ``dtype``, as float64 (overflow gives +-inf), sorted, unique."""
    a = np.asarray(list(values), dtype=np.float64)
    with np.errstate(over="ignore"):
        r = _to_bfloat16(a) if dtype == "bfloat16" else a.astype(dtype).astype(np.float64)
    keep = ~np.isnan(r)
    # unique, but keep -0.0 beside 0.0 and one nan
    finite = sorted(set(map(float, r[keep])) | {-0.0}, key=lambda v: (v, math.copysign(1, v)))
    return np.array([*finite, math.nan], dtype=np.float64)


def _neighbours(v: float, dtype: str) -> list[float]:
    fmt = FORMATS[dtype]
    v = float(round_to(v, dtype))
    step = fmt.ulp(abs(v))
    return [v - step, v, v + step, v - 2 * step, v + 2 * step]


def inputs(spec: Spec, params: Mapping[str, Any], dtype: str, n_random: int = 200) -> np.ndarray:
    """Edge values, kinks and neighbours, and random values of ``dtype``, as float64."""
    fmt = FORMATS[dtype]
    edges = [
        0.0,
        fmt.smallest_subnormal,
        fmt.smallest_normal,
        fmt.smallest_normal * 0.75,
        1e-8,
        1e-4,
        0.5,
        1.0,
        2.0,
        3.0,
        6.0,
        10.0,
        20.0,
        30.0,
        40.0,
        100.0,
        710.0,
        745.0,
        1e4,
        1e10,
        1e30,
        1e100,
        1e300,
        fmt.max_value,
        math.inf,
    ]
    values: list[float] = [s * v for v in edges for s in (1.0, -1.0)]
    kinks = [k for k, _ in spec.kinks(params)]
    for k in kinks:
        if isinstance(k, (int, float)):
            values += _neighbours(k, dtype)
    for k in (-3.0, 3.0, 6.0, 0.0):
        values += _neighbours(k, dtype)
    rng = np.random.default_rng(
        zlib.crc32(f"{spec.name} {dtype} {sorted(params.items())}".encode())
    )
    lo = math.log2(fmt.smallest_subnormal)
    hi = math.log2(fmt.max_value)
    mags = np.exp2(rng.uniform(lo, hi, n_random))
    values += list(mags * rng.choice([-1.0, 1.0], n_random))
    values += list(rng.uniform(-12, 12, n_random))
    values += list(rng.uniform(-4, 4, n_random))
    return representable(values, dtype)


def param_sets(spec: Spec) -> list[dict[str, Any]]:
    """The defaults (unless a parameter is required), then the catalog's examples."""
    required = any(p.default is REQUIRED for p in spec.params)
    defaults: list[dict[str, Any]] = [] if required else [{}]
    return defaults + [dict(e) for e in spec.examples]


def label(spec: Spec, kwargs: Mapping[str, Any]) -> str:
    if not kwargs:
        return spec.name
    return f"{spec.name}({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"


# --- harnesses ---------------------------------------------------------------------------------


@dataclass
class Harness:
    """How a backend is driven by the conformance check."""

    name: str
    dtypes: tuple[str, ...]
    make: Callable[[np.ndarray, str], Any]  # float64 values -> the backend's array
    value: Callable[[Any, Any, Mapping[str, Any]], Any]  # (activation, x, kwargs) -> f(x)
    grad: Callable[[Any, Any, Mapping[str, Any]], Any]  # -> df/dx through the backend's autograd
    to_numpy: Callable[[Any], np.ndarray]  # -> float64
    flushes_subnormals: bool = False
    version: str = ""
    autograd: bool = True  # False: grad is the library's own derivative (no autograd)


def eager_harness(
    lib: Library, version: str, check: Callable[[Any], None] = lambda y: None
) -> Harness:
    """The harness of a library without autograd: ``grad`` is ``derivative``; ``check`` is
    run on every result."""
    from ._convert import to_backend, to_numpy

    def back(y: Any) -> np.ndarray:
        check(y)
        return np.asarray(to_numpy(y), dtype=np.float64)

    return Harness(
        name=lib.name,
        dtypes=lib.dtypes,
        make=lambda v, dtype: to_backend(np.asarray(v).astype(dtype), lib.name),
        value=lambda f, x, kw: f(x, **kw),
        grad=lambda f, x, kw: f.derivative(x, **kw),
        to_numpy=back,
        flushes_subnormals=lib.flushes_subnormals,
        version=version,
        autograd=False,
    )


def all_backends() -> tuple[str, ...]:
    """The names of every backend the matrix covers (installed or not)."""
    return tuple(lib.name for lib in backends.libraries())


def installed(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(backends.library(name).module) is not None


def harnesses(names: Iterable[str] | None = None) -> list[Harness]:
    """The harnesses of the installed backends (all of them when ``names`` is None)."""
    known = all_backends()
    wanted = list(known) if names is None else list(names)
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise ValueError(f"unknown backend(s) {unknown}; known: {', '.join(known)}")
    found = []
    for n in wanted:
        if not installed(n):
            continue
        try:
            found.append(checks(n).harness())
        except Unavailable as exc:  # installed, but not usable here (Keras on its numpy backend)
            unavailable[n] = str(exc)
        except ImportError as exc:  # installed, but its import fails here (a missing dependency)
            unavailable[n] = f"importing it failed: {exc}"
    return found


class Unavailable(RuntimeError):
    """A backend is installed but its checks cannot run in this environment."""


unavailable: dict[str, str] = {}  # backend -> why harnesses() left it out


def checks(name: str) -> Any:
    """The module that drives backend ``name`` in the checks (imports its framework)."""
    import importlib

    return importlib.import_module(backends.library(name).checks)


# --- running -----------------------------------------------------------------------------------


@dataclass
class Result:
    activation: str
    label: str
    backend: str
    dtype: str
    value_ulp: float = 0.0
    derivative_ulp: float = 0.0
    bound: tuple[float, float] = (0, 0)
    points: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


_ref_cache: dict[tuple[str, str, str, int], tuple[np.ndarray, list[Any], list[Any]]] = {}


def _rounded_params(spec: Spec, kwargs: Mapping[str, Any], dtype: str) -> dict[str, Any]:
    """The bound parameters, rounded to ``dtype`` (rule 2)."""
    params = spec.bind((), dict(kwargs))
    return {
        k: (round_to(v, dtype) if isinstance(v, (int, float)) and not isinstance(v, bool) else v)
        for k, v in params.items()
    }


def _reference(
    spec: Spec, kwargs: Mapping[str, Any], dtype: str, n_random: int
) -> tuple[np.ndarray, list[Any], list[Any]]:
    key = (spec.name, repr(sorted(kwargs.items())), dtype, n_random)
    if key not in _ref_cache:
        params = spec.bind((), dict(kwargs))
        rounded = _rounded_params(spec, kwargs, dtype)
        xs = inputs(spec, params, dtype, n_random)
        vals = [ref.value(spec.name, float(x), rounded, dtype) for x in xs]
        ders = [ref.derivative(spec.name, float(x), rounded, dtype) for x in xs]
        _ref_cache[key] = (xs, vals, ders)
    return _ref_cache[key]


def _same_bits(got: float, want: float) -> bool:
    if math.isnan(want):
        return math.isnan(got)
    return got == want and math.copysign(1, got) == math.copysign(1, want)


def _error(g: float, r: Any, fmt: Any, floor: float, bound: float, signed_zero: bool) -> float:
    """The error of one result in ULPs (inf for a wrong NaN, infinity or sign of zero)."""
    want = ref.round_to_format(r, fmt)
    if bound == 0:
        same = _same_bits(g, want) if signed_zero else (g == want or _same_bits(g, want))
        return 0.0 if same else max(ref.ulp_error(g, r, fmt, floor), 1.0)
    err = ref.ulp_error(g, r, fmt, floor)
    if signed_zero and want == 0 and g == 0 and not _same_bits(g, want):
        return math.inf
    return err


def compare(
    dtype: str,
    xs: np.ndarray,
    got: np.ndarray,
    refs: list[Any],
    floor: float,
    bound: float,
    what: str,
    signed_zero: bool,
    flushed: Callable[[float], Any] | None = None,
) -> tuple[float, list[str]]:
    """The worst error in ULPs, and a description of each point out of bounds.

    ``flushed`` (for backends that flush subnormals, rule 7) gives the reference at +-0 for a
    subnormal input, and lets a subnormal reference come out as a zero of its sign; exact zeros
    keep their sign (rule 6) everywhere.
    """
    fmt = FORMATS[dtype]
    tiny = fmt.smallest_normal
    worst = 0.0
    failures: list[str] = []
    for x, g, r in zip(xs, got, refs, strict=True):
        g = float(g)
        candidates = [r]
        if flushed is not None and 0 < abs(x) < tiny:
            candidates.append(flushed(math.copysign(0.0, x)))
        errs = []
        for c in candidates:
            want = ref.round_to_format(c, fmt)
            if (
                flushed is not None
                and want != 0
                and abs(want) <= tiny
                and (g == 0 or g == want)
                and math.copysign(1.0, g) == math.copysign(1.0, want)
            ):
                # rule 7: a subnormal result (XLA: also +-tiny) may come out as a zero of its
                # sign; an exact zero reference is not subnormal, its sign is checked below
                errs.append(0.0)
            else:
                errs.append(_error(g, c, fmt, floor, bound, signed_zero))
        err = min(errs)
        worst = max(worst, err)
        if err > bound:
            want = ref.round_to_format(r, fmt)
            failures.append(f"{what}({float(x)!r}) = {g!r}, expected {want!r} ({err:.3g} ULP)")
    return worst, failures


def check_one(
    h: Harness, spec: Spec, kwargs: Mapping[str, Any], dtype: str, n_random: int = 200
) -> Result:
    xs, vals, ders = _reference(spec, kwargs, dtype, n_random)
    f = get(spec.name)
    res = Result(spec.name, label(spec, kwargs), h.name, dtype, bound=bounds(spec, dtype))
    res.points = len(xs)
    x = h.make(xs, dtype)
    try:
        y = h.to_numpy(h.value(f, x, kwargs))
        d = h.to_numpy(h.grad(f, x, kwargs))
    except Exception as exc:  # reported, not raised: the table shows every cell
        res.failures.append(f"raised {type(exc).__name__}: {exc}")
        res.value_ulp = res.derivative_ulp = math.inf
        return res
    vb, db = res.bound
    rounded = _rounded_params(spec, kwargs, dtype)
    fv_at = fd_at = None
    if h.flushes_subnormals:
        fv_at = lambda z: ref.value(spec.name, z, rounded, dtype)
        fd_at = lambda z: ref.derivative(spec.name, z, rounded, dtype)
    res.value_ulp, fv = compare(dtype, xs, y, vals, VALUE_FLOOR, vb, "f", True, fv_at)
    res.derivative_ulp, fd = compare(dtype, xs, d, ders, DERIVATIVE_FLOOR, db, "f'", False, fd_at)
    res.failures += fv + fd
    return res


Cell = tuple[Harness, Spec, dict[str, Any], str]  # (harness, activation, parameters, dtype)


def cells(hs: Iterable[Harness], activations: Iterable[str] | None = None) -> list[Cell]:
    """Every (harness, activation, parameter set, dtype) to check; ValueError for a bad name."""
    specs = (
        [CATALOG[get(a).__name__] for a in activations] if activations else list(CATALOG.values())
    )
    return [
        (h, spec, kwargs, dtype)
        for h in hs
        for spec in specs
        for kwargs in param_sets(spec)
        for dtype in h.dtypes
    ]


def check_cells(
    todo: Iterable[Cell], n_random: int = 200, progress: Callable[[str], None] | None = None
) -> list[Result]:
    """Check each cell; ``progress`` is told each one before it runs."""
    results = []
    for h, spec, kwargs, dtype in todo:
        if progress:
            progress(f"{h.name} {label(spec, kwargs)} {dtype}")
        results.append(check_one(h, spec, kwargs, dtype, n_random))
    return results


def run(
    backends: Iterable[str] | None = None,
    activations: Iterable[str] | None = None,
    n_random: int = 200,
    progress: Callable[[str], None] | None = None,
) -> list[Result]:
    """Check every activation and parameter set on every harness and dtype."""
    return check_cells(cells(harnesses(backends), activations), n_random, progress)
