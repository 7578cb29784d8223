"""activations.compat.keras2 against the real Keras 2 (tf-keras, ``import tf_keras``).

The oracle is tf_keras itself: its value, and its gradient from ``tf.GradientTape``, in float32
and float64. The piecewise functions (relu, hard_sigmoid, relu6, linear) must agree bit for bit,
sign of zero and NaN included; the smooth ones must agree on every special value (0, +-inf,
NaN, the slope at the kinks) and elsewhere within TensorFlow's own rounding.
"""

import math
from typing import Any

import numpy as np
import pytest
from _required import harness, require

import activations as A
import activations.compat.keras2 as K2
from activations import _conformance as conf

DTYPES = ("float32", "float64")
SPECIAL = [-np.inf, np.inf, np.nan, -0.0, 0.0]


def tf_keras_oracle(name: str, x: np.ndarray, dtype: str, **kw: object):
    """(value, gradient) of tf_keras's own function, as float64 NumPy arrays."""
    tf: Any = require("tensorflow")
    tf_keras: Any = require("tf_keras", "tensorflow")
    f = tf_keras.backend.relu if name == "relu" else tf_keras.activations.get(name)
    # padded to whole SIMD packets: TensorFlow's maximum(-0.0, 0.0) is +0.0 in a packet but
    # -0.0 in the scalar tail of an array, so a zero's sign would depend on its position
    n = len(x)
    xv = tf.constant(np.concatenate([x, np.ones(-n % 64)]).astype(dtype))
    with tf.GradientTape() as tape:
        tape.watch(xv)
        y = f(xv, **kw)
    g = tape.gradient(y, xv)
    return y.numpy()[:n].astype(np.float64), g.numpy()[:n].astype(np.float64)


def ours(f: A.Activation, x: np.ndarray, dtype: str, **kw: object):
    xd = x.astype(dtype)
    return f(xd, **kw).astype(np.float64), f.derivative(xd, **kw).astype(np.float64)


def assert_bitwise(got: np.ndarray, want: np.ndarray, x: np.ndarray, what: str) -> None:
    np.testing.assert_array_equal(got, want, err_msg=what)  # NaN where NaN, equal values
    zeros = (want == 0) & (got == 0)
    bad = zeros & (np.signbit(got) != np.signbit(want))
    assert not bad.any(), f"{what}: sign of zero differs at x = {x[bad]}"


def assert_special(got: np.ndarray, want: np.ndarray, x: np.ndarray, what: str) -> None:
    """NaN, infinities and the sign of zero exactly; finite values within a few ULPs
    (TensorFlow rounds selu's scale*alpha, mish'(0) and the like its own way)."""
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=0, err_msg=what)
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want), err_msg=what)
    assert_bitwise(
        np.where(np.isfinite(got) & (got != 0), 1.0, got),
        np.where(np.isfinite(want) & (want != 0), 1.0, want),
        x,
        what,
    )


def normal(x: np.ndarray) -> np.ndarray:
    """x without subnormal numbers: TensorFlow flushes them to zero, depending on the op
    (docs/conventions.md); that is not Keras 2's arithmetic."""
    return x[~((x != 0) & (np.abs(x) < np.finfo(np.float32).tiny))]


def neighbours(*points: float) -> list[float]:
    out: list[float] = []
    for p in points:
        for dtype in (np.float32, np.float64):
            v = dtype(p)
            out += [
                float(np.nextafter(v, dtype(-np.inf))),
                float(v),
                float(np.nextafter(v, dtype(np.inf))),
            ]
    return out


def relu_grid(max_value: float | None, threshold: float) -> np.ndarray:
    points = [0.0, threshold, 6.0] + ([] if max_value is None else [max_value])
    return normal(np.array([*SPECIAL, *neighbours(*points), *np.linspace(-8, 8, 65), -1e30, 1e30]))


RELU_PARAMS = [
    {},
    {"alpha": 0.1},
    {"alpha": -0.5},
    {"alpha": 3.0},
    {"alpha": 1 / 3},
    {"max_value": 6.0},
    {"max_value": 6},
    {"max_value": 2.0},
    {"max_value": 0.0},
    {"threshold": -1.0},
    {"threshold": 0.5},
    {"threshold": -1.0, "max_value": 2.0},
    {"threshold": -1.0, "max_value": 0.0},
    {"threshold": 0.5, "max_value": 2.0},
    {"threshold": 3.0, "max_value": 2.0},
    {"alpha": 0.1, "max_value": 6.0},
    {"alpha": 0.1, "max_value": 2.0},
    {"alpha": 0.1, "threshold": -1.0},
    {"alpha": 0.1, "threshold": 0.5},
    {"alpha": -0.5, "threshold": -1.0},
    {"alpha": -0.5, "threshold": 0.5, "max_value": 2.0},
    {"alpha": 0.2, "threshold": -1.0, "max_value": 6.0},
    {"alpha": 0.3, "threshold": 1.5},
    {"alpha": 1 / 3, "threshold": -0.7, "max_value": 2.5},
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw", RELU_PARAMS, ids=repr)
def test_relu_is_tf_keras_relu_bit_for_bit(kw: dict, dtype: str) -> None:
    x = relu_grid(kw.get("max_value"), kw.get("threshold", 0.0))
    want_y, want_g = tf_keras_oracle("relu", x, dtype, **kw)
    got_y, got_g = ours(K2.relu, x, dtype, **kw)
    assert_bitwise(got_y, want_y, x, f"relu{kw} value")
    assert_bitwise(got_g, want_g, x, f"relu{kw} gradient")


def test_relu_reported_cases() -> None:
    x = np.array([-2.0, -0.5, 0.0, 1.0, 6.0])
    # a negative threshold without max_value keeps x on (threshold, 0)
    np.testing.assert_array_equal(K2.relu(x, threshold=-1.0), [-0.0, -0.5, 0.0, 1.0, 6.0])
    # with max_value it clips there to 0
    np.testing.assert_array_equal(
        K2.relu(x, max_value=2.0, threshold=-1.0), [0.0, 0.0, 0.0, 1.0, 2.0]
    )
    # alpha alone is tf.nn.leaky_relu: slope alpha at 0, alpha rounded to float32
    assert K2.relu.derivative(np.array([0.0]), alpha=0.1)[0] == np.float32(0.1)
    assert K2.relu(np.array([-1.0]), alpha=0.1)[0] == -float(np.float32(0.1))
    # clip_by_value passes the gradient at max_value; relu6 (max_value == 6) does not
    assert K2.relu.derivative(np.array([2.0]), max_value=2.0)[0] == 1.0
    assert K2.relu.derivative(np.array([6.0]), max_value=6.0)[0] == 0.0
    # x * (x > threshold) is NaN at -inf
    assert math.isnan(K2.relu(np.array([-np.inf]), threshold=0.5)[0])


def test_relu_kinks_describe_the_derivative() -> None:
    for kw in RELU_PARAMS:
        p = K2.relu.spec.bind((), kw)
        for point, slope in K2.relu.spec.kinks(p):
            assert K2.relu.derivative(np.array([point]), **kw)[0] == slope, (kw, point)


def test_relu_alpha_that_overflows_float32_is_refused() -> None:
    with pytest.raises(ValueError, match=r"keras2\.relu\(\): alpha=1e\+300 overflows float32"):
        K2.relu(np.array([1.0]), alpha=1e300)
    # with max_value, Keras 2 computes in x's dtype: no float32 rounding
    assert K2.relu(np.array([-1e-300]), alpha=1e300, max_value=1.0)[0] == -1.0


@pytest.mark.parametrize("name", ["alpha", "threshold"])
@pytest.mark.parametrize(
    "kw",
    [
        {"alpha": 0.25, "threshold": -1.0},
        {"alpha": 0.25, "threshold": 0.5, "max_value": 2.0},
        {"alpha": -0.5, "threshold": 1.5},
    ],
    ids=repr,
)
def test_relu_parameter_gradients_are_tf_keras_ones(kw: dict, name: str) -> None:
    tf: Any = require("tensorflow")
    tf_keras: Any = require("tf_keras", "tensorflow")
    x = np.array([-3.0, -1.5, -1.0, -0.5, -0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0])
    var = tf.Variable(np.float64(kw[name]))
    with tf.GradientTape() as tape:
        y = tf_keras.backend.relu(tf.constant(x), **{**kw, name: var})
    want = tape.gradient(y, var).numpy()
    _, got = K2.relu.vjp(x, np.ones_like(x), **kw, wrt=name)
    assert got == want, (got, want)


def test_relu_max_value_gradient() -> None:
    x = np.array([-1.0, 0.5, 2.0, 3.0, np.nan])
    _, dm = K2.relu.vjp(x, np.ones_like(x), max_value=2.0, wrt="max_value")
    assert dm == 1.0  # x == max_value takes the slope in x, the bound takes x > max_value


# --- hard_sigmoid, relu6, linear: bit for bit ------------------------------------------------


def dense_grid() -> np.ndarray:
    rng = np.random.default_rng(1)
    return normal(
        np.concatenate(
            [
                SPECIAL,
                neighbours(-2.5, 2.5, 0.0, 6.0),
                np.linspace(-7, 7, 1401),
                rng.uniform(-3, 3, 4000),
                [-1e30, 1e30, 1e-30, -1e-30],
            ]
        )
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["hard_sigmoid", "relu6", "linear"])
def test_piecewise_ones_are_tf_keras_bit_for_bit(name: str, dtype: str) -> None:
    x = dense_grid()
    want_y, want_g = tf_keras_oracle(name, x, dtype)
    got_y, got_g = ours(getattr(K2, name), x, dtype)
    assert_bitwise(got_y, want_y, x, f"{name} value")
    assert_bitwise(got_g, want_g, x, f"{name} gradient")


def test_hard_sigmoid_is_keras2s_not_the_main_librarys() -> None:
    x = np.array([-2.5, 1.0, 2.5, 2.7])
    np.testing.assert_allclose(K2.hard_sigmoid(x), np.clip(0.2 * x + 0.5, 0, 1), rtol=1e-15)
    np.testing.assert_array_equal(K2.hard_sigmoid.derivative(x), [0.2, 0.2, 0.2, 0.0])
    assert A.hard_sigmoid(np.array([1.0]))[0] != K2.hard_sigmoid(np.array([1.0]))[0]


# --- the smooth ones ---------------------------------------------------------------------------

# TensorFlow's own rounding, which keras2 does not copy (it keeps the library's accurate
# formulas): elu and selu compute exp(x) - 1 (error ~eps near 0), tanh's gradient 1 - y*y, the
# exact gelu's float64 erfc is accurate to ~1e-7 only, and the tanh gelu's 1 + tanh(z) cancels
# for x < -4 (float32), and mish's float32 gradient is 1 above x = 7.
TOL = {"float32": (2e-6, 1e-6), "float64": (2e-13, 4e-15)}  # (rtol, atol)
LOOSE = {
    ("gelu", False, "float64"): (2e-6, 1e-8),
    ("gelu", True, "float64"): (2e-6, 1e-9),
    ("gelu", True, "float32"): (2e-6, 1e-5),
    ("mish", False, "float32"): (2e-6, 1e-5),
}
SMOOTH = [
    ("elu", {}),
    ("elu", {"alpha": 0.5}),
    ("elu", {"alpha": 2.0}),
    ("selu", {}),
    ("softplus", {}),
    ("sigmoid", {}),
    ("tanh", {}),
    ("swish", {}),
    ("gelu", {}),
    ("gelu", {"approximate": True}),
    ("mish", {}),
    ("softsign", {}),
    ("exponential", {}),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("name", "kw"), SMOOTH, ids=lambda v: repr(v) if v else "")
def test_smooth_ones_match_tf_keras(name: str, kw: dict, dtype: str) -> None:
    rng = np.random.default_rng(2)
    x = np.concatenate(
        [np.linspace(-12, 12, 2401), rng.normal(0, 4, 2000), [-80.0, 80.0, -700.0, 1e-30]]
    )
    if name == "exponential":
        x = x[x < 80]
    f = getattr(K2, name)
    want_y, want_g = tf_keras_oracle(name, x, dtype, **kw)
    got_y, got_g = ours(f, x, dtype, **kw)
    rtol, atol = LOOSE.get((name, kw.get("approximate", False), dtype), TOL[dtype])
    np.testing.assert_allclose(got_y, want_y, rtol=rtol, atol=atol, err_msg=f"{name} value")
    np.testing.assert_allclose(got_g, want_g, rtol=rtol, atol=atol, err_msg=f"{name} gradient")
    # the special values exactly: signed zeros, infinities, NaN, the slope at 0
    s = np.array(SPECIAL)
    want_y, want_g = tf_keras_oracle(name, s, dtype, **kw)
    got_y, got_g = ours(f, s, dtype, **kw)
    assert_special(got_y, want_y, s, f"{name} special values")
    assert_special(got_g, want_g, s, f"{name} special gradients")


def test_selu_slope_just_below_zero_is_tensorflows() -> None:
    # TensorFlow's SeluGrad picks the branch from its output, which is 0 until exp(x) < 1
    for dtype, edge in (("float32", 2.0**-25), ("float64", 2.0**-54)):
        x = np.array([-edge, np.nextafter(-edge, -1, dtype=dtype), -1e-3], dtype=dtype)
        _, want = tf_keras_oracle("selu", x.astype(np.float64), dtype)
        _, got = ours(K2.selu, x.astype(np.float64), dtype)
        np.testing.assert_allclose(got, want, rtol=2e-6)
        assert got[0] == np.float64(np.array(1.0507009873554805, dtype=dtype))


def test_reused_objects_are_the_main_librarys() -> None:
    assert K2.sigmoid is A.sigmoid and K2.tanh is A.tanh and K2.softplus is A.softplus
    assert K2.exponential is A.exponential
    assert K2.silu is K2.swish
    for name in (
        "elu",
        "selu",
        "gelu",
        "swish",
        "mish",
        "relu6",
        "linear",
        "hard_sigmoid",
        "softsign",
    ):
        assert getattr(K2, name) is A.get(f"keras2.{name}")


def test_retouched_ones_differ_from_the_main_library_where_tensorflow_does() -> None:
    assert K2.selu.derivative(np.array([0.0]))[0] == 1.0507009873554805
    assert A.selu.derivative(np.array([0.0]))[0] == pytest.approx(1.7580993408473766)
    assert math.isnan(K2.swish(np.array([-np.inf]))[0]) and A.silu(np.array([-np.inf]))[0] == 0
    assert K2.elu.derivative(np.array([np.nan]), alpha=0.5)[0] == 0.5
    assert math.isnan(A.elu.derivative(np.array([np.nan]), alpha=0.5)[0])
    x = np.array([-2.0, -0.5, 0.0, 1.5])
    np.testing.assert_allclose(K2.softsign(x), x / (1 + np.abs(x)), rtol=1e-15)
    np.testing.assert_allclose(K2.softsign.derivative(x), 1 / (1 + np.abs(x)) ** 2, rtol=1e-15)
    assert math.isnan(K2.softsign(np.array([np.inf]))[0]) and A.softsign(np.array([np.inf]))[0] == 1


# --- softmax ---------------------------------------------------------------------------------

SOFTMAX_CASES = [
    ((7, 10), -1),
    ((7, 10), 0),
    ((3, 4, 5), 1),
    ((3, 4, 5), (0, 2)),
    ((3, 4, 5), [-1, 1]),
    ((2, 3, 4, 5), (1, 2, 3)),
]


def numpy_softmax(x: np.ndarray, axis: Any) -> np.ndarray:
    """exp(x - max) / sum over ``axis``, in float64 NumPy."""
    axis = tuple(axis) if isinstance(axis, list) else axis
    x = x.astype(np.float64)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def softmax_and_gradient(f: Any, x: np.ndarray, w: np.ndarray, axis: Any):
    """f(x, axis) and d sum(w * f(x, axis)) / dx by tf.GradientTape, as NumPy arrays."""
    tf: Any = require("tensorflow")
    xv = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xv)
        y = f(xv, axis=axis)
        loss = tf.reduce_sum(y * tf.constant(w))
    return y.numpy(), tape.gradient(loss, xv).numpy()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("shape", "axis"), SOFTMAX_CASES, ids=str)
def test_softmax_matches_tf_keras(shape: tuple, axis: Any, dtype: str) -> None:
    tf_keras: Any = require("tf_keras", "tensorflow")
    rng = np.random.default_rng(5)
    x = rng.normal(0, 2, shape).astype(dtype)
    w = rng.normal(size=shape).astype(dtype)
    want_y, want_g = softmax_and_gradient(tf_keras.activations.softmax, x, w, axis)
    got_y, got_g = softmax_and_gradient(K2.softmax, x, w, axis)
    assert got_y.dtype == got_g.dtype == np.dtype(dtype)
    ref = numpy_softmax(x, axis)
    if dtype == "float32":
        # ours is the float64 formula rounded once; TensorFlow's float32 rounding of x - max
        # and of the sum leaves it up to about a dozen ULPs away (2e-6 relative)
        np.testing.assert_array_equal(got_y, ref.astype(np.float32))
        rtol = 2e-6
    else:
        np.testing.assert_allclose(got_y, ref, rtol=1e-15, atol=0)
        rtol = 1e-15
    np.testing.assert_allclose(got_y, want_y, rtol=rtol, atol=0, err_msg="value")
    # the gradient cancels (w - sum(w*y)): compared on the scale of the largest component
    scale = float(np.abs(want_g).max())
    grad_tol = 2e-6 if dtype == "float32" else 1e-14
    np.testing.assert_allclose(got_g, want_g, rtol=0, atol=grad_tol * scale, err_msg="gradient")
    eps = float(np.finfo(dtype).eps)
    np.testing.assert_allclose(K2.softmax.vjp(x, w, axis), got_g, rtol=0, atol=4 * eps * scale)
    axes = tuple(axis) if isinstance(axis, list) else axis  # Keras 2 took a list too
    np.testing.assert_allclose(A.softmax.vjp(x, w, axes), got_g, rtol=0, atol=4 * eps * scale)


@pytest.mark.parametrize("x", [[1.0, 2.0], 3.0], ids=["1d", "0d"])
def test_softmax_of_rank_0_or_1_raises_keras2s_error(x: Any) -> None:
    tf: Any = require("tensorflow")
    tf_keras: Any = require("tf_keras", "tensorflow")
    xv = tf.constant(x)
    with pytest.raises(ValueError) as want:
        tf_keras.activations.softmax(xv)
    with pytest.raises(ValueError) as got:
        K2.softmax(xv)
    assert str(got.value) == str(want.value)
    assert str(got.value).startswith("Cannot apply softmax to a tensor that is 1D. Received")
    with pytest.raises(ValueError, match="that is 1D"):
        K2.softmax(np.asarray(x))
    with pytest.raises(ValueError, match="that is 1D"):
        K2.softmax.vjp(np.asarray(x), np.asarray(x))


def test_softmax_object() -> None:
    import pickle

    from activations.compat.keras2 import softmax

    assert softmax is K2.softmax and isinstance(softmax, K2.Softmax)
    assert pickle.loads(pickle.dumps(softmax)) is softmax
    x = np.array([[1.0, 2.0, 4.0], [0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(K2.softmax(x), A.softmax(x))
    np.testing.assert_array_equal(K2.softmax(x, axis=0), A.softmax(x, axis=0))
    np.testing.assert_array_equal(K2.softmax.derivative(x), A.softmax.derivative(x))
    assert K2.softmax(x.astype(np.float32)).dtype == np.float32
    with pytest.raises(TypeError, match="needs float16, bfloat16, float32 or float64 input"):
        K2.softmax(np.ones((2, 3), dtype=np.int64))


def test_all_lists_every_function_and_tf_keras_names_are_covered() -> None:
    tf_keras: Any = require("tf_keras", "tensorflow")
    for name in set(K2.__all__) - {"softmax", "Softmax", "get", "serialize", "deserialize"}:
        assert isinstance(getattr(K2, name), A.Activation), name
    public = {n for n in dir(tf_keras.activations) if not n.startswith("_")}
    assert public <= set(K2.__all__), public - set(K2.__all__)
    assert {"relu6", "silu"} <= set(K2.__all__)  # tf_keras.activations.get() finds them too
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        _ = K2.nope  # pyright: ignore[reportAttributeAccessIssue]
    namespace: dict = {}
    exec("from activations.compat.keras2 import *", namespace)
    assert set(K2.__all__) <= set(namespace)


# --- every backend -----------------------------------------------------------------------------

BACKEND_CASES = [
    (K2.relu, {}),
    (K2.relu, {"alpha": 0.1}),
    (K2.relu, {"threshold": -1.0}),
    (K2.relu, {"threshold": 0.5}),
    (K2.relu, {"alpha": -0.5, "threshold": -1.0}),
    (K2.relu, {"alpha": 0.1, "max_value": 6.0}),
    (K2.relu, {"alpha": 0.2, "threshold": 0.5, "max_value": 2.0}),
    (K2.relu, {"threshold": -1.0, "max_value": 2.0}),
    (K2.hard_sigmoid, {}),
    (K2.relu6, {}),
    (K2.linear, {}),
    (K2.elu, {"alpha": 0.5}),
    (K2.selu, {}),
    (K2.swish, {}),
    (K2.gelu, {}),
    (K2.gelu, {"approximate": True}),
    (K2.mish, {}),
    (K2.softsign, {}),
]


@pytest.mark.parametrize("backend", [b for b in conf.all_backends() if b != "numpy"])
@pytest.mark.parametrize(
    ("f", "kw"), BACKEND_CASES, ids=lambda v: getattr(v, "__name__", None) or repr(v)
)
def test_every_backend_gives_numpys_numbers(f: A.Activation, kw: dict, backend: str) -> None:
    h: Any = harness(backend)
    x = np.array([*SPECIAL, -7.0, -2.5, -1.0, -0.7, -0.25, 0.25, 0.5, 1.0, 2.0, 2.5, 3.0, 6.0, 9.0])
    for dtype in DTYPES:
        if dtype not in h.dtypes:
            continue
        xb = h.make(x, dtype)
        got_y = h.to_numpy(h.value(f, xb, kw))
        got_g = h.to_numpy(h.grad(f, xb, kw))
        want_y, want_g = ours(f, x, dtype, **kw)
        if f.spec.piecewise:
            assert_bitwise(got_y, want_y, x, f"{backend} {dtype} value")
            assert_bitwise(got_g, want_g, x, f"{backend} {dtype} gradient")
        else:
            rtol = 1e-6 if dtype == "float32" else 1e-14
            np.testing.assert_allclose(got_y, want_y, rtol=rtol, atol=0, err_msg=backend)
            np.testing.assert_allclose(got_g, want_g, rtol=rtol, atol=0, err_msg=backend)


def test_get_serialize_and_deserialize_are_keras_2s() -> None:
    tf_keras: Any = require("tf_keras", "tensorflow")
    theirs = tf_keras.activations
    for name in set(K2.__all__) - {"Softmax", "get", "serialize", "deserialize"}:
        assert K2.get(name) is getattr(K2, name) is K2.deserialize(name)
        assert K2.serialize(K2.get(name)) == theirs.serialize(theirs.get(name)), name
    assert K2.get(None) is K2.linear and K2.get(abs) is abs
    assert K2.deserialize("mine", custom_objects={"mine": abs}) is abs
    for ours, theirs_call in (
        (lambda: K2.get("abcd"), lambda: theirs.get("abcd")),
        (lambda: K2.serialize("abcd"), lambda: theirs.serialize("abcd")),
    ):
        with pytest.raises(ValueError) as mine:
            ours()
        with pytest.raises(ValueError) as real:
            theirs_call()
        # Keras 2 goes on about its own registry after the first sentence
        assert str(real.value).startswith(str(mine.value).removesuffix("."))
    with pytest.raises(TypeError, match="Could not interpret activation function identifier: 3"):
        K2.get(3)
