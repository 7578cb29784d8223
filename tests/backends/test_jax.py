"""The JAX backend: arrays and tracers, jit, grad, vmap, hessian, x64."""

import numpy as np
import pytest
from _required import require

jax = require("jax")
import jax.numpy as jnp  # noqa: E402

import activations as A  # noqa: E402
from activations._catalog import CATALOG  # noqa: E402
from activations._conformance import param_sets  # noqa: E402

CASES = [(n, kw) for n, s in CATALOG.items() for kw in param_sets(s)]
SMOOTH = [(n, kw) for n, kw in CASES if not CATALOG[n].piecewise]
EDGE = [-np.inf, -5.0, -3.0, -1.0, -0.0, 0.0, 0.5, 1.0, 3.0, 6.0, 7.0, np.inf, np.nan]


@pytest.mark.parametrize(("name", "kw"), CASES)
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
def test_dtype_kept_and_grad_is_the_derivative(name: str, kw: dict, dtype: str) -> None:
    f = A.get(name)
    x = jnp.asarray(EDGE, dtype=dtype)
    y, pullback = jax.vjp(lambda t: f(t, **kw), x)
    (g,) = pullback(jnp.ones_like(y))
    assert isinstance(y, jax.Array) and y.dtype == x.dtype and g.dtype == x.dtype
    np.testing.assert_array_equal(
        np.asarray(g, np.float32), np.asarray(f.derivative(x, **kw), np.float32)
    )


@pytest.mark.parametrize(("name", "kw"), CASES)
def test_jit_grad_vmap(name: str, kw: dict) -> None:
    f = A.get(name)
    x = jnp.linspace(-7.0, 7.0, 57)
    eager = f(x, **kw)
    np.testing.assert_array_equal(jax.jit(lambda t: f(t, **kw))(x), eager)
    g = jax.vmap(jax.grad(lambda t: f(t, **kw)))(x)
    np.testing.assert_array_equal(g, f.derivative(x, **kw))
    np.testing.assert_array_equal(jax.jit(jax.vmap(jax.grad(lambda t: f(t, **kw))))(x), g)


def test_tracers_dispatch_to_jax() -> None:
    seen = []

    @jax.jit
    def fn(x: object) -> object:
        seen.append(type(x))
        return A.relu(x)

    fn(jnp.ones(3))
    assert seen and not issubclass(seen[0], jax.Array)  # a tracer, still handled


@pytest.mark.parametrize(("name", "kw"), SMOOTH)
def test_hessian_with_x64(name: str, kw: dict) -> None:
    f = A.get(name)
    with jax.enable_x64(True):
        xs = np.linspace(-6.1, 6.1, 61)
        h = jax.vmap(jax.hessian(lambda t: f(t, **kw)))(jnp.asarray(xs))
        assert h.dtype == jnp.float64
        eps = 1e-6
        fd = (f.derivative(xs + eps, **kw) - f.derivative(xs - eps, **kw)) / (2 * eps)
    keep = np.abs(xs) > 1e-3
    np.testing.assert_allclose(np.asarray(h)[keep], fd[keep], rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(("name", "kw"), CASES)
def test_float64_with_x64_matches_numpy(name: str, kw: dict) -> None:
    f = A.get(name)
    xn = np.linspace(-8.0, 8.0, 1001)
    with jax.enable_x64(True):
        x = jnp.asarray(xn)
        got = [np.asarray(f(x, **kw)), np.asarray(f.derivative(x, **kw))]
    wants = [f(xn, **kw), f.derivative(xn, **kw)]
    for g, want, floor in zip(got, wants, [2.0**-10, 2.0**-3], strict=True):
        assert g.dtype == np.float64
        if CATALOG[name].piecewise:
            np.testing.assert_array_equal(g, want)
        else:
            ulps = 64 * 2.0**-52
            np.testing.assert_allclose(g, want, rtol=ulps, atol=ulps * floor)


def test_prelu_weight_gradient() -> None:
    x = jnp.asarray([[-1.0, 2.0], [-3.0, 0.0]])
    w = jnp.asarray([0.1, 0.2])
    gx, gw = jax.grad(lambda a, b: A.prelu(a, b).sum(), argnums=(0, 1))(x, w)
    np.testing.assert_allclose(gw, [-4.0, 0.0])
    np.testing.assert_allclose(gx, [[0.1, 1.0], [0.1, 0.2]])


def test_integer_arrays() -> None:
    x = jnp.arange(-3, 9, dtype=jnp.int32)
    y = A.relu6(x)
    assert y.dtype == jnp.int32 and y.tolist() == [0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 6, 6]
    with pytest.raises(TypeError, match="int32"):
        A.gelu(x)


def test_eager_calls_reuse_one_compiled_kernel() -> None:
    from activations.backends.jax.ops import BACKEND

    x = jnp.ones(8)
    A.gelu(x, approximate=True)
    before = len(BACKEND._kernels)
    for _ in range(3):
        A.gelu(x, approximate=True)
    assert len(BACKEND._kernels) == before


def test_many_parameter_values_share_one_kernel() -> None:
    from activations.backends.jax.ops import BACKEND

    x = jnp.linspace(-2, 2, 9, dtype=jnp.float32)
    A.leaky_relu(x, 0.5)
    A.elu(x, 0.5)
    before = len(BACKEND._kernels)
    for i in range(50):
        s = 0.01 + i / 64
        np.testing.assert_array_equal(A.leaky_relu(x, s), A.leaky_relu(np.asarray(x), s))
        np.testing.assert_array_equal(A.elu(x, 1 + s), A.elu(np.asarray(x), 1 + s))
    assert len(BACKEND._kernels) == before


def test_signed_zero_parameters_are_different_values() -> None:
    x = jnp.asarray([-1.0, 0.25, 2.0], dtype=jnp.float32)
    a = A.threshold(x, 0.5, -0.0)
    b = A.threshold(x, 0.5, 0.0)
    assert np.signbit(np.asarray(a)[0]) and not np.signbit(np.asarray(b)[0])


def test_traced_parameters_give_the_number_s_value_and_a_gradient() -> None:
    x = jnp.linspace(-3, 3, 13, dtype=jnp.float32)
    got = jax.jit(lambda x, s: A.leaky_relu(x, s))(x, 0.2)
    np.testing.assert_array_equal(got, A.leaky_relu(x, 0.2))
    g = jax.grad(lambda a: A.elu(x, a).sum())(1.0)  # jax.nn.elu's gives the same
    want = jax.grad(lambda a: jax.nn.elu(x, a).sum())(1.0)
    np.testing.assert_allclose(g, want, rtol=1e-5)
    assert g != 0
