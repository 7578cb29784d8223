"""Every activation, defined once.

Each entry gives the forward formula and its derivative against the small op set that every
backend provides (``where``, ``full_like``, ``isnan``, ``isinf``, ``abs``, ``exp``, ``expm1``,
``log1p``, ``tanh``, ``erfc``, ``sqrt``, ``hypot``, ``precision``) plus the arithmetic and
comparison operators of the arrays themselves. The formulas keep the contract
(docs/conventions.md) by construction:

- comparisons are written so that NaN falls into the branch that returns x (``x <= 0 ? 0 : x``),
  or the NaN is put back explicitly (``_keep_nan``);
- a value clamped to zero is a literal +0, a branch that multiplies x keeps x's sign;
- every ``x * g(x)`` has an explicit +-inf branch (inf * 0 is nan);
- cancellation is avoided with the stable forms (expm1, log1p, sigmoid through exp(-|x|)),
  and no formula has the ``a*b + c`` shape where bitwise identity is promised (XLA fuses it).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

from ._spec import (
    REQUIRED,
    RESULT_BITS,
    Param,
    Spec,
    are_numbers,
    array_param,
    choice_gelu,
    real,
)

__all__ = ["ALIASES", "CATALOG", "SELU_ALPHA", "SELU_LAMBDA"]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_LAMBDA = 1.0507009873554804934193349852946
# lambda*alpha correctly rounded (the product of the two rounded constants is 1 ULP below)
_SELU_LA = 1.7580993408473768
_INV_SQRT2 = 0.70710678118654752440084436210485
_INV_SQRT_2PI = 0.39894228040143267793994605993438
_SQRT_2_OVER_PI = 0.79788456080286535587989211986876
_GELU_TANH_C = 0.044715

P = Mapping[str, Any]


# --- shared pieces -------------------------------------------------------------------------


def _pick(o: Any, x: Any, cond: Any, a: Any, b: Any) -> Any:
    """where(cond, a, b) in x's dtype, also when a and b are both scalars."""
    if isinstance(a, numbers.Number) and isinstance(b, numbers.Number):
        a = o.full_like(x, a)
    return o.where(cond, a, b)


def _keep_nan(o: Any, x: Any, y: Any) -> Any:
    """y, with NaN wherever x is NaN (a comparison alone would lose it)."""
    return o.where(o.isnan(x), x, y)


def _neg_abs(o: Any, x: Any, smooth: bool, positive: Any) -> Any:
    """-|x|; ``smooth`` for derivatives: as ``where(positive, -x, x)``, whose own derivative
    is +-1 at 0 (autodiff of abs gives 0 there, which would make second derivatives wrong at
    x = 0). ``positive`` is the branch condition of the caller, so that both sides agree."""
    return o.where(positive, -x, x) if smooth else -o.abs(x)


def _sigmoids(o: Any, x: Any, smooth: bool = False) -> tuple[Any, Any]:
    """(sigmoid(x), sigmoid(-x)), without overflow or cancellation (``smooth``: see
    _neg_abs; for derivative formulas)."""
    e = o.exp(_neg_abs(o, x, smooth, x >= 0))
    d = e + 1.0
    big = 1.0 / d
    small = e / d
    positive = x >= 0
    return o.where(positive, big, small), o.where(positive, small, big)


def _at_inf(o: Any, x: Any, y: Any, at_minus: float, at_plus: float) -> Any:
    """y, with the limits at -inf and +inf written explicitly.

    A limit of -0.0 is computed as 1/x (at x = -inf): graph optimizers merge a literal -0.0
    with the constant 0.0, losing its sign. Both where conditions hold almost nowhere, so
    where's branches stay predictable: a where on a condition true for about half of the
    elements (``x > 0``) runs 4-7x slower in NumPy and torch on CPU.
    An infinite limit equal to x is x itself: TFLite's converter stores an inf constant as the
    largest float32.
    """
    inf = o.isinf(x)
    if at_minus == 0 and math.copysign(1.0, at_minus) < 0:
        low: Any = 1 / x
    else:
        low = x if at_minus == -math.inf else at_minus
    high = x if at_plus == math.inf else at_plus
    return o.where(inf & (x < 0), low, o.where(inf & (x > 0), high, y))


# Parameters reach the formulas as numbers (Python or NumPy scalars) or as arrays of the input's
# framework (0-d or broadcastable, possibly traced): a formula may branch in Python on a number,
# and must select with where on an array. Both give the same bits.


def _if_zero(o: Any, v: Any, zero: Any, other: Any) -> Any:
    """``zero()`` where the parameter v is 0, else ``other()``."""
    if isinstance(v, numbers.Real):
        return zero() if v == 0 else other()
    return o.where(o.abs(v) <= 0, zero(), other())  # not ==: PyTensor's compares identity


def _is_one(v: Any) -> bool:
    """Whether v is the number 1 (multiplying by an array v = 1 is exact, so arrays say no)."""
    return isinstance(v, numbers.Real) and v == 1


def _sqrt(o: Any, v: Any) -> Any:
    return math.sqrt(v) if isinstance(v, numbers.Real) else o.sqrt(v)


def _d_at_inf(o: Any, x: Any, d_of: Any, at_minus: float, at_plus: float) -> Any:
    """A derivative formula ``d_of(x)`` with its limits at +-inf, computed from 0 in place of
    +-inf, so that its own derivative (a second derivative) is not NaN there (inf * 0)."""
    return _at_inf(o, x, d_of(o.where(o.isinf(x), 0, x)), at_minus, at_plus)


def _integral(*names: str) -> Any:
    def ok(p: P) -> bool:
        return all(
            p[n] is None or (isinstance(p[n], numbers.Real) and float(p[n]).is_integer())
            for n in names
        )

    return ok


# --- relu family (piecewise) ---------------------------------------------------------------


def _relu(o: Any, x: Any, p: P) -> Any:
    s, m, t = p["negative_slope"], p["max_value"], p["threshold"]
    # (x - t) * s with its operand behind a where, which no optimizer distributes over (the
    # unused branch is 1, not 0: PyTensor sinks a product into a where with a zero branch)
    y = _if_zero(
        o,
        s,
        lambda: o.where(x <= t, 0, x),
        lambda: o.where(x > t, x, o.where(x > t, 1, x - t) * s),
    )
    return y if m is None else o.where(x >= m, m, y)


def _relu_d(o: Any, x: Any, p: P) -> Any:
    s, m, t = p["negative_slope"], p["max_value"], p["threshold"]
    d = _pick(o, x, x > t, 1, s)
    if m is not None:
        d = o.where(x >= m, 0, d)
    return _keep_nan(o, x, d)


def _relu_ds(o: Any, x: Any, p: P) -> Any:
    m, t = p["max_value"], p["threshold"]
    d = o.where(x > t, 0, x - t)
    return d if m is None else o.where(x >= m, 0, d)


def _relu_dm(o: Any, x: Any, p: P) -> Any:
    return _keep_nan(o, x, _pick(o, x, x >= p["max_value"], 1, 0))


def _relu_dt(o: Any, x: Any, p: P) -> Any:
    m, t = p["max_value"], p["threshold"]
    d = _pick(o, x, x > t, 0, -p["negative_slope"])
    return _keep_nan(o, x, d if m is None else o.where(x >= m, 0, d))


def _relu_prepare(p: dict[str, Any]) -> dict[str, Any]:
    m, t = p["max_value"], p["threshold"]
    if m is not None and are_numbers(m, t) and m < t:
        raise ValueError(f"relu(): max_value ({m}) must be >= threshold ({t})")
    return p


def _relu_kinks(p: P) -> tuple[tuple[float, float], ...]:
    kinks = ((p["threshold"], p["negative_slope"]),)
    return kinks if p["max_value"] is None else (*kinks, (p["max_value"], 0.0))


def _relu6(o: Any, x: Any, p: P) -> Any:
    return o.where(x <= 0, 0, o.where(x >= 6, 6, x))


def _relu6_d(o: Any, x: Any, p: P) -> Any:
    return _keep_nan(o, x, o.where(x <= 0, 0, _pick(o, x, x >= 6, 0, 1)))


def _leaky(o: Any, x: Any, p: P) -> Any:
    s = p["negative_slope"]
    return _if_zero(o, s, lambda: o.where(x <= 0, 0, x), lambda: o.where(x > 0, x, x * s))


def _leaky_d(o: Any, x: Any, p: P) -> Any:
    return _keep_nan(o, x, _pick(o, x, x > 0, 1, p["negative_slope"]))


def _slope_partial(o: Any, x: Any, p: P) -> Any:
    """d/ds of ``x > 0 ? x : s*x``: x where x <= 0 (its sign kept), NaN kept."""
    return o.where(x > 0, 0, x)


def _rrelu_dbound(o: Any, x: Any, p: P) -> Any:
    return _slope_partial(o, x, p) * 0.5  # the slope is the mean of the two bounds


def _rrelu_prepare(p: dict[str, Any]) -> dict[str, Any]:
    lower, upper = p["lower"], p["upper"]
    if not are_numbers(lower, upper):
        return p  # arrays: the formula takes their mean (so that their gradients flow)
    if lower > upper:
        raise ValueError(f"rrelu(): lower ({lower}) must be <= upper ({upper})")
    # numbers: torch's slope, the mean in double precision, rounded to x's dtype once
    return {"lower": lower, "upper": upper, "negative_slope": (lower + upper) / 2}


def _rrelu_slope(p: P) -> dict[str, Any]:
    """The slope: of numbers, their mean (made by prepare); of arrays, the mean of the
    arrays rounded to x's dtype, computed in the compute dtype."""
    if "negative_slope" in p:
        return {"negative_slope": p["negative_slope"]}
    return {"negative_slope": (p["lower"] + p["upper"]) * 0.5}


def _rrelu(o: Any, x: Any, p: P) -> Any:
    s = _rrelu_slope(p)["negative_slope"]
    if isinstance(s, numbers.Real):
        return _leaky(o, x, {"negative_slope": s})
    # an array slope (l + u) * 0.5 behind a where: PyTensor would flatten x * ((l + u) * 0.5)
    # into (x * (l + u)) * 0.5, two roundings of a subnormal product
    return _if_zero(
        o, s, lambda: o.where(x <= 0, 0, x), lambda: o.where(x > 0, x, x * o.where(x > 0, 1, s))
    )


def _rrelu_d(o: Any, x: Any, p: P) -> Any:
    return _leaky_d(o, x, _rrelu_slope(p))


def _prelu(o: Any, x: Any, p: P) -> Any:
    a = p["weight"]  # a = 0 clamps (no 0 * -inf)
    return _if_zero(o, a, lambda: o.where(x <= 0, 0, x), lambda: o.where(x > 0, x, x * a))


def _prelu_d(o: Any, x: Any, p: P) -> Any:
    return _keep_nan(o, x, _pick(o, x, x > 0, 1, p["weight"]))


def _hardtanh(o: Any, x: Any, p: P) -> Any:
    lo, hi = p["min_val"], p["max_val"]
    return o.where(x < lo, lo, o.where(x > hi, hi, x))


def _hardtanh_d(o: Any, x: Any, p: P) -> Any:
    lo, hi = p["min_val"], p["max_val"]
    return _keep_nan(o, x, o.where(x <= lo, 0, _pick(o, x, x >= hi, 0, 1)))


def _hardtanh_dlo(o: Any, x: Any, p: P) -> Any:
    return _keep_nan(o, x, _pick(o, x, x <= p["min_val"], 1, 0))


def _hardtanh_dhi(o: Any, x: Any, p: P) -> Any:
    return _keep_nan(o, x, _pick(o, x, x >= p["max_val"], 1, 0))


def _hardtanh_prepare(p: dict[str, Any]) -> dict[str, Any]:
    if are_numbers(p["min_val"], p["max_val"]) and not p["min_val"] < p["max_val"]:
        raise ValueError(f"hardtanh(): min_val ({p['min_val']}) must be < max_val ({p['max_val']})")
    return p


def _threshold(o: Any, x: Any, p: P) -> Any:
    return o.where(x <= p["threshold"], p["value"], x)


def _step_d(o: Any, x: Any, t: Any) -> Any:
    return _keep_nan(o, x, _pick(o, x, x <= t, 0, 1))


def _threshold_dvalue(o: Any, x: Any, p: P) -> Any:
    return _keep_nan(o, x, _pick(o, x, x <= p["threshold"], 1, 0))


def _flat(o: Any, x: Any, p: P) -> Any:
    """The partial of a parameter that moves only a jump or a switch point: 0, NaN kept."""
    return _keep_nan(o, x, o.full_like(x, 0))


def _thresholded(o: Any, x: Any, p: P) -> Any:
    return o.where(x <= p["theta"], 0, x)


def _squared_relu(o: Any, x: Any, p: P) -> Any:
    r = o.where(x <= 0, 0, x)
    return r * r


def _squared_relu_d(o: Any, x: Any, p: P) -> Any:
    r = o.where(x <= 0, 0, x)
    return r + r


# hardswish and hard_sigmoid multiply by 1/6 (rounded to the compute dtype) rather than divide
# by 6, and the constant multiplies first: graph optimizers (TensorFlow's grappler, XLA,
# PyTensor's canonicalizer) turn a division by a constant into that multiplication and
# reassociate chains of multiplications, so only this form is computed the same way everywhere.
_SIXTH = 1 / 6


def _hard_sigmoid_middle(o: Any, x: Any) -> Any:
    """relu6(x + 3)/6 for x > -3, as (x + 3) * (1/6) with each product's operands behind a
    where: PyTensor distributes (x + 3)*c into x*c + 3c (cancellation near -3) and flattens
    chains of multiplications, and a where stops both (its unused branch is 1, not 0, as
    PyTensor sinks a product into a where with a zero branch)."""
    return _pick(o, x, x >= 3, 1, o.where(x <= -3, 1, x + 3) * _SIXTH)


def _hardswish(o: Any, x: Any, p: P) -> Any:
    return o.where(x <= -3, 0, x * _hard_sigmoid_middle(o, x))


def _hardswish_d(o: Any, x: Any, p: P) -> Any:
    return o.where(x <= -3, 0, _pick(o, x, x >= 3, 1, o.where(x <= -3, 1, x + x + 3) * _SIXTH))


def _hard_sigmoid(o: Any, x: Any, p: P) -> Any:
    return o.where(x <= -3, 0, _hard_sigmoid_middle(o, x))


def _hard_sigmoid_d(o: Any, x: Any, p: P) -> Any:
    sixth = _pick(o, x, (x > -3) & (x < 3), _SIXTH, 0)
    return _keep_nan(o, x, sixth)


def _linear(o: Any, x: Any, p: P) -> Any:
    return x * 1  # a new array (never the input itself), -0.0 and NaN kept


def _linear_d(o: Any, x: Any, p: P) -> Any:
    return _keep_nan(o, x, o.full_like(x, 1))


# --- shrinkage and the sparse family (piecewise) -------------------------------------------
# softshrink and hardshrink select their middle branch with x <= lambd (NaN falls to the outer
# branch, which returns x or x - lambd); the middle is a literal +0, so -0.0 gives +0.0.


def _softshrink(o: Any, x: Any, p: P) -> Any:
    lam = p["lambd"]
    return o.where(x <= lam, o.where(x >= -lam, 0, x + lam), x - lam)


def _shrink_d(o: Any, x: Any, p: P) -> Any:
    lam = p["lambd"]
    return _keep_nan(o, x, o.where(x <= lam, _pick(o, x, x >= -lam, 0, 1), 1))


def _softshrink_dlambd(o: Any, x: Any, p: P) -> Any:
    lam = p["lambd"]
    return _keep_nan(o, x, o.where(x <= lam, _pick(o, x, x >= -lam, 0, 1), -1))


def _hardshrink(o: Any, x: Any, p: P) -> Any:
    lam = p["lambd"]
    return o.where(x <= lam, o.where(x >= -lam, 0, x), x)


def _shrink_kinks(p: P) -> tuple[tuple[float, float], ...]:
    return ((-p["lambd"], 0.0), (p["lambd"], 0.0))


def _sparse_half(o: Any, x: Any) -> Any:
    """(x + 1)/2 for -1 < x < 1, with the sum behind a where: PyTensor would distribute
    (x + 1)*0.5 into x*0.5 + 0.5, which rounds differently (the unused branch is 1, not 0:
    see _hard_sigmoid_middle). Halving is exact, so the result is correctly rounded."""
    return o.where(x >= 1, 1, x + 1) * 0.5


def _sparse_plus(o: Any, x: Any, p: P) -> Any:
    h = _sparse_half(o, x)
    return o.where(x <= -1, 0, o.where(x >= 1, x, h * h))


def _sparse_plus_d(o: Any, x: Any, p: P) -> Any:
    return o.where(x <= -1, 0, _pick(o, x, x >= 1, 1, _sparse_half(o, x)))


def _sparse_sigmoid(o: Any, x: Any, p: P) -> Any:
    return o.where(x <= -1, 0, _pick(o, x, x >= 1, 1, _sparse_half(o, x)))


def _sparse_sigmoid_d(o: Any, x: Any, p: P) -> Any:
    return _keep_nan(o, x, _pick(o, x, (x > -1) & (x < 1), 0.5, 0))


# --- exponential family --------------------------------------------------------------------


# The exponential family selects its negative branch with x <= 0 (NaN falls to x) around an
# operand selected with x > 0, never two selects on one predicate: XLA's CPU code merges those
# and then loses the sign of a zero (elu(-0.0) must be -0.0).


def _elu(o: Any, x: Any, p: P) -> Any:
    return o.where(x <= 0, o.expm1(o.where(x > 0, 0, x)) * p["alpha"], x)


def _elu_d(o: Any, x: Any, p: P) -> Any:
    return o.where(x > 0, 1, o.exp(o.where(x > 0, 0, x)) * p["alpha"])


def _elu_dalpha(o: Any, x: Any, p: P) -> Any:
    return o.where(x > 0, 0, o.expm1(o.where(x > 0, 0, x)))


def _selu(o: Any, x: Any, p: P) -> Any:
    neg = o.expm1(o.where(x > 0, 0, x)) * _SELU_LA
    return o.where(x <= 0, neg, x * SELU_LAMBDA)


def _selu_d(o: Any, x: Any, p: P) -> Any:
    return o.where(x > 0, SELU_LAMBDA, o.exp(o.where(x > 0, 0, x)) * _SELU_LA)


def _celu(o: Any, x: Any, p: P) -> Any:
    a = p["alpha"]
    return o.where(x <= 0, o.expm1(o.where(x > 0, 0, x) / a) * a, x)


def _celu_d(o: Any, x: Any, p: P) -> Any:
    def d(x: Any) -> Any:
        return o.where(x > 0, 1, o.exp(o.where(x > 0, 0, x) / p["alpha"]))

    return _d_at_inf(o, x, d, 0.0, 1.0)


def _celu_dalpha(o: Any, x: Any, p: P) -> Any:
    # d/da of a*expm1(u), u = x/a: expm1(u) - u*exp(u); -1 at x = -inf (where u*exp(u) is nan)
    def d(x: Any) -> Any:
        u = o.where(x > 0, 0, x) / p["alpha"]
        return o.where(x > 0, 0, o.expm1(u) - u * o.exp(u))

    return _d_at_inf(o, x, d, -1.0, 0.0)


# --- sigmoid family ------------------------------------------------------------------------


def _sigmoid(o: Any, x: Any, p: P) -> Any:
    return _sigmoids(o, x)[0]


def _sigmoid_d(o: Any, x: Any, p: P) -> Any:
    sp, sm = _sigmoids(o, x, smooth=True)
    return sp * sm


def _tanh(o: Any, x: Any, p: P) -> Any:
    return o.tanh(x)


def _tanh_d(o: Any, x: Any, p: P) -> Any:
    # sech^2(x) = 4e / (1 + e)^2 with e = exp(-2|x|): no cancellation for large |x|.
    e = o.exp(o.abs(x) * -2)
    d = e + 1
    return (e * 4) / (d * d)


def _silu(o: Any, x: Any, p: P) -> Any:
    return _at_inf(o, x, x * _sigmoids(o, x)[0], -0.0, math.inf)


def _silu_d(o: Any, x: Any, p: P) -> Any:
    def d(x: Any) -> Any:
        sp, sm = _sigmoids(o, x, smooth=True)
        return sp * (x * sm + 1)

    return _d_at_inf(o, x, d, 0.0, 1.0)


def _softplus_core(o: Any, x: Any, beta: Any) -> Any:
    one = _is_one(beta)
    tail = o.log1p(o.exp(-o.abs(x if one else x * beta)))
    if not one:
        tail = tail / beta
    return tail + o.where(x > 0, x, 0)


def _softplus(o: Any, x: Any, p: P) -> Any:
    y = _softplus_core(o, x, p["beta"])
    t = p["threshold"]
    return y if t is None else o.where(x * p["beta"] > t, x, y)


def _softplus_d(o: Any, x: Any, p: P) -> Any:
    beta, t = p["beta"], p["threshold"]
    d = _sigmoids(o, x if _is_one(beta) else x * beta, smooth=True)[0]
    return d if t is None else o.where(x * beta > t, 1, d)


def _softplus_dbeta(o: Any, x: Any, p: P) -> Any:
    # f = L(bx)/b with L = softplus: df/db = (x*sigmoid(bx) - f)/b, written as two terms of one
    # sign (no cancellation): x > 0: -x*sigmoid(-bx) - tail/b; x <= 0: x*sigmoid(bx) - tail/b
    beta, t = p["beta"], p["threshold"]

    def d(x: Any) -> Any:
        bx = x if _is_one(beta) else x * beta
        sp, sm = _sigmoids(o, bx, smooth=True)
        tail = o.log1p(o.exp(_neg_abs(o, bx, True, bx >= 0)))
        if not _is_one(beta):
            tail = tail / beta
        d = o.where(x > 0, -(x * sm), x * sp) - tail
        return d if _is_one(beta) else d / beta

    d = _d_at_inf(o, x, d, 0.0, 0.0)
    return d if t is None else o.where((x if _is_one(beta) else x * beta) > t, 0, d)


def _log_sigmoid(o: Any, x: Any, p: P) -> Any:
    # -tail for x > 0 is -0.0, not +0.0, where the tail underflows; as a product, since
    # TFLite's XNNPACK negation returns +0.0 for -0.0
    tail = o.log1p(o.exp(-o.abs(x)))
    return o.where(x > 0, tail * -1.0, x - tail)


def _log_sigmoid_d(o: Any, x: Any, p: P) -> Any:
    return _sigmoids(o, x, smooth=True)[1]


def _tanh_softplus(o: Any, x: Any, smooth: bool = False) -> tuple[Any, Any]:
    """(g, 1 - g) for g = tanh(softplus(x)), from t = exp(-|x|) without cancellation."""
    positive = x > 0
    t = o.exp(_neg_abs(o, x, smooth, positive))
    # x > 0: g = (1 + 2t) / d = 1 - 2t^2/d, d = 1 + 2t + 2t^2;
    # x <= 0: g = t(2 + t) / d = t (1 - (t + t^2)/d), d = 2 + t(2 + t): each a correction
    # to 1, so that the rounding of the quotient is scaled down by the correction's size
    tt = t * t
    d = o.where(positive, (t + t + 1) + (tt + tt), t * (t + 2) + 2)
    one_minus_g = o.where(positive, tt + tt, 2) / d
    g = o.where(positive, 1 - one_minus_g, t * (1 - (t + tt) / d))
    return g, one_minus_g


def _mish(o: Any, x: Any, p: P) -> Any:
    g, _ = _tanh_softplus(o, x)
    return _at_inf(o, x, x * g, -0.0, math.inf)


def _mish_d(o: Any, x: Any, p: P) -> Any:
    def d(x: Any) -> Any:
        g, omg = _tanh_softplus(o, x, smooth=True)
        s = _sigmoids(o, x, smooth=True)[0]
        return g + x * (omg * (g + 1)) * s

    return _d_at_inf(o, x, d, 0.0, 1.0)


# --- gelu ----------------------------------------------------------------------------------


def _split(v: Any, factor: float) -> tuple[Any, Any]:
    """Veltkamp's split of v into a high half and the rest (both exact)."""
    t = v * factor
    hi = t - (t - v)
    return hi, v - hi


# -1/sqrt(2) as (rounded, rest) in float64 and in float32; the rest is exact to ~2**-100.
_C = {
    53: (-0.7071067811865476, 4.833646656726457e-17),
    24: (-0.70710677, -1.2101617e-08),
}


def _erfc_scaled(o: Any, x: Any, result_bits: int | None) -> Any:
    """erfc(-x/sqrt(2)) with the rounding error of the argument put back.

    erfc amplifies a relative error of its argument u by 2u^2 (13x at u = 2.4), more than the
    ULP bound allows; the argument's rounding error du (Dekker's exact product) enters through
    erfc'(u) = -2/sqrt(pi) exp(-u^2). Computed in a type 16 or more bits wider than the result
    (float32 results in float64), the amplified error stays below 2**-30 of the result (2u^2 <
    2**8 wherever gelu does not underflow) and the correction, ~25 array ops, is skipped.
    """
    bits = o.precision(x)
    if result_bits is not None and bits >= result_bits + 16:
        return o.erfc(x * _C[bits][0])
    c_hi, c_lo = _C[bits]
    factor = 2.0 ** ((bits + 1) // 2) + 1
    xs = o.where(o.abs(x) < 64, x, 0)  # the correction matters where erfc is neither 0 nor 2
    u = xs * c_hi
    xh, xl = _split(xs, factor)
    ch, cl = _split(o.full_like(x, c_hi), factor)
    du = (((xh * ch - u) + xh * cl) + xl * ch) + xl * cl + xs * c_lo
    return o.erfc(x * c_hi) - o.exp(-(u * u)) * du * 1.1283791670955126


def _two_product(o: Any, a: Any, b: Any, factor: float) -> tuple[Any, Any]:
    """(a*b rounded, its rounding error), exactly (Dekker); b an array or a number."""
    ah, al = _split(a, factor)
    bh, bl = _split(b if not isinstance(b, float) else o.full_like(a, b), factor)
    ab = a * b
    return ab, ((ah * bh - ab) + ah * bl + al * bh) + al * bl


# 2*sqrt(2/pi) and 2*sqrt(2/pi)*0.044715 as (rounded, rest) in float32
_GELU_TANH_K24 = (1.5957692, -4.534068e-08)
_GELU_TANH_CK24 = (0.071354814, 2.3988325e-09)


def _gelu_tanh_exp(o: Any, x: Any, result_bits: int | None) -> Any:
    """exp(-z2) for z2 = 2*sqrt(2/pi)*(x + 0.044715 x^3), in x's type.

    exp turns the absolute rounding error of z2 into a relative one (8 ULP at z2 = -7, where
    gelu is ~1e-3), so where the type is not 16 bits wider than the result, z2 is computed as
    an unevaluated sum s + lo with Dekker's exact products and exp(-z2) as exp(-s)*(1 - lo).
    """
    bits = o.precision(x)
    z2 = (x * x * x * _GELU_TANH_C + x) * (2 * _SQRT_2_OVER_PI)
    if bits != 24 or (result_bits is not None and bits >= result_bits + 16):
        return o.exp(-z2)
    factor = 4097.0
    small = o.abs(x) < 10  # beyond, exp(-z2) is 0 or overflows where the sum saturates
    xs = o.where(small, x, 0.0)
    u, eu = _two_product(o, xs, xs, factor)
    v, ev = _two_product(o, u, xs, factor)
    ev = ev + eu * xs
    w, ew = _two_product(o, v, _GELU_TANH_CK24[0], factor)
    ew = ew + ev * _GELU_TANH_CK24[0] + v * _GELU_TANH_CK24[1]
    t, et = _two_product(o, xs, _GELU_TANH_K24[0], factor)
    et = et + xs * _GELU_TANH_K24[1]
    s = w + t
    bv = s - w  # Knuth's two-sum: s + es = w + t exactly
    es = (w - (s - bv)) + (t - bv)
    lo = es + ew + et
    return o.where(small, o.exp(-s) * (1 - lo), o.exp(-z2))


def _gelu(o: Any, x: Any, p: P) -> Any:
    if p["approximate"]:
        # 0.5 x (1 + tanh(z)) = x * sigmoid(2z): no cancellation for negative x.
        y = x / (_gelu_tanh_exp(o, x, p.get(RESULT_BITS)) + 1)
    else:
        y = x * (_erfc_scaled(o, x, p.get(RESULT_BITS)) * 0.5)
    return _at_inf(o, x, y, -0.0, math.inf)


def _gelu_d(o: Any, x: Any, p: P) -> Any:
    if p["approximate"]:
        x = o.where(o.abs(x) > 20, _pick(o, x, x > 0, 20, -20), x)  # derivative is 1/0 there
        z2 = (x * x * x * _GELU_TANH_C + x) * (2 * _SQRT_2_OVER_PI)
        sp, sm = _sigmoids(o, z2, smooth=True)
        dz2 = (x * x * (3 * _GELU_TANH_C) + 1) * (2 * _SQRT_2_OVER_PI)
        return sp + x * (sp * sm) * dz2

    def d(x: Any) -> Any:
        return o.erfc(x * -_INV_SQRT2) * 0.5 + x * o.exp(x * x * -0.5) * _INV_SQRT_2PI

    return _d_at_inf(o, x, d, 0.0, 1.0)


# --- squareplus ----------------------------------------------------------------------------


def _squareplus(o: Any, x: Any, p: P) -> Any:
    b = p["b"]
    s = o.hypot(x, _sqrt(o, b))
    half_s = s * 0.5
    neg = (b * 0.25) / (half_s - x * 0.5)  # (x + s)/2 = b / (2 (s - x)) for x < 0
    return o.where(x >= 0, x * 0.5 + half_s, neg)


def _squareplus_d(o: Any, x: Any, p: P) -> Any:
    b = p["b"]

    def d(x: Any) -> Any:
        s = o.hypot(x, _sqrt(o, b))
        pos = (x / s + 1) * 0.5
        # the negative branch from x < 0 only (its s - x is 0 for large positive x: a second
        # derivative through the unused branch would be NaN)
        xn = o.where(x >= 0, -1, x)
        sn = o.hypot(xn, _sqrt(o, b))
        neg = (b * 0.5) / (sn * (sn - xn))
        return o.where(x >= 0, pos, neg)

    return _d_at_inf(o, x, d, 0.0, 1.0)


def _squareplus_db(o: Any, x: Any, p: P) -> Any:
    return 0.25 / o.hypot(x, _sqrt(o, p["b"]))


# --- softsign, tanhshrink, exponential -----------------------------------------------------


def _softsign(o: Any, x: Any, p: P) -> Any:
    return _at_inf(o, x, x / (o.abs(x) + 1), -1.0, 1.0)


def _softsign_d(o: Any, x: Any, p: P) -> Any:
    def d(x: Any) -> Any:
        a = o.abs(x) + 1
        # 1/(a*a), rounded as Theano and the frameworks round it; where a*a overflows (the
        # result is then 0 but need not be), squared after the division
        d = 1 / (a * a)
        r = 1 / a
        return o.where(d <= 0, r * r, d)

    return _d_at_inf(o, x, d, 0.0, 0.0)


# x*cosh(x) - sinh(x) = sum over k >= 1 of x^(2k+1) * 2k/(2k+1)!: all terms of one sign, so
# (x*cosh(x) - sinh(x))/cosh(x) has none of the cancellation of x - tanh(x) near 0 (which
# loses 3/x^2 ULPs). Eleven terms reach 2**-53 of the first one for |x| < 1.25; from there on
# x - tanh(x) loses at most 2 ULPs.
_TANHSHRINK_SERIES = tuple(2 * k / math.factorial(2 * k + 1) for k in range(1, 12))
_TANHSHRINK_SWITCH = 1.25
# cosh(x) = sum of x^(2k)/(2k)!, all terms positive: ten reach 2**-54 for |x| < 1.25 (e + 1/e
# would add the rounding of exp twice)
_COSH_SERIES = tuple(1 / math.factorial(2 * k) for k in range(11))


def _tanhshrink(o: Any, x: Any, p: P) -> Any:
    small = o.abs(x) < _TANHSHRINK_SWITCH
    xs = o.where(small, x, 0)  # the series only where it is used (no inf/inf elsewhere)
    z = xs * xs
    poly = o.full_like(x, _TANHSHRINK_SERIES[-1])
    for c in reversed(_TANHSHRINK_SERIES[:-1]):
        poly = poly * z + c
    cosh = o.full_like(x, _COSH_SERIES[-1])
    for c in reversed(_COSH_SERIES[:-1]):
        cosh = cosh * z + c
    series = (xs * z * poly) / cosh
    return o.where(small, series, x - o.tanh(x))


def _tanhshrink_d(o: Any, x: Any, p: P) -> Any:
    t = o.tanh(x)
    return t * t


def _exponential(o: Any, x: Any, p: P) -> Any:
    return o.exp(x)


# --- the catalog ---------------------------------------------------------------------------


def _leaky_gain(slope: Any) -> float:
    """He's gain for a rectifier of negative slope ``slope``."""
    a = float(slope)
    return math.sqrt(2.0 / (1.0 + a * a))


_f = real()
_opt = real(optional=True)
_pos = real(positive=True)
_nonneg = real(nonnegative=True)


_SPECS = [
    Spec(
        "relu",
        "Rectified linear unit, with Keras 3's negative_slope, max_value and threshold.",
        "x >= max_value ? max_value : (x > threshold ? x : negative_slope*(x - threshold))",
        _relu,
        _relu_d,
        class_name="ReLU",
        params=(
            Param("negative_slope", 0.0, _f, "slope below threshold"),
            Param("max_value", None, _opt, "saturation value, None for none"),
            Param("threshold", 0.0, _f, "the kink"),
        ),
        piecewise=True,
        integer_ok=_integral("negative_slope", "max_value", "threshold"),
        kinks=_relu_kinks,
        prepare=_relu_prepare,
        examples=(
            {"negative_slope": 0.1, "max_value": 6.0, "threshold": 0.5},
            {"max_value": 6.0},
        ),
        partials={"negative_slope": _relu_ds, "max_value": _relu_dm, "threshold": _relu_dt},
        gain=lambda p: math.sqrt(2.0),
    ),
    Spec(
        "relu6",
        "relu clipped at 6.",
        "min(max(x, 0), 6)",
        _relu6,
        _relu6_d,
        class_name="ReLU6",
        piecewise=True,
        integer_ok=lambda p: True,
        kinks=lambda p: ((0.0, 0.0), (6.0, 0.0)),
    ),
    Spec(
        "leaky_relu",
        "Leaky relu: a small slope for negative inputs.",
        "x > 0 ? x : negative_slope*x",
        _leaky,
        _leaky_d,
        class_name="LeakyReLU",
        params=(Param("negative_slope", 0.01, _f, "slope for x <= 0"),),
        piecewise=True,
        kinks=lambda p: ((0.0, p["negative_slope"]),),
        examples=({"negative_slope": 0.2}, {"negative_slope": 3.0}, {"negative_slope": -0.5}),
        partials={"negative_slope": _slope_partial},
        gain=lambda p: _leaky_gain(p.get("negative_slope", p.get("weight", 0.01))),
    ),
    Spec(
        "prelu",
        "Parametric relu: a learned slope ``weight``, broadcast against x (NumPy rules).",
        "x > 0 ? x : weight*x;  df/dweight = min(x, 0)",
        _prelu,
        _prelu_d,
        class_name="PReLU",
        params=(Param("weight", REQUIRED, array_param, "the slopes", array=True),),
        piecewise=True,
        kinks=lambda p: ((0.0, p["weight"]),),
        examples=({"weight": 0.25},),
        partials={"weight": _slope_partial},
        gain=lambda p: _leaky_gain(p.get("negative_slope", p.get("weight", 0.25))),
    ),
    Spec(
        "rrelu",
        "Randomized leaky relu in evaluation mode: the mean slope (lower + upper) / 2.",
        "x > 0 ? x : ((lower + upper)/2)*x",
        _rrelu,
        _rrelu_d,
        class_name="RReLU",
        params=(
            Param("lower", 1 / 8, _f, "lower bound of the slope"),
            Param("upper", 1 / 3, _f, "upper bound of the slope"),
        ),
        piecewise=True,
        kinks=lambda p: ((0.0, p["negative_slope"]),),
        prepare=_rrelu_prepare,
        examples=({"lower": 0.1, "upper": 0.3},),
        partials={"lower": _rrelu_dbound, "upper": _rrelu_dbound},
        gain=lambda p: _leaky_gain((p.get("lower", 1 / 8) + p.get("upper", 1 / 3)) / 2),
    ),
    Spec(
        "elu",
        "Exponential linear unit.",
        "x > 0 ? x : alpha*expm1(x)",
        _elu,
        _elu_d,
        class_name="ELU",
        params=(Param("alpha", 1.0, _f, "scale of the negative part"),),
        kinks=lambda p: ((0.0, p["alpha"]),),
        examples=({"alpha": 0.5},),
        partials={"alpha": _elu_dalpha},
    ),
    Spec(
        "selu",
        "Scaled elu (self-normalizing networks).",
        f"lambda * (x > 0 ? x : alpha*expm1(x)), alpha={SELU_ALPHA!r}, lambda={SELU_LAMBDA!r}",
        _selu,
        _selu_d,
        class_name="SELU",
        kinks=lambda p: ((0.0, SELU_LAMBDA * SELU_ALPHA),),
    ),
    Spec(
        "celu",
        "Continuously differentiable elu.",
        "x > 0 ? x : alpha*expm1(x/alpha)",
        _celu,
        _celu_d,
        class_name="CELU",
        params=(Param("alpha", 1.0, _pos, "scale, > 0"),),
        kinks=lambda p: ((0.0, 1.0),),
        examples=({"alpha": 2.0},),
        partials={"alpha": _celu_dalpha},
    ),
    Spec(
        "gelu",
        "Gaussian error linear unit; approximate=True (or 'tanh') for the tanh form.",
        "x*Phi(x) = x*erfc(-x/sqrt(2))/2;  "
        "tanh form: x*(1 + tanh(sqrt(2/pi)*(x + 0.044715 x^3)))/2",
        _gelu,
        _gelu_d,
        class_name="GELU",
        params=(
            Param("approximate", False, choice_gelu, "False/'none' or True/'tanh'", numeric=False),
        ),
        examples=({"approximate": True},),
    ),
    Spec(
        "silu",
        "Sigmoid linear unit, also called swish.",
        "x*sigmoid(x)",
        _silu,
        _silu_d,
        class_name="SiLU",
        aliases=("swish",),
    ),
    Spec(
        "mish",
        "Mish.",
        "x*tanh(softplus(x))",
        _mish,
        _mish_d,
    ),
    Spec(
        "softplus",
        "Softplus, a smooth relu; torch's optional threshold reverts to x above it.",
        "log1p(exp(-|beta*x|))/beta + max(x, 0);  beta*x > threshold ? x",
        _softplus,
        _softplus_d,
        params=(
            Param("beta", 1.0, _pos, "sharpness, > 0"),
            Param("threshold", None, _opt, "beta*x above which the result is x"),
        ),
        examples=({"beta": 2.0}, {"beta": 1.0, "threshold": 20.0}),
        partials={"beta": _softplus_dbeta, "threshold": _flat},
    ),
    Spec(
        "log_sigmoid",
        "Logarithm of the sigmoid.",
        "min(x, 0) - log1p(exp(-|x|))",
        _log_sigmoid,
        _log_sigmoid_d,
        aliases=("logsigmoid",),
    ),
    Spec(
        "hardswish",
        "Hard swish (MobileNetV3).",
        "x*relu6(x + 3)/6",
        _hardswish,
        _hardswish_d,
        aliases=("hard_swish", "hard_silu"),
        piecewise=True,
        kinks=lambda p: ((-3.0, 0.0), (3.0, 1.0)),
        division_ulps=(3, 3),
    ),
    Spec(
        "hard_sigmoid",
        "Hard sigmoid, as in Keras 3 and torch.",
        "relu6(x + 3)/6",
        _hard_sigmoid,
        _hard_sigmoid_d,
        class_name="Hardsigmoid",
        aliases=("hardsigmoid",),
        piecewise=True,
        kinks=lambda p: ((-3.0, 0.0), (3.0, 0.0)),
        division_ulps=(2, 1),
    ),
    Spec(
        "hardtanh",
        "Clip to [min_val, max_val].",
        "min(max(x, min_val), max_val)",
        _hardtanh,
        _hardtanh_d,
        aliases=("hard_tanh",),
        params=(
            Param("min_val", -1.0, _f, "lower bound"),
            Param("max_val", 1.0, _f, "upper bound"),
        ),
        piecewise=True,
        integer_ok=_integral("min_val", "max_val"),
        kinks=lambda p: ((p["min_val"], 0.0), (p["max_val"], 0.0)),
        prepare=_hardtanh_prepare,
        examples=({"min_val": -2.0, "max_val": 0.5},),
        partials={"min_val": _hardtanh_dlo, "max_val": _hardtanh_dhi},
    ),
    Spec(
        "threshold",
        "x above a threshold, a constant value elsewhere.",
        "x > threshold ? x : value",
        _threshold,
        lambda o, x, p: _step_d(o, x, p["threshold"]),
        params=(
            Param("threshold", REQUIRED, _f, "the kink"),
            Param("value", REQUIRED, _f, "the value at and below threshold", output=True),
        ),
        piecewise=True,
        integer_ok=_integral("value"),
        kinks=lambda p: ((p["threshold"], 0.0),),
        examples=({"threshold": 0.5, "value": -2.0}, {"threshold": 0.0, "value": 0.0}),
        partials={"threshold": _flat, "value": _threshold_dvalue},
    ),
    Spec(
        "thresholded_relu",
        "x above theta, 0 elsewhere.",
        "x > theta ? x : 0",
        _thresholded,
        lambda o, x, p: _step_d(o, x, p["theta"]),
        class_name="ThresholdedReLU",
        params=(Param("theta", 1.0, _f, "the kink"),),
        piecewise=True,
        kinks=lambda p: ((p["theta"], 0.0),),
        examples=({"theta": 0.25},),
        partials={"theta": _flat},
    ),
    Spec(
        "squared_relu",
        "relu squared (Primer).",
        "relu(x)**2",
        _squared_relu,
        _squared_relu_d,
        class_name="SquaredReLU",
        piecewise=True,
        integer_ok=lambda p: True,
        kinks=lambda p: ((0.0, 0.0),),
    ),
    Spec(
        "squareplus",
        "Squareplus, a smooth relu from algebraic operations.",
        "(x + sqrt(x*x + b))/2",
        _squareplus,
        _squareplus_d,
        params=(Param("b", 4.0, _pos, "smoothness, > 0"),),
        examples=({"b": 0.5},),
        partials={"b": _squareplus_db},
    ),
    Spec(
        "sigmoid",
        "The logistic sigmoid.",
        "1/(1 + exp(-x))",
        _sigmoid,
        _sigmoid_d,
        gain=lambda p: 4.0,  # the Theano tutorials' rule: Glorot's bound times 4
    ),
    Spec(
        "tanh",
        "Hyperbolic tangent.",
        "tanh(x)",
        _tanh,
        _tanh_d,
        gain=lambda p: 1.0,
    ),
    Spec(
        "softsign",
        "Softsign, a rational sigmoid.",
        "x/(1 + |x|)",
        _softsign,
        _softsign_d,
        class_name="Softsign",
    ),
    Spec(
        "softshrink",
        "Soft shrinkage: x moved towards 0 by lambd, 0 within [-lambd, lambd] (torch's name "
        "for the parameter, Keras 3's soft_shrink calls it threshold). At +-lambd the value "
        "is in the zero band and so is the derivative: 0, as in torch.",
        "x > lambd ? x - lambd : (x < -lambd ? x + lambd : 0)",
        _softshrink,
        _shrink_d,
        class_name="Softshrink",
        aliases=("soft_shrink",),
        params=(Param("lambd", 0.5, _nonneg, "half-width of the zero band, >= 0"),),
        piecewise=True,
        kinks=_shrink_kinks,
        examples=({"lambd": 2.0}, {"lambd": 0.0}),
        partials={"lambd": _softshrink_dlambd},
    ),
    Spec(
        "hardshrink",
        "Hard shrinkage: x where |x| > lambd, 0 within [-lambd, lambd] (torch's name for the "
        "parameter, Keras 3's hard_shrink calls it threshold). At +-lambd the value is in the "
        "zero band and so is the derivative: 0, as in torch.",
        "x > lambd or x < -lambd ? x : 0",
        _hardshrink,
        _shrink_d,
        class_name="Hardshrink",
        aliases=("hard_shrink",),
        params=(Param("lambd", 0.5, _nonneg, "half-width of the zero band, >= 0"),),
        piecewise=True,
        kinks=_shrink_kinks,
        examples=({"lambd": 2.0}, {"lambd": 0.0}),
        partials={"lambd": _flat},
    ),
    Spec(
        "tanhshrink",
        "Tanh shrinkage: x minus its tanh.",
        "x - tanh(x)",
        _tanhshrink,
        _tanhshrink_d,
        class_name="Tanhshrink",
        aliases=("tanh_shrink",),
    ),
    Spec(
        "sparse_plus",
        "Sparse plus (Keras 3, jax.nn): a softplus that is exactly 0 below -1 and x above 1; "
        "its derivative is continuous (0 at -1, 1 at 1, as in jax.nn).",
        "x <= -1 ? 0 : (x >= 1 ? x : (x + 1)**2/4)",
        _sparse_plus,
        _sparse_plus_d,
        piecewise=True,
        kinks=lambda p: ((-1.0, 0.0), (1.0, 1.0)),
        division_ulps=(2, 0),
    ),
    Spec(
        "sparse_sigmoid",
        "Sparse sigmoid (Keras 3, jax.nn): a sigmoid that is exactly 0 below -1 and 1 above 1. "
        "At +-1 the derivative is the flat side's 0, as at hard_sigmoid's and hardtanh's bounds "
        "(and Keras 3; jax.nn's clip gives 0.25).",
        "x <= -1 ? 0 : (x >= 1 ? 1 : (x + 1)/2)",
        _sparse_sigmoid,
        _sparse_sigmoid_d,
        piecewise=True,
        kinks=lambda p: ((-1.0, 0.0), (1.0, 0.0)),
    ),
    Spec(
        "exponential",
        "The exponential (Keras' exponential activation).",
        "exp(x)",
        _exponential,
        _exponential,
    ),
    Spec(
        "linear",
        "The identity.",
        "x",
        _linear,
        _linear_d,
        class_name="Identity",
        aliases=("identity",),
        piecewise=True,
        gain=lambda p: 1.0,
    ),
]

CATALOG: dict[str, Spec] = {s.name: s for s in _SPECS}
ALIASES: dict[str, str] = {a: s.name for s in _SPECS for a in s.aliases}
