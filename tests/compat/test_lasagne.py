"""Lasagne's SELU defaults, ``lasagne.init`` and ``lasagne.random``, against Lasagne's formulas
written here independently: the same draws from ``np.random`` in the same order after the same
seed, in float64 NumPy."""

import importlib

import numpy as np
import pytest
from _required import missing

import activations as A
import activations.compat.lasagne as L
from activations import _conformance as conf
from activations._convert import to_numpy
from activations.compat.lasagne import init, random

X = np.array([-7.0, -2.5, -1.0, -0.25, -0.0, 0.0, 0.25, 1.0, 2.5, 3.0, 9.0, np.inf, -np.inf])
PAPER_SCALE = 1.0507009873554804934193349852946
PAPER_SCALE_NEG = 1.6732632423543772848170429916717


def lasagne_selu(x: np.ndarray, scale: float, scale_neg: float) -> np.ndarray:
    return scale * np.where(x > 0.0, x, scale_neg * np.expm1(x))


@pytest.fixture(autouse=True)
def _restore_rng_and_floatx():
    yield
    random.set_rng(np.random)
    init.set_floatx("float64")


# --- SELU -----------------------------------------------------------------------------------


def test_selu_class_defaults_are_lasagnes_an_elu() -> None:
    s = L.SELU()
    assert (s.scale, s.scale_neg) == (1, 1)
    np.testing.assert_array_equal(s(X), lasagne_selu(X, 1.0, 1.0))
    np.testing.assert_array_equal(s(X), np.where(X > 0, X, np.expm1(X)))
    assert L.SELU() == L.SELU(1, 1) and L.SELU() != L.selu


def test_module_selu_has_the_paper_constants() -> None:
    assert (L.selu.scale, L.selu.scale_neg) == (PAPER_SCALE, PAPER_SCALE_NEG)
    np.testing.assert_allclose(
        L.selu(X), lasagne_selu(X, PAPER_SCALE, PAPER_SCALE_NEG), rtol=1e-15, atol=0
    )
    np.testing.assert_allclose(L.selu(X[:-2]), A.selu(X[:-2]), rtol=2e-16)


def test_selu_derivative_at_zero_takes_theanos_switch_branch() -> None:
    # switch(x > 0, x, scale_neg * expm1(x)): at 0 the gradient is scale * scale_neg
    assert L.SELU(2.0, 0.25).derivative(np.array([0.0]))[0] == 0.5
    assert L.SELU().derivative(np.array([0.0]))[0] == 1.0


class Named:
    """A Lasagne object as the conformance harnesses drive an activation."""

    def __init__(self, obj) -> None:
        self.obj, self.__name__ = obj, repr(obj)

    def __call__(self, x, **kw):
        return self.obj(x)

    def derivative(self, x, **kw):
        return self.obj.derivative(x)


@pytest.mark.parametrize("backend", [b for b in conf.all_backends() if b != "numpy"])
def test_selu_and_scaled_tanh_on_every_backend(backend: str) -> None:
    hs = {h.name: h for h in conf.harnesses([backend])}
    if backend not in hs:
        missing(backend)
    h = hs[backend]
    objects = (L.SELU(), L.selu, L.SELU(2.0, 0.5), L.ScaledTanH(2 / 3, 1.7159))
    for s in objects:
        for dtype in ("float32", "float64"):
            if dtype not in h.dtypes:
                continue
            xn = X.astype(dtype)
            xb = h.make(X, dtype)
            f = Named(s)
            # smooth functions: a framework's own exp may round the last bit differently
            rtol = 4 * np.finfo(dtype).eps
            got = h.to_numpy(h.value(f, xb, {}))
            np.testing.assert_allclose(got, s(xn), rtol=rtol, atol=0)
            got = h.to_numpy(h.grad(f, xb, {}))
            np.testing.assert_allclose(got, s.derivative(xn), rtol=rtol, atol=0)
        # the dtype is kept (no Python float turns float32 into float64)
        xb = h.make(X, "float32")
        assert "float32" in str(h.value(Named(s), xb, {}).dtype)


# --- lasagne.random ---------------------------------------------------------------------------


def test_rng_defaults_to_numpys_global_generator() -> None:
    assert random.get_rng() is np.random and init.get_rng is random.get_rng
    rs = np.random.RandomState(3)
    assert random.set_rng(rs) is np.random and random.get_rng() is rs
    np.random.seed(0)
    got = init.Uniform(1.0)((5,))
    want = np.random.RandomState(3).uniform(-1.0, 1.0, size=(5,))
    np.testing.assert_array_equal(got, want)  # drawn from rs, not from np.random


def test_set_rng_refuses_what_is_not_a_generator() -> None:
    with pytest.raises(TypeError, match=r"set_rng\(\): new_rng"):
        random.set_rng(42)


def test_submodule_imports() -> None:
    assert importlib.import_module("activations.compat.lasagne.init") is init
    assert importlib.import_module("activations.compat.lasagne.random") is random
    from activations.compat.lasagne.init import GlorotUniform

    assert GlorotUniform is init.GlorotUniform


# --- lasagne.init ---------------------------------------------------------------------------


def draw(make, shape, seed: int = 1234) -> np.ndarray:
    np.random.seed(seed)
    return make(shape)


def lasagne_uniform_std(std: float, shape: tuple, mean: float = 0.0) -> np.ndarray:
    a, b = mean - np.sqrt(3) * std, mean + np.sqrt(3) * std
    return np.random.uniform(low=a, high=b, size=shape)


GLOROT_CASES = [
    # (shape, c01b, (n1 + n2) * receptive field)
    ((20, 30), False, 50),
    ((8, 3, 5, 5), False, (8 + 3) * 25),
    ((3, 5, 5, 8), True, (3 + 8) * 25),
    ((4, 6, 2, 3, 3), False, (4 + 6) * 18),
]


@pytest.mark.parametrize(("shape", "c01b", "total"), GLOROT_CASES)
@pytest.mark.parametrize("gain", [1.0, "relu", 0.5])
def test_glorot(shape: tuple, c01b: bool, total: int, gain) -> None:
    g = np.sqrt(2) if gain == "relu" else gain
    std = g * np.sqrt(2.0 / total)
    want_u = draw(lambda s: lasagne_uniform_std(std, s), shape)
    want_n = draw(lambda s: np.random.normal(0.0, std, size=s), shape)
    u = init.GlorotUniform(gain=gain, c01b=c01b)
    n = init.GlorotNormal(gain, c01b)
    np.testing.assert_array_equal(draw(u.sample, shape), want_u)
    np.testing.assert_array_equal(draw(u, shape), want_u)
    np.testing.assert_array_equal(draw(n, shape), want_n)
    assert draw(u, shape).dtype == np.float64


HE_CASES = [((20, 30), False, 20), ((8, 3, 5, 5), False, 75), ((3, 5, 5, 8), True, 75)]


@pytest.mark.parametrize(("shape", "c01b", "fan_in"), HE_CASES)
@pytest.mark.parametrize("gain", [1.0, "relu"])
def test_he(shape: tuple, c01b: bool, fan_in: int, gain) -> None:
    g = np.sqrt(2) if gain == "relu" else gain
    std = g * np.sqrt(1.0 / fan_in)
    want_u = draw(lambda s: lasagne_uniform_std(std, s), shape)
    want_n = draw(lambda s: np.random.normal(0.0, std, size=s), shape)
    np.testing.assert_array_equal(draw(init.HeUniform(gain, c01b=c01b), shape), want_u)
    np.testing.assert_array_equal(draw(init.HeNormal(gain=gain, c01b=c01b).sample, shape), want_n)


def test_normal_and_uniform_forms() -> None:
    shape = (7, 4)
    want = draw(lambda s: np.random.normal(0.0, 0.01, size=s), shape)
    np.testing.assert_array_equal(draw(init.Normal(), shape), want)
    want = draw(lambda s: np.random.normal(2.0, 0.5, size=s), shape)
    np.testing.assert_array_equal(draw(init.Normal(std=0.5, mean=2.0), shape), want)
    want = draw(lambda s: np.random.uniform(-0.01, 0.01, size=s), shape)
    np.testing.assert_array_equal(draw(init.Uniform(), shape), want)
    want = draw(lambda s: np.random.uniform(-0.3, 0.3, size=s), shape)
    np.testing.assert_array_equal(draw(init.Uniform(0.3), shape), want)
    want = draw(lambda s: np.random.uniform(1.0, 4.0, size=s), shape)
    np.testing.assert_array_equal(draw(init.Uniform(range=(1.0, 4.0)), shape), want)
    want = draw(lambda s: lasagne_uniform_std(0.2, s, mean=1.0), shape)
    np.testing.assert_array_equal(draw(init.Uniform(std=0.2, mean=1.0), shape), want)
    assert init.Uniform(std=1.0).range == (-np.sqrt(3), np.sqrt(3))
    with pytest.raises(ValueError, match=r"Uniform\(\): range"):
        init.Uniform(range=(1.0, 2.0, 3.0))


def test_constant() -> None:
    np.testing.assert_array_equal(init.Constant()((2, 3)), np.zeros((2, 3)))
    np.testing.assert_array_equal(init.Constant(val=0.1)((4,)), np.ones(4) * 0.1)


def test_sparse() -> None:
    shape, sparsity, std = (20, 6), 0.25, 0.5
    np.random.seed(7)
    want = np.zeros(shape)
    size = int(sparsity * shape[0])
    for k in range(shape[1]):
        indices = np.arange(shape[0])
        np.random.shuffle(indices)
        want[indices[:size], k] = np.random.normal(0.0, std, size=size)
    np.testing.assert_array_equal(draw(init.Sparse(sparsity, std), shape, seed=7), want)
    w = draw(init.Sparse(), (30, 4))  # Lasagne's defaults: 3 of 30 rows, std 0.01
    assert ((w != 0).sum(axis=0) == 3).all() and np.abs(w).max() < 0.1
    with pytest.raises(
        NotImplementedError, match=r"Sparse\.sample\(\): shape must have 2 dimensions"
    ):
        init.Sparse()((2, 3, 4))


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 2, 3), (6, 6)])
@pytest.mark.parametrize("gain", [1.0, "relu", 1.1])
def test_orthogonal(shape: tuple, gain) -> None:
    g = np.sqrt(2) if gain == "relu" else gain
    np.random.seed(5)
    flat = (shape[0], int(np.prod(shape[1:])))
    a = np.random.normal(0.0, 1.0, flat)
    u, _, v = np.linalg.svd(a, full_matrices=False)
    q = (u if u.shape == flat else v).reshape(shape)
    got = draw(init.Orthogonal(gain=gain), shape, seed=5)
    np.testing.assert_array_equal(got, g * q)
    m = got.reshape(flat)
    small = min(flat)
    gram = m @ m.T if flat[0] == small else m.T @ m
    np.testing.assert_allclose(gram, g * g * np.eye(small), atol=1e-12)


def test_floatx() -> None:
    init.set_floatx("float32")
    w = draw(init.GlorotUniform(), (4, 3))
    assert w.dtype == np.float32
    np.testing.assert_array_equal(w, draw(init.GlorotUniform(), (4, 3)).astype(np.float32))
    assert init.Sparse()((10, 2)).dtype == np.float32
    assert init.Orthogonal()((3, 3)).dtype == np.float32
    with pytest.raises(ValueError, match=r"set_floatx\(\): dtype"):
        init.set_floatx("int32")


@pytest.mark.parametrize(
    ("make", "shape", "message"),
    [
        (init.GlorotUniform, (5,), r"GlorotUniform\.sample\(\): shape must have at least 2"),
        (init.HeNormal, (5,), r"HeNormal\.sample\(\): shape must have at least 2"),
        (lambda: init.GlorotNormal(c01b=True), (3, 4), r"c01b=True shape must have 4"),
        (lambda: init.HeUniform(c01b=True), (3, 4, 5), r"c01b=True shape must have 4"),
        (init.Orthogonal, (5,), r"Orthogonal\.sample\(\): shape must have at least 2"),
    ],
)
def test_bad_shapes_are_refused_as_lasagne_did(make, shape: tuple, message: str) -> None:
    with pytest.raises(RuntimeError, match=message):  # Lasagne raised RuntimeError
        make()(shape)
    with pytest.raises(ValueError, match=message):
        make()(shape)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match=r"GlorotUniform\(\): gain must be a number or 'relu'"):
        init.GlorotUniform(gain="tanh")
    with pytest.raises(TypeError, match=r"Normal\.sample\(\): shape"):
        init.Normal()(("a", 2))
    with pytest.raises(ValueError, match=r"Constant\.sample\(\): shape"):
        init.Constant()((-1, 2))
    with pytest.raises(NotImplementedError):
        init.Initializer()((2, 2))
    assert repr(init.GlorotUniform("relu")) == f"GlorotUniform(gain={np.sqrt(2)!r}, c01b=False)"


def test_weights_go_to_a_backend() -> None:
    from activations.init import to_backend as trainable

    w = draw(init.GlorotUniform(), (3, 2))
    np.testing.assert_array_equal(np.asarray(to_numpy(trainable(w, "numpy"))), w)


def test_selu_and_scaled_tanh_parameter_gradients() -> None:
    x = X[:-2]
    e = np.where(x > 0, 0.0, np.expm1(np.minimum(x, 0)))
    dx, dscale, dneg = L.SELU(2.0, 0.5).vjp(x, np.ones_like(x), wrt=("scale", "scale_neg"))
    np.testing.assert_allclose(dx, L.SELU(2.0, 0.5).derivative(x))
    np.testing.assert_allclose(dscale, np.sum(np.where(x > 0, x, 0.5 * e)), rtol=1e-15)
    np.testing.assert_allclose(dneg, np.sum(2.0 * e), rtol=1e-15)
    t = L.ScaledTanH(0.5, 3.0)
    _, din, dout = t.vjp(x, np.ones_like(x), wrt=("scale_in", "scale_out"))
    np.testing.assert_allclose(din, np.sum(3.0 * x / np.cosh(0.5 * x) ** 2), rtol=1e-14)
    np.testing.assert_allclose(dout, np.sum(np.tanh(0.5 * x)), rtol=1e-14)
    assert A.get("lasagne.selu")(np.array([1.0]))[0] == PAPER_SCALE  # the module's selu
