"""activations.init: gains and initialisers that give the same weights on every backend."""

import math
from typing import Any

import numpy as np
import pytest
from _required import missing, require

from activations import init


@pytest.mark.parametrize(
    ("name", "params", "want"),
    [
        ("relu", {}, math.sqrt(2)),
        ("rectify", {}, math.sqrt(2)),
        ("leaky_relu", {}, math.sqrt(2 / (1 + 0.01**2))),
        ("leaky_relu", {"negative_slope": 0.2}, math.sqrt(2 / 1.04)),
        ("leaky_rectify", {}, math.sqrt(2 / (1 + 0.01**2))),
        ("very_leaky_rectify", {}, math.sqrt(2 / (1 + 1 / 9))),
        ("linear", {}, 1.0),
        ("identity", {}, 1.0),
        ("tanh", {}, 1.0),
        ("sigmoid", {}, 4.0),
    ],
)
def test_gain(name: str, params: dict, want: float) -> None:
    assert init.gain(name, **params) == pytest.approx(want, rel=1e-15)


def test_gain_of_an_activation_without_one() -> None:
    with pytest.raises(ValueError, match="no standard gain"):
        init.gain("gelu")


def test_glorot_uniform_is_the_tutorials_draw() -> None:
    rng = np.random.RandomState(1234)
    bound = math.sqrt(6 / (784 + 500))
    want = 4 * np.random.RandomState(1234).uniform(low=-bound, high=bound, size=(784, 500))
    got = init.glorot_uniform((784, 500), rng=rng, gain=init.gain("sigmoid"))
    np.testing.assert_allclose(got, want, rtol=1e-15)


@pytest.mark.parametrize(
    "fn", [init.glorot_uniform, init.glorot_normal, init.he_uniform, init.he_normal]
)
def test_scales(fn: object) -> None:
    w = fn((400, 300), rng=0)  # type: ignore[operator]
    fan_in, fan_out = 400, 300
    expected_std = {
        init.glorot_uniform: math.sqrt(2 / (fan_in + fan_out)),
        init.glorot_normal: math.sqrt(2 / (fan_in + fan_out)),
        init.he_uniform: math.sqrt(2 / fan_in),
        init.he_normal: math.sqrt(2 / fan_in),
    }[fn]
    assert w.std() == pytest.approx(expected_std, rel=0.02)


@pytest.mark.parametrize("backend", ["torch", "tensorflow", "jax", "pytensor"])
def test_same_weights_on_every_backend(backend: str) -> None:
    import importlib.util

    if importlib.util.find_spec(backend) is None:
        missing(backend)
    w = init.he_normal((5, 3), rng=42, backend=backend, dtype="float32")
    ref = init.he_normal((5, 3), rng=42, dtype="float32")
    value = w.get_value() if backend == "pytensor" else np.asarray(w)
    np.testing.assert_array_equal(value, ref)


def test_bad_shapes_and_backends() -> None:
    with pytest.raises(ValueError, match="2 dimensions"):
        init.glorot_uniform((3,))
    with pytest.raises(ValueError, match="unknown backend"):
        init.glorot_uniform((3, 2), backend="mxnet")


def test_float64_on_jax_without_x64_is_refused_clearly() -> None:
    jax: Any = require("jax")

    if jax.config.jax_enable_x64:
        pytest.skip("x64 is enabled globally here")
    with pytest.raises(ValueError, match="x64"):
        init.he_normal((2, 2), backend="jax")
    with jax.enable_x64(True):
        assert str(init.he_normal((2, 2), backend="jax").dtype) == "float64"


def test_the_testing_kit_s_backend_object_is_a_backend_name() -> None:
    from activations.testing import BackendUnderTest

    w = init.glorot_uniform((3, 2), rng=0, backend=BackendUnderTest("numpy"))
    np.testing.assert_array_equal(w, init.glorot_uniform((3, 2), rng=0))
    with pytest.raises(ValueError, match="unknown backend"):
        init.glorot_uniform((3, 2), backend=BackendUnderTest("mxnet"))


def test_gain_refuses_a_parameter_it_would_ignore() -> None:
    with pytest.raises(TypeError, match=r"gain\('leaky_relu'\): unexpected parameter\(s\) alpha"):
        init.gain("leaky_relu", alpha=0.2)
    with pytest.raises(TypeError, match="unexpected parameter"):
        init.gain("relu", alpha=0.3)
    # Lasagne's rectify with a leakiness is its leaky rectifier
    assert init.gain("rectify", leakiness=0.1) == init.gain("leaky_relu", negative_slope=0.1)
