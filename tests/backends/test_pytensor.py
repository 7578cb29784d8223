"""The PyTensor backend: symbolic variables, pytensor.grad, compiled functions."""

import numpy as np
import pytest
from _required import require

pytensor = require("pytensor")
import pytensor.tensor as pt  # noqa: E402

import activations as A  # noqa: E402
from activations._catalog import CATALOG  # noqa: E402
from activations._conformance import param_sets  # noqa: E402

CASES = [(n, kw) for n, s in CATALOG.items() for kw in param_sets(s)]
EDGE = np.array([-np.inf, -5.0, -3.0, -1.0, -0.0, 0.0, 0.5, 1.0, 3.0, 6.0, 7.0, np.inf, np.nan])


def compile_(fn: object, *inputs: object) -> object:
    with pytensor.config.change_flags(numba__fastmath=False):
        return pytensor.function(list(inputs), fn)


@pytest.mark.parametrize(("name", "kw"), CASES)
def test_graph_value_and_grad_match_numpy(name: str, kw: dict) -> None:
    f = A.get(name)
    x = pt.dvector("x")
    y = f(x, **kw)
    assert isinstance(y, pt.TensorVariable) and y.dtype == "float64"
    run = compile_([y, pytensor.grad(y.sum(), x)], x)
    yv, gv = run(EDGE)
    want_y, want_g = f(EDGE, **kw), f.derivative(EDGE, **kw)
    if CATALOG[name].piecewise:
        np.testing.assert_array_equal(yv, want_y)
        np.testing.assert_array_equal(gv, want_g)
    else:
        np.testing.assert_allclose(yv, want_y, rtol=64 * 2.0**-52, atol=2.0**-60)
        np.testing.assert_allclose(gv, want_g, rtol=64 * 2.0**-52, atol=2.0**-55)
    np.testing.assert_array_equal(np.signbit(yv[yv == 0]), np.signbit(want_y[want_y == 0]))


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "hardswish", "gelu", "silu"])
def test_float32_graphs_stay_float32(name: str) -> None:
    x = pt.fvector("x")
    y = A.get(name)(x)
    g = pytensor.grad(y.sum(), x)
    assert y.dtype == "float32" and g.dtype == "float32"
    xv = np.linspace(-4, 4, 1001).astype("float32")
    yv = compile_(y, x)(xv)
    assert yv.dtype == np.float32
    if CATALOG[name].piecewise:
        np.testing.assert_array_equal(yv, A.get(name)(xv))


def test_the_kink_gradients_are_the_contracts() -> None:
    """PyTensor's own gradient of maximum gives a tie to its first argument; ours is 0."""
    x = pt.dvector("x")
    g = compile_(pytensor.grad(A.relu(x).sum(), x), x)(np.array([0.0, -0.0]))
    np.testing.assert_array_equal(g, [0.0, 0.0])
    g = compile_(pytensor.grad(A.leaky_relu(x, 0.2).sum(), x), x)(np.array([0.0]))
    np.testing.assert_array_equal(g, [0.2])


def test_second_derivative() -> None:
    x = pt.dvector("x")
    g = pytensor.grad(A.gelu(x).sum(), x)
    h = pytensor.grad(g.sum(), x)
    xv = np.linspace(-3, 3, 13)
    hv = compile_(h, x)(xv)
    np.testing.assert_allclose(
        hv, np.exp(-(xv**2) / 2) / np.sqrt(2 * np.pi) * (2 - xv**2), rtol=1e-10
    )


@pytest.mark.parametrize("name", ["relu", "gelu", "sigmoid", "elu", "exponential"])
def test_float32_second_derivatives_stay_float32(name: str) -> None:
    """The graphs compute in float64; the gradients of their gradients come back in float32."""
    x = pt.fvector("x")
    g = pytensor.grad(A.get(name)(x).sum(), x)
    h = pytensor.grad(g.sum(), x)
    assert g.dtype == "float32" and h.dtype == "float32", (g.dtype, h.dtype)
    xv = np.array([-1.0, 0.5, 100.0], dtype=np.float32)
    hv = compile_(h, x)(xv)
    assert hv.dtype == np.float32
    if name == "exponential":  # e^100 overflows float32: inf, as on the other backends
        assert hv[2] == np.inf


def test_prelu_weight_gradient() -> None:
    x, w = pt.dmatrix("x"), pt.dvector("w")
    y = A.prelu(x, w)
    gx, gw = pytensor.grad(y.sum(), [x, w])
    gxv, gwv = compile_([gx, gw], x, w)(np.array([[-1.0, 2.0], [-3.0, 0.0]]), np.array([0.1, 0.2]))
    np.testing.assert_allclose(gwv, [-4.0, 0.0])
    np.testing.assert_allclose(gxv, [[0.1, 1.0], [0.1, 0.2]])


def test_shared_variables_and_integers() -> None:
    s = pytensor.shared(np.array([-1.0, 2.0]))
    np.testing.assert_array_equal(compile_(A.relu(s))(), [0.0, 2.0])
    i = pt.ivector("i")
    y = A.relu6(i)
    assert y.dtype == "int32"
    np.testing.assert_array_equal(compile_(y, i)(np.array([-2, 3, 9], dtype="int32")), [0, 3, 6])
    with pytest.raises(TypeError, match="int32"):
        A.gelu(i)
