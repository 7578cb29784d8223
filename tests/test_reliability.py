"""Bad input, odd layouts, threads and broken installs (issue 8; docs/errors.md).

Every bad input must raise the documented exception type with a message that names the
activation, the argument and what to do, on every installed backend, and leave its inputs
unchanged. The table BAD below is the list that docs/errors.md documents.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _required import REQUIRED, missing

import activations as A
from activations import backends
from activations.backends import BackendUnavailable, Entry, register_backend
from activations.testing import BACKENDS, to_backend

ROOT = Path(__file__).resolve().parent.parent
EAGER = list(BACKENDS)  # every backend with arrays of its own


def _module(backend: str) -> Any:
    import importlib

    try:
        return importlib.import_module(backend)
    except ImportError:
        missing(backend)


def convert(backend: str, a: np.ndarray) -> Any:
    """A NumPy array as an array of ``backend`` (PyTensor: a symbolic constant)."""
    _module(backend)
    return to_backend(a, backend)


def snapshot(v: Any) -> Any:
    """A host copy of an eager array (None for symbolic ones) to prove it unchanged."""
    if hasattr(v, "detach"):
        return v.detach().numpy().copy()
    if hasattr(v, "numpy") and callable(v.numpy):
        return np.array(v.numpy())
    if type(v).__module__.startswith(("jax", "jaxlib")):
        return np.array(v)
    if isinstance(v, np.ndarray):
        return v.copy()
    if type(v).__module__.startswith("array_api_strict"):
        return np.from_dlpack(v).copy()
    if type(v).__module__.startswith("dask"):
        return v.compute()
    return None


F32 = np.array([-2.0, -0.0, 0.5, 3.0], np.float32)

# (what, make the call from a converter, exception type, message pattern)
BAD: list[tuple[str, Callable[[Callable[[np.ndarray], Any]], Any], type, str]] = [
    ("complex x", lambda c: A.relu(c(F32.astype(np.complex64))), TypeError,
     r"relu\(\) got complex input .*Cast x to a floating dtype"),
    ("bool x", lambda c: A.relu(c(F32 > 0)), TypeError, r"relu\(\) got bool input"),
    ("integer x, smooth activation", lambda c: A.gelu(c(np.arange(4, dtype=np.int32))),
     TypeError, r"gelu\(\) does not accept integer input .*Cast x to a floating dtype"),
    ("NaN parameter", lambda c: A.leaky_relu(c(F32), float("nan")), ValueError,
     r"leaky_relu\(\): negative_slope must be finite"),
    ("infinite parameter", lambda c: A.elu(c(F32), alpha=float("inf")), ValueError,
     r"elu\(\): alpha must be finite"),
    ("negative alpha (celu)", lambda c: A.celu(c(F32), -1.0), ValueError,
     r"celu\(\): alpha must be > 0"),
    ("zero beta (softplus)", lambda c: A.softplus(c(F32), beta=0.0), ValueError,
     r"softplus\(\): beta must be > 0"),
    ("string parameter", lambda c: A.leaky_relu(c(F32), "0.1"), TypeError,
     r"leaky_relu\(\): negative_slope must be a real number or an array, got str"),
    ("bounds in the wrong order", lambda c: A.hardtanh(c(F32), 1.0, -1.0), ValueError,
     r"hardtanh\(\): min_val .* must be < max_val"),
    ("max_value below threshold", lambda c: A.relu(c(F32), max_value=-1.0), ValueError,
     r"relu\(\): max_value .* must be >= threshold"),
    ("unknown gelu mode", lambda c: A.gelu(c(F32), approximate="fast"), ValueError,
     r"gelu\(\): approximate must be"),
    ("unknown keyword", lambda c: A.relu(c(F32), slope=0.1), TypeError,
     r"relu\(\) got an unexpected keyword argument 'slope'; its parameters are"),
    ("too many parameters", lambda c: A.leaky_relu(c(F32), 0.1, 0.2), TypeError,
     r"leaky_relu\(\) takes at most 1 parameter"),
    ("missing parameter", lambda c: A.threshold(c(F32)), TypeError,
     r"threshold\(\) missing required argument 'threshold'"),
    ("prelu weight that does not broadcast", lambda c: A.prelu(c(np.ones((2, 3), np.float32)),
     c(np.ones(4, np.float32))), ValueError, r"prelu\(\): weight of shape .* does not broadcast"),
    ("prelu weight None", lambda c: A.prelu(c(F32), None), TypeError,
     r"prelu\(\): weight must be an array or a number, got None"),
    ("vjp dout of another shape", lambda c: A.relu.vjp(c(F32), c(np.ones(3, np.float32))),
     ValueError, r"relu.vjp\(\): dout has shape"),
    ("vjp dout that is a bool", lambda c: A.gelu.vjp(c(F32), True), TypeError,
     r"gelu.vjp\(\): dout must be an array or a real number, got bool True"),
    ("vjp dout that is not an array", lambda c: A.relu.vjp(c(F32), "1"), TypeError,
     r"relu.vjp\(\): dout must be an array or a real number, got str"),
]  # fmt: skip

BAD_X = [None, "abc", {"a": 1}, object()]


@pytest.mark.parametrize("backend", EAGER)
@pytest.mark.parametrize("case", BAD, ids=[b[0] for b in BAD])
def test_bad_input_raises_the_documented_error(backend: str, case: tuple[Any, ...]) -> None:
    _, call, exc_type, pattern = case
    made: list[Any] = []

    def c(a: np.ndarray) -> Any:
        v = convert(backend, a)
        made.append((v, snapshot(v)))
        return v

    with pytest.raises(exc_type, match=pattern):
        call(c)
    for v, before in made:
        if before is not None:
            np.testing.assert_array_equal(snapshot(v), before)


@pytest.mark.parametrize("x", BAD_X, ids=lambda v: type(v).__name__)
@pytest.mark.parametrize("name", ["relu", "gelu", "prelu"])
def test_non_arrays_name_the_argument_and_the_supported_types(x: Any, name: str) -> None:
    f = A.get(name)
    args = (0.25,) if name == "prelu" else ()
    with pytest.raises(TypeError, match=rf"{name}\(\): x must be an array or a real number, got "
                       rf"{type(x).__name__}.*supported: .*numpy"):  # fmt: skip
        f(x, *args)
    with pytest.raises(TypeError, match=rf"{name}\(\): x must be an array"):
        f.derivative(x, *args)


def test_object_arrays_and_strings_in_lists_are_refused() -> None:
    with pytest.raises(TypeError, match=r"relu\(\) got unsupported input \(dtype object\)"):
        A.relu(np.array([1.0, None], dtype=object))
    with pytest.raises(TypeError, match="unsupported input"):
        A.relu(["a", "b"])


def test_unknown_names_suggest_the_closest() -> None:
    with pytest.raises(ValueError, match=r"unknown activation 'rleu'; did you mean 'relu'"):
        A.get("rleu")


@pytest.mark.parametrize("other", ["torch", "tensorflow", "jax"])
def test_two_frameworks_in_one_call(other: str) -> None:
    w = convert(other, np.array([0.1], np.float32))
    with pytest.raises(TypeError, match="arrays of two frameworks in one call"):
        A.prelu(F32.copy(), w)
    with pytest.raises(TypeError, match="arrays of two frameworks in one call"):
        A.relu.vjp(F32.copy(), w)


# --- out= ------------------------------------------------------------------------------------


def _strided_zero(n: int) -> np.ndarray:
    return np.lib.stride_tricks.as_strided(np.zeros(1), (n,), (0,))


OUT_BAD = [
    ("wrong shape", lambda x: np.empty(5), ValueError, r"out has shape \(5,\), x has shape"),
    ("wrong dtype", lambda x: np.empty(4, np.float32), TypeError, r"out has dtype float32"),
    ("read-only", lambda x: np.frombuffer(bytes(32)), ValueError, r"out is read-only"),
    ("a list", lambda x: [0.0] * 4, TypeError, r"out must be a NumPy array, got list"),
    ("broadcast view", lambda x: _strided_zero(4), ValueError, r"out is a broadcast view"),
]


@pytest.mark.parametrize("name", ["relu", "gelu", "leaky_relu"])
@pytest.mark.parametrize("case", OUT_BAD, ids=[c[0] for c in OUT_BAD])
def test_bad_out_is_refused_and_nothing_is_written(name: str, case: tuple[Any, ...]) -> None:
    _, make, exc_type, pattern = case
    x = np.array([-2.0, -0.0, 0.5, 3.0])
    before = x.copy()
    out = make(x)
    out_before = np.array(out, copy=True)
    with pytest.raises(exc_type, match=pattern):
        A.get(name)(x, out=out)
    np.testing.assert_array_equal(x, before)
    np.testing.assert_array_equal(np.asarray(out), out_before)


@pytest.mark.parametrize("name", ["relu", "gelu"])
def test_out_partially_overlapping_x_is_refused(name: str) -> None:
    a = np.arange(-4.0, 4.0)
    before = a.copy()
    with pytest.raises(ValueError, match=r"out overlaps x without being x"):
        A.get(name)(a[:7], out=a[1:])
    np.testing.assert_array_equal(a, before)
    # disjoint interleaved views share a buffer but no element: allowed
    A.get(name)(a[::2], out=a[1::2])
    np.testing.assert_array_equal(a[1::2], A.get(name)(before[::2]))


@pytest.mark.parametrize("size", [4, 5000, 300_000, 1_000_000])
@pytest.mark.parametrize("name", ["relu", "gelu"])
def test_in_place_on_a_read_only_array_is_refused(name: str, size: int) -> None:
    """out=x on a read-only x, at every size the relu fast path treats differently."""
    x = np.linspace(-1, 1, size)
    x.flags.writeable = False
    before = x.copy()
    with pytest.raises(ValueError, match=rf"{name}\(\): out is read-only"):
        A.get(name)(x, out=x)
    np.testing.assert_array_equal(x, before)


def test_out_that_is_a_numpy_scalar_is_refused() -> None:
    x = np.float64(-1.0)
    with pytest.raises(TypeError, match=r"relu\(\): out must be a NumPy array, got float64"):
        A.relu(x, out=x)
    with pytest.raises(TypeError, match=r"relu\(\): out must be a NumPy array, got float64"):
        A.relu(np.ones(3), out=np.float64(0.0))


def test_out_in_place_and_out_for_other_backends() -> None:
    x = np.array([-1.0, 2.0])
    assert A.relu(x, out=x) is x
    np.testing.assert_array_equal(x, [0.0, 2.0])
    if "torch" in REQUIRED or _has("torch"):
        import torch

        with pytest.raises(TypeError, match=r"out= is supported for NumPy arrays only"):
            A.relu(torch.ones(2), out=torch.ones(2))


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


# --- layouts ---------------------------------------------------------------------------------


def _layouts() -> list[tuple[str, np.ndarray]]:
    rng = np.random.default_rng(7)
    base = rng.standard_normal((6, 10))
    base[0, :4] = [np.nan, -0.0, np.inf, -np.inf]
    return [
        ("0-d", np.array(-1.5)),
        ("empty", np.empty((0, 3))),
        ("contiguous", base.copy()),
        ("non-contiguous", base[:, ::3]),
        ("fortran", np.asfortranarray(base)),
        ("negative strides", base[::-1, ::-2]),
        ("transposed", base.T),
        ("broadcast view", np.broadcast_to(base[0], (5, 10))),
    ]


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "gelu", "hardswish", "elu"])
@pytest.mark.parametrize("layout", _layouts(), ids=[lay[0] for lay in _layouts()])
def test_layouts_give_the_contiguous_result_and_leave_x_alone(
    name: str, layout: tuple[str, np.ndarray]
) -> None:
    _, a = layout
    f = A.get(name)
    want_y = f(np.ascontiguousarray(a))
    want_d = f.derivative(np.ascontiguousarray(a))
    flags = _flags(a)
    before = np.array(a, copy=True)
    y, d = f(a), f.derivative(a)
    np.testing.assert_array_equal(y, want_y)
    np.testing.assert_array_equal(d, want_d)
    np.testing.assert_array_equal(np.signbit(y), np.signbit(want_y))
    assert _flags(a) == flags
    np.testing.assert_array_equal(a, before)
    if a.ndim:
        o = np.empty_like(a)
        f(a, out=o)
        np.testing.assert_array_equal(o, want_y)


@pytest.mark.parametrize("name", ["relu", "gelu", "elu"])
def test_torch_strided_views(name: str) -> None:
    torch = _module("torch")
    base = torch.linspace(-4, 4, 60, dtype=torch.float64).reshape(6, 10)
    f = A.get(name)
    for view in (base[:, ::3], base.T, base[0].expand(5, 10), base.flip(0)):
        before = view.clone()
        y = f(view)
        np.testing.assert_array_equal(y.numpy(), f(view.contiguous()).numpy())
        assert torch.equal(view, before)
        t = view.detach().clone().requires_grad_()
        f(t).sum().backward()
        np.testing.assert_array_equal(t.grad.numpy(), f.derivative(view.contiguous()).numpy())


def _flags(a: np.ndarray) -> dict[str, bool]:
    names = ("C_CONTIGUOUS", "F_CONTIGUOUS", "OWNDATA", "WRITEABLE", "ALIGNED")
    return {n: bool(a.flags[n]) for n in names}


def _host(v: Any) -> Any:
    if hasattr(v, "detach"):
        return v.detach().numpy()
    if hasattr(v, "numpy") and callable(v.numpy):
        return v.numpy()
    return np.asarray(v)


def test_huge_float16_arrays() -> None:
    x = np.random.default_rng(3).standard_normal(2**24 + 3).astype(np.float16)
    x[:3] = [np.nan, -0.0, np.inf]
    y = A.gelu(x)
    assert y.dtype == np.float16 and y.shape == x.shape
    sample = slice(0, 2**24 + 3, 4099)
    np.testing.assert_array_equal(y[sample], A.gelu(x[sample]))
    r = A.relu(x)
    np.testing.assert_array_equal(r, np.where(x <= 0, np.float16(0), x))


# --- threads ---------------------------------------------------------------------------------

THREADS_SCRIPT = """
import sys, threading
import numpy as np
names = sys.argv[1].split(",")
convert = {}
for n in names:
    if n == "numpy":
        convert[n] = lambda a: a
    elif n == "torch":
        import torch; convert[n] = lambda a: torch.from_numpy(a.copy())
    elif n == "tensorflow":
        import tensorflow as tf; convert[n] = tf.constant
    elif n == "jax":
        import jax.numpy as jnp; convert[n] = jnp.asarray
import activations as A   # after the frameworks: every first call happens in the threads
a = np.linspace(-4, 4, 1001, dtype=np.float32); a[:3] = [np.nan, -0.0, np.inf]
acts = ["relu", "gelu", "leaky_relu", "silu", "hardswish", "elu"]
barrier = threading.Barrier(4 * len(names))
results, errors = {}, []
def work(n, k):
    try:
        x = convert[n](a)
        barrier.wait()
        for name in acts[k:] + acts[:k]:
            f = A.get(name)
            results[(n, k, name)] = (np.asarray(f(x)), np.asarray(f.derivative(x)))
    except BaseException as e:
        errors.append(f"{n}: {type(e).__name__}: {e}")
ts = [threading.Thread(target=work, args=(n, k)) for n in names for k in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]
assert not errors, errors
for (n, k, name), (y, d) in results.items():
    f, x = A.get(name), convert[n](a)
    y1, d1 = np.asarray(f(x)), np.asarray(f.derivative(x))
    assert y.tobytes() == y1.tobytes() and d.tobytes() == d1.tobytes(), (n, name)
print("ok", len(results))
"""


def test_first_calls_from_many_threads_at_once() -> None:
    names = [n for n in ("numpy", "torch", "tensorflow", "jax") if n in REQUIRED or _has(n)]
    out = subprocess.run(
        [sys.executable, "-c", THREADS_SCRIPT, ",".join(names)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert out.returncode == 0, out.stdout + out.stderr[-3000:]
    assert out.stdout.split()[-2:] == ["ok", str(4 * len(names) * 6)]


def test_large_arrays_from_many_threads() -> None:
    """Threads of the caller's own pool each using the library's threaded kernels."""
    from concurrent.futures import ThreadPoolExecutor

    x = np.random.default_rng(0).standard_normal(1 << 20)
    want = [A.relu(x), A.gelu(x), A.relu.derivative(x)]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda _: [A.relu(x), A.gelu(x), A.relu.derivative(x)], range(8)))
    for g in got:
        for a, b in zip(g, want, strict=True):
            np.testing.assert_array_equal(a, b)


# --- broken installs -------------------------------------------------------------------------


class _BrokenArray:
    pass


def test_a_backend_that_fails_to_load_is_reported_and_others_keep_working() -> None:
    def load() -> Any:
        raise ImportError("libbroken.so: cannot open shared object file")

    register_backend(Entry("broken", owns=lambda cls: cls is _BrokenArray, load=load))
    try:
        with pytest.raises(BackendUnavailable, match=r"the broken backend could not be loaded "
                           r"\(ImportError: libbroken.so"):  # fmt: skip
            A.relu(_BrokenArray())
        np.testing.assert_array_equal(A.relu(np.array([-1.0, 1.0])), [0.0, 1.0])
        from activations import backends

        assert "broken" in backends.failures()
    finally:
        from activations import _dispatch, backends

        backends._entries[:] = [e for e in backends._entries if e.name != "broken"]
        backends._failed.pop("broken", None)
        _dispatch.clear_cache()


def test_info_shows_a_framework_that_fails_to_import(tmp_path: Path) -> None:
    if not _has("jax"):
        missing("jax")
    fake = tmp_path / "jax"
    fake.mkdir()
    (fake / "__init__.py").write_text('raise ImportError("libjax.so: cannot open shared object")')
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    out = subprocess.run(
        [sys.executable, "-m", "activations", "info"],
        capture_output=True, text=True, timeout=600, env=env,
    )  # fmt: skip
    assert out.returncode == 1
    assert re.search(r"^ +jax +BROKEN \(ImportError: libjax\.so", out.stdout, re.M), out.stdout
    assert re.search(r"^ +numpy +available", out.stdout, re.M), out.stdout
    code = "import numpy as np, activations as A; print(A.gelu(np.array([1.0]))[0])"
    ok = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                        text=True, env=env, timeout=300)  # fmt: skip
    assert ok.returncode == 0 and ok.stdout.startswith("0.84"), ok.stderr


# --- property-based: any activation, parameters, dtype, values and layout, every backend -----

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from activations import _conformance as conf  # noqa: E402
from activations import _reference as ref  # noqa: E402
from activations._catalog import CATALOG  # noqa: E402

_HARNESS: dict[str, Any] = {}


def _harness(backend: str) -> Any:
    if backend not in _HARNESS:
        hs = conf.harnesses([backend])
        if not hs:
            missing(backend)
        _HARNESS[backend] = hs[0]
    return _HARNESS[backend]


_VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-10, 10),
    st.sampled_from([0.0, -0.0, 1e-40, -1e-40, 6.0, -3.0, 3.0, 1.0, -1.0]),
)


@pytest.mark.parametrize("backend", conf.all_backends())
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_property_any_call_matches_the_reference(backend: str, data: Any) -> None:
    h = _harness(backend)
    name = data.draw(st.sampled_from(sorted(CATALOG)), label="activation")
    spec = CATALOG[name]
    kwargs = data.draw(st.sampled_from(conf.param_sets(spec)), label="parameters")
    dtype = data.draw(st.sampled_from(backends.library(backend).dtypes), label="dtype")
    raw = data.draw(st.lists(_VALUES, min_size=1, max_size=12), label="x")
    xs = conf.representable(raw, dtype)
    rounded = conf._rounded_params(spec, kwargs, dtype)
    vals = [ref.value(name, float(x), rounded, dtype) for x in xs]
    ders = [ref.derivative(name, float(x), rounded, dtype) for x in xs]
    f = A.get(name)
    x = h.make(xs, dtype)
    y, d = h.to_numpy(h.value(f, x, kwargs)), h.to_numpy(h.grad(f, x, kwargs))
    vb, db = conf.bounds(spec, dtype)
    flush_v = flush_d = None
    if h.flushes_subnormals:
        flush_v = lambda z: ref.value(name, z, rounded, dtype)
        flush_d = lambda z: ref.derivative(name, z, rounded, dtype)
    _, fv = conf.compare(dtype, xs, y, vals, conf.VALUE_FLOOR, vb, "f", True, flush_v)
    _, fd = conf.compare(dtype, xs, d, ders, conf.DERIVATIVE_FLOOR, db, "f'", False, flush_d)
    assert not fv + fd, f"{backend} {name} {kwargs} {dtype}: {fv + fd}"


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_property_numpy_layouts_and_out(data: Any) -> None:
    name = data.draw(st.sampled_from(sorted(n for n in CATALOG if n != "prelu")))
    spec = CATALOG[name]
    kwargs = data.draw(st.sampled_from(conf.param_sets(spec)))
    dtype = data.draw(st.sampled_from(["float16", "float32", "float64"]))
    rows, cols = data.draw(st.integers(1, 6)), data.draw(st.integers(1, 6))
    raw = data.draw(st.lists(_VALUES, min_size=rows * cols, max_size=rows * cols))
    with np.errstate(over="ignore"):
        base = np.array(raw).astype(dtype).reshape(rows, cols)
    layout = data.draw(st.sampled_from(["C", "F", "T", "step", "reverse"]))
    a = {
        "C": base,
        "F": np.asfortranarray(base),
        "T": base.T,
        "step": np.repeat(base, 2, axis=1)[:, ::2],
        "reverse": base[::-1, ::-1],
    }[layout]
    f = A.get(name)
    before = a.copy()
    want = f(np.ascontiguousarray(a), **kwargs)
    got = f(a, **kwargs)
    assert got.tobytes() == np.ascontiguousarray(want).tobytes()
    out = np.empty_like(a)
    assert f(a, out=out, **kwargs) is out
    assert np.ascontiguousarray(out).tobytes() == np.ascontiguousarray(want).tobytes()
    assert np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(before).tobytes()


def test_docs_errors_lists_every_bad_input_tried_here() -> None:
    text = (ROOT / "docs" / "errors.md").read_text()
    for what, *_ in BAD:
        assert f"| {what} |" in text, f"docs/errors.md does not document: {what}"
    for what, *_ in OUT_BAD:
        assert f"| {what} |" in text, f"docs/errors.md does not document out= {what}"
