"""expm1, log1p, tanh, erfc and hypot from elementary ops, for graphs that leave the framework.

Exported graphs run where only a few functions exist (ONNX has no Expm1, Log1p or Erfc and
onnxruntime no float64 Erf; TFLite's built-ins are float32 only), and the frameworks' exporters
write the missing ones as ``exp(x) - 1``, ``log(1 + x)``, ``1 - erf(x)``: thousands of ULPs
off. ``portable_ops(ops)`` is an op set whose five functions are written with ``exp``, ``log``,
``sqrt``, ``where``, ``abs`` and arithmetic in the input's own dtype, with the accuracy the
contract asks of float32:

- float32 and narrower: polynomials in float32 (coefficients fitted by
  ``python -m activations._portable_fit``), the sign of zero, NaN and +-inf kept by ``where``;
- wider types: Kahan's forms (``(u - 1) x / log(u)`` for ``u = exp(x)``), exact to a few ULPs
  in any precision; erfc, which has none, stays the framework's own.

Branches select with ``where(cond, a, b)`` on comparisons that are false for NaN, so NaN
reaches the branch that propagates it; each branch is computed on an argument clamped to its
own interval, so that neither branch ever produces inf or NaN for the other's inputs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

__all__ = ["portable_ops"]

# float32 coefficients, constant term first, in s = (2v - a - b)/(b - a) (_portable_fit)
# erfc(z) = exp(-z*z) * ERFCX_NEAR(s), v = z in [0, 1.25]; ERFCX_MID: z in [1.25, 2.5]
ERFCX_NEAR = (
    0.5568139, -0.27022615, 0.111948036, -0.04121788, 0.013816168, -0.004283454, 0.0012375352,
    -0.00033570666, 9.137238e-05, -2.5350693e-05, 4.4498306e-06,
)  # fmt: skip
ERFCX_NEAR_SPAN = (0.0, 1.25)
ERFCX_MID = (
    0.26942998, -0.07376045, 0.0188081, -0.00451468, 0.0010280198, -0.0002233871, 4.666968e-05,
    -9.4482175e-06, 1.8681085e-06, -3.1094575e-07,
)  # fmt: skip
ERFCX_MID_SPAN = (1.25, 2.5)
# erfc(z) = exp(-z*z) / z * ERFCX_FAR(s), v = 1/z in [1/10.5, 0.4]
ERFCX_FAR = (
    0.54828125, -0.018079119, -0.0039319885, 0.0007775924, -1.5769918e-05, -2.290336e-05,
    1.0640541e-05, -1.4517228e-07, -5.6889608e-06, 5.6321074e-08, 1.985128e-06,
)  # fmt: skip
ERFCX_FAR_SPAN = (1 / 10.5, 0.4)
# tanh(x) = x + x**3 * TANH_ODD(s), v = x*x in [0, 0.55**2]
TANH_ODD = (
    -0.31432998, 0.017907232, -0.0010327727, 5.9642014e-05, -3.5508647e-06, 2.0195093e-07,
    4.893707e-08,
)  # fmt: skip
TANH_ODD_SPAN = (0.0, 0.55**2)

_LN2 = math.log(2.0)
_EXPM1_TAYLOR = tuple(1 / math.factorial(n) for n in range(2, 12))  # |x| < ln 2: < 2**-30
_LOG1P_ATANH = tuple(1 / (2 * k + 1) for k in range(1, 10))  # s*s <= 1/9: < 2**-32
_ERFC_ZERO = 10.5  # erfc(10.5) < 2**-150: 0 in float32
_LARGEST_FLOAT32 = 3.4028234663852886e38
# exp(x) = 2**k exp(r), r = x - k ln 2 with ln 2 = _EXP_LN2_HI + _EXP_LN2_LO, the first of 9
# bits so that k * _EXP_LN2_HI is exact; exp(r) = 1 + r + r*r*_EXP_POLY(r) on |r| <= ln(2)/2
# (Moshier's Cephes expf: 1 ULP)
_EXP_LN2_HI = 0.693359375
_EXP_LN2_LO = -2.12194440e-4
_EXP_POLY = (5.0000001201e-1, 1.6666665459e-1, 4.1665795894e-2, 8.3334519073e-3,
             1.3981999507e-3, 1.9875691500e-4)  # fmt: skip
_EXP_SPAN = (-104.0, 89.0)  # exp rounds to 0 below, to inf above: k in [-150, 128]


def _horner(v: Any, span: tuple[float, float], coef: tuple[float, ...]) -> Any:
    a, b = span
    # v minus the midpoint is exact over most of the span (Sterbenz): s carries one rounding
    # of its own size, not one of v's (2v/(b - a) - (a + b)/(b - a) would cancel)
    s = (v - (a + b) / 2) * (2 / (b - a))
    acc = s * coef[-1] + coef[-2]
    for c in reversed(coef[:-2]):
        acc = acc * s + c
    return acc


def _series(v: Any, coef: tuple[float, ...]) -> Any:
    acc = v * coef[-1] + coef[-2]
    for c in reversed(coef[:-2]):
        acc = acc * v + c
    return acc


def _narrow(o: Any, x: Any) -> bool:
    """float32 (the backends compute narrower types in float32): the fitted polynomials."""
    return bool(o.precision(x) == 24)


def portable_ops(
    base: Any,
    *,
    where_drops_negative_zero: bool = False,
    pow2: Callable[[Any], Any] | None = None,
) -> Any:
    """``base`` (an op set) with expm1, log1p, tanh, erfc and hypot from elementary ops.

    Quirks of the runtime the graphs are made for:

    - ``where_drops_negative_zero``: its ``where`` returns +0.0 for a -0.0 taken from the
      second input (onnxruntime); such results are put back.
    - ``pow2`` (``2**k`` for integral ``k`` in [-126, 127], exactly): float32 ``exp`` is
      computed from it, ``floor`` and arithmetic, for runtimes whose own ``exp`` is not
      accurate enough or loses NaN (TFLite's XNNPACK kernels: 23 ULP, exp(NaN) = 0).
    """

    def negative_zero(v: Any) -> Any:
        """Where v is -0.0 (a bool array, or a Python bool for a number)."""
        if isinstance(v, (int, float)):
            return bool(v == 0 and math.copysign(1.0, v) < 0)
        return (v == 0) & (1 / v < 0)

    class PortableOps(base):  # type: ignore[misc]
        @staticmethod
        def where(cond: Any, a: Any, b: Any) -> Any:
            # onnxruntime's Where returns +0.0 where it takes a -0.0 from its second input
            # (it merges the two selections with `x != 0 ? x : y`) and keeps one from its
            # third: where a may be -0.0, those results are put back through a third input
            r = base.where(cond, a, b)
            if not where_drops_negative_zero:
                return r
            na = negative_zero(a)
            if na is False:  # only b may be -0.0: kept
                return r
            # the -0.0 results, then each through a third input (b's too: r is a second input)
            nb = negative_zero(b)
            nz = cond if na is True else cond & na
            if nb is not False:
                nz = nz | (~cond if nb is True else ~cond & nb)
            # -|r|, not a constant -0.0 (onnxruntime's ConstantSharing merges -0.0 with
            # 0.0); not ~nz (its NotWhereFusion would swap the inputs back)
            keep = base.where(nz, base.full_like(r, 0.0), 1.0) > 0.5
            return base.where(keep, r, -base.abs(r))

        @staticmethod
        def isinf(x: Any) -> Any:
            # the legacy torch exporter writes isinf as a cast to float64 and IsInf; TFLite
            # has neither IsInf nor IsNan among its built-ins, and its converter stores an
            # inf constant as the largest float32 (so not `abs(x) == inf` there); torch's
            # default exporter writes constants as float32 (the largest float64 is inf there)
            if _narrow(PortableOps, x):
                return base.abs(x) > _LARGEST_FLOAT32
            return base.abs(x) == math.inf

        @staticmethod
        def exp(x: Any) -> Any:
            if pow2 is None or not _narrow(PortableOps, x):
                return base.exp(x)
            o = PortableOps
            low, high = _EXP_SPAN
            c = o.where(x < low, low, o.where(x > high, high, x))
            c = o.where(c == c, c, 0.0)  # the integer path never sees NaN
            k = o.floor(c * 1.4426950408889634 + 0.5)
            r = (c - k * _EXP_LN2_HI) - k * _EXP_LN2_LO
            e = (r * r) * _series(r, _EXP_POLY) + r + 1
            half = o.floor(k * 0.5)  # 2**k in two exact factors, each within [-75, 64]
            y = (e * pow2(half)) * pow2(k - half)  # one rounding, also to a subnormal
            return o.where(x == x, y, x)

        @staticmethod
        def isnan(x: Any) -> Any:
            return x != x

        @staticmethod
        def expm1(x: Any) -> Any:
            o = PortableOps
            if not _narrow(o, x):
                u = o.exp(x)
                um1 = u - 1
                # u == 1: x itself; u - 1 == -1 (x very negative): -1; u = inf: inf
                kahan = um1 * (x / o.log(o.where(um1 == 0, 2.0, u)))
                big = o.where(um1 == -1, -1.0, o.where(o.isinf(u), u, kahan))
                return o.where(um1 == 0, x, big)
            small = o.abs(x) < _LN2
            xs = o.where(small, x, 0.0)
            poly = xs + (xs * xs) * _series(xs, _EXPM1_TAYLOR)
            return o.where(x == 0, x, o.where(small, poly, o.exp(x) - 1))

        @staticmethod
        def log1p(x: Any) -> Any:
            o = PortableOps
            if not _narrow(o, x):
                u = x + 1
                um1 = u - 1
                kahan = o.log(u) * (x / o.where(um1 == 0, 1.0, um1))
                return o.where(um1 == 0, x, o.where(x == math.inf, x, kahan))
            small = (x >= -0.5) & (x <= 1)
            xs = o.where(small, x, 0.0)
            s = xs / (xs + 2)  # log1p(x) = 2 atanh(s)
            z = s * s
            series = s * 2 + (s * z) * (_series(z, _LOG1P_ATANH[1:]) * z + _LOG1P_ATANH[0]) * 2
            return o.where(small, series, o.log(x + 1))

        @staticmethod
        def tanh(x: Any) -> Any:
            o = PortableOps
            a = o.abs(x)
            if _narrow(o, x):
                small = a < 0.55
                xs = o.where(small, x, 0.0)
                z = xs * xs
                near = xs + (xs * z) * _horner(z, TANH_ODD_SPAN, TANH_ODD)
                far = 1 - 2 / (o.exp(o.where(small, 1.1, a) * 2) + 1)
            else:
                small = a < 0.5
                e = o.expm1(a * -2)  # tanh(a) = -e/(2 + e)
                near = o.where(x < 0, e / (e + 2), -e / (e + 2))
                far = 1 - 2 / (o.exp(o.where(small, 1.0, a) * 2) + 1)
            signed = o.where(x < 0, -far, far)
            return o.where(x == 0, x, o.where(small, near, signed))

        @staticmethod
        def erfc(x: Any) -> Any:
            o = PortableOps
            if not _narrow(o, x):
                return base.erfc(x)
            a = o.abs(x)
            a = o.where(a > _ERFC_ZERO, _ERFC_ZERO, a)  # NaN stays NaN
            # exp(-a*a) without the rounding of a*a: a = hi + lo, hi of 12 bits (Veltkamp)
            c = a * 4097.0
            hi = c - (c - a)
            lo = a - hi
            d = lo * (a + hi)  # a*a - hi*hi, |d| < 0.06
            q = d * (1 - d * (0.5 - d * (1 / 6 - d * (1 / 24 - d * (1 / 120)))))  # 1 - exp(-d)
            split, far_from = ERFCX_MID_SPAN
            near = _horner(o.where(a < split, a, 0.0), ERFCX_NEAR_SPAN, ERFCX_NEAR)
            mid = _horner(o.where(a < split, split, o.where(a < far_from, a, far_from)),
                          ERFCX_MID_SPAN, ERFCX_MID)  # fmt: skip
            af = o.where(a < far_from, 1.0, a)
            far = _horner(1 / af, ERFCX_FAR_SPAN, ERFCX_FAR) / af
            p = o.where(a < split, near, o.where(a < far_from, mid, far))
            r = o.exp(-(hi * hi)) * (p - p * q)
            return o.where(x < 0, 2 - r, r)

        @staticmethod
        def hypot(x: Any, c: Any) -> Any:
            o = PortableOps
            ax, ac = o.abs(x), o.abs(c) if not isinstance(c, (int, float)) else abs(c)
            m = o.where(ax > ac, ax, ac)  # NaN in x: m = |c|, r = NaN
            n = o.where(ax > ac, ac, ax)
            safe = o.where((m == 0) | o.isinf(m), 1.0, m)
            r = n / safe
            h = m * o.sqrt(r * r + 1)
            return o.where(o.isinf(ax) | o.isinf(o.full_like(x, 0) + ac), math.inf, h)

    PortableOps.__name__ = PortableOps.__qualname__ = f"Portable{base.__name__}"
    return PortableOps
