"""Every float16 and bfloat16 bit pattern on every backend, value and gradient.

Exact activations are bitwise equal across backends: float16 results equal NumPy's float16
results, bfloat16 results equal NumPy's float32 path rounded once to bfloat16. Smooth
activations are within 1 ULP of NumPy's float64 path. Backends that flush subnormals (rule 7)
are compared with subnormal inputs and outputs taken as +-0.
"""

import numpy as np
import pytest
from _required import missing

from activations import _conformance as conf
from activations import backends
from activations._catalog import CATALOG

HARNESSES = {h.name: h for h in conf.harnesses() if h.name != "numpy"}
CASES = [(n, kw) for n, s in CATALOG.items() for kw in conf.param_sets(s)]
IDS = [conf.label(CATALOG[n], kw) for n, kw in CASES]
FLOOR = {"value": 2.0**-10, "grad": 2.0**-3}


def all_patterns(dtype: str) -> np.ndarray:
    bits = np.arange(2**16, dtype=np.uint32)
    with np.errstate(invalid="ignore"):  # signalling NaN patterns become one quiet NaN
        if dtype == "float16":
            x = bits.astype(np.uint16).view(np.float16).astype(np.float64)
        else:
            x = (bits << 16).view(np.float32).astype(np.float64)
    x[np.isnan(x)] = np.nan
    return x


def round_bfloat16(a: np.ndarray) -> np.ndarray:
    """float32 values rounded to bfloat16 (ties to even), as float64."""
    f = np.asarray(a, dtype=np.float32)
    bits = f.view(np.uint32).astype(np.uint64)
    bits = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16) << 16
    out = bits.astype(np.uint32).view(np.float32).astype(np.float64)
    return np.where(np.isnan(f), np.nan, out)


def rounded(values: np.ndarray, dtype: str) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        if dtype == "float16":
            return values.astype(np.float16).astype(np.float64)
        return round_bfloat16(values.astype(np.float32))


def numpy_expected(name: str, kw: dict, x: np.ndarray, dtype: str, exact: bool) -> dict:
    """NumPy's results the backends must match, per the module docstring."""
    from activations import get

    f = get(name)
    spec = CATALOG[name]
    bound = spec.bind((), kw)
    # parameters are rounded to the input dtype first (rule 2), then used in the wide path
    wide_kw = {k: bound[k] for k in spec.param_names}
    if name == "rrelu":
        f, wide_kw = get("leaky_relu"), {"negative_slope": bound["negative_slope"]}
    wide_kw = {
        k: float(rounded(np.array([v]), dtype)[0]) if isinstance(v, float) else v
        for k, v in wide_kw.items()
    }
    wide = np.float32 if exact else np.float64
    with np.errstate(all="ignore"):
        xw = x.astype(wide)
        return {
            "value": np.asarray(f(xw, **wide_kw), dtype=np.float64),
            "grad": np.asarray(f.derivative(xw, **wide_kw), dtype=np.float64),
        }


def flush(a: np.ndarray, dtype: str) -> np.ndarray:
    tiny = 2.0**-14 if dtype == "float16" else 2.0**-126
    return np.where(np.abs(a) <= tiny, 0.0, a)  # XLA flushes results equal to it too


PAIRS = [
    (b, d)
    for b in conf.all_backends()
    if b != "numpy"  # the reference side; its float16 is checked in test_numpy
    for d in ("float16", "bfloat16")
    if d in backends.library(b).dtypes
]


@pytest.mark.parametrize(("backend", "dtype"), PAIRS)
@pytest.mark.parametrize(("name", "kw"), CASES, ids=IDS)
def test_every_bit_pattern(name: str, kw: dict, backend: str, dtype: str) -> None:
    if backend not in HARNESSES:
        missing(backend)
    h = HARNESSES[backend]
    exact = CATALOG[name].piecewise
    x = all_patterns(dtype)
    want = numpy_expected(name, kw, x, dtype, exact)
    xb = h.make(x, dtype)
    from activations import get

    f = get(name)
    got = {"value": h.to_numpy(h.value(f, xb, kw)), "grad": h.to_numpy(h.grad(f, xb, kw))}
    keep = np.ones(x.shape, dtype=bool)
    if h.flushes_subnormals:  # subnormal inputs may act as +-0: compared in the conformance test
        keep = ~((np.abs(x) < (2.0**-14 if dtype == "float16" else 2.0**-126)) & (x != 0))
    for what in ("value", "grad"):
        g, w = got[what][keep], rounded(want[what], dtype)[keep]
        if h.flushes_subnormals:
            g, w = flush(g, dtype), flush(w, dtype)
        np.testing.assert_array_equal(np.isnan(g), np.isnan(w), err_msg=f"{what}: NaN")
        ok = ~np.isnan(w)
        g, w = g[ok], w[ok]
        if exact and name not in ("hardswish", "hard_sigmoid"):
            np.testing.assert_array_equal(g, w, err_msg=what)
            continue
        if exact:  # computed in float32 on every backend: the same bits
            np.testing.assert_array_equal(g, w, err_msg=what)
            continue
        finite = np.isfinite(w)
        np.testing.assert_array_equal(g[~finite], w[~finite], err_msg=what)
        if h.flushes_subnormals:  # both flushed to zero: equal under rule 7
            finite &= ~((g == 0) & (w == 0))
        bits = 11 if dtype == "float16" else 8
        min_exp = -14 if dtype == "float16" else -126
        mag = np.maximum(np.abs(w[finite]), max(FLOOR[what], 2.0**min_exp))
        ulp = np.ldexp(1.0, np.frexp(mag)[1] - bits)
        wide = want[what][keep][ok][finite]
        err = np.abs(g[finite] - wide) / ulp
        assert err.max() <= 1.0, (
            f"{what}: {err.max():.3g} ULP at x={x[keep][ok][finite][err.argmax()]}"
        )
