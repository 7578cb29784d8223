"""The conformance of parameters and of derivatives beyond the first, on every backend.

Shared by ``python -m activations check`` and the tests. For each activation, parameter set
(defaults and the catalog's examples), backend and dtype, on the same inputs as the
conformance check:

- array parameters: every numeric parameter given as a 0-d array of the backend keeps the
  contract of the same call with numbers (piecewise linear: bit for bit);
- parameter gradients: one parameter given as an array of x's shape (so that its gradient is
  elementwise), differentiated by the backend's autograd (``vjp(..., wrt=...)`` where it has
  none), against the reference's partial derivative, within the derivative's bounds;
- forward mode: the backend's jvp with a tangent of ones against ``derivative`` (the same
  bits; TensorFlow's forward accumulator transposes the backward pass and may round
  differently: within the derivative's bounds of the reference);
- second derivatives: the backend's autodiff of its gradient against the reference's f''
  (mpmath), within 4x the derivative's bounds, at points that are not kinks.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _reference as ref
from ._activation import get
from ._conformance import (
    DERIVATIVE_FLOOR,
    VALUE_FLOOR,
    Harness,
    _reference,
    _rounded_params,
    bounds,
    checks,
    compare,
)
from ._dtypes import FORMATS
from ._spec import Spec
from .backends import Library

__all__ = ["Ad", "AdResult", "ad_for", "check_ad", "eager_ad", "vjp_grad"]

Fn = Any  # an activation object


@dataclass
class Ad:
    """What a backend offers beyond values and first derivatives (None: not offered)."""

    param: Callable[[float, Any, bool], Any]  # (value, x, full) -> a 0-d or x-shaped array
    param_grad: Callable[[Fn, Any, dict[str, Any], str], Any]  # elementwise d f / d param
    jvp: Callable[[Fn, Any, dict[str, Any]], Any] | None = None  # tangent for ones
    second: Callable[[Fn, Any, dict[str, Any]], Any] | None = None  # f''(x) elementwise
    exact_jvp: bool = True  # the jvp gives derivative()'s bits
    scalar_is_number: bool = False  # a 0-d parameter is taken as a number (NumPy)


def vjp_grad(f: Fn, x: Any, kw: dict[str, Any], name: str, ones: Callable[[Any], Any]) -> Any:
    """d f / d param through ``vjp(..., wrt=name)``, for backends without autograd."""
    result = f.vjp(x, ones(x), **kw, wrt=name)
    return result[-1] if name != "weight" else result[1]


def eager_ad(lib: Library) -> Ad:
    """The autodiff of a library without autograd: parameter gradients through ``vjp``."""
    from ._convert import to_backend

    def np_dtype(x: Any) -> str:
        return str(getattr(x.dtype, "name", x.dtype)).split(".")[-1]

    def param(v: float, x: Any, full: bool) -> Any:
        return to_backend(np.full(x.shape if full else (), v, np_dtype(x)), lib.name)

    def ones(x: Any) -> Any:
        return to_backend(np.ones(x.shape, np_dtype(x)), lib.name)

    return Ad(param=param, param_grad=lambda f, x, kw, n: vjp_grad(f, x, kw, n, ones))


def ad_for(h: Harness) -> Ad | None:
    """The autodiff capabilities of a harness's backend (None: not checked on it)."""
    ad: Callable[[], Ad] | None = getattr(checks(h.name), "ad", None)
    return ad() if ad is not None else None


@dataclass
class AdResult:
    backend: str
    label: str
    dtype: str
    param_ulp: float = 0.0
    jvp_ulp: float = 0.0
    second_ulp: float = 0.0
    failures: list[str] | None = None

    @property
    def ok(self) -> bool:
        return not self.failures


def _numbers(spec: Spec, kwargs: Mapping[str, Any], dtype: str) -> dict[str, float]:
    """The numeric parameters of a call (defaults included), rounded to ``dtype``."""
    rounded = _rounded_params(spec, kwargs, dtype)
    return {
        p.name: rounded[p.name]
        for p in spec.params
        if p.numeric and isinstance(rounded.get(p.name), (int, float))
    }


def check_ad(
    h: Harness, spec: Spec, kwargs: Mapping[str, Any], dtype: str, n_random: int = 200
) -> AdResult:
    """Array parameters, parameter gradients, forward mode and second derivatives of one cell."""
    from ._conformance import label

    res = AdResult(h.name, label(spec, kwargs), dtype, failures=[])
    failures: list[str] = []
    xs, _, ders = _reference(spec, kwargs, dtype, n_random)
    f = get(spec.name)
    ad = ad_for(h)
    if ad is None:
        raise ValueError(f"{h.name}: no autodiff checks (its arrays use their backend's)")
    x = h.make(xs, dtype)
    kw = dict(kwargs)
    numbers = _numbers(spec, kwargs, dtype)
    rounded = _rounded_params(spec, kwargs, dtype)
    vb, db = bounds(spec, dtype)
    try:
        # array parameters: the numbers' contract (piecewise linear: the correctly rounded
        # reference, bit for bit); smooth ones within the same bounds, as a framework's
        # function of a parameter (torch's float64 sqrt, say) may round differently from Python's
        if numbers:
            arrays = {**kw, **{k: ad.param(v, x, False) for k, v in numbers.items()}}
            got = h.to_numpy(h.value(f, x, arrays))
            # what prepare derives from numbers (rrelu's slope) the formula derives from arrays
            declared = (
                _rounded_params(spec, {**kw, **numbers}, dtype)  # numbers, as rounded
                if ad.scalar_is_number
                else {k: v for k, v in rounded.items() if k in spec.param_names}
            )
            want = [ref.value(spec.name, float(t), declared, dtype) for t in xs]
            at = _flushed(h, lambda z: ref.value(spec.name, z, declared, dtype))
            _, bad = compare(dtype, xs, got, want, VALUE_FLOOR, vb, "f(arrays)", True, at)
            failures += bad
        # parameter gradients, elementwise, against the reference's partials
        for name, v in numbers.items():
            if name not in spec.partials:
                failures.append(f"{name}: no partial derivative")
                continue
            g = h.to_numpy(ad.param_grad(f, x, {**kw, name: ad.param(v, x, True)}, name))
            refs = [ref.partial(spec.name, name, float(t), rounded) for t in xs]
            at = _flushed(h, _partial_at(spec.name, name, rounded))
            err, bad = compare(dtype, xs, g, refs, DERIVATIVE_FLOOR, db, f"df/d{name}", False, at)
            res.param_ulp = max(res.param_ulp, err)
            failures += bad
        # forward mode
        if ad.jvp is not None:
            t = h.to_numpy(ad.jvp(f, x, kw))
            if ad.exact_jvp:

                def derivative(t: Any, **k: Any) -> Any:
                    return f.derivative(t, **k)

                derivative.__name__ = f"{spec.name}.derivative"  # the harness's cache key
                d = h.to_numpy(h.value(derivative, x, kw))  # in the harness's context (x64)
                if not _same(t, d):
                    failures.append("jvp: not the bits of derivative()")
            else:
                at = _flushed(h, lambda z: ref.derivative(spec.name, z, rounded, dtype))
                err, bad = compare(dtype, xs, t, ders, DERIVATIVE_FLOOR, db, "jvp", False, at)
                res.jvp_ulp = err
                failures += bad
        # second derivatives, away from the kinks
        if ad.second is not None:
            dd = h.to_numpy(ad.second(f, x, kw))
            # checked where f'' is defined (not at kinks; a subnormal x that a backend flushes
            # stands for 0) and x*x is finite; at NaN the contract leaves f'' open (autodiff
            # differentiates the branch that carries the NaN)
            refs2 = [ref.second(spec.name, float(t), rounded) for t in xs]
            big = 2.0 ** (math.frexp(FORMATS[dtype].max_value)[1] // 2)
            tiny = FORMATS[dtype].smallest_normal
            keep = [
                i
                for i, (t, r) in enumerate(zip(xs, refs2, strict=True))
                if r is not None
                and not np.isnan(t)
                and (np.isinf(t) or abs(t) < big)
                and not (
                    h.flushes_subnormals
                    and 0 < abs(t) < tiny
                    and ref.second(spec.name, math.copysign(0.0, t), rounded) is None
                )
            ]
            err, bad = compare(
                dtype,
                xs[keep],
                dd[keep],
                [refs2[i] for i in keep],
                DERIVATIVE_FLOOR,
                db if spec.piecewise else 4 * db,
                "f''",
                False,
                _flushed(h, lambda z: ref.second(spec.name, z, rounded)),
            )
            res.second_ulp = err
            failures += bad
    except Exception as exc:  # reported, not raised: the table shows every cell
        failures.append(f"raised {type(exc).__name__}: {exc}")
    res.failures = failures
    return res


def _partial_at(name: str, param: str, rounded: Mapping[str, Any]) -> Callable[[float], Any]:
    return lambda z: ref.partial(name, param, z, rounded)


def _flushed(h: Harness, at: Callable[[float], Any]) -> Callable[[float], Any] | None:
    """The reference at +-0, for backends that flush subnormal inputs (rule 7)."""
    return at if h.flushes_subnormals else None


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """The same bits (any NaN matches any NaN)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    nan = np.isnan(a)
    return bool(
        a.shape == b.shape
        and np.array_equal(nan, np.isnan(b))
        and np.array_equal(a[~nan], b[~nan])
        and np.array_equal(np.signbit(a[~nan]), np.signbit(b[~nan]))
    )
