"""Fit the polynomials of ``backends/_portable.py`` (run ``python -m activations._portable_fit``).

Each is a least-squares fit of the relative error on 4000 Chebyshev nodes against mpmath at
120 bits, in the power basis of a variable scaled to [-1, 1]. The coefficients are rounded to
float32 one at a time from the constant term up, the remaining ones refitted after each
rounding, so that the rounding of the large low-order terms is absorbed by the others. It
prints the tables and, for each, the largest relative error of the float32 coefficients in
exact arithmetic and of a float32 Horner evaluation. Needs mpmath (a test dependency).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["FITS", "fit", "main"]


def _erfcx_near(v: float) -> float:
    import mpmath as mp

    z = mp.mpf(v)
    return float(mp.exp(z * z) * mp.erfc(z))


def _erfcx_far(w: float) -> float:
    """z * erfcx(z) for z = 1/w."""
    import mpmath as mp

    z = 1 / mp.mpf(w)
    return float(z * mp.exp(z * z) * mp.erfc(z))


def _tanh_odd(u: float) -> float:
    """(tanh(x) - x)/x**3 for u = x*x."""
    import mpmath as mp

    if u == 0:
        return -1 / 3
    x = mp.sqrt(mp.mpf(u))
    return float((mp.tanh(x) - x) / x**3)


# name -> (function, interval of its variable, degree)
FITS: dict[str, tuple[Callable[[float], float], tuple[float, float], int]] = {
    "ERFCX_NEAR": (_erfcx_near, (0.0, 1.25), 10),
    "ERFCX_MID": (_erfcx_near, (1.25, 2.5), 9),
    "ERFCX_FAR": (_erfcx_far, (1 / 10.5, 0.4), 10),
    "TANH_ODD": (_tanh_odd, (0.0, 0.55**2), 6),
}


def fit(
    f: Callable[[float], float], a: float, b: float, degree: int, n: int = 4000
) -> tuple[list[float], float, float]:
    """(float32 coefficients of s = (2v - a - b)/(b - a), exact error, float32 Horner error)."""
    import mpmath as mp

    mp.mp.prec = 120
    s = np.cos(np.pi * (np.arange(n) + 0.5) / n)
    v = (s * (b - a) + a + b) / 2
    y = np.array([f(t) for t in v])
    vander = np.vander(s, degree + 1, increasing=True)
    w = 1 / np.abs(y)
    coef: list[float] = []
    for i in range(degree + 1):
        r = y - vander[:, :i] @ np.array(coef) if i else y
        c, *_ = np.linalg.lstsq(vander[:, i:] * w[:, None], r * w, rcond=None)
        coef.append(float(np.float32(c[0])))
    exact = float(np.max(np.abs(vander @ np.array(coef) - y) * w))
    s32 = s.astype(np.float32)
    acc = np.zeros_like(s32)
    for c in reversed(coef):
        acc = acc * s32 + np.float32(c)
    return coef, exact, float(np.max(np.abs(acc.astype(np.float64) - y) * w))


def main() -> None:
    for name, (f, (a, b), degree) in FITS.items():
        coef, exact, horner = fit(f, a, b, degree)
        print(f"# on [{a!r}, {b!r}]: {exact:.2e} exact, {horner:.2e} float32 Horner")
        print(f"{name} = (")
        for c in coef:
            print(f"    {np.float32(c)!r},".replace("np.float32(", "").replace(")", ""))
        print(")")


if __name__ == "__main__":
    main()
