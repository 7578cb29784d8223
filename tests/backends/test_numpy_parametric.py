"""The piecewise-linear family at any parameters: the compiled ufuncs that take them as inputs
(leaky_relu_at, hardtanh_at, threshold_at; prelu's weight is leaky_relu's slope) and the public
calls that reach them give the catalog formula's bits.

Every float16 bit pattern and every pair of special float32/float64 values, at parameters of
every kind (the defaults, the catalog's examples, zero and negative slopes, slopes above 1),
in every layout, in place, at sizes that take the threads; parameters given positionally, by
keyword, as NumPy weights; parameters rounded to x's dtype as the generic path rounds them;
errors and warnings as on the generic path. Without the extension the same public calls take
the generic path (the tox environment ``numpy-pure``), and these tests check that path.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from test_numpy_ufuncs import (
    DTYPES,
    LAYOUTS,
    OFF,
    PURE,
    _compiled,
    _layout,
    _nan_same,
    _same,
    _special,
    _x,
)

import activations as A
from activations._catalog import CATALOG
from activations._dtypes import round_to
from activations.backends._base import Backend
from activations.backends.numpy import kernels as K
from activations.backends.numpy.ops import BACKEND as NP

# name -> parameter sets (positional, in the catalog's order)
CASES: dict[str, list[tuple[float, ...]]] = {
    "leaky_relu": [(0.01,), (0.2,), (3.0,), (-0.5,), (0.0,), (-0.0,), (1.0,), (7,)],
    "prelu": [(0.25,), (0.0,), (-2.0,), (1e-3,)],
    "hardtanh": [(-1.0, 1.0), (0.0, 6.0), (-0.5, 2.5), (-3.0, -2.0), (-2, 2)],
    "threshold": [(0.0, 0.0), (0.5, -2.0), (-1.0, 7.0), (0.2, 0.0), (3, 1)],
}
UFUNCS = {"leaky_relu": "leaky_relu_at", "prelu": "leaky_relu_at", "hardtanh": "hardtanh_at"}
UFUNCS["threshold"] = "threshold_at"


def _generic(name: str, kind: str, x: np.ndarray, params: tuple[Any, ...], *dout: Any) -> Any:
    spec = CATALOG[name]
    with np.errstate(all="ignore"):
        return np.asarray(getattr(Backend, kind)(NP, spec, x, *dout, spec.bind(params, {})))


def _prelu_vjp_same(x: np.ndarray, g: np.ndarray, params: tuple[Any, ...]) -> None:
    spec = CATALOG["prelu"]
    dx, dw = A.prelu.vjp(x, g, *params)
    with np.errstate(all="ignore"):
        wdx, wdw = Backend.vjp(NP, spec, x, g, spec.bind(params, {}), ("weight",))
    _nan_same(dx, wdx)
    _nan_same(dw, wdw)
    assert type(dx) is type(wdx) and type(dw) is type(wdw)


def _inputs(dtype: str) -> tuple[np.ndarray, np.ndarray]:
    """float16: every bit pattern, against shuffled ones; else every pair of special values,
    the kinks of the cases and their neighbours, random values."""
    if dtype == "float16":
        x = np.arange(1 << 16, dtype=np.uint16).view(np.float16)
        return x, x[np.random.default_rng(1).permutation(x.size)]
    kinks = np.array([0.0, 0.01, 0.2, 0.5, 1.0, 2.0, 2.5, 3.0, 6.0, 7.0], dtype)
    kinks = np.concatenate([kinks, -kinks])
    near = np.concatenate([np.nextafter(kinks, np.inf), np.nextafter(kinks, -np.inf)])
    s = np.concatenate([_special(dtype), kinks, near.astype(dtype)])
    x, g = (a.ravel() for a in np.meshgrid(s, s))
    with np.errstate(all="ignore"):  # the largest values become inf
        more = _x(3001, dtype) * 4
    return np.concatenate([x, more]), np.concatenate([g, _x(3001, dtype, 7)])


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("dtype", DTYPES)
def test_ufuncs_match_the_formula(name: str, dtype: str) -> None:
    U = _compiled()
    value = getattr(U, UFUNCS[name])
    derivative = getattr(U, f"{UFUNCS[name]}_derivative")
    vjp = getattr(U, f"{UFUNCS[name]}_vjp")
    x, g = _inputs(dtype)
    for params in CASES[name]:
        ps = [np.asarray(round_to(p, dtype), dtype) for p in params]
        dps = ps[:1] if name == "threshold" else ps  # threshold's value moves no slope
        with np.errstate(all="raise"):  # no floating-point flag escapes (as the formula)
            got = value(x, *ps), derivative(x, *dps), vjp(x, g, *dps)
        _same(got[0], _generic(name, "value", x, params))
        _nan_same(got[1], _generic(name, "derivative", x, params))
        _nan_same(got[2], _generic(name, "vjp", x, params, g))


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [0, 1, 17, 4133, "threads"])
def test_public_calls_match_the_formula(name: str, dtype: str, n: int | str) -> None:
    size = n if isinstance(n, int) else K.COMPILED_PARALLEL_BYTES // np.dtype(dtype).itemsize + 7
    f = A.get(name)
    with np.errstate(all="ignore"):
        x = _x(size, dtype) * 4
    g = _x(size, dtype, seed=5)
    before = x.copy()
    for params in CASES[name]:
        want = _generic(name, "value", x, params)
        _same(f(x, *params), want)
        _nan_same(f.derivative(x, *params), _generic(name, "derivative", x, params))
        if name != "prelu":
            _nan_same(f.vjp(x, g, *params), _generic(name, "vjp", x, params, g))
        else:  # prelu's vjp also returns the weight's gradient
            _prelu_vjp_same(x, g, params)
        _same(x, before)
        o = np.empty_like(x)
        assert f(x, *params, out=o) is o
        _same(o, want)
        y = x.copy()
        assert f(y, *params, out=y) is y
        _same(y, want)


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("layout", LAYOUTS)
def test_public_calls_in_every_layout(name: str, layout: str) -> None:
    f = A.get(name)
    params = CASES[name][1]
    for dtype in DTYPES:
        with np.errstate(all="ignore"):
            x = np.asarray(_layout(dtype, layout) * 4)
        g = _x(max(x.size, 1), dtype, seed=3)[: x.size].reshape(x.shape)
        got = f(x, *params)
        want = _generic(name, "value", x, params)
        assert type(got) is type(NP.finish(want, x))  # 0-d: a NumPy scalar
        _same(got, want)
        _nan_same(f.derivative(x, *params), _generic(name, "derivative", x, params))
        if name != "prelu":
            _nan_same(f.vjp(x, g, *params), _generic(name, "vjp", x, params, g))
        else:
            _prelu_vjp_same(x, g, params)
        y = x.copy(order="K")
        assert f(y, *params, out=y) is y
        _same(y, want)


def test_keywords_defaults_and_mixed_arguments() -> None:
    with np.errstate(all="ignore"):
        x = _x(1000, "float32") * 4
    g = _x(1000, "float32", seed=2)
    cases = [
        ("leaky_relu", (), {"negative_slope": 0.2}, (0.2,)),
        ("hardtanh", (-2.0,), {}, (-2.0, 1.0)),
        ("hardtanh", (), {"max_val": 0.5}, (-1.0, 0.5)),
        ("hardtanh", (-2.0,), {"max_val": 0.5}, (-2.0, 0.5)),
        ("threshold", (), {"value": -2.0, "threshold": 0.5}, (0.5, -2.0)),
        ("prelu", (), {"weight": 0.25}, (0.25,)),
    ]
    for name, args, kwargs, params in cases:
        f = A.get(name)
        _same(f(x, *args, **kwargs), _generic(name, "value", x, params))
        _nan_same(f.derivative(x, *args, **kwargs), _generic(name, "derivative", x, params))
        if name != "prelu":
            _nan_same(f.vjp(x, g, *args, **kwargs), _generic(name, "vjp", x, params, g))


@pytest.mark.parametrize("dtype", DTYPES)
def test_numbers_are_rounded_to_x_dtype_as_the_formula_rounds_them(dtype: str) -> None:
    """Slopes of every magnitude, rounded to x's dtype (float16: into its subnormals)."""
    rng = np.random.default_rng(3)
    info = np.finfo(dtype)
    scale = np.exp(rng.uniform(np.log(float(info.smallest_subnormal)), np.log(4.0), 300))
    slopes = (scale * rng.choice([-1.0, 1.0], 300)).tolist()
    x = np.array([-1.0, -3.0, -0.75, 1.0], dtype)
    for s in slopes:
        want = np.asarray(round_to(s, dtype) * x.astype(np.float64)).astype(dtype)
        want = np.where(x > 0, x, want)
        _same(A.leaky_relu.derivative(x, s)[:1], np.array([round_to(s, dtype)], dtype))
        _same(A.leaky_relu(x, s), _generic("leaky_relu", "value", x, (s,)))
        assert A.leaky_relu(x, s)[3] == want[3]


@pytest.mark.parametrize("dtype", DTYPES)
def test_prelu_weights_as_arrays(dtype: str) -> None:
    rng = np.random.default_rng(4)
    with np.errstate(all="ignore"):
        x = _x(6 * 64, dtype).reshape(6, 64) * 4
    g = _x(6 * 64, dtype, seed=9).reshape(6, 64)
    for w in (
        rng.uniform(-0.5, 0.5, 64).astype(dtype),  # per channel, the last axis
        rng.uniform(-0.5, 0.5, (6, 1)).astype(dtype),  # per row
        np.zeros(64, dtype),
        rng.uniform(-0.5, 0.5, 64).astype(np.float64),  # another dtype: rounded to x's
        rng.uniform(-0.5, 0.5, 64)[::2].astype(dtype).repeat(2),  # strided source
        np.asfortranarray(rng.uniform(-0.5, 0.5, (6, 64)).astype(dtype)),
        [0.25] * 64,
    ):
        spec = CATALOG["prelu"]
        with np.errstate(all="ignore"):
            want = np.asarray(Backend.value(NP, spec, x, spec.bind((w,), {})))
            dwant = np.asarray(Backend.derivative(NP, spec, x, spec.bind((w,), {})))
        _same(A.prelu(x, w), want)
        _nan_same(A.prelu.derivative(x, w), dwant)
        dx, dw = A.prelu.vjp(x, g, w)
        with np.errstate(all="ignore"):
            wdx, wdw = Backend.vjp(NP, spec, x, g, spec.bind((w,), {}), ("weight",))
        _nan_same(dx, wdx)
        _nan_same(dw, wdw)
        assert type(dw) is type(wdw)
        _same(A.prelu(x.T, np.asarray(w).T if np.ndim(w) == 2 else np.ones((64, 1), dtype)),
              A.prelu(np.ascontiguousarray(x.T), np.asarray(w).T if np.ndim(w) == 2
                      else np.ones((64, 1), dtype)))  # fmt: skip


def test_errors_are_the_generic_paths() -> None:
    x = _x(100, "float32")
    with pytest.raises(ValueError, match=r"hardtanh\(\): min_val \(0.5\) must be < max_val"):
        A.hardtanh(x, 0.5, -2.0)
    with pytest.raises(ValueError, match="overflows x's dtype float32"):
        A.leaky_relu(x, 1e39)
    with pytest.raises(ValueError, match="overflows x's dtype float16"):
        A.leaky_relu(np.ones(3, np.float16), 70000.0)
    with pytest.raises(ValueError, match="must be finite"):
        A.leaky_relu(x, float("nan"))
    with pytest.raises(TypeError, match="missing required argument 'value'"):
        A.threshold(x, 0.5)
    with pytest.raises(TypeError, match="unexpected keyword argument 'slope'"):
        A.leaky_relu(x, slope=0.2)
    with pytest.raises(TypeError, match="multiple values"):
        A.leaky_relu(x, 0.2, negative_slope=0.3)
    with pytest.raises(TypeError, match="at most 1"):
        A.leaky_relu(x, 0.2, 0.3)
    with pytest.raises(TypeError, match="got bool"):
        A.leaky_relu(x, True)
    ro = x.copy()
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        A.leaky_relu(ro, 0.2, out=ro)
    with pytest.raises(TypeError, match="dtype"):
        A.leaky_relu(x, 0.2, out=np.empty(100, np.float64))
    with pytest.raises(ValueError, match="does not broadcast"):
        A.prelu(x, np.ones(7, np.float32))
    before = x.copy()
    with pytest.raises(ValueError):
        A.hardtanh(x, 1.0, 1.0, out=x)
    _same(x, before)  # a refused call writes nothing


@pytest.mark.parametrize("dtype", DTYPES)
def test_no_floating_point_warnings(dtype: str) -> None:
    """Products that overflow (a slope above 1), underflow (a tiny slope), inf * 0 and NaN
    comparisons stay silent under any error state, as on the generic path."""
    info = np.finfo(dtype)
    x = np.concatenate([_special(dtype), np.array([-info.max, info.tiny, -info.tiny], dtype)])
    g = np.full(x.shape, np.inf, dtype)
    with np.errstate(all="raise"):
        for s in (7.0, float(info.smallest_subnormal), 0.0):
            A.leaky_relu(x, s), A.leaky_relu.derivative(x, s), A.leaky_relu.vjp(x, g, s)
        A.hardtanh(x, -2.0, 0.5), A.hardtanh.vjp(x, g, -2.0, 0.5)
        A.threshold(x, 0.5, -2.0), A.threshold.vjp(x, g, 0.5, -2.0)


def test_many_parameter_values_keep_no_state() -> None:
    """Ten thousand calls with changing slopes: right every time, and the per-type caches of
    the fast paths stay one entry (nothing is keyed by a parameter's value)."""
    x = _x(64, "float32")
    slopes = np.random.default_rng(5).uniform(-3, 3, 10_000).tolist()
    A.leaky_relu(x, 0.5)
    before = dict(A.leaky_relu._fast_params_value)
    for i, s in enumerate(slopes):
        y = A.leaky_relu(x, s)
        if i % 500 == 0:
            _same(y, _generic("leaky_relu", "value", x, (s,)))
    assert A.leaky_relu._fast_params_value == before


def test_the_kernels_kept_by_the_probe() -> None:
    for name, cases in CASES.items():
        A.get(name)(np.zeros(3), *cases[0])
    if PURE or OFF:
        assert not K.PARAMETRIC
        return
    _compiled()
    for name in CASES:
        assert K.PARAMETRIC[name].dtypes == {np.dtype(d) for d in DTYPES}, name


@pytest.mark.parametrize("dtype", DTYPES)
def test_0d_inputs_keep_their_dtype(dtype: str) -> None:
    """A 0-d x with number parameters: a scalar of x's dtype with the formula's bits (NumPy 1
    would promote a 0-d array beside a Python number to float64)."""
    for name, cases in CASES.items():
        f = A.get(name)
        for v in (-3.0, -0.0, 0.3, 7.5):
            x = np.array(v, dtype)
            for params in cases:
                got, want = f(x, *params), _generic(name, "value", x, params)
                assert type(got) is np.dtype(dtype).type
                _same(got, want)
                _nan_same(f.derivative(x, *params), _generic(name, "derivative", x, params))
                y = x.copy()
                assert f(y, *params, out=y) is y
                _same(y, want)


def test_numpy_numbers_and_huge_integers_as_parameters() -> None:
    x = _x(100, "float32")
    for s in (np.float32(0.2), np.float64(0.2), np.float16(0.2), np.int8(-1), 2**64, -(2**70)):
        _same(A.leaky_relu(x, s), _generic("leaky_relu", "value", x, (s,)))
        _nan_same(A.leaky_relu.vjp(x, x, s), _generic("leaky_relu", "vjp", x, (s,), x))
    _same(A.hardtanh(x, np.float32(-2), 0.5), _generic("hardtanh", "value", x, (-2.0, 0.5)))
    with pytest.raises(TypeError, match="got bool"):
        A.leaky_relu(x, np.bool_(True))


def test_zero_d_numpy_weights_are_numbers() -> None:
    """A 0-d NumPy array is a number, refused when infinite or beyond x's dtype, as numbers."""
    x = _x(16, "float32")
    _same(A.prelu(x, np.array(0.25)), A.prelu(x, 0.25))
    with pytest.raises(ValueError, match="weight must be finite"):
        A.prelu(x, np.array(np.inf))
    with pytest.raises(ValueError, match="overflows x's dtype float32"):
        A.prelu(x, np.array(1e39))


def test_in_place_on_a_broadcast_view_is_refused() -> None:
    from numpy.lib.stride_tricks import as_strided

    base = np.array([-2.0])
    x = as_strided(base, (5,), (0,))
    for call in (lambda: A.leaky_relu(x, 0.2, out=x), lambda: A.relu(x, out=x)):
        with pytest.raises(ValueError, match="broadcast view"):
            call()
    assert base[0] == -2.0
