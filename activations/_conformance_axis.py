"""The conformance cells of softmax and log_softmax (``python -m activations check``).

The harnesses take 1-D arrays, so each cell is a set of vectors, each normalised as a whole:
random spreads from 1e-3 to 1e3 (float16: to 30), -inf entries (masks), ties of the maximum,
a dominant maximum (log_softmax near -tiny), and NaN and +inf slices. The value is compared
with the definition in 2400-bit arithmetic, correctly rounded to the dtype; the gradient is
that of ``sum(w * f(x))`` for fixed weights w, through the backend's autograd (or ``vjp``
where there is none), against the same in exact arithmetic. Errors are ULPs of the dtype at
max(|reference|, floor), the floors of the elementwise cells; NaN must stay NaN.
"""

from __future__ import annotations

import math
import zlib
from typing import Any

import mpmath
import numpy as np

from . import _reference as ref
from ._axis import AXIS_ACTIVATIONS
from ._conformance import DERIVATIVE_FLOOR, VALUE_FLOOR, Harness, Result, _to_bfloat16
from ._dtypes import FORMATS

__all__ = ["AXIS_BOUNDS", "check_axis", "vectors"]

# (value, gradient) in ULPs of the dtype: computed in float64 and rounded once, so float16,
# bfloat16 and float32 are correctly rounded but for ties; float64 as the smooth activations
# (measured: 2.4 and 13 at most here, every backend)
AXIS_BOUNDS: dict[str, tuple[float, float]] = {
    "float16": (1, 1),
    "bfloat16": (1, 1),
    "float32": (1, 1),
    "float64": (16, 32),
}


def _rounded(values: Any, dtype: str) -> np.ndarray:
    """The values rounded to ``dtype``, in their order, as float64."""
    a = np.asarray(values, dtype=np.float64)
    with np.errstate(over="ignore"):
        return _to_bfloat16(a) if dtype == "bfloat16" else a.astype(dtype).astype(np.float64)


def vectors(dtype: str) -> list[np.ndarray]:
    """The input vectors of the cells of ``dtype`` (float64 arrays of representable values)."""
    rng = np.random.default_rng(zlib.crc32(f"axis {dtype}".encode()))
    top = 30.0 if dtype == "float16" else 1e3
    out = [_rounded(rng.normal(0, s, 12), dtype) for s in (1e-3, 1.0, 5.0, top / 4, top)]
    out += [
        _rounded([1.0, -math.inf, 2.0, -math.inf, 0.5], dtype),  # masked entries
        _rounded([3.0, 3.0, -1.0, 3.0, 0.0], dtype),  # ties of the maximum
        _rounded([0.0, -top / 2, -top, -top / 3], dtype),  # log_softmax = -tiny at 0
        _rounded([1.0, math.nan, 2.0], dtype),
        _rounded([1.0, math.inf, 2.0], dtype),
        _rounded([-math.inf, -math.inf], dtype),
    ]
    return out


def _exact(name: str, x: np.ndarray, w: np.ndarray) -> tuple[list[Any], list[Any]]:
    """f(x) and d sum(w * f(x)) / dx in 2400-bit arithmetic (NaN where the slice gives NaN)."""
    nan = [math.nan] * len(x)
    finite = [v for v in x if not math.isinf(v)]
    if any(math.isnan(v) for v in x) or any(v == math.inf for v in x) or not finite:
        return nan, nan
    with mpmath.workprec(2400):
        top = mpmath.mpf(max(finite))
        e = [mpmath.mpf(0) if v == -math.inf else mpmath.exp(mpmath.mpf(v) - top) for v in x]
        s = mpmath.fsum(e)
        y = [t / s for t in e]
        ws = [mpmath.mpf(float(v)) for v in w]
        if name == "softmax":
            dot = mpmath.fsum(a * b for a, b in zip(ws, y, strict=True))
            grad = [yi * (wi - dot) for yi, wi in zip(y, ws, strict=True)]
            return y, grad
        total = mpmath.fsum(ws)
        logs = [-mpmath.inf if t == 0 else mpmath.log(t) for t in y]
        return logs, [wi - yi * total for yi, wi in zip(y, ws, strict=True)]


def _error(got: float, want: Any, dtype: str, floor: float) -> float:
    if isinstance(want, float) and math.isinf(want):
        return 0.0 if got == want else math.inf
    if isinstance(want, mpmath.mpf) and mpmath.isinf(want):
        return 0.0 if got == float(want) else math.inf
    return ref.ulp_error(got, want, FORMATS[dtype], floor)


def check_axis(h: Harness, name: str, dtype: str) -> Result:
    """One cell: ``name`` (softmax or log_softmax) on harness ``h`` in ``dtype``."""
    f = AXIS_ACTIVATIONS[name]
    vb, gb = AXIS_BOUNDS[dtype]
    res = Result(name, name, h.name, dtype, bound=(vb, gb))
    autograd = h.autograd
    for x in vectors(dtype):
        w = _rounded(np.linspace(-2.0, 3.0, x.size), dtype)
        xb, wb = h.make(x, dtype), h.make(w, dtype)

        def weighted(t: Any, wb: Any = wb) -> Any:
            return f(t) * wb

        weighted.__name__ = f"{name} weighted {x.size} {zlib.crc32(w.tobytes())}"
        try:
            y = h.to_numpy(h.value(f, xb, {}))
            g = h.to_numpy(h.grad(weighted, xb, {}) if autograd else f.vjp(xb, wb))
        except Exception as exc:  # reported, not raised: the table shows every cell
            res.failures.append(f"raised {type(exc).__name__}: {exc}")
            res.value_ulp = res.derivative_ulp = math.inf
            return res
        vals, grads = _exact(name, x, w)
        res.points += x.size
        for what, got, refs, floor, bound in (
            ("f", y, vals, VALUE_FLOOR, vb),
            ("grad", g, grads, DERIVATIVE_FLOOR, gb),
        ):
            for i, (a, r) in enumerate(zip(got, refs, strict=True)):
                if h.flushes_subnormals and isinstance(r, mpmath.mpf) and mpmath.isfinite(r):
                    rounded = ref.round_to_format(r, FORMATS[dtype])
                    if abs(rounded) < FORMATS[dtype].smallest_normal and float(a) == 0:
                        continue  # a subnormal result may come out as zero (rule 7)
                err = _error(float(a), r, dtype, floor)
                if what == "f":
                    res.value_ulp = max(res.value_ulp, err)
                else:
                    res.derivative_ulp = max(res.derivative_ulp, err)
                if err > bound:
                    res.failures.append(
                        f"{what} of {name}({list(x)})[{i}] = {float(a)!r} ({err:.3g} ULP)"
                    )
    return res
