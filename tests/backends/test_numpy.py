"""The NumPy backend: dtypes, integers, out=, inputs unchanged, vjp, finite differences."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import activations as A
from activations._catalog import CATALOG
from activations._conformance import param_sets

FLOATS = [np.float16, np.float32, np.float64]
CASES = [(name, kw) for name, spec in CATALOG.items() for kw in param_sets(spec)]
IDS = [f"{n}-{i}" for i, (n, _) in enumerate(CASES)]
SMOOTH = [c for c in CASES if not CATALOG[c[0]].piecewise]


def sample(dtype: type, n: int = 257) -> np.ndarray:
    x = np.linspace(-8, 8, n).astype(dtype)
    return np.concatenate([x, np.array([0.0, -0.0, np.inf, -np.inf, np.nan], dtype=dtype)])


@pytest.mark.parametrize(("name", "kw"), CASES, ids=IDS)
@pytest.mark.parametrize("dtype", FLOATS)
def test_dtype_shape_and_type_are_kept(name: str, kw: dict, dtype: type) -> None:
    f = A.get(name)
    x = sample(dtype).reshape(2, -1) if sample(dtype).size % 2 == 0 else sample(dtype)
    for y in (f(x, **kw), f.derivative(x, **kw), f.vjp(x, np.ones_like(x), **kw)):
        y = y[0] if isinstance(y, tuple) else y
        assert type(y) is np.ndarray and y.dtype == dtype and y.shape == x.shape


@pytest.mark.parametrize(("name", "kw"), CASES, ids=IDS)
def test_inputs_are_never_modified(name: str, kw: dict) -> None:
    f = A.get(name)
    x = sample(np.float32)
    before = x.copy()
    dout = np.full_like(x, 0.5)
    f(x, **kw), f.derivative(x, **kw), f.vjp(x, dout, **kw)
    np.testing.assert_array_equal(x, before)
    assert np.all(dout == 0.5)


@pytest.mark.parametrize(("name", "kw"), CASES, ids=IDS)
@pytest.mark.parametrize("dtype", FLOATS)
def test_nan_in_nan_out(name: str, kw: dict, dtype: type) -> None:
    f = A.get(name)
    x = np.array([np.nan, 1.0, np.nan], dtype=dtype)
    for y in (f(x, **kw), f.derivative(x, **kw)):
        assert np.isnan(y[0]) and np.isnan(y[2]) and not np.isnan(y[1])


@pytest.mark.parametrize(("name", "kw"), CASES, ids=IDS)
def test_infinities_give_limits_never_nan(name: str, kw: dict) -> None:
    f = A.get(name)
    x = np.array([-np.inf, np.inf])
    assert not np.isnan(f(x, **kw)).any()
    assert not np.isnan(f.derivative(x, **kw)).any()


@pytest.mark.parametrize("dtype", FLOATS)
def test_sign_of_zero(dtype: type) -> None:
    z = np.array([-0.0, -3.0], dtype=dtype)
    assert not np.signbit(A.relu(z)).any()
    assert not np.signbit(A.relu6(z)).any()
    assert not np.signbit(A.hardswish(np.array([-5.0], dtype=dtype))).any()
    for f in (A.leaky_relu, A.elu, A.selu, A.celu, A.gelu, A.silu, A.mish, A.tanh, A.linear):
        assert np.signbit(f(np.array([-0.0], dtype=dtype)))[0], f
    assert not np.signbit(A.leaky_relu(np.array([-0.0], dtype=dtype), 0.0))[0]


@pytest.mark.parametrize(
    ("name", "kw", "point", "slope"),
    [
        ("relu", {}, 0.0, 0.0),
        ("relu", {"negative_slope": 0.1, "max_value": 6.0, "threshold": 0.5}, 0.5, 0.1),
        ("relu", {"negative_slope": 0.1, "max_value": 6.0, "threshold": 0.5}, 6.0, 0.0),
        ("relu6", {}, 0.0, 0.0),
        ("relu6", {}, 6.0, 0.0),
        ("leaky_relu", {}, 0.0, 0.01),
        ("prelu", {"weight": 0.25}, 0.0, 0.25),
        ("rrelu", {}, 0.0, (1 / 8 + 1 / 3) / 2),
        ("elu", {"alpha": 0.5}, 0.0, 0.5),
        ("selu", {}, 0.0, 1.0507009873554805 * 1.6732632423543772),
        ("celu", {"alpha": 2.0}, 0.0, 1.0),
        ("hardswish", {}, -3.0, 0.0),
        ("hardswish", {}, 3.0, 1.0),
        ("hard_sigmoid", {}, -3.0, 0.0),
        ("hard_sigmoid", {}, 3.0, 0.0),
        ("hardtanh", {}, -1.0, 0.0),
        ("hardtanh", {}, 1.0, 0.0),
        ("threshold", {"threshold": 0.5, "value": 2.0}, 0.5, 0.0),
        ("thresholded_relu", {}, 1.0, 0.0),
        ("squared_relu", {}, 0.0, 0.0),
    ],
)
def test_derivative_at_the_kinks(name: str, kw: dict, point: float, slope: float) -> None:
    d = A.get(name).derivative(np.array([point]), **kw)[0]
    assert d == pytest.approx(slope, rel=1e-15)


def test_kink_table_agrees_with_the_derivative() -> None:
    for name, spec in CATALOG.items():
        for kw in param_sets(spec):
            params = spec.bind((), kw)
            for point, slope in spec.kinks(params):
                d = A.get(name).derivative(np.array([float(point)]), **kw)[0]
                assert d == pytest.approx(float(slope), rel=1e-15), (name, kw, point)


@pytest.mark.parametrize(
    ("name", "kw"),
    [
        ("relu", {}),
        ("relu6", {}),
        ("hardtanh", {"min_val": -2, "max_val": 3}),
        ("threshold", {"threshold": 0.5, "value": -1}),
        ("squared_relu", {}),
        ("relu", {"max_value": 4, "threshold": 1, "negative_slope": 2}),
    ],
)
@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint8])
def test_integer_input_keeps_its_dtype(name: str, kw: dict, dtype: type) -> None:
    x = np.array([0, 1, 2, 5, 9], dtype=dtype)
    if np.issubdtype(dtype, np.signedinteger):
        x = np.concatenate([np.array([-3, -1], dtype=dtype), x])
    f = A.get(name)
    if name == "threshold" and not np.issubdtype(dtype, np.signedinteger):
        with pytest.raises(ValueError, match="does not fit"):
            f(x, **kw)
        return
    y, d = f(x, **kw), f.derivative(x, **kw)
    assert y.dtype == dtype and d.dtype == dtype
    np.testing.assert_array_equal(y, f(x.astype(np.float64), **kw).astype(dtype))
    np.testing.assert_array_equal(d, f.derivative(x.astype(np.float64), **kw).astype(dtype))


@pytest.mark.parametrize("name", ["gelu", "leaky_relu", "elu", "sigmoid", "linear", "silu"])
def test_integer_input_is_refused_with_the_fix(name: str) -> None:
    with pytest.raises(TypeError, match=r"integer input \(dtype int64\).*Cast x to a floating"):
        A.get(name)(np.arange(3))


def test_relu_with_non_integral_parameters_refuses_integers() -> None:
    with pytest.raises(TypeError, match="integer"):
        A.relu(np.arange(3), max_value=2.5)


@pytest.mark.parametrize("dtype", [np.bool_, np.complex64, np.complex128, object])
def test_bool_complex_and_object_are_refused(dtype: type) -> None:
    x = np.array([1, 0], dtype=dtype)
    with pytest.raises(TypeError, match="Cast x to a floating dtype"):
        A.relu(x)
    with pytest.raises(TypeError):
        A.gelu.derivative(x)


@pytest.mark.parametrize("param", [0.1, np.float64(0.1), np.float32(0.1), np.array(0.1)])
def test_parameters_are_rounded_to_the_input_dtype(param: object) -> None:
    x = np.array([-1.0, -3.0, 2.0], dtype=np.float32)
    y = A.leaky_relu(x, param)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, np.where(x > 0, x, np.float32(0.1) * x))
    assert A.elu(x.astype(np.float16), np.float64(0.3)).dtype == np.float16


def test_float16_is_computed_in_float32_and_rounded_once() -> None:
    x = np.array([-1.5, 0.25, 3.0], dtype=np.float16)
    want = A.leaky_relu(x.astype(np.float32), np.float16(0.1).astype(np.float32)).astype(np.float16)
    np.testing.assert_array_equal(A.leaky_relu(x, 0.1), want)


# --- out= ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "kw"), CASES, ids=IDS)
def test_out_in_place_gives_the_same_result(name: str, kw: dict) -> None:
    f = A.get(name)
    x = sample(np.float64)
    want = f(x, **kw)
    y = x.copy()
    result = f(y, out=y, **kw)
    assert result is y
    np.testing.assert_array_equal(y, want)
    o = np.empty_like(x)
    assert f(x, out=o, **kw) is o
    np.testing.assert_array_equal(o, want)


def test_out_is_validated() -> None:
    x = np.ones(4)
    with pytest.raises(ValueError, match="shape"):
        A.relu(x, out=np.empty(3))
    with pytest.raises(TypeError, match="dtype"):
        A.relu(x, out=np.empty(4, dtype=np.float32))
    with pytest.raises(TypeError, match="NumPy array"):
        A.relu(x, out=[0.0] * 4)
    ro = np.empty(4)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        A.relu(x, out=ro)


def test_out_can_be_a_strided_view() -> None:
    x = np.linspace(-2, 2, 10)
    buf = np.zeros(20)
    A.relu(x, out=buf[::2])
    np.testing.assert_array_equal(buf[::2], np.maximum(x, 0))
    assert not buf[1::2].any()


# --- derivative, vjp ------------------------------------------------------------------------


def _away_from_kinks(name: str, kw: dict, x: np.ndarray) -> np.ndarray:
    spec = CATALOG[name]
    keep = np.ones_like(x, dtype=bool)
    for point, _ in spec.kinks(spec.bind((), kw)):
        keep &= np.abs(x - float(point)) > 1e-3
    return x[keep]


@pytest.mark.parametrize(("name", "kw"), CASES, ids=IDS)
def test_derivative_matches_finite_differences(name: str, kw: dict) -> None:
    f = A.get(name)
    x = _away_from_kinks(name, kw, np.linspace(-7.9, 7.9, 397))
    h = 1e-6 * np.maximum(1.0, np.abs(x))
    fd = (f(x + h, **kw) - f(x - h, **kw)) / (2 * h)
    np.testing.assert_allclose(f.derivative(x, **kw), fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(("name", "kw"), CASES, ids=IDS)
@pytest.mark.parametrize("dtype", FLOATS)
def test_vjp_is_dout_times_derivative(name: str, kw: dict, dtype: type) -> None:
    f = A.get(name)
    x = sample(dtype)
    dout = np.linspace(-2, 3, x.size).astype(dtype)
    got = f.vjp(x, dout, **kw)
    got = got[0] if isinstance(got, tuple) else got
    if CATALOG[name].piecewise:  # computed in the dtype (float16 in float32): bitwise
        c = np.float32 if dtype == np.float16 else dtype
        # parameters are rounded to x's dtype (then the derivative is exact in it); the
        # parameter-free hardswish and hard_sigmoid divide by 6 in the compute dtype
        divided = name in ("hardswish", "hard_sigmoid")
        d = f.derivative(x.astype(c)) if divided else f.derivative(x, **kw).astype(c)
        want = (dout.astype(c) * d).astype(dtype)
        np.testing.assert_array_equal(got, want)
    else:  # the product is rounded once, from the float64 derivative
        want = (dout.astype(np.float64) * f.derivative(x.astype(np.float64), **kw)).astype(dtype)
        np.testing.assert_allclose(got, want, rtol=2 * np.finfo(dtype).eps, atol=0)


def test_vjp_checks_dout_shape() -> None:
    with pytest.raises(ValueError, match="dout has shape"):
        A.relu.vjp(np.ones(3), np.ones(4))


def test_prelu_broadcasts_weight_and_reduces_dweight() -> None:
    x = np.array([[[-1.0, 2.0], [-3.0, -4.0]], [[5.0, -6.0], [0.0, -0.5]]])  # (N=2, C=2, W=2)
    w = np.array([[0.1], [0.2]])  # (C, 1): one slope per channel
    y = A.prelu(x, w)
    np.testing.assert_allclose(y, np.where(x > 0, x, w * x))
    dout = np.ones_like(x)
    dx, dw = A.prelu.vjp(x, dout, w)
    np.testing.assert_allclose(dx, np.where(x > 0, 1.0, np.broadcast_to(w, x.shape)))
    assert dw.shape == w.shape
    np.testing.assert_allclose(dw, np.minimum(x, 0).sum(axis=(0, 2)).reshape(2, 1))


def test_prelu_refuses_weights_that_do_not_broadcast() -> None:
    with pytest.raises(ValueError, match="does not broadcast"):
        A.prelu(np.ones((2, 3)), np.ones(2))
    with pytest.raises(ValueError, match="does not broadcast"):
        A.prelu(np.ones(3), np.ones((2, 3)))


def test_prelu_zero_weight_at_minus_inf_is_zero_not_nan() -> None:
    assert A.prelu(np.array([-np.inf]), 0.0)[0] == 0.0


def test_classic_course_backward() -> None:
    """relu_backward(dout, cache) of NumPy courses is relu.vjp(x, dout)."""
    x = np.array([[-1.0, 2.0], [3.0, -4.0]])
    dout = np.array([[10.0, 20.0], [30.0, 40.0]])
    np.testing.assert_array_equal(A.relu.vjp(x, dout), dout * (x > 0))


# --- exhaustive float16 and properties ------------------------------------------------------


ALL_F16 = np.arange(2**16, dtype=np.uint16).view(np.float16)


@pytest.mark.parametrize(("name", "kw"), CASES, ids=IDS)
def test_every_float16_bit_pattern(name: str, kw: dict) -> None:
    """float16 results are the float32 path rounded once (exact activations), or within 1 ULP
    of the float64 path (smooth ones). Parameters are rounded to float16 first (rule 2).

    The float32 and float64 paths are checked against mpmath by the conformance tests; the
    float64 path is off by at most 16/32 ULP of float64, far below one float16 ULP.
    """
    f = A.get(name)
    x = ALL_F16
    bound = CATALOG[name].bind((), kw)
    wide_f, wide_kw = f, {k: bound[k] for k in CATALOG[name].param_names}  # defaults too
    if name == "rrelu":  # its slope (lower + upper)/2 is what is rounded to float16
        wide_f, wide_kw = A.leaky_relu, {"negative_slope": bound["negative_slope"]}
    wide_kw = {k: float(np.float16(v)) if isinstance(v, float) else v for k, v in wide_kw.items()}
    wide_dtype = np.float32 if CATALOG[name].piecewise else np.float64
    with np.errstate(invalid="ignore"):  # signalling NaN patterns
        xw = x.astype(wide_dtype)
        pairs = (
            (f(x, **kw), wide_f(xw, **wide_kw).astype(np.float64)),
            (f.derivative(x, **kw), wide_f.derivative(xw, **wide_kw).astype(np.float64)),
        )
    for got, wide in pairs:
        assert got.dtype == np.float16
        nan = np.isnan(wide)
        np.testing.assert_array_equal(np.isnan(got), nan)
        g, w = got[~nan].astype(np.float64), wide[~nan]
        with np.errstate(over="ignore"):
            rounded = w.astype(np.float16).astype(np.float64)
        if CATALOG[name].piecewise and name not in ("hardswish", "hard_sigmoid"):
            np.testing.assert_array_equal(g, rounded)
            continue
        finite = np.isfinite(rounded)
        np.testing.assert_array_equal(g[~finite], rounded[~finite])
        magnitude = np.maximum(np.abs(rounded[finite]), 2.0**-14)  # float16 ULPs, normal range
        spacing = np.ldexp(1.0, np.frexp(magnitude)[1] - 11)
        err = np.abs(g[finite] - w[finite]) / spacing
        assert err.max() <= 1.0, (name, float(err.max()))


@given(
    x=hnp.arrays(
        dtype=st.sampled_from([np.float16, np.float32, np.float64]),
        shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=5),
        elements={"allow_nan": True, "allow_infinity": True},
    ),
    case=st.sampled_from(CASES),
)
def test_properties_hold_for_any_array(x: np.ndarray, case: tuple[str, dict]) -> None:
    name, kw = case
    f = A.get(name)
    before = x.copy()
    y, d = f(x, **kw), f.derivative(x, **kw)
    np.testing.assert_array_equal(x, before)  # unchanged
    assert np.shape(y) == x.shape and np.asarray(y).dtype == x.dtype
    assert np.shape(d) == x.shape and np.asarray(d).dtype == x.dtype
    np.testing.assert_array_equal(np.isnan(np.asarray(y)), np.isnan(x))
    np.testing.assert_array_equal(np.isnan(np.asarray(d)), np.isnan(x))
    # elementwise: each element alone gives the same bits
    for i in np.ndindex(x.shape):
        ye = f(x[i], **kw)
        assert np.asarray(ye).tobytes() == np.asarray(np.asarray(y)[i]).tobytes()


@given(st.floats(-1e6, 1e6), st.floats(0.0, 1e6))
def test_monotone_activations_are_monotone(a: float, gap: float) -> None:
    lo, hi = np.array([a, a + gap])
    for f in (
        A.relu,
        A.leaky_relu,
        A.elu,
        A.selu,
        A.celu,
        A.silu if a > 0 else A.relu,
        A.softplus,
        A.log_sigmoid,
        A.sigmoid,
        A.tanh,
        A.hardtanh,
        A.squareplus,
    ):
        assert f(lo) <= f(hi), f


def test_selu_constants() -> None:
    assert A.selu(np.array([1.0]))[0] == 1.0507009873554805
    assert A.selu(np.array([-np.inf]))[0] == pytest.approx(-1.0507009873554805 * 1.6732632423543772)
    assert math.isinf(A.selu(np.array([np.inf]))[0])
