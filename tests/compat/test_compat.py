"""Theano, Lasagne and Keras 2 names with their original numbers, on every backend.

The expected values are derived here from the published formulas (Theano's
((1+alpha)/2)*x + ((1-alpha)/2)*abs(x), Lasagne's classes), in
float64 NumPy, independently of the library's formulas.
"""

import pickle
from typing import Any

import numpy as np
import pytest
from _required import harness

import activations as A
import activations.compat.keras2 as K2
import activations.compat.lasagne as L
import activations.compat.theano as T
from activations import _conformance as conf

X = np.array([-7.0, -2.5, -1.0, -0.25, -0.0, 0.0, 0.25, 1.0, 2.5, 3.0, 9.0])
ALPHAS = [0.0, 0.1, 1 / 3, 3.0, -0.5]


def theano_relu(x: np.ndarray, alpha: float) -> np.ndarray:
    return ((1 + alpha) / 2) * x + ((1 - alpha) / 2) * np.abs(x)


def theano_relu_grad(x: np.ndarray, alpha: float) -> np.ndarray:
    return (1 + alpha) / 2 + ((1 - alpha) / 2) * np.sign(x)  # sign(0) = 0: (1+alpha)/2


@pytest.mark.parametrize("alpha", ALPHAS)
def test_theano_relu_values_and_gradient(alpha: float) -> None:
    np.testing.assert_allclose(T.relu(X, alpha), theano_relu(X, alpha), rtol=1e-15, atol=0)
    # Theano evaluates the two halves and rounds; ours is the exact slope
    np.testing.assert_allclose(T.relu.derivative(X, alpha), theano_relu_grad(X, alpha), rtol=1e-15)
    assert T.relu.derivative(np.array([0.0]), alpha)[0] == (1 + alpha) / 2


def test_theano_hard_sigmoid() -> None:
    want = np.clip(0.2 * X + 0.5, 0, 1)
    np.testing.assert_allclose(T.hard_sigmoid(X), want, rtol=1e-15, atol=1e-16)
    inside = (X >= -2.5) & (X <= 2.5)
    np.testing.assert_array_equal(T.hard_sigmoid.derivative(X), np.where(inside, 0.2, 0.0))


def test_theano_smooth_ones_are_the_modern_objects() -> None:
    assert T.elu is A.elu and T.selu is A.selu and T.tanh is A.tanh
    assert T.sigmoid is not A.sigmoid and T.softplus is not A.softplus  # Theano's cut-offs


def test_lasagne_names() -> None:
    np.testing.assert_array_equal(L.rectify(X), theano_relu(X, 0.0))
    assert L.rectify.derivative(np.array([0.0]))[0] == 0.5
    assert L.leaky_rectify.leakiness == 0.01 and L.LeakyRectify().leakiness == 0.01
    assert L.very_leaky_rectify.leakiness == 1 / 3
    np.testing.assert_allclose(L.LeakyRectify(0.2)(X), theano_relu(X, 0.2), rtol=1e-15)
    np.testing.assert_allclose(L.very_leaky_rectify(X), theano_relu(X, 1 / 3), rtol=1e-15)
    scale, scale_neg = 1.0507009873554805, 1.6732632423543772
    np.testing.assert_allclose(
        L.selu(X), scale * np.where(X > 0, X, scale_neg * np.expm1(X)), rtol=1e-15
    )
    np.testing.assert_allclose(L.SELU(2.0, 0.5)(X), 2 * np.where(X > 0, X, 0.5 * np.expm1(X)))
    np.testing.assert_allclose(L.ScaledTanH(2 / 3, 1.7159)(X), 1.7159 * np.tanh(2 / 3 * X))
    assert L.ScaledTanh is L.ScaledTanH
    assert L.linear is A.linear and L.identity is A.linear
    assert L.elu is A.elu and L.softplus is T.softplus and L.sigmoid is T.sigmoid


def test_lasagne_objects_are_stable_and_picklable() -> None:
    for obj in (L.rectify, L.leaky_rectify, L.very_leaky_rectify, L.selu):
        assert pickle.loads(pickle.dumps(obj)) is obj
    custom = L.LeakyRectify(0.2)
    assert pickle.loads(pickle.dumps(custom)) == custom
    assert L.SELU(1.0, 2.0) == L.SELU(1.0, 2.0) and L.SELU() != L.SELU(1.0, 2.0)
    assert repr(L.LeakyRectify(0.2)) == "LeakyRectify(leakiness=0.2)"


def test_lasagne_derivatives() -> None:
    x = np.array([-1.0, 0.5])
    np.testing.assert_allclose(L.LeakyRectify(0.2).derivative(x), [0.2, 1.0])
    np.testing.assert_allclose(L.ScaledTanH(2.0, 3.0).derivative(x), 6.0 / np.cosh(2 * x) ** 2)
    np.testing.assert_allclose(L.selu.vjp(x, np.ones(2)), L.selu.derivative(x))


def test_compat_names_resolve_through_get() -> None:
    assert A.get("theano.relu") is T.relu and A.get("keras2.relu") is K2.relu
    assert pickle.loads(pickle.dumps(T.hard_sigmoid)) is T.hard_sigmoid


COMPAT = [(T.relu, kw) for kw in ({}, {"alpha": 0.1}, {"alpha": 3.0})] + [
    (T.hard_sigmoid, {}),
    (K2.relu, {"alpha": 0.1, "max_value": 6.0, "threshold": -1.0}),
]


@pytest.mark.parametrize("backend", [b for b in conf.all_backends() if b != "numpy"])
@pytest.mark.parametrize(("f", "kw"), COMPAT, ids=lambda v: getattr(v, "__name__", str(v)))
def test_every_backend_gives_the_same_numbers(f: object, kw: dict, backend: str) -> None:
    h: Any = harness(backend)
    for dtype in ("float32", "float64"):
        if dtype not in h.dtypes:
            continue
        x = np.concatenate([X, np.linspace(-4, 4, 161), [np.inf, -np.inf, np.nan]])
        xb = h.make(x, dtype)
        got_v = h.to_numpy(h.value(f, xb, kw))
        got_g = h.to_numpy(h.grad(f, xb, kw))
        xn = x.astype(dtype)
        np.testing.assert_array_equal(got_v, f(xn, **kw).astype(np.float64))
        np.testing.assert_array_equal(got_g, f.derivative(xn, **kw).astype(np.float64))
