"""The Array API backend, driven by array-api-strict (which refuses anything non-standard)."""

import math

import numpy as np
import pytest
from _required import require

xp = require("array_api_strict")

import activations as A  # noqa: E402
from activations._catalog import CATALOG  # noqa: E402
from activations._conformance import bounds, param_sets  # noqa: E402
from activations.backends.array_api import erfc as _erfc  # noqa: E402
from activations.backends.array_api.ops import NamespaceBackend  # noqa: E402
from activations.backends.numpy.ops import NumpyOps  # noqa: E402

CASES = [(n, kw) for n, s in CATALOG.items() for kw in param_sets(s)]
EDGE = [-math.inf, -40.0, -5.0, -3.0, -1.0, -0.0, 0.0, 1e-310, 0.5, 1.0, 3.0, 6.0, 7.0, math.inf]
EDGE += [math.nan]


def _np(a):
    return np.from_dlpack(a)


@pytest.mark.parametrize(("name", "kw"), CASES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_same_bits_as_numpy(name: str, kw: dict, dtype: str) -> None:
    """Exact activations bitwise. Smooth ones: this backend and NumPy's each keep the contract's
    bound from the reference (the conformance matrix), so they are within twice it of each
    other; they differ only where the erfc differs (SciPy's vs the standard-only one)."""
    f = A.get(name)
    xn = np.array(EDGE + list(np.linspace(-8, 8, 101)), dtype=dtype)
    x = xp.asarray(xn)
    y, d, v = f(x, **kw), f.derivative(x, **kw), f.vjp(x, xp.ones_like(x) * 2.0, **kw)
    v = v[0] if name == "prelu" else v
    for got in (y, d, v):
        assert type(got) is type(x) and got.dtype == x.dtype and got.shape == x.shape
    want = [f(xn, **kw), f.derivative(xn, **kw), f.vjp(xn, np.full_like(xn, 2.0), **kw)]
    want[2] = want[2][0] if name == "prelu" else want[2]
    vb, db = bounds(CATALOG[name], dtype)
    for g, w, bound in zip((y, d, v), want, (vb, db, db), strict=True):
        g, w = _np(g), np.asarray(w)
        if CATALOG[name].piecewise:
            assert g.tobytes() == w.tobytes()
            continue
        np.testing.assert_array_equal(np.isnan(g), np.isnan(w))
        finite = np.isfinite(w) & (np.abs(w) > 1e-300)
        np.testing.assert_array_max_ulp(g[finite], w[finite], maxulp=2 * bound)


def test_device_is_kept() -> None:
    """array-api-strict has pretend devices: results stay on the input's."""
    device = xp.Device("device1")
    x = xp.asarray([-1.0, 0.0, 2.0], device=device)
    for f in (A.relu, A.gelu, A.silu, A.elu):
        assert f(x).device == device and f.derivative(x).device == device
        assert f.vjp(x, xp.ones_like(x)).device == device
    y = A.prelu(x, xp.asarray([0.25], device=device))
    assert y.device == device
    assert A.prelu(x, 0.25).device == device  # a Python weight goes to x's device


def test_prelu_weight_gradient() -> None:
    xn = np.array([[-2.0, 1.0, -0.5], [3.0, -1.0, 0.0]])
    wn = np.array([0.1, 0.2, 0.3])
    gn = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    dx, dw = A.prelu.vjp(xp.asarray(xn), xp.asarray(gn), xp.asarray(wn))
    want_dx, want_dw = A.prelu.vjp(xn, gn, wn)
    np.testing.assert_array_equal(_np(dx), want_dx)
    np.testing.assert_array_equal(_np(dw), want_dw)


def test_integers_and_errors() -> None:
    x = xp.asarray([-3, 0, 5], dtype=xp.int32)
    y = A.relu(x)
    assert y.dtype == xp.int32 and _np(y).tolist() == [0, 0, 5]
    with pytest.raises(TypeError, match=r"gelu\(\) does not accept integer input"):
        A.gelu(x)
    with pytest.raises(TypeError, match="bool input"):
        A.relu(xp.asarray([True]))
    with pytest.raises(TypeError, match="out= is supported for NumPy arrays only"):
        A.relu(xp.asarray([1.0]), out=xp.asarray([0.0]))
    with pytest.raises(ValueError, match=r"relu.vjp\(\): dout has shape"):
        A.relu.vjp(xp.asarray([1.0, 2.0]), xp.asarray([1.0]))
    with pytest.raises(TypeError, match="two frameworks"):
        A.relu.vjp(xp.asarray([1.0]), np.ones(1))


def test_float32_only_namespace_computes_smooth_activations_in_float32() -> None:
    """A device without float64 (e.g. Apple MPS): the backend says so and still works."""

    class NoFloat64:
        def __getattr__(self, name):
            if name == "float64":
                raise AttributeError(name)
            return getattr(xp, name)

        def __array_namespace_info__(self):
            class Info:
                def dtypes(self, kind=None):
                    return {"float32": xp.float32}

            return Info()

    b = NamespaceBackend(NoFloat64())
    assert b.precise == "float32"
    x = xp.asarray([-1.0, 0.5, 2.0], dtype=xp.float32)
    y = b.value(CATALOG["gelu"], x, CATALOG["gelu"].bind((), {}))
    assert y.dtype == xp.float32
    np.testing.assert_array_max_ulp(_np(y), A.gelu(_np(x)), maxulp=4)


def test_erfc_from_standard_functions_against_mpmath() -> None:
    """fdlibm's method with only standard functions: <= 2 ULP (with the library's exp)."""
    import mpmath  # a core dependency

    rng = np.random.default_rng(7)
    x = np.concatenate(
        [
            rng.uniform(-6, 27, 3000),
            np.exp2(rng.uniform(-60, 4.7, 2000)) * rng.choice([-1.0, 1.0], 2000),
            [0.0, -0.0, 0.25, 0.84375, -0.84375, 1.25, -1.25, 1 / 0.35, 6.0, -6.0, 27.0, 28.0],
        ]
    )
    with np.errstate(all="ignore"):
        got = _erfc.erfc(NumpyOps, x)
    with mpmath.workprec(120):
        want = np.array([float(mpmath.erfc(mpmath.mpf(float(v)))) for v in x])
    normal = np.abs(want) >= np.finfo(np.float64).tiny
    np.testing.assert_array_max_ulp(got[normal], want[normal], maxulp=2)
    assert np.all(np.abs(got[~normal] - want[~normal]) <= 2**-1060)
    with np.errstate(all="ignore"):
        special = _erfc.erfc(NumpyOps, np.array([np.inf, -np.inf, np.nan, 40.0, -40.0]))
    np.testing.assert_array_equal(special, [0.0, 2.0, np.nan, 0.0, 2.0])
    strict = _erfc.erfc(A.backends.get("array_api").of(xp.asarray(x)).ops, xp.asarray(x))
    np.testing.assert_array_equal(_np(strict), got)
