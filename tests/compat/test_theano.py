"""Theano's relu with an array alpha, softsign, ultra_fast_sigmoid, softmax and logsoftmax and
the T.nnet namespace, against Theano's formulas written here in float64 NumPy (and plain Python
for ultra_fast_sigmoid, as Theano's ``UltraFastScalarSigmoid.st_impl`` reads), on every
backend."""

import importlib
import math
import pickle
import re
import warnings
from typing import Any

import numpy as np
import pytest
from _required import harness, missing, require

import activations as A
import activations.compat.lasagne as L
import activations.compat.theano as T
from activations import _conformance as conf
from activations._convert import to_backend, to_numpy

X = np.array([-7.0, -2.5, -1.0, -0.25, -0.0, 0.0, 0.25, 1.0, 2.5, 3.0, 9.0])
# ultra_fast_sigmoid's pieces meet at |x| = 3.4 and 6
EDGES = np.array([-6.0, -3.4, 3.4, 6.0])
DENSE = np.concatenate([np.linspace(-8, 8, 3201), EDGES, np.nextafter(EDGES, 0)])
ARRAY_BACKENDS = [b for b in conf.all_backends() if b != "keras"]  # Keras has no arrays


def theano_relu(x: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    return ((1 + alpha) / 2) * x + ((1 - alpha) / 2) * np.abs(x)


def theano_ultra_fast_sigmoid(v: float) -> float:
    """Theano's UltraFastScalarSigmoid.st_impl, branch by branch."""
    x = 0.5 * v
    if x >= 0:
        if x < 1.7:
            z = 1.5 * x / (1 + x)
        elif x < 3:
            z = 0.935409070603099 + 0.0458812946797165 * (x - 1.7)
        else:
            z = 0.99505475368673
    else:
        xx = -x
        if xx < 1.7:
            z = 1.5 * xx / (1 + xx)
        elif xx < 3:
            z = 0.935409070603099 + 0.0458812946797165 * (xx - 1.7)
        else:
            z = 0.99505475368673
        z = -z
    return 0.5 * (z + 1.0)


def ultra_fast_sigmoid_slope(v: float) -> float:
    """d/dx of the pieces (Theano gave none): 0.25 * dz/dh, h = |x|/2."""
    h = abs(v) / 2
    if h < 1.7:
        return 0.375 / (1 + h) ** 2
    return 0.0458812946797165 / 4 if h < 3 else 0.0


# --- relu with an array alpha ---------------------------------------------------------------

# (x's shape, alpha's shape): per channel at axis 0 (C, 1), trailing-axis (C,), 0-d
SHAPES = [((3, 8), (3, 1)), ((8, 3), (3,)), ((4, 6), ())]


def relu_and_dalpha(backend: str, x: np.ndarray, alpha: np.ndarray) -> tuple[np.ndarray, ...]:
    """T.relu(x, alpha) on ``backend`` and d sum(y) / d alpha by its autograd (its vjp where
    it has none)."""
    if backend == "torch":
        torch = require("torch")
        xt, at = torch.tensor(x), torch.tensor(alpha, requires_grad=True)
        y = T.relu(xt, at)
        (g,) = torch.autograd.grad(y.sum(), at)
        return y.detach().numpy(), g.numpy()
    if backend == "tensorflow":
        tf = require("tensorflow")
        xt, at = tf.constant(x), tf.Variable(alpha)
        with tf.GradientTape() as tape:
            y = T.relu(xt, at)
        return y.numpy(), tape.gradient(y, at).numpy()
    if backend == "jax":
        jax = require("jax")
        xj = jax.numpy.asarray(x)
        y = T.relu(xj, jax.numpy.asarray(alpha))
        g = jax.grad(lambda a: T.relu(xj, a).sum())(jax.numpy.asarray(alpha))
        return np.asarray(y), np.asarray(g)
    if backend == "pytensor":
        pytensor = require("pytensor")
        import pytensor.tensor as pt

        v = pt.tensor("x", dtype=str(x.dtype), shape=(None,) * x.ndim)
        a = pytensor.shared(alpha)
        y = T.relu(v, a)
        with pytensor.config.change_flags(numba__fastmath=False):
            fn = pytensor.function([v], [y, pytensor.grad(y.sum(), a)])
        return tuple(np.asarray(r) for r in fn(x))
    xb, ab = to_backend(x, backend), to_backend(alpha, backend)
    y = T.relu(xb, ab)
    _, g = T.relu.vjp(xb, to_backend(np.ones_like(x), backend), ab, wrt="alpha")
    return np.asarray(to_numpy(y)), np.asarray(to_numpy(g))


@pytest.mark.parametrize("backend", ARRAY_BACKENDS)
@pytest.mark.parametrize(("x_shape", "a_shape"), SHAPES, ids=str)
def test_relu_array_alpha_values_and_gradient(backend: str, x_shape: tuple, a_shape: tuple) -> None:
    if not conf.installed(backend):
        missing(backend)
    rng = np.random.RandomState(0)
    # multiples of 1/4 and slopes of a few bits: the products and sums are exact in float32
    x = (rng.randint(-16, 17, size=x_shape) / 4).astype(np.float32)
    x.flat[:2] = [0.0, -0.0]
    alpha = np.asarray(rng.randint(-4, 9, size=a_shape) / 8, dtype=np.float32)
    y, dalpha = relu_and_dalpha(backend, x, alpha)
    x64, a64 = x.astype(np.float64), alpha.astype(np.float64)
    np.testing.assert_array_equal(y, theano_relu(x64, a64))
    assert y.dtype == np.float32 and dalpha.shape == alpha.shape
    # Theano's d/dalpha of ((1+a)/2)x + ((1-a)/2)|x| is (x - |x|)/2, summed over broadcasting
    full = np.broadcast_to((x64 - np.abs(x64)) / 2, x.shape)
    axes = tuple(range(x.ndim - alpha.ndim)) + tuple(
        i + x.ndim - alpha.ndim for i, n in enumerate(alpha.shape) if n == 1
    )
    want = full.sum(axis=axes, keepdims=True).reshape(alpha.shape)
    np.testing.assert_array_equal(dalpha, want)


def test_relu_array_alpha_derivative_in_x() -> None:
    x = np.array([[-2.0, 0.0, 3.0], [-2.0, 0.0, 3.0]])
    alpha = np.array([[0.1], [3.0]])
    # Theano's slope at 0 is (1 + alpha)/2, per channel
    np.testing.assert_array_equal(T.relu.derivative(x, alpha), [[0.1, 0.55, 1.0], [3.0, 2.0, 1.0]])


def test_relu_array_alpha_must_broadcast_without_changing_x() -> None:
    with pytest.raises(ValueError, match="alpha"):
        T.relu(np.ones((2, 3)), np.ones((4, 1)))


# --- softsign and ultra_fast_sigmoid --------------------------------------------------------


def test_softsign_is_theanos() -> None:
    assert T.softsign is A.softsign and T.nnet.softsign is A.softsign
    x = np.concatenate([X, DENSE])
    np.testing.assert_array_equal(T.softsign(x), x / (1.0 + np.abs(x)))
    np.testing.assert_array_equal(T.softsign.derivative(x), 1 / (1 + np.abs(x)) ** 2)
    # Theano's C code divides in double (its 1.0 is a double literal) and rounds to float32
    x32 = x.astype(np.float32)
    x32_64 = x32.astype(np.float64)
    np.testing.assert_array_equal(T.softsign(x32), (x32_64 / (1.0 + np.abs(x32_64))).astype("f4"))


def test_ultra_fast_sigmoid_is_theanos_bit_for_bit_in_float64() -> None:
    x = np.concatenate([X, DENSE, [-1e300, 1e300, -np.inf, np.inf]])
    want = np.array([theano_ultra_fast_sigmoid(v) for v in x])
    np.testing.assert_array_equal(T.ultra_fast_sigmoid(x), want)
    slope = np.array([ultra_fast_sigmoid_slope(v) for v in x])
    np.testing.assert_allclose(T.ultra_fast_sigmoid.derivative(x), slope, rtol=1e-15, atol=0)
    assert T.ultra_fast_sigmoid.derivative(np.array([0.0]))[0] == 0.375
    np.testing.assert_array_equal(
        T.ultra_fast_sigmoid.derivative(EDGES),
        [0.0, 0.0458812946797165 / 4, 0.0458812946797165 / 4, 0.0],
    )


def test_ultra_fast_sigmoid_float32_and_nan() -> None:
    x32 = DENSE.astype(np.float32)
    got = T.ultra_fast_sigmoid(x32)
    assert got.dtype == np.float32
    # Theano's float32 C code rounds z to float32 before 0.5*(z + 1): within 2**-24 of it
    x64 = x32.astype(np.float64)
    z = np.array([2 * theano_ultra_fast_sigmoid(v) - 1 for v in x64]).astype(np.float32)
    theano32 = (0.5 * (z.astype(np.float64) + 1.0)).astype(np.float32)
    assert np.max(np.abs(got.astype(np.float64) - theano32)) <= 2.0**-24
    np.testing.assert_array_equal(
        got, np.array([theano_ultra_fast_sigmoid(v) for v in x64]).astype(np.float32)
    )
    # NaN stays NaN (Theano's comparisons gave 0.0025)
    assert math.isnan(T.ultra_fast_sigmoid(np.array([np.nan]))[0])
    assert math.isnan(T.ultra_fast_sigmoid.derivative(np.array([np.nan]))[0])


def test_ultra_fast_sigmoid_refuses_integers() -> None:
    with pytest.raises(TypeError, match="int64"):
        T.ultra_fast_sigmoid(np.array([1, 2]))


# --- the T.nnet namespace and softmax -------------------------------------------------------


def test_nnet_namespace() -> None:
    nnet = importlib.import_module("activations.compat.theano.nnet")
    assert nnet is T.nnet
    from activations.compat.theano.nnet import logsoftmax, relu, ultra_fast_sigmoid

    assert relu is T.relu and ultra_fast_sigmoid is T.ultra_fast_sigmoid
    assert logsoftmax is T.logsoftmax
    assert nnet.sigmoid is T.sigmoid and nnet.softplus is T.softplus
    assert nnet.hard_sigmoid is T.hard_sigmoid and nnet.elu is A.elu and nnet.selu is A.selu
    assert sorted(nnet.__all__) == sorted(
        [
            "relu",
            "sigmoid",
            "softplus",
            "hard_sigmoid",
            "ultra_fast_sigmoid",
            "elu",
            "selu",
            "softsign",
            "softmax",
            "logsoftmax",
        ]
    )
    assert nnet.softmax is T.softmax and nnet.logsoftmax is T.logsoftmax
    assert A.get("theano.ultra_fast_sigmoid") is T.ultra_fast_sigmoid
    with pytest.raises(AttributeError, match="tanhh"):
        _ = nnet.tanhh


# --- softmax and logsoftmax -----------------------------------------------------------------

ROWS = np.array(
    [
        [-3.0, 0.5, 2.0, 7.0],
        [1e-3, -1e-3, 0.0, 0.0],
        [-700.0, -650.0, 20.0, 19.0],
        [5.0, 5.0, 5.0, 5.0],
        [-np.inf, 0.0, 1.0, 2.0],
    ]
)


def theano_softmax(x: np.ndarray) -> np.ndarray:
    """Theano's Softmax.perform, in float64: exp(x - row max) / row sum."""
    x = x.astype(np.float64)
    e = np.exp(x - x.max(axis=1)[:, None])
    return e / e.sum(axis=1)[:, None]


def theano_logsoftmax(x: np.ndarray) -> np.ndarray:
    """Theano's LogSoftmax.perform, in float64."""
    x = x.astype(np.float64)
    xdev = x - x.max(axis=1)[:, None]
    return xdev - np.log(np.sum(np.exp(xdev), axis=1, keepdims=True))


def theano_softmax_grad(dy: np.ndarray, sm: np.ndarray) -> np.ndarray:
    """Theano's SoftmaxGrad.perform: dy*sm - sum(dy*sm)*sm, row by row."""
    dy_sm = dy * sm
    return dy_sm - dy_sm.sum(axis=1, keepdims=True) * sm


@pytest.mark.parametrize("module", [T, T.nnet, L], ids=lambda m: m.__name__)
def test_softmax_is_one_object_in_every_namespace(module: Any) -> None:
    from activations.compat.lasagne import softmax

    assert module.softmax is T.softmax is softmax and "softmax" in module.__all__
    assert T.nnet.logsoftmax is T.logsoftmax
    assert pickle.loads(pickle.dumps(module.softmax)) is T.softmax
    assert pickle.loads(pickle.dumps(T.logsoftmax)) is T.logsoftmax
    assert not hasattr(module, "no_such_name")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_softmax_normalises_each_row_as_theano(dtype: str) -> None:
    rng = np.random.RandomState(3)
    x = np.concatenate([ROWS, rng.normal(0, 5, size=(20, 4))]).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a matrix gives no warning
        sm, lsm = T.softmax(x), T.logsoftmax(x)
    assert sm.dtype == lsm.dtype == np.dtype(dtype) and sm.shape == x.shape
    want, want_log = theano_softmax(x), theano_logsoftmax(x)
    if dtype == "float64":
        np.testing.assert_allclose(sm, want, rtol=1e-15, atol=0)
        # x - max and log(sum) are O(1) and cancel where the result is near 0
        np.testing.assert_allclose(lsm, want_log, rtol=1e-15, atol=1e-15)
    else:  # computed in float64, rounded once
        np.testing.assert_array_equal(sm, want.astype(dtype))
        np.testing.assert_array_equal(lsm, want_log.astype(dtype))
    np.testing.assert_allclose(sm.sum(axis=1), 1.0, rtol=4 * np.finfo(dtype).eps)
    # the last axis, not the first: the columns do not sum to 1
    assert not np.allclose(sm.sum(axis=0), 1.0)
    assert sm[4, 0] == 0.0 and lsm[4, 0] == -np.inf  # a -inf logit is a mask


def test_softmax_of_a_vector_is_a_1_by_n_matrix_with_theanos_warning() -> None:
    v = np.array([1.0, 2.0, 3.0])
    for f, op in ((T.softmax, "Softmax"), (T.logsoftmax, "LogSoftmax")):
        with pytest.warns(UserWarning, match=f"^DEPRECATION: If x is a vector, {op} will not "):
            y = f(v)
        assert y.shape == (1, 3)
        want = theano_softmax(v[None]) if op == "Softmax" else theano_logsoftmax(v[None])
        np.testing.assert_allclose(y, want, rtol=1e-15)


def test_softmax_over_one_column_warns() -> None:
    with pytest.warns(UserWarning, match="applied on a dimension of shape 1"):
        y = T.softmax(np.array([[3.0], [-2.0]]))
    np.testing.assert_array_equal(y, [[1.0], [1.0]])


@pytest.mark.parametrize(
    ("x", "got"),
    [
        (np.ones((2, 3, 4)), "TensorType(float64, 3D)"),
        (np.ones((2, 1, 4)), "TensorType(float64, (False, True, False))"),
        (np.float64(1.0), "TensorType(float64, scalar)"),
        (np.ones(3, dtype=np.int64), "TensorType(int64, vector)"),
        (np.ones((2, 3), dtype=np.int32), "TensorType(int32, matrix)"),
        (np.ones((2, 3), dtype=np.complex128), "TensorType(complex128, matrix)"),
    ],
    ids=lambda v: getattr(v, "shape", v),
)
def test_softmax_refuses_what_theano_refused(x: np.ndarray, got: str) -> None:
    message = f"^x must be 1-d or 2-d tensor of floats. Got {re.escape(got)}$"
    for f in (T.softmax, T.logsoftmax):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the shape-1 warning comes first, as in Theano
            with pytest.raises(ValueError, match=message):
                f(x)


def test_softmax_gradient_is_theanos_through_torch_autograd() -> None:
    torch = require("torch")
    rng = np.random.RandomState(4)
    x, dy = rng.normal(0, 3, size=(6, 5)), rng.normal(size=(6, 5))
    xt = torch.tensor(x, requires_grad=True)
    (T.softmax(xt) * torch.tensor(dy)).sum().backward()
    got = xt.grad.numpy()
    np.testing.assert_allclose(got, A.softmax.vjp(x, dy), rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(got, T.softmax.vjp(x, dy), rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(got, theano_softmax_grad(dy, theano_softmax(x)), atol=1e-15)
    # LogSoftmax.grad: dy - sum(dy) * softmax(x)
    xt = torch.tensor(x, requires_grad=True)
    (T.logsoftmax(xt) * torch.tensor(dy)).sum().backward()
    want = dy - dy.sum(axis=1, keepdims=True) * theano_softmax(x)
    np.testing.assert_allclose(xt.grad.numpy(), want, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(xt.grad.numpy(), A.log_softmax.vjp(x, dy), rtol=1e-14, atol=1e-16)


def test_softmax_vjp_and_derivative_of_a_vector() -> None:
    v, dy = np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.0, -2.0])
    with pytest.warns(UserWarning, match="DEPRECATION"):
        dx = T.softmax.vjp(v, dy)  # dy as the vector or as the 1 x n result
    with pytest.warns(UserWarning, match="DEPRECATION"):
        np.testing.assert_array_equal(T.softmax.vjp(v, dy[None]), dx)
    assert dx.shape == (3,)
    np.testing.assert_allclose(dx, theano_softmax_grad(dy[None], theano_softmax(v[None]))[0])
    with pytest.warns(UserWarning, match="DEPRECATION"):
        jac = T.softmax.derivative(v)
    assert jac.shape == (1, 3, 3)
    np.testing.assert_allclose(jac[0] @ dy, dx, rtol=1e-15)  # the Jacobian is symmetric


# --- every backend --------------------------------------------------------------------------

NEW = [T.ultra_fast_sigmoid, T.softsign]


@pytest.mark.parametrize("backend", [b for b in conf.all_backends() if b != "numpy"])
@pytest.mark.parametrize("f", NEW, ids=lambda f: f.__name__)
def test_every_backend_gives_the_same_numbers(f: object, backend: str) -> None:
    h: Any = harness(backend)
    x = np.concatenate([X, EDGES, np.linspace(-8, 8, 65), [np.inf, -np.inf, np.nan]])
    for dtype in ("float32", "float64"):
        if dtype not in h.dtypes:
            continue
        xb = h.make(x, dtype)
        xn = x.astype(dtype)
        np.testing.assert_array_equal(h.to_numpy(h.value(f, xb, {})), f(xn).astype(np.float64))
        np.testing.assert_array_equal(
            h.to_numpy(h.grad(f, xb, {})), f.derivative(xn).astype(np.float64)
        )


@pytest.mark.parametrize("backend", [b for b in ARRAY_BACKENDS if b != "numpy"])
def test_softmax_rows_on_every_backend(backend: str) -> None:
    if not conf.installed(backend):
        missing(backend)
    x = np.concatenate([ROWS, np.random.RandomState(5).normal(0, 3, size=(8, 4))])
    for dtype, rtol in (("float32", 1.2e-7), ("float64", 4e-16)):
        xn = x.astype(dtype)
        # atol: TensorFlow may flush a subnormal softmax (exp(-720)) to zero; logsoftmax's
        # x - max and log(sum) are O(1) and cancel near 0, where the rounding of the log shows
        info = np.finfo(dtype)
        for f, atol in ((T.softmax, info.tiny), (T.logsoftmax, 4 * info.eps)):
            y = np.asarray(to_numpy(f(to_backend(xn, backend))))
            assert y.dtype == np.dtype(dtype)
            np.testing.assert_allclose(y, f(xn), rtol=rtol, atol=atol, err_msg=backend)
        with pytest.warns(UserWarning, match="DEPRECATION"):
            y = T.softmax(to_backend(xn[0], backend))
        np.testing.assert_allclose(np.asarray(to_numpy(y)), T.softmax(xn[:1]), rtol=rtol)


# --- sigmoid and softplus: Theano 1.0's C code, cut-offs by the input's type ----------------

CUTS = {  # (sigmoid below, above; softplus below, above): theano/tensor/nnet/sigm.py
    "float32": (-88.0, 15.0, -103.0, 14.0),
    "float64": (-709.0, 19.0, -745.0, 16.0),
}


def theano_sigmoid(x: np.ndarray, dtype: str) -> np.ndarray:
    """ScalarSigmoid.c_code: the C expression in double, stored in the input's type."""
    low, high = CUTS[dtype][:2]
    v = x.astype(np.float64)
    with np.errstate(over="ignore"):
        y = np.where(v < low, 0.0, np.where(v > high, 1.0, 1.0 / (1.0 + np.exp(-v))))
    return y.astype(dtype)


def theano_softplus(x: np.ndarray, dtype: str) -> np.ndarray:
    low, high = CUTS[dtype][2:]
    v = x.astype(np.float64)
    with np.errstate(over="ignore"):
        y = np.where(v < low, 0.0, np.where(v > high, v, np.log1p(np.exp(v))))
    return y.astype(dtype)


GRID = np.concatenate(
    [np.linspace(-120, 40, 1601), [-800.0, -746.0, -710.0, -0.0, 14.5, 15.5, 16.5, 18.5, 19.5]]
)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sigmoid_and_softplus_are_cut_off_where_theanos_were(dtype: str) -> None:
    x = GRID.astype(dtype)
    got_s, got_p = T.sigmoid(x), T.softplus(x)
    assert got_s.dtype == got_p.dtype == np.dtype(dtype)
    want_s, want_p = theano_sigmoid(x, dtype), theano_softplus(x, dtype)
    # Theano's double expression against the library's stable one: one rounding apart in
    # float32; in float64 Theano's 1/(1 + exp(-x)) itself rounds twice more
    ulps = 1 if dtype == "float32" else 4
    np.testing.assert_array_max_ulp(got_s, want_s, maxulp=ulps)
    np.testing.assert_array_max_ulp(got_p, want_p, maxulp=ulps)
    low_s, high_s, low_p, high_p = CUTS[dtype]
    assert (got_s[x > high_s] == 1).all() and (got_s[x < low_s] == 0).all()
    np.testing.assert_array_equal(got_p[x > high_p], x[x > high_p])
    assert (got_p[x < low_p] == 0).all()
    # the cut-offs are Theano's: the exact functions differ just above them
    beyond = np.array([high_s + 0.5], dtype=dtype)
    assert A.sigmoid(beyond)[0] < 1 and T.sigmoid(beyond)[0] == 1
    above = np.array([high_p + 0.5], dtype=dtype)
    assert A.softplus(above)[0] > above[0] and T.softplus(above)[0] == above[0]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_their_gradients_are_theanos(dtype: str) -> None:
    x = GRID.astype(dtype)
    low, high = CUTS[dtype][:2]
    inside = (x >= low) & (x <= high)
    ds = T.sigmoid.derivative(x)
    assert (ds[~inside] == 0).all()  # y*(1 - y) of a y cut to 0 or 1
    # Theano's y*(1 - y), in x's type from the rounded y: near 1, 1 - y is a multiple of
    # y's ULP, some per cent off the exact derivative
    # computed in x's type, as Theano's graph did: y*(1 - y) of the y that sigmoid returns
    # (within an ULP or so of Theano's y: see the test above), bit for bit
    ys = T.sigmoid(x)
    np.testing.assert_array_equal(ds, ys * (np.asarray(1, dtype) - ys))
    exact = A.sigmoid.derivative(x.astype(np.float64))
    far = np.abs(x.astype(np.float64)) < 5  # far from the cut-offs the rounding is harmless
    np.testing.assert_allclose(ds[far], exact[far], rtol=1e-5 if dtype == "float32" else 1e-13)
    # softplus' gradient is Theano's sigmoid, cut-offs included
    np.testing.assert_array_equal(T.softplus.derivative(x), T.sigmoid(x))


def test_sigmoid_and_softplus_gradients_through_autograd() -> None:
    torch = require("torch")
    x = torch.tensor([-100.0, -3.0, 0.0, 14.5, 15.5, 17.0], dtype=torch.float32)
    for f in (T.sigmoid, T.softplus):
        v = x.clone().requires_grad_(True)
        f(v).sum().backward()
        assert torch.equal(v.grad, f.derivative(x))
