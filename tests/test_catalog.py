"""The public names, lookup, stability and pickling of the activation objects."""

import pickle

import numpy as np
import pytest

import activations as A
from activations._catalog import CATALOG

EXPECTED = [
    "relu",
    "relu6",
    "leaky_relu",
    "prelu",
    "rrelu",
    "elu",
    "selu",
    "celu",
    "gelu",
    "silu",
    "swish",
    "mish",
    "softplus",
    "log_sigmoid",
    "hardswish",
    "hard_swish",
    "hard_silu",
    "hard_sigmoid",
    "hardtanh",
    "threshold",
    "thresholded_relu",
    "squared_relu",
    "squareplus",
    "sigmoid",
    "tanh",
    "linear",
    "identity",
    "logsigmoid",
    "hardsigmoid",
    "hard_tanh",
    "softsign",
    "softshrink",
    "soft_shrink",
    "hardshrink",
    "hard_shrink",
    "tanhshrink",
    "tanh_shrink",
    "sparse_plus",
    "sparse_sigmoid",
    "exponential",
]


@pytest.mark.parametrize("name", EXPECTED)
def test_public_name_is_the_registered_object(name: str) -> None:
    f = getattr(A, name)
    assert isinstance(f, A.Activation)
    assert A.get(name) is f
    assert name in A.names()


@pytest.mark.parametrize(
    ("alias", "target"),
    [
        ("swish", "silu"),
        ("hard_swish", "hardswish"),
        ("hard_silu", "hardswish"),
        ("identity", "linear"),
        ("hardsigmoid", "hard_sigmoid"),
        ("hard_tanh", "hardtanh"),
        ("logsigmoid", "log_sigmoid"),
        ("soft_shrink", "softshrink"),
        ("Leaky-ReLU", "leaky_relu"),
    ],
)
def test_aliases(alias: str, target: str) -> None:
    assert A.get(alias) is getattr(A, target)


@pytest.mark.parametrize("name", A.names())
def test_pickle_returns_the_same_object(name: str) -> None:
    f = A.get(name)
    assert pickle.loads(pickle.dumps(f)) is f


def test_unknown_name_suggests_close_names() -> None:
    with pytest.raises(ValueError, match="'leaky_relu'"):
        A.get("leaky_rellu")
    with pytest.raises(ValueError, match="unknown activation"):
        A.get("definitely-not-there")
    with pytest.raises(TypeError):
        A.get(3)  # type: ignore[arg-type]


def test_names_without_aliases_is_the_catalog() -> None:
    assert A.names(aliases=False) == sorted(CATALOG)


def test_signature_and_doc() -> None:
    import inspect

    sig = inspect.signature(A.relu)
    assert list(sig.parameters) == ["x", "negative_slope", "max_value", "threshold", "out"]
    assert sig.parameters["negative_slope"].default == 0.0
    assert "Definition" in (A.relu.__doc__ or "")
    assert repr(A.gelu) == "<activation gelu>"


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("leaky_relu", {}),
        ("rrelu", {}),
        ("elu", {}),
        ("celu", {}),
        ("softplus", {}),
        ("hardtanh", {}),
        ("thresholded_relu", {}),
        ("squareplus", {}),
        ("gelu", {}),
        ("softshrink", {}),
        ("hardshrink", {}),
    ],
)
def test_defaults_match_the_contract(name: str, kwargs: dict) -> None:
    defaults = {
        "leaky_relu": {"negative_slope": 0.01},
        "rrelu": {"lower": 1 / 8, "upper": 1 / 3},
        "elu": {"alpha": 1.0},
        "celu": {"alpha": 1.0},
        "softplus": {"beta": 1.0, "threshold": None},
        "hardtanh": {"min_val": -1.0, "max_val": 1.0},
        "thresholded_relu": {"theta": 1.0},
        "squareplus": {"b": 4.0},
        "gelu": {"approximate": False},
        "softshrink": {"lambd": 0.5},
        "hardshrink": {"lambd": 0.5},
    }[name]
    sig = __import__("inspect").signature(A.get(name))
    for k, v in defaults.items():
        assert sig.parameters[k].default == v


@pytest.mark.parametrize("spelling", [True, "tanh", "TANH"])
def test_gelu_accepts_torch_spelling(spelling: object) -> None:
    x = np.linspace(-3, 3, 13)
    np.testing.assert_array_equal(A.gelu(x, approximate=spelling), A.gelu(x, approximate=True))


def test_gelu_none_spelling_is_exact() -> None:
    x = np.linspace(-3, 3, 13)
    np.testing.assert_array_equal(A.gelu(x, approximate="none"), A.gelu(x))


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: A.relu(np.ones(2), bogus=1), TypeError, "unexpected keyword argument 'bogus'"),
        (lambda: A.leaky_relu(np.ones(2), 0.1, 0.2), TypeError, "at most 1"),
        (lambda: A.leaky_relu(np.ones(2), 0.1, negative_slope=0.2), TypeError, "multiple values"),
        (lambda: A.threshold(np.ones(2)), TypeError, "missing required argument 'threshold'"),
        (lambda: A.elu(np.ones(2), alpha=float("nan")), ValueError, "alpha must be finite"),
        (lambda: A.celu(np.ones(2), alpha=-1.0), ValueError, "alpha must be > 0"),
        (lambda: A.softplus(np.ones(2), beta=0), ValueError, "beta must be > 0"),
        (lambda: A.squareplus(np.ones(2), b=-1), ValueError, "b must be > 0"),
        (lambda: A.hardtanh(np.ones(2), 1.0, -1.0), ValueError, "min_val"),
        (lambda: A.rrelu(np.ones(2), 0.5, 0.1), ValueError, "lower"),
        (lambda: A.relu(np.ones(2), max_value=-1.0), ValueError, "max_value"),
        (lambda: A.gelu(np.ones(2), approximate="fast"), ValueError, "approximate"),
        (lambda: A.leaky_relu(np.ones(2), "0.1"), TypeError, "negative_slope must be a real"),
        (lambda: A.leaky_relu(np.ones(2), True), TypeError, "negative_slope must be a real"),
    ],
)
def test_bad_parameters_raise_clear_errors(call, error, match) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=match):
        call()


def test_selu_lambda_alpha_is_correctly_rounded() -> None:
    """selu(-inf) = -lambda*alpha and selu'(0) = lambda*alpha, rounded once from the exact
    product (the product of the two rounded constants is 1 ULP below it)."""
    import mpmath

    from activations import _reference as ref

    with mpmath.workprec(200):
        want = float(ref.SELU_LAMBDA * ref.SELU_ALPHA)
    assert A.selu(np.array([-np.inf]))[0] == -want
    assert A.selu.derivative(np.array([0.0]))[0] == want


def test_softsign_derivative_where_its_square_would_overflow() -> None:
    """1/(1+|x|)**2 for |x| past 1e154: squared after the division, a subnormal, not 0."""
    d = A.softsign.derivative(np.array([1e155, -1e160]))
    np.testing.assert_allclose(d, [1e-310, 1e-320], rtol=1e-3)
