"""Parameters as numbers, arrays, tensors, tracers and variables; their gradients through every
framework's autodiff; forward mode and higher order; the dtype rules of vjp
(docs/conventions.md, "Parameters and gradients")."""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

import numpy as np
import pytest
from _required import REQUIRED, missing

import activations as A
from activations._activation import _COMPAT

X = np.array([-np.inf, -3.0, -1.0, -0.0, 0.0, 0.5, 2.0, 7.0, np.inf, np.nan])


def _need(module: str) -> Any:
    if importlib.util.find_spec(module) is None:
        missing(module)
    return importlib.import_module(module)


def _same(a: Any, b: Any) -> None:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
    keep = ~np.isnan(a)
    np.testing.assert_array_equal(a[keep], b[keep])
    np.testing.assert_array_equal(np.signbit(a[keep]), np.signbit(b[keep]))


# --- values: an array parameter is the number ------------------------------------------------


CASES = [
    ("leaky_relu", {"negative_slope": 0.2}),
    ("relu", {"negative_slope": 0.1, "max_value": 6.0, "threshold": 0.5}),
    ("elu", {"alpha": 0.5}),
    ("celu", {"alpha": 2.0}),
    ("hardtanh", {"min_val": -2.0, "max_val": 0.5}),
    ("threshold", {"threshold": 0.5, "value": -2.0}),
    ("softplus", {"beta": 2.0, "threshold": 10.0}),
    ("rrelu", {"lower": 0.1, "upper": 0.3}),
    ("prelu", {"weight": 0.25}),
]


@pytest.mark.parametrize(("name", "kw"), CASES, ids=[c[0] for c in CASES])
def test_numpy_array_parameters_give_the_number_s_value(name: str, kw: dict) -> None:
    f = A.get(name)
    x = X.astype(np.float32)
    want = f(x, **kw)
    _same(f(x, **{k: np.full((), v, np.float64) for k, v in kw.items()}), want)
    _same(f(x, **{k: np.full(x.shape, v, np.float32) for k, v in kw.items()}), want)


def test_per_channel_parameters_broadcast() -> None:
    x = np.linspace(-3, 3, 24).reshape(2, 3, 4)
    s = np.array([0.1, 0.2, 0.3]).reshape(3, 1)
    want = np.stack([A.leaky_relu(x[:, c], float(s[c, 0])) for c in range(3)], axis=1)
    np.testing.assert_array_equal(A.leaky_relu(x, s), want)
    _, ds = A.leaky_relu.vjp(x, np.ones_like(x), s, wrt="negative_slope")
    assert ds.shape == (3, 1)
    np.testing.assert_allclose(ds[:, 0], np.where(x > 0, 0, x).sum(axis=(0, 2)))
    with pytest.raises(ValueError, match=r"negative_slope of shape \(4, 1\) does not broadcast"):
        A.leaky_relu(x, np.ones((4, 1)))


def test_gradient_names_are_checked() -> None:
    x = np.linspace(-1, 1, 5)
    with pytest.raises(TypeError, match=r"gelu.vjp\(\): approximate is a structural choice"):
        A.gelu.vjp(x, x, wrt="approximate")
    with pytest.raises(TypeError, match=r"elu.vjp\(\): wrt names parameters \(alpha\), got 'beta'"):
        A.elu.vjp(x, x, wrt="beta")
    with pytest.raises(ValueError, match=r"relu.vjp\(\): max_value is None here"):
        A.relu.vjp(x, x, wrt="max_value")
    with pytest.raises(TypeError, match=r"gelu\(\): approximate is a structural choice"):
        A.gelu(x, approximate=np.array(True))


# --- gradients with respect to parameters, through each framework -------------------------


def _numpy_dalpha(x: np.ndarray) -> float:
    return float(A.elu.vjp(x, np.ones_like(x), 0.5, wrt="alpha")[1])


def test_torch_parameter_gradients() -> None:
    torch = _need("torch")
    x = torch.linspace(-3, 3, 13, dtype=torch.float64)
    a = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    y = A.elu(x, a)
    assert y.requires_grad
    (g,) = torch.autograd.grad(y.sum(), a)
    assert g.item() == pytest.approx(_numpy_dalpha(x.numpy()), rel=1e-15)
    g2 = torch.func.grad(lambda a: A.elu(x, a).sum())(a.detach())
    assert g2.item() == pytest.approx(g.item(), rel=1e-15)
    # a learnable per-channel slope, as Theano code has it
    s = torch.full((3, 1), 0.1, dtype=torch.float64, requires_grad=True)
    xx = torch.linspace(-2, 2, 24, dtype=torch.float64).reshape(2, 3, 4)
    (gs,) = torch.autograd.grad(A.leaky_relu(xx, s).sum(), s)
    np.testing.assert_allclose(gs.numpy(), np.where(xx > 0, 0, xx).sum(axis=(0, 2))[:, None])


def test_jax_parameter_gradients() -> None:
    jax = _need("jax")
    jnp = jax.numpy
    x = jnp.linspace(-3, 3, 13)
    g = jax.grad(lambda a: A.elu(x, a).sum())(0.5)
    assert float(g) == pytest.approx(_numpy_dalpha(np.asarray(x, np.float64)), rel=1e-6)
    assert float(jax.grad(lambda a: A.elu(x, a).sum())(1.0)) != 0.0  # was silently 0
    jf = jax.jacfwd(lambda a: A.elu(x, a))(0.5)  # d elu / d alpha, elementwise
    xn = np.asarray(x, np.float64)
    np.testing.assert_allclose(jf, np.where(xn > 0, 0, np.expm1(xn)), rtol=1e-6)
    per = jax.vmap(lambda a: A.leaky_relu(x, a))(jnp.array([0.1, 0.2]))
    np.testing.assert_array_equal(per[1], A.leaky_relu(x, 0.2))
    assert float(jax.jit(lambda x, s: A.leaky_relu(x, s).sum())(x, 0.3)) == pytest.approx(
        float(A.leaky_relu(x, 0.3).sum())
    )


def test_tensorflow_variable_parameter_gradients() -> None:
    tf = _need("tensorflow")
    x = tf.constant(np.linspace(-3, 3, 13))
    a = tf.Variable(0.5, dtype=tf.float64)
    with tf.GradientTape() as tape:
        y = A.elu(x, a)
    assert tape.gradient(y, a).numpy() == pytest.approx(_numpy_dalpha(x.numpy()), rel=1e-15)


def test_pytensor_shared_parameter_gradients() -> None:
    pytensor = _need("pytensor")
    pt = importlib.import_module("pytensor.tensor")
    v = pt.dvector("x")
    a = pytensor.shared(0.5)
    y = A.elu(v, a)
    f = pytensor.function([v], pytensor.grad(y.sum(), a))
    x = np.linspace(-3, 3, 13)
    assert float(f(x)) == pytest.approx(_numpy_dalpha(x), rel=1e-15)


def test_dask_parameter_gradients_are_lazy_sums() -> None:
    _need("dask")
    da = importlib.import_module("dask.array")
    x = np.linspace(-3, 3, 13)
    _, da_ = A.elu.vjp(da.from_array(x, chunks=4), 1.0, 0.5, wrt="alpha")
    assert type(da_).__module__.startswith("dask")
    assert float(da_.compute()) == pytest.approx(_numpy_dalpha(x), rel=1e-15)


@pytest.mark.parametrize("backend", ["numpy", "torch", "jax", "tensorflow", "dask"])
def test_a_number_s_gradient_has_the_result_s_dtype(backend: str) -> None:
    from activations.testing import to_backend, to_numpy

    if backend != "numpy":
        _need(backend)
    x = to_backend(np.linspace(-2, 2, 5, dtype=np.float16), backend)
    g = to_backend(np.ones(5, np.float16), backend)
    _, dalpha = A.elu.vjp(x, g, 0.5, wrt="alpha")
    assert to_numpy(dalpha).dtype == np.float16
    assert to_numpy(dalpha) == pytest.approx(np.expm1([-2.0, -1.0]).sum(), rel=2e-3)


def test_parameters_that_overflow_are_refused_on_every_backend() -> None:
    for backend in ("jax", "pytensor", "torch", "tensorflow"):
        if importlib.util.find_spec(backend) is None:
            continue
        from activations.testing import to_backend

        x = to_backend(np.array([-1.0, 1.0], np.float32), backend)
        with pytest.raises(ValueError, match=r"negative_slope=1e\+300 overflows"):
            A.leaky_relu(x, 1e300)


# --- forward mode and higher order ----------------------------------------------------------


def test_torch_forward_mode_and_higher_order() -> None:
    torch = _need("torch")
    fwad = importlib.import_module("torch.autograd.forward_ad")
    x = torch.tensor(X)
    for f in (A.relu, A.gelu, A.softplus, A.leaky_relu, A.hardswish, A.mish):
        d = f.derivative(x)
        _same(torch.func.jvp(f, (x,), (torch.ones_like(x),))[1], d)
        _same(torch.func.jacfwd(f)(x[1:8]).diagonal(), d[1:8])
        with fwad.dual_level():
            _same(fwad.unpack_dual(f(fwad.make_dual(x, torch.ones_like(x)))).tangent, d)
    # a tensor parameter without a tangent adds nothing (not 0 * inf at x = -inf)
    s = torch.tensor(0.2, dtype=torch.float64)
    _same(
        torch.func.jvp(lambda t: A.leaky_relu(t, s), (x,), (torch.ones_like(x),))[1],
        A.leaky_relu.derivative(x, 0.2),
    )
    h = torch.func.hessian(lambda t: A.elu(t).sum())(torch.linspace(-2, -0.5, 4))
    np.testing.assert_allclose(h.diagonal(), np.exp(np.linspace(-2, -0.5, 4)), rtol=1e-6)
    # relu's backward under vmap (batched cotangents)
    xr = torch.linspace(-1, 1, 5, requires_grad=True)
    (g,) = torch.autograd.grad(A.relu(xr), xr, torch.eye(5), is_grads_batched=True)
    _same(g.diagonal(), A.relu.derivative(xr.detach()))


def test_jax_hessian() -> None:
    jax = _need("jax")
    xs = np.linspace(-2, -0.5, 4)
    h = jax.hessian(lambda t: A.elu(t).sum())(jax.numpy.asarray(xs))
    np.testing.assert_allclose(np.diagonal(h), np.exp(xs), rtol=1e-6)


def test_tensorflow_forward_accumulator_and_nested_tapes() -> None:
    tf = _need("tensorflow")
    x = tf.constant(X)
    for f in (A.relu, A.gelu, A.leaky_relu, A.softplus):
        with tf.autodiff.ForwardAccumulator(x, tf.ones_like(x)) as acc:
            y = f(x)
        np.testing.assert_allclose(acc.jvp(y).numpy(), f.derivative(x).numpy(), rtol=1e-15)
    xs = tf.constant(np.linspace(-2, -0.5, 4))
    with tf.GradientTape() as outer:
        outer.watch(xs)
        with tf.GradientTape() as inner:
            inner.watch(xs)
            y = A.elu(xs)
        d = inner.gradient(y, xs)
    np.testing.assert_allclose(outer.gradient(d, xs).numpy(), np.exp(xs.numpy()), rtol=1e-12)


def test_pytensor_pushforward_and_pullback() -> None:
    pytensor = _need("pytensor")
    pt = importlib.import_module("pytensor.tensor")
    from pytensor.gradient import pullback, pushforward

    v = pt.dvector("x")
    t = pt.ones_like(v)
    f = pytensor.function([v], [pushforward(A.gelu(v), v, t), pullback(A.gelu(v), v, t)])
    x = np.linspace(-3, 3, 13)
    for got in f(x):
        np.testing.assert_allclose(got, A.gelu.derivative(x), rtol=1e-14)


# --- signed zero, dtypes ----------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
def test_jax_keeps_the_sign_of_zero(dtype: str) -> None:
    jax = _need("jax")
    x = jax.numpy.array([-0.0, 0.0], dtype=dtype)
    for f in (A.elu, A.selu, A.celu, A.gelu, A.silu, A.leaky_relu):
        y = np.asarray(f(x).astype(jax.numpy.float32))
        assert np.signbit(y).tolist() == [True, False], f


def test_vjp_dtypes() -> None:
    xi = np.arange(-3, 3)
    assert A.relu.vjp(xi, np.full(6, 0.5)).dtype == np.float64  # never truncated to int
    np.testing.assert_array_equal(A.relu.vjp(xi, np.full(6, 0.5)), [0, 0, 0, 0, 0.5, 0.5])
    assert A.relu.vjp(xi, np.ones(6, np.int64)).dtype == xi.dtype
    x32 = np.linspace(-1, 1, 5, dtype=np.float32)
    assert A.gelu.vjp(x32, np.ones(5)).dtype == np.float64
    assert A.gelu.vjp(x32, np.ones(5, np.float16)).dtype == np.float32
    assert A.gelu.vjp(x32, 2.0).dtype == np.float32
    _, dw = A.prelu.vjp(x32, np.ones(5, np.float32), np.array(0))  # an integer weight
    assert dw.dtype == np.float32 and float(dw) == pytest.approx(-1.5)
    for bad in (np.ones(5, complex), np.array([1.0, None] * 2 + [None], dtype=object),
                np.ones(5, bool), np.True_):  # fmt: skip
        with pytest.raises(TypeError, match=r"relu.vjp\(\): dout must be real"):
            A.relu.vjp(x32, bad)


def test_parameters_that_overflow_the_dtype_are_refused() -> None:
    x = np.ones(3, np.float32)
    with pytest.raises(ValueError, match=r"leaky_relu\(\): negative_slope=1e\+300 overflows"):
        A.leaky_relu(x, 1e300)
    with pytest.raises(ValueError, match=r"prelu\(\): weight must be finite"):
        A.prelu(x, float("inf"))
    assert np.isfinite(A.leaky_relu(x.astype(np.float64), 1e300)).all()


INT_BACKENDS = ["numpy", "torch", "tensorflow", "jax"]


@pytest.mark.parametrize("backend", INT_BACKENDS)
def test_integer_arithmetic_wraps_like_the_framework(backend: str) -> None:
    """Integer results that do not fit the dtype wrap around (two's complement), as the
    framework's own integer arithmetic does: the same numbers on every backend."""
    from activations.testing import to_backend, to_numpy

    if backend != "numpy" and backend not in REQUIRED:
        _need(backend)
    x = np.array([-100, -3, 0, 3, 12, 100], np.int8)
    want_sq = (x.astype(np.int64) * x.astype(np.int64)).astype(np.int8) * (x > 0)
    want_slope = np.where(x > 0, x, (x.astype(np.int64) * 2).astype(np.int8))
    got_sq = to_numpy(A.squared_relu(to_backend(x, backend)))
    got_slope = to_numpy(A.relu(to_backend(x, backend), negative_slope=2))
    np.testing.assert_array_equal(got_sq, want_sq.astype(np.int8))
    np.testing.assert_array_equal(got_slope, want_slope)


# --- ndarray subclasses ----------------------------------------------------------------------


@pytest.mark.parametrize("name", A.names(aliases=False))
def test_masked_arrays_and_matrices_keep_their_class(name: str) -> None:
    f = A.get(name)
    kw = {"prelu": {"weight": 0.25}, "threshold": {"threshold": 0.5, "value": -1.0}}.get(name, {})
    m = np.ma.masked_array([-2.0, -0.5, 0.5, 3.0], mask=[0, 1, 0, 1])
    y, d = f(m, **kw), f.derivative(m, **kw)
    g = f.vjp(m, np.ones(4), **kw)
    g = g[0] if name == "prelu" else g
    for r in (y, d, g):
        assert isinstance(r, np.ma.MaskedArray), (name, type(r))
        np.testing.assert_array_equal(np.ma.getmaskarray(r), [0, 1, 0, 1])
    np.testing.assert_array_equal(y.data[[0, 2]], f(np.array([-2.0, 0.5]), **kw))
    mt = np.matrix([[-2.0, 0.5]])
    assert type(f(mt, **kw)) is np.matrix and type(f.derivative(mt, **kw)) is np.matrix


def test_compat_numeric_parameters_have_partials() -> None:
    for module in ("theano", "lasagne", "keras2"):
        importlib.import_module(f"activations.compat.{module}")
    for name, fn in _COMPAT.items():
        numeric = sorted(p.name for p in fn.spec.params if p.numeric)
        assert sorted(fn.spec.partials) == numeric, name
