"""The high-precision reference: every activation and its derivative in mpmath.

Written from the definitions in docs/conventions.md, separately from the catalog's formulas
(which are written for speed and for the frameworks' op sets), so that one checks the other.
Parameters arrive already rounded to the input's dtype (rule 2). Results are mpmath numbers,
or Python floats for exact zeros (whose sign matters), infinities and NaN.

mpmath is needed only here, by ``python -m activations check`` and by the tests.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import mpmath

from ._dtypes import FORMATS, Format

__all__ = ["derivative", "round_to_format", "ulp_error", "value"]

PREC = 160
Num = Any  # mpf or float

with mpmath.workprec(PREC):  # the constants' own digits, not their nearest doubles
    SELU_ALPHA = mpmath.mpf("1.6732632423543772848170429916717")
    SELU_LAMBDA = mpmath.mpf("1.0507009873554804934193349852946")


def round_to_format(v: Num, fmt: Format) -> float:
    """Correctly round (ties to even) an mpmath number or float to ``fmt``, as a float."""
    if isinstance(v, float) and (v == 0 or not math.isfinite(v)):
        return v
    with mpmath.workprec(PREC):
        v = mpmath.mpf(v)
        if v == 0:
            return 0.0
        _, e = mpmath.frexp(v)  # |v| = m 2**e, 0.5 <= m < 1
        exponent = max(int(e) - 1, fmt.min_exponent)
        quantum = exponent - fmt.mantissa_bits + 1
        q = mpmath.nint(mpmath.ldexp(v, -quantum))
        r = float(mpmath.ldexp(q, quantum))
    if abs(r) > fmt.max_value:
        r = math.copysign(math.inf, r)
    if r == 0:
        r = math.copysign(0.0, float(v))
    return r


def _z(x: float, factor: float) -> float:
    """The signed zero of factor*x at x = +-0."""
    return factor * x


# --- definitions -------------------------------------------------------------------------------
# Each takes (x: float, p: params, c: rounding to the compute format) and returns the value;
# x is finite here (the limits at +-inf are in _LIMITS).


def _relu(x: float, p: Mapping[str, Any], c: Callable[[Num], float]) -> Num:
    s, m, t = p["negative_slope"], p["max_value"], p["threshold"]
    if m is not None and x >= m:
        return float(m)
    if x > t:
        return x
    if s == 0:
        return 0.0
    if t == 0:
        return s * x if x == 0 else mpmath.mpf(s) * x
    # Keras' form: two IEEE operations in the compute format (docs/conventions.md).
    return c(mpmath.mpf(s) * c(mpmath.mpf(x) - t))


def _relu_d(x: float, p: Mapping[str, Any]) -> Num:
    s, m, t = p["negative_slope"], p["max_value"], p["threshold"]
    if m is not None and x >= m:
        return 0.0
    return 1.0 if x > t else float(s)


def _leaky(x: float, p: Mapping[str, Any], c: Any) -> Num:
    s = p["negative_slope"]
    if x > 0:
        return x
    if s == 0:
        return 0.0
    return s * x if x == 0 else mpmath.mpf(s) * x


def _prelu(x: float, p: Mapping[str, Any], c: Any) -> Num:
    return _leaky(x, {"negative_slope": p["weight"]}, c)


def _elu(x: float, p: Mapping[str, Any], c: Any) -> Num:
    a = p["alpha"]
    if x > 0:
        return x
    return _z(x, a) if x == 0 else a * mpmath.expm1(x)


def _celu(x: float, p: Mapping[str, Any], c: Any) -> Num:
    a = p["alpha"]
    if x > 0:
        return x
    return _z(x, 1.0) if x == 0 else a * mpmath.expm1(mpmath.mpf(x) / a)


def _selu(x: float, p: Mapping[str, Any], c: Any) -> Num:
    if x > 0:
        return SELU_LAMBDA * x
    return _z(x, 1.0) if x == 0 else SELU_LAMBDA * SELU_ALPHA * mpmath.expm1(x)


def _gelu_u(x: Num) -> Num:
    k = mpmath.sqrt(2 / mpmath.pi)
    return k * (x + mpmath.mpf("0.044715") * x**3)


def _gelu(x: float, p: Mapping[str, Any], c: Any) -> Num:
    if x == 0:
        return _z(x, 1.0)
    if p["approximate"]:  # (1 + tanh(u))/2 = 1/(1 + exp(-2u)), which keeps tiny values
        return x / (1 + mpmath.exp(-2 * _gelu_u(mpmath.mpf(x))))
    if abs(x) > 1e10:  # mpmath's erfc gives up there; |x*Phi(x) - max(x, 0)| < exp(-4e19)
        return x if x > 0 else -0.0
    return x * mpmath.ncdf(x)


def _gelu_d(x: float, p: Mapping[str, Any]) -> Num:
    x = mpmath.mpf(x)
    if p["approximate"]:
        u = _gelu_u(x)
        du = mpmath.sqrt(2 / mpmath.pi) * (1 + 3 * mpmath.mpf("0.044715") * x**2)
        return (1 + mpmath.tanh(u)) / 2 + x * mpmath.sech(u) ** 2 * du / 2
    if abs(x) > 1e10:  # as in _gelu
        return 1.0 if x > 0 else 0.0
    return mpmath.ncdf(x) + x * mpmath.npdf(x)


def _sig(x: Num) -> Num:
    return 1 / (1 + mpmath.exp(-x))


def _softplus_m(x: Num) -> Num:
    return mpmath.log1p(mpmath.exp(x)) if x < 0 else x + mpmath.log1p(mpmath.exp(-x))


def _silu(x: float, p: Mapping[str, Any], c: Any) -> Num:
    return _z(x, 1.0) if x == 0 else x * _sig(mpmath.mpf(x))


def _silu_d(x: float, p: Mapping[str, Any]) -> Num:
    s = _sig(mpmath.mpf(x))
    return s * (1 + x * (1 - s))


def _mish(x: float, p: Mapping[str, Any], c: Any) -> Num:
    return _z(x, 1.0) if x == 0 else x * mpmath.tanh(_softplus_m(mpmath.mpf(x)))


def _mish_d(x: float, p: Mapping[str, Any]) -> Num:
    x = mpmath.mpf(x)
    sp = _softplus_m(x)
    return mpmath.tanh(sp) + x * mpmath.sech(sp) ** 2 * _sig(x)


def _softplus(x: float, p: Mapping[str, Any], c: Any) -> Num:
    b, t = p["beta"], p["threshold"]
    if t is not None and b * mpmath.mpf(x) > t:
        return x
    return _softplus_m(b * mpmath.mpf(x)) / b


def _softplus_d(x: float, p: Mapping[str, Any]) -> Num:
    b, t = p["beta"], p["threshold"]
    if t is not None and b * mpmath.mpf(x) > t:
        return 1.0
    return _sig(b * mpmath.mpf(x))


def _hardswish(x: float, p: Mapping[str, Any], c: Any) -> Num:
    if x <= -3:
        return 0.0
    if x >= 3:
        return x
    return _z(x, 1.0) if x == 0 else mpmath.mpf(x) * (x + 3) / 6


def _hardswish_d(x: float, p: Mapping[str, Any]) -> Num:
    if x <= -3:
        return 0.0
    return 1.0 if x >= 3 else (2 * mpmath.mpf(x) + 3) / 6


def _hard_sigmoid(x: float, p: Mapping[str, Any], c: Any) -> Num:
    return 0.0 if x <= -3 else 1.0 if x >= 3 else (mpmath.mpf(x) + 3) / 6


def _squareplus(x: float, p: Mapping[str, Any], c: Any) -> Num:
    x = mpmath.mpf(x)
    return (x + mpmath.sqrt(x * x + p["b"])) / 2


def _squareplus_d(x: float, p: Mapping[str, Any]) -> Num:
    x = mpmath.mpf(x)
    return (1 + x / mpmath.sqrt(x * x + p["b"])) / 2


def _rrelu_slope(p: Mapping[str, Any], c: Callable[[Num], float] | None) -> Num:
    if "negative_slope" in p:
        return p["negative_slope"]
    total = mpmath.mpf(p["lower"]) + p["upper"]
    return (total if c is None else c(total)) / 2


def _step(x: float, t: float) -> float:
    return 1.0 if x > t else 0.0


def _softshrink(x: float, p: Mapping[str, Any], c: Any) -> Num:
    lam = p["lambd"]
    if x > lam:
        return mpmath.mpf(x) - lam
    if x < -lam:
        return mpmath.mpf(x) + lam
    return 0.0


def _outside(x: float, lam: float) -> bool:
    return x > lam or x < -lam


def _sparse_plus(x: float, p: Mapping[str, Any], c: Any) -> Num:
    if x <= -1:
        return 0.0
    return x if x >= 1 else (mpmath.mpf(x) + 1) ** 2 / 4


def _sparse_sigmoid(x: float, p: Mapping[str, Any], c: Any) -> Num:
    if x <= -1:
        return 0.0
    return 1.0 if x >= 1 else (mpmath.mpf(x) + 1) / 2


def _tanhshrink(x: float, p: Mapping[str, Any], c: Any) -> Num:
    if x == 0:
        return _z(x, 1.0)
    # x - tanh(x) ~ x^3/3 cancels 2*log2(1/|x|) bits: carry that many more
    extra = max(0, -2 * math.frexp(x)[1]) + 16
    with mpmath.extraprec(extra):
        return +(x - mpmath.tanh(mpmath.mpf(x)))


_DEFS: dict[str, tuple[Callable[..., Num], Callable[..., Num]]] = {
    "relu": (_relu, _relu_d),
    "relu6": (
        lambda x, p, c: 0.0 if x <= 0 else 6.0 if x >= 6 else x,
        lambda x, p: 1.0 if 0 < x < 6 else 0.0,
    ),
    "leaky_relu": (_leaky, lambda x, p: 1.0 if x > 0 else float(p["negative_slope"])),
    "prelu": (_prelu, lambda x, p: 1.0 if x > 0 else float(p["weight"])),
    # numbers: the slope made by prepare (rounded to the dtype like every parameter); arrays:
    # the mean of the rounded bounds, their sum rounded in the compute format
    "rrelu": (
        lambda x, p, c: _leaky(x, {"negative_slope": _rrelu_slope(p, c)}, c),
        lambda x, p: 1.0 if x > 0 else _rrelu_slope(p, None),
    ),
    "elu": (_elu, lambda x, p: 1.0 if x > 0 else p["alpha"] * mpmath.exp(x)),
    "selu": (
        _selu,
        lambda x, p: SELU_LAMBDA if x > 0 else SELU_LAMBDA * SELU_ALPHA * mpmath.exp(x),
    ),
    "celu": (_celu, lambda x, p: 1.0 if x > 0 else mpmath.exp(mpmath.mpf(x) / p["alpha"])),
    "gelu": (_gelu, _gelu_d),
    "silu": (_silu, _silu_d),
    "mish": (_mish, _mish_d),
    "softplus": (_softplus, _softplus_d),
    "log_sigmoid": (
        lambda x, p, c: -_softplus_m(-mpmath.mpf(x)),
        lambda x, p: _sig(-mpmath.mpf(x)),
    ),
    "hardswish": (_hardswish, _hardswish_d),
    "hard_sigmoid": (_hard_sigmoid, lambda x, p: mpmath.mpf(1) / 6 if -3 < x < 3 else 0.0),
    "hardtanh": (
        lambda x, p, c: (
            float(p["min_val"])
            if x < p["min_val"]
            else float(p["max_val"])
            if x > p["max_val"]
            else x
        ),
        lambda x, p: 1.0 if p["min_val"] < x < p["max_val"] else 0.0,
    ),
    "threshold": (
        lambda x, p, c: x if x > p["threshold"] else float(p["value"]),
        lambda x, p: _step(x, p["threshold"]),
    ),
    "thresholded_relu": (
        lambda x, p, c: x if x > p["theta"] else 0.0,
        lambda x, p: _step(x, p["theta"]),
    ),
    "squared_relu": (
        lambda x, p, c: mpmath.mpf(x) ** 2 if x > 0 else 0.0,
        lambda x, p: 2 * mpmath.mpf(x) if x > 0 else 0.0,
    ),
    "squareplus": (_squareplus, _squareplus_d),
    "sigmoid": (lambda x, p, c: _sig(mpmath.mpf(x)), lambda x, p: _sig(x) * _sig(-mpmath.mpf(x))),
    "tanh": (
        lambda x, p, c: _z(x, 1.0) if x == 0 else mpmath.tanh(x),
        lambda x, p: mpmath.sech(x) ** 2,
    ),
    "softsign": (
        lambda x, p, c: _z(x, 1.0) if x == 0 else mpmath.mpf(x) / (1 + abs(mpmath.mpf(x))),
        lambda x, p: 1 / (1 + abs(mpmath.mpf(x))) ** 2,
    ),
    "softshrink": (_softshrink, lambda x, p: 1.0 if _outside(x, p["lambd"]) else 0.0),
    "hardshrink": (
        lambda x, p, c: x if _outside(x, p["lambd"]) else 0.0,
        lambda x, p: 1.0 if _outside(x, p["lambd"]) else 0.0,
    ),
    "tanhshrink": (_tanhshrink, lambda x, p: mpmath.tanh(mpmath.mpf(x)) ** 2),
    "sparse_plus": (
        _sparse_plus,
        lambda x, p: 0.0 if x <= -1 else 1.0 if x >= 1 else (mpmath.mpf(x) + 1) / 2,
    ),
    "sparse_sigmoid": (
        _sparse_sigmoid,
        lambda x, p: mpmath.mpf(1) / 2 if -1 < x < 1 else 0.0,
    ),
    "exponential": (lambda x, p, c: mpmath.exp(x), lambda x, p: mpmath.exp(x)),
    "linear": (lambda x, p, c: x, lambda x, p: 1.0),
}

_INF = math.inf


def _slope_limit(s: float) -> float:
    return 0.0 if s == 0 else -_INF * math.copysign(1.0, s)


# (f(-inf), f(+inf), f'(-inf), f'(+inf))
_LIMITS: dict[str, Callable[[Mapping[str, Any]], tuple[float, float, float, float]]] = {
    "relu": lambda p: (
        _slope_limit(p["negative_slope"]),
        _INF if p["max_value"] is None else float(p["max_value"]),
        float(p["negative_slope"]),
        1.0 if p["max_value"] is None else 0.0,
    ),
    "relu6": lambda p: (0.0, 6.0, 0.0, 0.0),
    "leaky_relu": lambda p: (_slope_limit(p["negative_slope"]), _INF, p["negative_slope"], 1.0),
    "prelu": lambda p: (_slope_limit(p["weight"]), _INF, p["weight"], 1.0),
    "rrelu": lambda p: (
        _slope_limit(_rrelu_slope(p, None)),
        _INF,
        float(_rrelu_slope(p, None)),
        1.0,
    ),
    "elu": lambda p: (-p["alpha"], _INF, 0.0, 1.0),
    "selu": lambda p: (float(-SELU_LAMBDA * SELU_ALPHA), _INF, 0.0, float(SELU_LAMBDA)),
    "celu": lambda p: (-p["alpha"], _INF, 0.0, 1.0),
    "gelu": lambda p: (-0.0, _INF, 0.0, 1.0),
    "silu": lambda p: (-0.0, _INF, 0.0, 1.0),
    "mish": lambda p: (-0.0, _INF, 0.0, 1.0),
    "softplus": lambda p: (0.0, _INF, 0.0, 1.0),
    "log_sigmoid": lambda p: (-_INF, -0.0, 1.0, 0.0),
    "hardswish": lambda p: (0.0, _INF, 0.0, 1.0),
    "hard_sigmoid": lambda p: (0.0, 1.0, 0.0, 0.0),
    "hardtanh": lambda p: (float(p["min_val"]), float(p["max_val"]), 0.0, 0.0),
    "threshold": lambda p: (float(p["value"]), _INF, 0.0, 1.0),
    "thresholded_relu": lambda p: (0.0, _INF, 0.0, 1.0),
    "squared_relu": lambda p: (0.0, _INF, 0.0, _INF),
    "squareplus": lambda p: (0.0, _INF, 0.0, 1.0),
    "sigmoid": lambda p: (0.0, 1.0, 0.0, 0.0),
    "tanh": lambda p: (-1.0, 1.0, 0.0, 0.0),
    "softsign": lambda p: (-1.0, 1.0, 0.0, 0.0),
    "softshrink": lambda p: (-_INF, _INF, 1.0, 1.0),
    "hardshrink": lambda p: (-_INF, _INF, 1.0, 1.0),
    "tanhshrink": lambda p: (-_INF, _INF, 1.0, 1.0),
    "sparse_plus": lambda p: (0.0, _INF, 0.0, 1.0),
    "sparse_sigmoid": lambda p: (0.0, 1.0, 0.0, 0.0),
    "exponential": lambda p: (0.0, _INF, 0.0, _INF),
    "linear": lambda p: (-_INF, _INF, 1.0, 1.0),
}


def _compute_format(dtype: str) -> Format:
    return FORMATS["float32" if dtype in ("float16", "bfloat16") else dtype]


def value(name: str, x: float, params: Mapping[str, Any], dtype: str) -> Num:
    """f(x) in high precision; x and the parameters are values of ``dtype``."""
    if math.isnan(x):
        return math.nan
    if math.isinf(x):
        return _LIMITS[name](params)[0 if x < 0 else 1]
    cf = _compute_format(dtype)
    with mpmath.workprec(PREC):
        return _DEFS[name][0](x, params, lambda v: round_to_format(v, cf))


def derivative(name: str, x: float, params: Mapping[str, Any], dtype: str) -> Num:
    """f'(x) in high precision, with the contract's values at the kinks."""
    if math.isnan(x):
        return math.nan
    if math.isinf(x):
        return _LIMITS[name](params)[2 if x < 0 else 3]
    with mpmath.workprec(PREC):
        return _DEFS[name][1](x, params)


def ulp_error(got: float, ref: Num, fmt: Format, floor: float) -> float:
    """|got - ref| in ULPs of ``fmt`` at max(|ref|, floor); NaN and infinities must match."""
    if isinstance(ref, float) and math.isnan(ref):
        return 0.0 if math.isnan(got) else math.inf
    if math.isnan(got):
        return math.inf
    rounded = round_to_format(ref, fmt)
    if math.isinf(rounded) or math.isinf(got):
        return 0.0 if got == rounded else math.inf
    with mpmath.workprec(PREC):
        diff = abs(mpmath.mpf(got) - ref)
        scale = max(float(abs(mpmath.mpf(ref))), floor)
    if scale > fmt.max_value:
        scale = fmt.max_value
    return float(diff) / fmt.ulp(scale)


# --- parameter gradients and second derivatives -----------------------------------------------
# d f / d parameter for each numeric parameter, from the definitions above; at a kink that a
# parameter moves, the same side as the derivative in x takes (docs/conventions.md). Each takes
# (x, p) with x finite; the limits at +-inf are in _PARTIAL_LIMITS.


def _neg_part(x: float) -> Num:
    return 0.0 if x > 0 else x


def _relu_partial(name: str) -> Callable[[float, Mapping[str, Any]], Num]:
    def partial(x: float, p: Mapping[str, Any]) -> Num:
        s, m, t = p["negative_slope"], p["max_value"], p["threshold"]
        if m is not None and x >= m:
            return 1.0 if name == "max_value" else 0.0
        if name == "max_value" or x > t:
            return 0.0
        return mpmath.mpf(x) - t if name == "negative_slope" else -float(s)

    return partial


def _celu_dalpha(x: float, p: Mapping[str, Any]) -> Num:
    if x > 0:
        return 0.0
    u = mpmath.mpf(x) / p["alpha"]
    return mpmath.expm1(u) - u * mpmath.exp(u)


def _softplus_dbeta(x: float, p: Mapping[str, Any]) -> Num:
    b, t = p["beta"], p["threshold"]
    bx = b * mpmath.mpf(x)
    if t is not None and bx > t:
        return 0.0
    f = _softplus_m(bx) / b
    return (x * _sig(bx) - f) / b


_PARTIALS: dict[str, dict[str, Callable[[float, Mapping[str, Any]], Num]]] = {
    "relu": {n: _relu_partial(n) for n in ("negative_slope", "max_value", "threshold")},
    "leaky_relu": {"negative_slope": lambda x, p: _neg_part(x)},
    "prelu": {"weight": lambda x, p: _neg_part(x)},
    "rrelu": {
        "lower": lambda x, p: mpmath.mpf(_neg_part(x)) / 2,
        "upper": lambda x, p: mpmath.mpf(_neg_part(x)) / 2,
    },
    "elu": {"alpha": lambda x, p: 0.0 if x > 0 else mpmath.expm1(x)},
    "celu": {"alpha": _celu_dalpha},
    "softplus": {"beta": _softplus_dbeta, "threshold": lambda x, p: 0.0},
    "hardtanh": {
        "min_val": lambda x, p: 1.0 if x <= p["min_val"] else 0.0,
        "max_val": lambda x, p: 1.0 if x >= p["max_val"] else 0.0,
    },
    "threshold": {
        "threshold": lambda x, p: 0.0,
        "value": lambda x, p: 1.0 if x <= p["threshold"] else 0.0,
    },
    "softshrink": {
        "lambd": lambda x, p: -1.0 if x > p["lambd"] else 1.0 if x < -p["lambd"] else 0.0
    },
    "hardshrink": {"lambd": lambda x, p: 0.0},
    "thresholded_relu": {"theta": lambda x, p: 0.0},
    "squareplus": {"b": lambda x, p: 1 / (4 * mpmath.sqrt(mpmath.mpf(x) ** 2 + p["b"]))},
}


def _partial_limit(name: str, param: str, p: Mapping[str, Any], sign: float) -> float:
    """d f / d param at x = sign * inf."""
    if name == "relu":
        m = p["max_value"]
        if sign > 0:
            return 1.0 if param == "max_value" and m is not None else 0.0
        return {
            "negative_slope": -_INF,
            "max_value": 0.0,
            "threshold": -float(p["negative_slope"]),
        }[param]
    if name in ("leaky_relu", "prelu", "rrelu"):
        return -_INF if sign < 0 else 0.0
    if name in ("elu", "celu"):
        return -1.0 if sign < 0 else 0.0
    if name == "hardtanh":
        return 1.0 if (param == "min_val") == (sign < 0) else 0.0
    if name == "threshold" and param == "value":
        return 1.0 if sign < 0 else 0.0
    if name == "softshrink":
        return 1.0 if sign < 0 else -1.0
    return 0.0  # softplus, squareplus, the switch points


def partial_names(name: str) -> tuple[str, ...]:
    """The parameters of activation ``name`` that the reference has a partial derivative for."""
    return tuple(_PARTIALS.get(name, {}))


def partial(name: str, param: str, x: float, params: Mapping[str, Any]) -> Num:
    """d f / d param at x in high precision (parameters already rounded to x's dtype)."""
    if math.isnan(x):
        return math.nan
    if math.isinf(x):
        return _partial_limit(name, param, params, x)
    with mpmath.workprec(PREC):
        return _PARTIALS[name][param](x, params)


def second(name: str, x: float, params: Mapping[str, Any]) -> Num:
    """f''(x) in high precision; None where f'' is not defined (at a kink of f or of f')."""
    if math.isnan(x):
        return math.nan
    if math.isinf(x):
        if x > 0 and name in ("squared_relu", "exponential"):
            return 2.0 if name == "squared_relu" else _INF
        return 0.0
    with mpmath.workprec(PREC):
        d = _DEFS[name][1]
        step = mpmath.mpf(2) ** -60 * max(1, abs(x))
        at = mpmath.mpf(d(x, params))
        left = (at - d(mpmath.mpf(x) - step, params)) / step
        right = (mpmath.mpf(d(mpmath.mpf(x) + step, params)) - at) / step
        if abs(right - left) > 1e-9 * max(1, abs(left), abs(right)):
            return None  # the derivative jumps or has a kink here
        return mpmath.diff(lambda t: d(t, params), x, h=step)
