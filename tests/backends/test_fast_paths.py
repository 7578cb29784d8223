"""The native fast paths (issue 5) give exactly what the catalog's formula gives.

Each fast path is compared bit for bit (NaN with NaN) with the generic implementation on the
contract's special values at every position, on arrays small and large enough to take every
branch (small-array kernels, one thread, two threads), and in the layouts that change the
branch taken (non-contiguous, Fortran order, 0-d, in place).
"""

from __future__ import annotations

import numpy as np
import pytest
from _required import not_installed, require

import activations as A
from activations._catalog import CATALOG
from activations.backends._base import Backend
from activations.backends.numpy import kernels as _numpy_kernels
from activations.backends.numpy import threads as _threads
from activations.backends.numpy.ops import BACKEND as NP

SPECIAL = [-0.0, 0.0, np.nan, -np.nan, np.inf, -np.inf, -1.0, 1.0, 0.5, -2.5, 3e-39, 5e-324]
# every branch of the relu kernels: small (cached zeros by shape), mid (a view of one zero
# buffer) up to and just past its byte limit in each dtype, one thread, two threads
MID = _numpy_kernels._MID_BYTES
SIZES = [0, 1, 16, 300, 5000, MID // 8, MID // 4 + 3, _threads.PARALLEL_MIN + 7]


def _x(n: int, dtype: str) -> np.ndarray:
    rng = np.random.default_rng(n)
    x = rng.standard_normal(n).astype(dtype)
    specials = np.array(SPECIAL, dtype=dtype)
    x[: min(n, len(specials))] = specials[: min(n, len(specials))]
    if n > 100:
        idx = rng.integers(0, n, size=64)
        x[idx] = np.resize(specials, 64)
    return x


def _same(a: object, b: object) -> None:
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    nan = np.isnan(a)
    np.testing.assert_array_equal(nan, np.isnan(b))
    assert a[~nan].tobytes() == b[~nan].tobytes()  # signs of zero included


def _generic(kind: str, name: str, x: np.ndarray, *rest: object) -> object:
    spec = CATALOG[name]
    params = spec.bind((), {})
    with np.errstate(all="ignore"):
        return getattr(Backend, kind)(NP, spec, x, *rest, params)


def test_probe_kept_the_kernels_on_this_numpy() -> None:
    A.relu(np.zeros(3))
    for table in (_numpy_kernels.RELU.value, _numpy_kernels.RELU.derivative):
        assert np.dtype("float32") in table and np.dtype("float64") in table


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n", SIZES)
def test_numpy_relu_value_derivative_vjp(n: int, dtype: str) -> None:
    x = _x(n, dtype)
    before = x.copy()
    g = _x(n, dtype)[::-1].copy()
    _same(A.relu(x), _generic("value", "relu", x))
    _same(A.relu.derivative(x), _generic("derivative", "relu", x))
    _same(A.relu.vjp(x, g), _generic("vjp", "relu", x, g))
    np.testing.assert_array_equal(x.view(np.uint8), before.view(np.uint8))  # input untouched


@pytest.mark.parametrize("n", SIZES[1:])
def test_numpy_relu_in_place_and_out(n: int) -> None:
    x = _x(n, "float32")
    want = _generic("value", "relu", x)
    y = x.copy()
    assert A.relu(y, out=y) is y
    _same(y, want)
    o = np.empty_like(x)
    assert A.relu(x, out=o) is o
    _same(o, want)


@pytest.mark.parametrize("n", [16, 5000, _threads.PARALLEL_MIN + 7])
def test_numpy_relu_layouts(n: int) -> None:
    base = _x(2 * n, "float64").reshape(2, n)
    for x in (base[:, ::2], base.T, np.asfortranarray(base), base[::-1]):
        _same(A.relu(x), _generic("value", "relu", x))
        _same(A.relu.derivative(x), _generic("derivative", "relu", x))


def test_numpy_relu_zero_d_and_scalars() -> None:
    for x in (np.float64(-0.0), np.array(-0.0), np.float32(np.nan)):
        got, want = A.relu(x), _generic("value", "relu", np.asarray(x))
        assert type(got) is type(want)
        _same(got, want)


def test_numpy_relu_kernel_returns_only_one_array() -> None:
    import tracemalloc

    x = _x(200_000, "float64")
    A.relu(x)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    y = A.relu(x)
    peak = tracemalloc.get_traced_memory()[1] - base
    A.relu(y, out=y)
    peak_inplace = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    assert peak <= x.nbytes * 1.01  # one output, no temporary of x's size
    assert peak_inplace <= x.nbytes * 1.01  # relu(y, out=y) allocated nothing more


@pytest.mark.parametrize("name", ["gelu", "silu", "elu", "softplus", "mish"])
def test_numpy_chunked_smooth_activations_equal_one_shot(name: str) -> None:
    x = _x(_threads.PARALLEL_MIN + 12_345, "float32")
    g = _x(_threads.PARALLEL_MIN + 12_345, "float32")[::-1].copy()
    f = A.get(name)
    _same(f(x), _generic("value", name, x))
    _same(f.derivative(x), _generic("derivative", name, x))
    _same(f.vjp(x, g), _generic("vjp", name, x, g))


def test_threads_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTIVATIONS_NUM_THREADS", "1")
    assert _threads.num_threads() == 1
    x = _x(_threads.PARALLEL_MIN + 3, "float64")
    _same(A.relu(x), _generic("value", "relu", x))
    monkeypatch.setenv("ACTIVATIONS_NUM_THREADS", "two")
    with pytest.raises(ValueError, match="ACTIVATIONS_NUM_THREADS"):
        _threads.num_threads()


def test_torch_relu_fast_paths_match_the_formula() -> None:
    torch = require("torch")
    from activations.backends.torch.ops import BACKEND as TB

    spec = CATALOG["relu"]
    params = spec.bind((), {})
    for dtype in (torch.float16, torch.bfloat16, torch.float32, torch.float64):
        x = torch.tensor(_x(5000, "float64")).to(dtype)
        want = Backend.value(TB, spec, x, params)
        got = A.relu(x)
        assert got.dtype == dtype
        _same(got.float().numpy(), want.float().numpy())
        t = x.clone().requires_grad_()
        y = A.relu(t)
        _same(y.detach().float().numpy(), want.float().numpy())
        dout = torch.tensor(_x(5000, "float64")[::-1].copy()).to(dtype)
        y.backward(dout)
        expect = Backend.vjp(TB, spec, x, dout, params)
        _same(t.grad.float().numpy(), expect.float().numpy())
        with torch.no_grad():  # a parameter under no_grad: inference
            _same(A.relu(t).float().numpy(), want.float().numpy())


def test_tensorflow_eager_relu_without_tape_matches_the_formula() -> None:
    tf = require("tensorflow")
    from activations.backends.tensorflow.ops import BACKEND as TFB

    spec = CATALOG["relu"]
    params = spec.bind((), {})
    for dtype in (tf.float16, tf.bfloat16, tf.float32, tf.float64):
        x = tf.cast(tf.constant(_x(5000, "float64")), dtype)
        want = Backend.value(TFB, spec, x, params)
        got = A.relu(x)
        assert got.dtype == dtype
        _same(tf.cast(got, tf.float64).numpy(), tf.cast(want, tf.float64).numpy())
        v = A.relu(tf.Variable(x))  # a variable is read, then takes the same kernel
        _same(tf.cast(v, tf.float64).numpy(), tf.cast(want, tf.float64).numpy())
        with tf.GradientTape() as tape:  # under a tape the custom gradient is used
            tape.watch(x)
            y = A.relu(x)
        _same(tf.cast(y, tf.float64).numpy(), tf.cast(want, tf.float64).numpy())
        grad = tape.gradient(y, x)
        expect = Backend.derivative(TFB, spec, x, params)
        _same(tf.cast(grad, tf.float64).numpy(), tf.cast(expect, tf.float64).numpy())
    x = tf.constant(_x(300, "float32"))
    traced = tf.function(lambda: A.relu(x))()  # an eager tensor captured by a graph
    _same(traced.numpy(), Backend.value(TFB, spec, x, params).numpy())
    ints = tf.constant([-2, 0, 3])
    assert A.relu(ints).dtype == tf.int32 and A.relu(ints).numpy().tolist() == [0, 0, 3]


def _declared() -> list[tuple[str, str]]:
    """(backend, activation) for every native kernel a loaded-or-installed backend declares."""
    import importlib.util

    from activations import backends

    pairs = []
    for entry in backends.entries():
        for lib in entry.libraries:
            if lib.from_numpy is None or importlib.util.find_spec(lib.module) is None:
                continue
            pairs += [(lib.name, activation) for activation in backends.get(entry.name).natives]
    return pairs


def test_the_generic_mechanism_serves_only_declared_natives() -> None:
    """A backend's fast() answers for the activations its ``natives`` table names and for no
    other: no activation is recognised by name outside the declaration."""
    from activations import backends

    for entry in backends.entries():
        if entry.name == "keras" or not_installed(entry):
            continue
        backend = backends.get(entry.name)
        assert set(backend.natives) <= set(CATALOG), (entry.name, set(backend.natives))
        fast = getattr(backend, "fast", None)
        if fast is None:
            assert not backend.natives, f"{entry.name}: natives declared but no fast()"
            continue
        if not backend.natives:
            continue  # its fast() is one generic path for every activation (JAX's jit)
        for spec in CATALOG.values():
            served = [fast(spec, k, spec.defaults) for k in ("value", "derivative", "vjp")]
            if spec.name not in backend.natives:
                assert served == [None, None, None], (entry.name, spec.name)
            else:
                assert served[0] is not None, (entry.name, spec.name)


@pytest.mark.parametrize(("backend", "name"), _declared())
def test_every_declared_native_is_the_formula(backend: str, name: str) -> None:
    """Each declared native kernel, through the public call, bit for bit the formula's result
    on the contract's special values (value; derivative and vjp where NumPy serves them)."""
    from activations import backends
    from activations._convert import to_backend, to_numpy

    b = next(backends.get(e.name) for e in backends.entries() for lib in e.libraries
             if lib.name == backend)  # fmt: skip
    spec = CATALOG[name]
    params = spec.bind((), {})
    f = A.get(name)
    for dtype in ("float32", "float64"):
        xa = _x(5000, dtype)
        x = to_backend(xa, backend)
        _same(to_numpy(f(x)), to_numpy(Backend.value(b, spec, x, params)))
        if backend == "numpy":
            g = xa[::-1].copy()
            _same(f.derivative(xa), _generic("derivative", name, xa))
            _same(f.vjp(xa, g), _generic("vjp", name, xa, g))
