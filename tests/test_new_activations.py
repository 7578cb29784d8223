"""softsign, softshrink, hardshrink, tanhshrink, sparse_plus, sparse_sigmoid, exponential.

The expected numbers are the published formulas written here in float64 NumPy, independently
of the catalog's formulas, and the frameworks' own functions (torch.nn.functional, jax.nn,
keras.ops) away from the kinks, where the contract and the frameworks agree.
"""

from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import pytest
from _required import harness, require

import activations as A
from activations import _conformance as conf

Formula = Callable[..., np.ndarray]


def _softshrink(x: np.ndarray, lambd: float = 0.5) -> np.ndarray:
    return np.where(x > lambd, x - lambd, np.where(x < -lambd, x + lambd, 0.0))


def _outside(x: np.ndarray, lambd: float = 0.5) -> np.ndarray:
    return np.where(np.abs(x) > lambd, 1.0, 0.0)


# name -> (f, f'), float64; at a kink f' is the contract's value, NaN is put back by the test
FORMULAS: dict[str, tuple[Formula, Formula]] = {
    "softsign": (lambda x: x / (1 + np.abs(x)), lambda x: 1 / (1 + np.abs(x)) ** 2),
    "softshrink": (_softshrink, _outside),
    "hardshrink": (lambda x, lambd=0.5: np.where(np.abs(x) > lambd, x, 0.0), _outside),
    "tanhshrink": (lambda x: x - np.tanh(x), lambda x: np.tanh(x) ** 2),
    "sparse_plus": (
        lambda x: np.where(x <= -1, 0.0, np.where(x >= 1, x, (x + 1) ** 2 / 4)),
        lambda x: np.where(x <= -1, 0.0, np.where(x >= 1, 1.0, (x + 1) / 2)),
    ),
    "sparse_sigmoid": (
        lambda x: np.clip((x + 1) / 2, 0.0, 1.0),
        lambda x: np.where(np.abs(x) < 1, 0.5, 0.0),
    ),
    "exponential": (np.exp, np.exp),
}
PARAMS = {"softshrink": [{}, {"lambd": 2.0}, {"lambd": 0.0}], "hardshrink": [{}, {"lambd": 2.0}]}
CASES = [(n, kw) for n in FORMULAS for kw in PARAMS.get(n, [{}])]

GRID = np.concatenate(
    [
        np.linspace(-4, 4, 161),  # holds the kinks +-0.5, +-1, +-2 and 0
        [-30.0, -7.3, -1e-3, 1e-3, 7.3, 30.0, -0.0, np.inf, -np.inf, np.nan],
    ]
)
# away from the kinks (+-lambd, +-1, 0) and from 0 where x - tanh(x) cancels
AWAY = np.array([-7.3, -2.6, -1.4, -0.8, -0.3, 0.35, 0.7, 1.6, 2.9, 8.1])


def _expected(name: str, kw: dict, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    f, d = FORMULAS[name]
    with np.errstate(over="ignore", invalid="ignore"):
        v, g = f(x, **kw), d(x, **kw)
    if name == "softsign":
        v = np.where(np.isinf(x), np.sign(x), v)  # inf/inf
    nan = np.isnan(x)  # NaN in, NaN out: the comparisons above drop it (hardshrink's |x| > l)
    return np.where(nan, np.nan, v), np.where(nan, np.nan, g)


@pytest.mark.parametrize("backend", conf.all_backends())
@pytest.mark.parametrize(("name", "kw"), CASES, ids=str)
def test_every_backend_against_the_formula(name: str, kw: dict, backend: str) -> None:
    h: Any = harness(backend)
    f = A.get(name)
    for dtype, rtol in (("float32", 2e-6), ("float64", 1e-13)):
        if dtype not in h.dtypes:
            continue
        x = GRID.astype(dtype).astype(np.float64)
        want_v, want_d = _expected(name, kw, x)
        xb = h.make(x, dtype)
        got_v = h.to_numpy(h.value(f, xb, kw))
        got_d = h.to_numpy(h.grad(f, xb, kw))
        # absolute floor: float32 x - tanh(x) in float64 NumPy is exact enough only above it
        atol = 1e-12 if name == "tanhshrink" else 0
        np.testing.assert_allclose(got_v, want_v, rtol=rtol, atol=atol, err_msg=f"{dtype} f")
        np.testing.assert_allclose(got_d, want_d, rtol=rtol, atol=0, err_msg=f"{dtype} f'")


@pytest.mark.parametrize(
    ("name", "kw", "kinks"),
    [
        ("softshrink", {}, {-0.5: 0.0, 0.5: 0.0}),
        ("softshrink", {"lambd": 2.0}, {-2.0: 0.0, 2.0: 0.0}),
        ("softshrink", {"lambd": 0.0}, {0.0: 0.0}),
        ("hardshrink", {}, {-0.5: 0.0, 0.5: 0.0}),
        ("sparse_plus", {}, {-1.0: 0.0, 1.0: 1.0}),
        ("sparse_sigmoid", {}, {-1.0: 0.0, 1.0: 0.0}),
    ],
)
def test_derivative_at_the_kinks_is_the_catalogs(name: str, kw: dict, kinks: dict) -> None:
    f = A.get(name)
    x = np.array(list(kinks))
    np.testing.assert_array_equal(f.derivative(x, **kw), list(kinks.values()))
    assert dict(f.spec.kinks(f.spec.bind((), kw))) == kinks


@pytest.mark.parametrize(
    ("name", "x", "want"),
    [
        ("softshrink", -0.0, 0.0),  # clamped to zero: +0.0
        ("softshrink", -0.25, 0.0),
        ("hardshrink", -0.0, 0.0),
        ("hardshrink", -0.5, 0.0),
        ("softsign", -0.0, -0.0),  # x/(1 + |x|) keeps x's sign
        ("tanhshrink", -0.0, -0.0),
        ("tanhshrink", -1e-200, -0.0),  # -x^3/3 underflows: the exact value's sign
        ("sparse_plus", -0.0, 0.25),
        ("exponential", -0.0, 1.0),
    ],
)
def test_signed_zeros(name: str, x: float, want: float) -> None:
    got = A.get(name)(np.array([x]))[0]
    assert got == want and np.signbit(got) == np.signbit(want), got


def test_softshrink_at_lambd_zero_clamps_negative_zero() -> None:
    got = A.softshrink(np.array([-0.0, 0.0, -3.0]), lambd=0.0)
    np.testing.assert_array_equal(got, [0.0, 0.0, -3.0])
    assert not np.signbit(got[0])


@pytest.mark.parametrize("name", list(FORMULAS))
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_dtype_kept_nan_and_integers_refused(name: str, dtype: str) -> None:
    f = A.get(name)
    x = np.array([np.nan, -1.0, 0.5], dtype=dtype)
    for y in (f(x), f.derivative(x)):
        assert y.dtype == np.dtype(dtype)
        assert np.isnan(y[0])
    with pytest.raises(TypeError, match="int64"):
        f(np.array([1, 2]))


@pytest.mark.parametrize("name", ["softshrink", "hardshrink"])
def test_lambd_is_the_one_parameter_name(name: str) -> None:
    f = A.get(name)
    np.testing.assert_array_equal(f(np.array([1.5]), 1.0), [FORMULAS[name][0](1.5, 1.0)])
    with pytest.raises(TypeError, match=rf"{name}\(\).*'threshold'.*lambd"):
        f(np.ones(2), threshold=0.5)  # Keras 3's name is not accepted
    with pytest.raises(ValueError, match=rf"{name}\(\): lambd must be >= 0"):
        f(np.ones(2), lambd=-0.5)
    with pytest.raises(ValueError, match=rf"{name}\(\): lambd must be finite"):
        f(np.ones(2), lambd=np.inf)


def test_softshrink_lambd_gradient() -> None:
    x = np.array([-3.0, -0.5, 0.2, 0.5, 3.0, np.nan])
    dx, dl = A.softshrink.vjp(x, np.ones_like(x), wrt="lambd")
    np.testing.assert_array_equal(dx, [1.0, 0.0, 0.0, 0.0, 1.0, np.nan])
    assert np.isnan(dl)  # the sum over x holds a NaN
    _, dl = A.softshrink.vjp(x[:-1], np.ones(5), wrt="lambd")
    assert dl == 0.0  # +1 at -3, -1 at 3, 0 inside and at the kinks
    _, dl = A.hardshrink.vjp(x[:-1], np.ones(5), 0.5, wrt="lambd")
    assert dl == 0.0  # lambd only moves a jump


def test_tanhshrink_near_zero_against_mpmath() -> None:
    # x - tanh(x) loses 3/x^2 ULPs to cancellation; the catalog's form must not
    x = np.concatenate([-np.logspace(-300, 0.3, 400), np.logspace(-300, 0.3, 400)])
    got = A.tanhshrink(x)
    with mpmath.workprec(2200):
        want = np.array([float(mpmath.mpf(t) - mpmath.tanh(t)) for t in x])
    ulps = np.abs(got - want) / np.spacing(np.maximum(np.abs(want), np.finfo(float).tiny))
    assert ulps.max() <= 4, (x[np.argmax(ulps)], ulps.max())


@pytest.mark.parametrize(
    ("alias", "target"),
    [
        ("hard_tanh", "hardtanh"),
        ("hardsigmoid", "hard_sigmoid"),
        ("logsigmoid", "log_sigmoid"),
        ("soft_shrink", "softshrink"),
        ("hard_shrink", "hardshrink"),
        ("tanh_shrink", "tanhshrink"),
    ],
)
def test_aliases(alias: str, target: str) -> None:
    assert A.get(alias) is getattr(A, target) is getattr(A, alias)
    assert alias in A.__all__ and alias in A.names()


# --- the frameworks' own functions, away from the kinks -------------------------------------


def _torch_cases() -> dict[str, Callable]:
    F = require("torch").nn.functional
    return {
        "softsign": F.softsign,
        "softshrink": lambda x: F.softshrink(x, 0.5),
        "softshrink(lambd=2)": lambda x: F.softshrink(x, 2.0),
        "hardshrink": lambda x: F.hardshrink(x, 0.5),
        "tanhshrink": F.tanhshrink,
    }


def _ours(case: str) -> tuple[Callable, dict]:
    name, _, rest = case.partition("(")
    return A.get(name), ({"lambd": 2.0} if rest else {})


@pytest.mark.parametrize(
    "case", ["softsign", "softshrink", "softshrink(lambd=2)", "hardshrink", "tanhshrink"]
)
def test_against_torch_functional(case: str) -> None:
    torch = require("torch")
    native = _torch_cases()[case]
    f, kw = _ours(case)
    t = torch.tensor(AWAY, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(native(t).sum(), t)
    ours = f(t, **kw)
    assert isinstance(ours, torch.Tensor) and ours.dtype == torch.float64
    np.testing.assert_allclose(ours.detach().numpy(), native(t).detach().numpy(), rtol=1e-13)
    np.testing.assert_allclose(f.derivative(AWAY, **kw), g.numpy(), rtol=1e-13)
    import activations.torch as AT

    module = getattr(AT, f.spec.class_name)(**kw)
    np.testing.assert_allclose(module(t).detach().numpy(), ours.detach().numpy(), rtol=0)


@pytest.mark.parametrize("name", ["sparse_plus", "sparse_sigmoid", "soft_sign"])
def test_against_jax_nn(name: str) -> None:
    jax = require("jax")
    native = getattr(jax.nn, name)
    f = A.get("softsign" if name == "soft_sign" else name)
    x = jax.numpy.asarray(AWAY, dtype="float32")  # float32: the global x64 switch stays off
    y = f(x)
    assert isinstance(y, jax.Array) and y.dtype == x.dtype
    np.testing.assert_allclose(np.asarray(y), np.asarray(native(x)), rtol=1e-6)
    d = jax.vmap(jax.grad(native))(x)
    np.testing.assert_allclose(np.asarray(jax.vmap(jax.grad(f))(x)), np.asarray(d), rtol=1e-6)


@pytest.mark.parametrize(
    ("ours", "native", "kw"),
    [
        ("softsign", "softsign", {}),
        ("softshrink", "soft_shrink", {"threshold": 0.5}),
        ("hardshrink", "hard_shrink", {"threshold": 2.0}),
        ("tanhshrink", "tanh_shrink", {}),
        ("sparse_plus", "sparse_plus", {}),
        ("sparse_sigmoid", "sparse_sigmoid", {}),
        ("exponential", "exponential", {}),
    ],
)
def test_against_keras_ops(ours: str, native: str, kw: dict) -> None:
    keras = require("keras")
    got = A.get(ours)(AWAY, **({"lambd": kw["threshold"]} if kw else {}))
    where = keras.activations if native == "exponential" else keras.ops
    want = keras.ops.convert_to_numpy(getattr(where, native)(AWAY, **kw))
    np.testing.assert_allclose(got, np.asarray(want, dtype=np.float64), rtol=1e-13)
    import activations.keras as AK

    layer = getattr(AK, A.get(ours).spec.class_name)
    y = keras.ops.convert_to_numpy(layer(**({"lambd": kw["threshold"]} if kw else {}))(AWAY))
    np.testing.assert_allclose(np.asarray(y, dtype=np.float64), got, rtol=1e-6)
