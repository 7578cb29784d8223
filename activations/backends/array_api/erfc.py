"""erfc from Array API standard functions only (the standard has no erfc).

The method and coefficients are those of fdlibm's ``s_erf.c`` (within 2 ULP in float64 with
NumPy's exp, tested against mpmath),
rewritten branch-free: every region is computed and ``where`` picks one. The high half of |x|
(fdlibm clears its low 32 bits) is taken by Veltkamp splitting, which needs only arithmetic.

    Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
    Developed at SunPro, a Sun Microsystems, Inc. business. Permission to use, copy, modify,
    and distribute this software is freely granted, provided that this notice is preserved.

Used for arrays of libraries without an erfc of their own (array-api-strict, ndonnx, ...);
CuPy, PyTorch and Dask's NumPy blocks use their library's erfc.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["erfc"]

_ERX = 8.45062911510467529297e-01
# erf on [0, 0.84375]: x + x * P(x^2) / Q(x^2)
_PP = (
    1.28379167095512558561e-01,
    -3.25042107247001499370e-01,
    -2.84817495755985104766e-02,
    -5.77027029648944159157e-03,
    -2.37630166566501626084e-05,
)
_QQ = (
    3.97917223959155352819e-01,
    6.50222499887672944485e-02,
    5.08130628187576562776e-03,
    1.32494738004321644526e-04,
    -3.96022827877536812320e-06,
)
# erf on [0.84375, 1.25]: erx + P(s) / Q(s), s = |x| - 1
_PA = (
    -2.36211856075265944077e-03,
    4.14856118683748331666e-01,
    -3.72207876035701323847e-01,
    3.18346619901161753674e-01,
    -1.10894694282396677476e-01,
    3.54783043256182359371e-02,
    -2.16637559486879084300e-03,
)
_QA = (
    1.06420880400844228286e-01,
    5.40397917702171048937e-01,
    7.18286544141962662868e-02,
    1.26171219808761642112e-01,
    1.36370839120290507362e-02,
    1.19844998467991074170e-02,
)
# erfc on [1.25, 1/0.35]: exp(-x^2 - 0.5625 + R(z) / S(z)) / x, z = 1/x^2
_RA = (
    -9.86494403484714822705e-03,
    -6.93858572707181764372e-01,
    -1.05586262253232909814e01,
    -6.23753324503260060396e01,
    -1.62396669462573470355e02,
    -1.84605092906711035994e02,
    -8.12874355063065934246e01,
    -9.81432934416914548592e00,
)
_SA = (
    1.96512716674392571292e01,
    1.37657754143519042600e02,
    4.34565877475229228821e02,
    6.45387271733267880336e02,
    4.29008140027567833386e02,
    1.08635005541779435134e02,
    6.57024977031928170135e00,
    -6.04244152148580987438e-02,
)
# erfc on [1/0.35, 28]: the same form
_RB = (
    -9.86494292470009928597e-03,
    -7.99283237680523006574e-01,
    -1.77579549177547519889e01,
    -1.60636384855821916062e02,
    -6.37566443368389627722e02,
    -1.02509513161107724954e03,
    -4.83519191608651397019e02,
)
_SB = (
    3.03380607434824582924e01,
    3.25792512996573918826e02,
    1.53672958608443695994e03,
    3.19985821950859553908e03,
    2.55305040643316442583e03,
    4.74528541206955367215e02,
    -2.24409524465858183362e01,
)
_SPLIT = 2.0**32 + 1.0  # Veltkamp: leaves 21 significant bits, so z*z is exact


def _poly(t: Any, coefficients: Sequence[float]) -> Any:
    """c0 + t*(c1 + t*(c2 + ...)) (Horner)."""
    acc = t * coefficients[-1] + coefficients[-2]
    for c in reversed(coefficients[:-2]):
        acc = acc * t + c
    return acc


def _one_plus(t: Any, coefficients: Sequence[float]) -> Any:
    """1 + t*(c1 + t*(c2 + ...)): the denominators."""
    return _poly(t, (1.0, *coefficients))


def erfc(o: Any, x: Any) -> Any:
    """erfc(x) elementwise for a real floating array ``x``, with the op set ``o``.

    ``o`` needs ``abs``, ``exp``, ``isnan``, ``full_like`` and ``where`` (one branch may be a
    Python scalar), the op set of the catalog's formulas.
    """
    ax = o.abs(x)
    negative = x < 0
    # |x| < 0.84375
    z = x * x
    y = _poly(z, _PP) / _one_plus(z, _QQ)
    small = o.where(x < 0.25, 1.0 - (x + x * y), 0.5 - ((x - 0.5) + x * y))
    # 0.84375 <= |x| < 1.25
    s = ax - 1.0
    pq = _poly(s, _PA) / _one_plus(s, _QA)
    middle = o.where(negative, 1.0 + (_ERX + pq), (1.0 - _ERX) - pq)
    # 1.25 <= |x| < 28 (|x| < 6 for x < 0; 2 beyond)
    safe = o.where((ax >= 1.25) & (ax < 28.0), ax, 2.0)  # no overflow or 1/0 elsewhere
    w = 1.0 / (safe * safe)
    near = safe < 1.0 / 0.35
    rs = o.where(
        near,
        _poly(w, _RA) / _one_plus(w, _SA),
        _poly(w, _RB) / _one_plus(w, _SB),
    )
    t = safe * _SPLIT
    hi = t - (t - safe)
    r = o.exp(-(hi * hi) - 0.5625) * o.exp((hi - safe) * (hi + safe) + rs) / safe
    tail = o.where(negative, 2.0 - r, r)
    result = o.where(
        ax < 0.84375,
        small,
        o.where(
            ax < 1.25, middle, o.where(ax < 28.0, tail, o.where(negative, o.full_like(x, 2.0), 0.0))
        ),
    )
    return o.where(o.isnan(x), x, result)
