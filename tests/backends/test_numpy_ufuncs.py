"""The compiled relu ufuncs (activations/backends/numpy/_ufuncs.c) give the formula's bits.

Each ufunc is compared with the catalog's formula (the generic path, the pure-NumPy
reference) and with the pure NumPy kernels, bit for bit (NaN with NaN for the derivative and
the vjp, whose NaN payload the contract leaves open; relu keeps x's NaN exactly), on every
dtype, on the contract's special values at every SIMD offset and tail, in every layout
(strided, negative strides, transposed, Fortran order, 0-d, empty), in place and into an
``out`` of another layout, and at sizes that take the threads.

Where the extension must be present (CI=true, or ACTIVATIONS_REQUIRE_COMPILED=1 as the tox
environments set) a missing one fails; the tox environment
``numpy-pure`` installs without a compiler and sets ACTIVATIONS_TEST_PURE_NUMPY=1, which
requires the extension to be absent and the pure kernels to be the ones used.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import activations as A
from activations._catalog import CATALOG
from activations.backends._base import Backend
from activations.backends.numpy import kernels as K
from activations.backends.numpy import threads as T
from activations.backends.numpy.ops import BACKEND as NP

PURE = os.environ.get("ACTIVATIONS_TEST_PURE_NUMPY", "") == "1"
CI = os.environ.get("CI", "").lower() in ("true", "1", "yes")
OFF = os.environ.get("ACTIVATIONS_NUMPY_KERNELS", "").strip() == "0"  # turned off at import
# the extension must have been built: in CI, and in the tox environments (which set this)
REQUIRED = CI or os.environ.get("ACTIVATIONS_REQUIRE_COMPILED", "") == "1"
DTYPES = ["float16", "float32", "float64"]
SPEC = CATALOG["relu"]
PARAMS = SPEC.bind((), {})


def _compiled() -> Any:
    """The extension module; skip where it is not expected, fail where it must be there."""
    if PURE:
        pytest.skip("this environment tests the pure-NumPy path (ACTIVATIONS_TEST_PURE_NUMPY=1)")
    try:
        return importlib.import_module("activations.backends.numpy._ufuncs")
    except ImportError:
        if REQUIRED:
            pytest.fail("the C extension activations.backends.numpy._ufuncs was not built")
        pytest.skip("the C extension is not built here (no compiler at install time)")


@pytest.fixture(scope="module")
def U() -> Any:
    return _compiled()


# --- the references ------------------------------------------------------------------------


def _generic(kind: str, x: np.ndarray, *rest: Any) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.asarray(getattr(Backend, kind)(NP, SPEC, x, *rest, PARAMS))


def _same(a: Any, b: Any) -> None:
    """The same bits (dtype, shape, signs of zero and NaN payloads included)."""
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    assert np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes()


def _nan_same(a: Any, b: Any) -> None:
    """The same bits, any NaN matching any NaN."""
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    nan = np.isnan(a)
    np.testing.assert_array_equal(nan, np.isnan(b))
    assert a[~nan].tobytes() == b[~nan].tobytes()


# --- the inputs ----------------------------------------------------------------------------


def _special(dtype: str) -> np.ndarray:
    info = np.finfo(dtype)
    bits = {"float16": np.uint16, "float32": np.uint32, "float64": np.uint64}[dtype]
    width = np.dtype(dtype).itemsize * 8
    quiet = 1 << (info.nmant - 1)
    sign = 1 << (width - 1)
    exp = ((1 << (width - 1 - info.nmant)) - 1) << info.nmant
    nans = np.array(
        [exp | quiet, exp | quiet | 1, exp | 5, sign | exp | quiet, sign | exp | quiet | 3],
        dtype=bits,
    ).view(dtype)  # quiet NaNs of both signs, with payloads, and a signalling one
    values = np.array(
        [-0.0, 0.0, np.inf, -np.inf, -1.0, 1.0, 0.5, -2.5, 3.0, -3.0,
         info.tiny, -info.tiny, info.smallest_subnormal, -info.smallest_subnormal,
         info.max, -info.max, info.eps, -info.eps],
        dtype=dtype,
    )  # fmt: skip
    return np.concatenate([values, nans])


def _x(n: int, dtype: str, seed: int = 0) -> np.ndarray:
    """n values: the special ones, cycled, then random normal ones with specials scattered."""
    rng = np.random.default_rng(seed + n)
    special = _special(dtype)
    x = rng.standard_normal(n).astype(dtype)
    k = min(n, 4 * len(special))
    x[:k] = np.resize(np.roll(special, seed), k)
    if n > 200:
        x[rng.integers(0, n, size=200)] = np.resize(special, 200)
    return x


def _layouts(dtype: str, n: int = 96) -> Iterator[tuple[str, np.ndarray]]:
    base = _x(4 * n, dtype)
    yield "contiguous", base[:n].copy()
    yield "strided", base[::3]
    yield "negative", base[::-1]
    yield "negative-strided", base[-2::-5]
    grid = base.reshape(8, -1)
    yield "transposed", grid.T
    yield "sliced-2d", grid[1::2, ::3]
    yield "fortran", np.asfortranarray(grid)
    yield "3d-noncontiguous", base.reshape(4, 6, -1)[:, ::2, 1:]
    yield "0-d", np.array(base[2])
    yield "0-d-nan", np.array(_special(dtype)[-1])
    yield "empty", base[:0]
    yield "empty-2d", grid[:, :0]


LAYOUTS = [name for name, _ in _layouts("float32")]


def _layout(dtype: str, name: str) -> np.ndarray:
    return dict(_layouts(dtype))[name]


# --- the extension is there, or absent, as this environment says ---------------------------


def test_the_extension_is_where_this_environment_says() -> None:
    A.relu(np.zeros(3))  # the probe
    if PURE:
        try:
            found = importlib.import_module("activations.backends.numpy._ufuncs")
        except ImportError:
            found = None
        assert found is None, (
            f"the C extension is present ({found.__file__}) where the build must have left it "
            "out; an editable install of another environment builds it into the source tree"
        )
        assert not K.COMPILED
        assert all(not table for table in K.RELU.ufuncs.values())
        assert K.RELU.value[np.dtype("float32")].__name__.startswith("relu_max")
        assert np.dtype("float16") not in K.RELU.value
        return
    _compiled()
    if OFF:
        assert not K.COMPILED
        assert all(not table for table in K.RELU.ufuncs.values())
        return
    assert K.COMPILED
    for kind, table in K.RELU.ufuncs.items():
        assert set(table) == {np.dtype(d) for d in DTYPES}, kind
        assert all(
            getattr(K.RELU, kind)[np.dtype(d)].__name__.startswith("compiled_") for d in DTYPES
        )


_KERNELS_IN_A_FRESH_PROCESS = """
import numpy as np, activations as A
from activations.backends.numpy import kernels as K
x = np.array([-0.0, 1.5, np.nan, -2.0], np.float32)
assert A.relu(x).tobytes() == np.array([0.0, 1.5, np.nan, 0.0], np.float32).tobytes()
print(K.TURNED_OFF, K.COMPILED, K.RELU.value[x.dtype].__name__)
"""


@pytest.mark.parametrize("setting", ["0", "1"])
def test_the_environment_variable_turns_the_compiled_kernels_off(setting: str) -> None:
    """Read once, when the library is imported: a fresh process per setting."""
    env = {**os.environ, "ACTIVATIONS_NUMPY_KERNELS": setting}
    run = subprocess.run(
        [sys.executable, "-c", _KERNELS_IN_A_FRESH_PROCESS],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    off, compiled, kernel = run.stdout.split()
    assert off == str(setting == "0")
    if setting == "0" or PURE:
        assert compiled == "False" and not kernel.startswith("compiled_"), run.stdout
    elif REQUIRED:
        assert (compiled, kernel) == ("True", "compiled_relu"), run.stdout


# --- the ufuncs themselves -----------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_float_special_values_every_pair(U: Any, dtype: str) -> None:
    s = _special(dtype)
    x, g = (a.ravel() for a in np.meshgrid(s, s))
    _same(U.relu(x), _generic("value", x))
    _nan_same(U.relu_derivative(x), _generic("derivative", x))
    _nan_same(U.relu_vjp(x, g), _generic("vjp", x, g))


def test_float16_every_bit_pattern(U: Any) -> None:
    x = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16).view(np.float16)
    _same(U.relu(x), _generic("value", x))
    _nan_same(U.relu_derivative(x), _generic("derivative", x))
    for g in (_special("float16"), _x(64, "float16", seed=5)):
        for v in g:
            dout = np.full_like(x, v)
            _nan_same(U.relu_vjp(x, dout), _generic("vjp", x, dout))
    dout = x[np.random.default_rng(1).permutation(x.size)]
    _nan_same(U.relu_vjp(x, dout), _generic("vjp", x, dout))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 63, 64, 65, 100, 257, 4133])
def test_every_offset_and_tail(U: Any, dtype: str, n: int) -> None:
    for shift in range(0, 16, 3):
        x = np.roll(_x(n, dtype), shift)
        g = np.roll(_x(n, dtype, seed=7), -shift)
        _same(U.relu(x), _generic("value", x))
        _nan_same(U.relu_derivative(x), _generic("derivative", x))
        _nan_same(U.relu_vjp(x, g), _generic("vjp", x, g))
        y = x.copy()
        U.relu(y, y)  # in place: the loop reading and writing one pointer
        _same(y, _generic("value", x))
        d = g.copy()
        U.relu_vjp(x, d, d)  # in place over dout
        _nan_same(d, _generic("vjp", x, g))
        y = x.copy()
        U.relu_vjp(y, g, y)  # in place over x
        _nan_same(y, _generic("vjp", x, g))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_layouts(U: Any, dtype: str, layout: str) -> None:
    x = _layout(dtype, layout)
    g = _x(max(x.size, 1), dtype, seed=3)[: x.size].reshape(x.shape)
    _same(U.relu(x), _generic("value", x))
    _nan_same(U.relu_derivative(x), _generic("derivative", x))
    _nan_same(U.relu_vjp(x, g), _generic("vjp", x, g))
    if x.ndim:
        g2 = np.asfortranarray(g) if x.ndim > 1 else g[::-1].copy()[::-1]
        _nan_same(U.relu_vjp(x, g2), _generic("vjp", x, g2))


@pytest.mark.parametrize("dtype", DTYPES)
def test_no_floating_point_warnings(U: Any, dtype: str) -> None:
    x = _special(dtype)
    g = np.full_like(x, np.inf)  # inf * 0: NaN, silently (the contract)
    with np.errstate(all="raise"):
        U.relu(x)
        U.relu_derivative(x)
        U.relu_vjp(x, g)


# --- compiled against pure: the public calls, every path --------------------------------------


def _pure_kernels(dtype: str) -> dict[str, Callable[..., Any]]:
    """The pure NumPy kernels that the compiled ones replace (float32, float64)."""
    value, _ = K._relu_value(False)
    return {"value": value, "derivative": K._relu_d, "vjp": K._relu_vjp}


# every branch: one ufunc call, the compiled kernels' threads (values and derivatives from
# COMPILED_PARALLEL_BYTES, vjps from COMPILED_VJP_PARALLEL_BYTES), the pure kernels' threads
# (from PARALLEL_MIN elements)
SIZES = [0, 1, 16, 1000, 4133, "vjp-1", "vjp+7", "threads-1", "threads+7", T.PARALLEL_MIN + 7]


def _size(n: int | str, dtype: str) -> int:
    if isinstance(n, int):
        return n
    if n.startswith("vjp"):
        return K.COMPILED_VJP_PARALLEL_BYTES // np.dtype(dtype).itemsize + int(n[len("vjp") :])
    return K.COMPILED_PARALLEL_BYTES // np.dtype(dtype).itemsize + int(n[len("threads") :])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_public_calls_match_the_formula(dtype: str, n: int | str) -> None:
    n = _size(n, dtype)
    x = _x(n, dtype)
    g = _x(n, dtype, seed=11)
    before = x.copy()
    want = _generic("value", x)
    _same(A.relu(x), want)
    _nan_same(A.relu.derivative(x), _generic("derivative", x))
    _nan_same(A.relu.vjp(x, g), _generic("vjp", x, g))
    _same(x, before)  # input untouched
    o = np.empty_like(x)
    assert A.relu(x, out=o) is o
    _same(o, want)
    y = x.copy()
    assert A.relu(y, out=y) is y
    _same(y, want)
    if dtype != "float16" and n:
        with np.errstate(all="ignore"):
            pure = _pure_kernels(dtype)
            _same(pure["value"](x), want)
            _nan_same(pure["derivative"](x), A.relu.derivative(x))
            _nan_same(pure["vjp"](x, g), A.relu.vjp(x, g))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_public_calls_in_every_layout(dtype: str, layout: str) -> None:
    x = _layout(dtype, layout)
    g = _x(max(x.size, 1), dtype, seed=3)[: x.size].reshape(x.shape)
    want = _generic("value", x)
    got = A.relu(x)
    assert type(got) is type(NP.finish(want, x))  # 0-d: a NumPy scalar, as before
    _same(got, want)
    _nan_same(A.relu.derivative(x), _generic("derivative", x))
    _nan_same(A.relu.vjp(x, g), _generic("vjp", x, g))
    y = x.copy(order="K")
    assert A.relu(y, out=y) is y
    _same(y, want)
    if x.ndim:
        o = np.empty(x.shape, dtype, order="F" if x.flags.c_contiguous else "C")
        assert A.relu(x, out=o) is o  # out of another layout
        _same(o, want)
        buf = np.empty((2, *x.shape), dtype)[1, ..., ::-1]  # a strided, reversed out
        assert A.relu(x, out=buf) is buf
        _same(buf, want)


@pytest.mark.parametrize("dtype", DTYPES)
def test_large_layouts_take_the_formula(dtype: str) -> None:
    """Large arrays: contiguous ones split between threads, the others one call."""
    n = max(T.PARALLEL_MIN, K.COMPILED_PARALLEL_BYTES // np.dtype(dtype).itemsize // 2) + 13
    base = _x(2 * n, dtype).reshape(2, n)
    g = _x(2 * n, dtype, seed=2).reshape(2, n)
    for x, dout in ((base, g), (base.T, g.T), (base[:, ::2], g[:, ::2]), (base[::-1], g)):
        _same(A.relu(x), _generic("value", x))
        _nan_same(A.relu.derivative(x), _generic("derivative", x))
        _nan_same(A.relu.vjp(x, dout), _generic("vjp", x, dout))
        y = x.copy(order="K")
        A.relu(y, out=y)
        _same(y, _generic("value", x))


def test_out_errors_unchanged() -> None:
    x = _x(16, "float32")
    ro = x.copy()
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        A.relu(ro, out=ro)
    with pytest.raises(TypeError, match="dtype"):
        A.relu(x, out=np.empty(16, "float64"))
    with pytest.raises(ValueError, match="shape"):
        A.relu(x, out=np.empty(15, "float32"))
    with pytest.raises(TypeError, match="NumPy array"):
        A.relu(x, out=[0.0] * 16)


# --- the piecewise-linear family at its default parameters ------------------------------------

FAMILY = ["relu6", "hardtanh", "leaky_relu"]


def _family_generic(name: str, kind: str, x: np.ndarray, *rest: Any) -> np.ndarray:
    spec = CATALOG[name]
    with np.errstate(all="ignore"):
        return np.asarray(getattr(Backend, kind)(NP, spec, x, *rest, spec.bind((), {})))


def _family_x(n: int, dtype: str, seed: int = 0) -> np.ndarray:
    """The special values, the family's kinks (0, +-1, 6) and their neighbours, random ones."""
    with np.errstate(all="ignore"):  # the largest values become inf; sNaN warns
        x = _x(n, dtype, seed) * 4
    kinks = np.array([6.0, -6.0, 1.0, -1.0, 0.0, -0.0], dtype)
    near = np.concatenate(
        [kinks, np.nextafter(kinks, np.inf, dtype=dtype), np.nextafter(kinks, -np.inf, dtype=dtype)]
    )
    k = min(n, len(near))
    x[-k:] = near[:k] if k else x[-k:]
    return x


@pytest.mark.parametrize("name", FAMILY)
@pytest.mark.parametrize("dtype", DTYPES)
def test_family_ufuncs_special_values_every_pair(U: Any, name: str, dtype: str) -> None:
    s = np.concatenate([_special(dtype), _family_x(18, dtype)])
    x, g = (a.ravel() for a in np.meshgrid(s, s))
    _same(getattr(U, name)(x), _family_generic(name, "value", x))
    _nan_same(getattr(U, f"{name}_derivative")(x), _family_generic(name, "derivative", x))
    _nan_same(getattr(U, f"{name}_vjp")(x, g), _family_generic(name, "vjp", x, g))


@pytest.mark.parametrize("name", FAMILY)
def test_family_float16_every_bit_pattern(U: Any, name: str) -> None:
    """float16 computes in float32 and rounds once, as the formula: every input, and every
    input against shuffled cotangents."""
    x = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16).view(np.float16)
    g = x[np.random.default_rng(2).permutation(x.size)]
    _same(getattr(U, name)(x), _family_generic(name, "value", x))
    _nan_same(getattr(U, f"{name}_derivative")(x), _family_generic(name, "derivative", x))
    _nan_same(getattr(U, f"{name}_vjp")(x, g), _family_generic(name, "vjp", x, g))


@pytest.mark.parametrize("dtype", DTYPES)
def test_family_no_floating_point_warnings(dtype: str) -> None:
    """Products that underflow (leaky_relu's x * 0.01 of a tiny x, of either sign) and inf * 0
    stay silent under any error state, as on the pure path."""
    tiny = np.finfo(dtype).smallest_subnormal
    x = np.concatenate([_special(dtype), np.array([tiny, -tiny, 1e-40, -1e-300], dtype)])
    g = np.concatenate([np.full(len(x) - 2, np.inf, dtype), np.array([tiny, -tiny], dtype)])
    for name in FAMILY:
        f = A.get(name)
        with np.errstate(all="raise"):
            f(x), f.derivative(x), f.vjp(x, g), f.vjp(-x, g[::-1].copy())


def test_family_kernels_kept_by_the_probe() -> None:
    for name in FAMILY:
        A.get(name)(np.zeros(3))
    if PURE or OFF:
        assert not K.FAMILY
        return
    _compiled()
    for name in FAMILY:
        for kind, table in K.FAMILY[name].ufuncs.items():
            assert set(table) == {np.dtype(d) for d in DTYPES}, (name, kind)


@pytest.mark.parametrize("name", FAMILY)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [1, 17, 4133, "threads+7"])
def test_family_public_calls_match_the_formula(name: str, dtype: str, n: int | str) -> None:
    n = _size(n, dtype)
    f = A.get(name)
    x = _family_x(n, dtype)
    g = _family_x(n, dtype, seed=4)[::-1].copy()
    want = _family_generic(name, "value", x)
    _same(f(x), want)
    _nan_same(f.derivative(x), _family_generic(name, "derivative", x))
    _nan_same(f.vjp(x, g), _family_generic(name, "vjp", x, g))
    y = x.copy()
    assert f(y, out=y) is y
    _same(y, want)


@pytest.mark.parametrize("name", FAMILY)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_family_public_calls_in_every_layout(name: str, layout: str) -> None:
    f = A.get(name)
    for dtype in ("float32", "float64"):
        with np.errstate(all="ignore"):
            x = _layout(dtype, layout) * 4
        g = _x(max(x.size, 1), dtype, seed=3)[: x.size].reshape(x.shape)
        _same(f(x), _family_generic(name, "value", x))
        _nan_same(f.derivative(x), _family_generic(name, "derivative", x))
        _nan_same(f.vjp(x, g), _family_generic(name, "vjp", x, g))
