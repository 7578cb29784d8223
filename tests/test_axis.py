"""softmax and log_softmax along an axis: values against the definition in exact arithmetic,
every backend against it, the autograd of every framework against the closed-form vjp and
Jacobian, dtypes, masks and errors.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import pytest
from _required import harness, require

import activations as A
from activations import _conformance as conf

FUNCTIONS = [A.softmax, A.log_softmax]
IDS = ["softmax", "log_softmax"]


def _exact(name: str, row: np.ndarray) -> np.ndarray:
    """The definition along a 1-D row, rounded once to float64; 2400 bits hold 1 + exp(-1600)
    (log_softmax at a maximum is -log(1 + tiny))."""
    with mpmath.workprec(2400):
        e = [mpmath.exp(mpmath.mpf(float(v))) for v in row]
        s = mpmath.fsum(e)
        out = [t / s for t in e] if name == "softmax" else [mpmath.log(t / s) for t in e]
        return np.array([float(v) for v in out])


def _reference(name: str, x: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.apply_along_axis(lambda r: _exact(name, r), axis, x.astype(np.float64))


RNG = np.random.default_rng(7)
X = np.concatenate([RNG.normal(0, 3, (6, 9)), RNG.uniform(-80, 80, (2, 9))])
X[0, :3] = [700.0, 700.0, -700.0]  # exp overflows without the maximum subtracted


@pytest.mark.parametrize("f", FUNCTIONS, ids=IDS)
@pytest.mark.parametrize("axis", [-1, 0])
def test_numpy_is_the_definition_correctly_rounded(f: Any, axis: int) -> None:
    want = _reference(f.__name__, X, axis)
    got64 = f(X, axis=axis)
    ulps = np.abs(got64 - want) / np.spacing(np.abs(want))
    # float64: x - max(x) rounds, and exp turns its absolute error into a relative one (of
    # every term of the sum: the largest shift of the slice bounds it)
    shift = np.abs(X - X.max(axis=axis, keepdims=True)).max(axis=axis, keepdims=True)
    assert (ulps <= 4 * (1 + shift)).all(), (ulps / (1 + shift)).max()
    x32 = X.astype(np.float32)
    got32 = f(x32, axis)
    assert got32.dtype == np.float32
    # computed in float64, rounded once: the float32 rounding of the exact value but for ties
    want32 = _reference(f.__name__, x32, axis).astype(np.float32)
    assert np.mean(got32 == want32) > 0.99
    np.testing.assert_array_max_ulp(got32, want32, maxulp=1)


@pytest.mark.parametrize("backend", conf.all_backends())
@pytest.mark.parametrize("f", FUNCTIONS, ids=IDS)
def test_every_backend_gives_the_numbers_and_gradients(f: Any, backend: str) -> None:
    h: Any = harness(backend)
    x = np.concatenate([X[1], X[6], [-np.inf, 0.0]])  # the harnesses take 1-D input
    w = np.linspace(-2.0, 3.0, x.size)

    def weighted(t: Any) -> Any:  # sum(w * f(x)) has a gradient that is not trivial
        return f(t) * h.make(w, dtype)

    weighted.__name__ = f"{f.__name__}_weighted"
    for dtype in ("float32", "float64"):
        if dtype not in h.dtypes:
            continue
        xb = h.make(x, dtype)
        want = f(x.astype(dtype))
        if h.flushes_subnormals:
            want = np.where(np.abs(want) < np.finfo(dtype).tiny, 0.0, want).astype(dtype)
        got = h.to_numpy(h.value(f, xb, {})).astype(dtype)
        finite = np.isfinite(want)
        # float32: computed in float64 and rounded once on every backend; float64: the
        # frameworks' exp and log differ in the last bits
        ulps = 0 if dtype == "float32" else 4
        np.testing.assert_array_max_ulp(got[finite], want[finite], max(ulps, 1))
        if dtype == "float32":
            np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(got[~finite], want[~finite])
        closed = f.vjp(x.astype(dtype), w.astype(dtype))
        if not h.autograd:
            grad = h.to_numpy(f.vjp(xb, h.make(w, dtype)))
        else:
            grad = h.to_numpy(h.grad(lambda t, **kw: weighted(t), xb, {}))
        np.testing.assert_allclose(
            grad,
            closed,
            rtol=2e-6 if dtype == "float32" else 1e-12,
            atol=1e-7 if dtype == "float32" else 1e-15,
        )


@pytest.mark.parametrize("f", FUNCTIONS, ids=IDS)
def test_vjp_and_derivative_are_the_jacobian(f: Any) -> None:
    x = X[:3, :5]
    jac = f.derivative(x)  # (3, 5, 5): d f_i / d x_j of each row
    assert jac.shape == (3, 5, 5)
    h = 1e-6
    for j in range(5):
        e = np.zeros(5)
        e[j] = h
        numeric = (f(x + e) - f(x - e)) / (2 * h)
        np.testing.assert_allclose(jac[:, :, j], numeric, atol=1e-6)
    g = RNG.normal(size=x.shape)
    np.testing.assert_allclose(f.vjp(x, g), np.einsum("ri,rij->rj", g, jac), atol=1e-12)
    # along axis 0: the axis moves last
    jac0 = f.derivative(x, axis=0)
    assert jac0.shape == (5, 3, 3)
    np.testing.assert_allclose(jac0[1], f.derivative(x[:, 1]), atol=1e-15)


def test_softmax_sums_to_one_and_masks_with_minus_inf() -> None:
    x = np.array([[1.0, -np.inf, 3.0], [-np.inf, -np.inf, -np.inf], [np.nan, 1.0, 2.0]])
    y = A.softmax(x)
    np.testing.assert_allclose(y[0].sum(), 1.0)
    assert y[0, 1] == 0.0
    assert np.isnan(y[1]).all() and np.isnan(y[2]).all()
    ly = A.log_softmax(x)
    assert ly[0, 1] == -np.inf and np.isnan(ly[1]).all()
    assert np.isnan(A.softmax(np.array([np.inf, 1.0]))).all()


def test_large_and_tiny_inputs_do_not_overflow() -> None:
    y = A.softmax(np.array([1e308, 1e308, 0.0]))
    np.testing.assert_array_equal(y, [0.5, 0.5, 0.0])
    ly = A.log_softmax(np.array([0.0, -2000.0], dtype=np.float32))
    assert ly.dtype == np.float32 and ly[1] == np.float32(-2000.0)


@pytest.mark.parametrize("f", FUNCTIONS, ids=IDS)
def test_axis_tuple_and_dtypes(f: Any) -> None:
    x = X[:4, :6].reshape(2, 2, 6)
    y = f(x, axis=(0, 2))
    if f is A.softmax:
        np.testing.assert_allclose(y.sum(axis=(0, 2)), 1.0)
    flat = f(np.moveaxis(x, 1, 0).reshape(2, -1), axis=-1).reshape(2, 2, 6)
    np.testing.assert_allclose(y, np.moveaxis(flat, 0, 1), rtol=1e-15)
    for dtype in ("float16", "float32", "float64"):
        assert f(x.astype(dtype)).dtype == np.dtype(dtype)
    assert f([1.0, 2.0]).dtype == np.float64  # lists are NumPy arrays, as everywhere
    assert f(x, 1).shape == x.shape


def test_vjp_dtype_is_the_promotion_and_a_number_broadcasts() -> None:
    x = np.array([0.5, 1.0, 2.0], dtype=np.float32)
    assert A.softmax.vjp(x, np.ones(3)).dtype == np.float64
    assert A.softmax.vjp(x, 1.0).dtype == np.float32
    np.testing.assert_allclose(A.log_softmax.vjp(x, 1.0), 1 - 3 * A.softmax(x), rtol=1e-6)


@pytest.mark.parametrize("f", FUNCTIONS, ids=IDS)
def test_bad_input_is_refused_with_the_functions_name(f: Any) -> None:
    name = f.__name__
    x = np.array([1.0, 2.0])
    before = x.copy()
    cases: list[tuple[Callable[[], Any], type, str]] = [
        (lambda: f(np.array([1, 2])), TypeError, "float64 input, got dtype int64"),
        (lambda: f([1, 2]), TypeError, "float64 input, got dtype int64"),
        (lambda: f(np.array([True])), TypeError, "dtype bool"),
        (lambda: f(np.ones(2, np.longdouble)), TypeError, "got dtype float128"),
        (lambda: f(1.0), ValueError, "x is 0-d"),
        (lambda: f(x, -1, 0.5), TypeError, r"takes at most 2 arguments \(x, axis\), got 3"),
        (lambda: f(x, ()), TypeError, "an empty tuple names no axis"),
        (lambda: f(x, axis=1), ValueError, "axis 1 is out of range for x with 1 axes"),
        (lambda: f(x, axis=(0, -1)), ValueError, "names an axis twice"),
        (lambda: f(np.float64(1.0)), ValueError, "x is 0-d"),
        (lambda: f(x, axis=0.5), TypeError, "axis must be an int or a tuple of ints"),
        (lambda: f(x, dim=0), TypeError, "the axis is called axis"),
        (lambda: f("ab"), TypeError, "x must be an array"),
        (lambda: f.vjp(x, np.ones(3)), ValueError, "dout has shape"),
        (lambda: f.vjp(x, True), TypeError, "dout must be an array or a real number"),
        (lambda: f.derivative(np.ones((2, 2)), axis=(0, 1)), TypeError, "one int"),
    ]
    for call, exc, message in cases:
        with pytest.raises(exc, match=rf"{name}.*{message}"):
            call()
    np.testing.assert_array_equal(x, before)


def test_get_points_to_the_axis_functions_and_objects_pickle() -> None:
    with pytest.raises(ValueError, match=r"softmax normalises along an axis.*activations\.softmax"):
        A.get("softmax")
    assert pickle.loads(pickle.dumps(A.softmax)) is A.softmax
    assert pickle.loads(pickle.dumps(A.log_softmax)) is A.log_softmax
    assert "softmax" in A.__all__ and "log_softmax" in A.__all__
    assert A.softmax.__doc__ is not None and "Jacobian" in A.softmax.__doc__


def test_docstring_example_is_the_output() -> None:
    for f in FUNCTIONS:
        doc = f.__doc__ or ""
        shown = doc.split(">>> activations.")[1].split("\n", 1)[1].strip()
        got = repr(f(np.array([[0.0, 1.0], [2.0, 2.0]])))
        assert got == shown, got


# --- autograd, compilers and exporters -------------------------------------------------------


def test_torch_autograd_forward_mode_compile_export_and_modules() -> None:
    torch = require("torch")
    import torch.autograd.forward_ad as fwd

    import activations.torch as AT

    x = torch.tensor(X[:3, :5], dtype=torch.float32)
    w = torch.tensor(RNG.normal(size=(3, 5)), dtype=torch.float32)
    t = torch.tensor(RNG.normal(size=(3, 5)), dtype=torch.float32)
    for f in FUNCTIONS:
        xr = x.clone().requires_grad_(True)
        (g,) = torch.autograd.grad((f(xr) * w).sum(), xr, create_graph=True)
        assert torch.equal(g, f.vjp(x, w))
        (gg,) = torch.autograd.grad(g.sum(), xr)  # double backward runs
        assert torch.isfinite(gg).all()
        with fwd.dual_level():
            tangent = fwd.unpack_dual(f(fwd.make_dual(x, t))).tangent
        jac = f.derivative(x.double())
        want = torch.einsum("rij,rj->ri", jac, t.double()).float()
        torch.testing.assert_close(tangent, want, rtol=1e-5, atol=1e-6)
        compiled = torch.compile(lambda v, f=f: f(v, 0), fullgraph=True)
        assert torch.equal(compiled(x), f(x, 0))
        module = AT.Softmax(dim=0) if f is A.softmax else AT.LogSoftmax(dim=0)
        exported = torch.export.export(module, (x,))
        assert torch.equal(exported.module()(x), f(x, 0))
        assert torch.equal(AT.module(f.__name__, 1)(x), f(x, 1))
    assert repr(AT.Softmax(dim=1)) == "Softmax(dim=1)"
    with pytest.raises(TypeError, match="dim must be an int"):
        AT.Softmax(dim=None)  # type: ignore[arg-type]


def test_jax_grad_jit_vmap_and_hessian_with_x64_off() -> None:
    jax = require("jax")
    import jax.numpy as jnp

    x = jnp.asarray(X[:3, :5], dtype=jnp.float32)
    w = jnp.asarray(RNG.normal(size=(3, 5)), dtype=jnp.float32)
    for f in FUNCTIONS:
        want = f(np.asarray(x))
        np.testing.assert_array_equal(np.asarray(jax.jit(f)(x)), want)  # float64 inside
        np.testing.assert_array_equal(np.asarray(jax.vmap(f)(x)), want)

        def loss(v: Any, f: Any = f) -> Any:
            return (f(v) * w).sum()

        np.testing.assert_array_equal(
            np.asarray(jax.jit(jax.grad(loss))(x)), f.vjp(np.asarray(x), np.asarray(w))
        )
        hess = jax.hessian(lambda v, f=f: (f(v) * w[0]).sum())(x[0])
        assert hess.shape == (5, 5) and bool(jnp.isfinite(hess).all())
        jac = jax.jacfwd(f)(x[0])
        np.testing.assert_allclose(jac, f.derivative(np.asarray(x[0])), atol=1e-7)


def test_tensorflow_function_tape_and_dtype() -> None:
    tf = require("tensorflow")
    x = tf.constant(X[:3, :5], dtype=tf.float32)
    w = tf.constant(RNG.normal(size=(3, 5)), dtype=tf.float32)
    for f in FUNCTIONS:
        graph = tf.function(lambda v, f=f: f(v, axis=0))
        np.testing.assert_array_equal(graph(x).numpy(), f(X[:3, :5].astype(np.float32), 0))
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        g = tape.gradient(y, x, output_gradients=w)
        np.testing.assert_array_equal(g.numpy(), f.vjp(x, w).numpy())
        assert g.dtype == tf.float32


def test_pytensor_graph_and_gradient() -> None:
    require("pytensor")
    import pytensor
    import pytensor.tensor as pt

    v = pt.matrix("v", dtype="float32")
    x = X[:3, :5].astype(np.float32)
    w = RNG.normal(size=(3, 5)).astype(np.float32)
    for f in FUNCTIONS:
        y = f(v)
        fn = pytensor.function([v], [y, pytensor.grad((y * w).sum(), v)])
        value, grad = fn(x)
        np.testing.assert_array_equal(value, f(x))
        np.testing.assert_allclose(grad, f.vjp(x, w), rtol=2e-6, atol=1e-7)


def test_dask_stays_lazy_across_chunks_with_numpys_numbers() -> None:
    da = require("dask.array", "dask")
    masked = X.copy()
    masked[1] = -np.inf  # a fully masked row: NaN, without a warning
    x = da.from_array(masked, chunks=(3, 4))  # the axis spans chunks
    for f in FUNCTIONS:
        y = f(x)
        assert isinstance(y, da.Array) and y.chunks[0] == x.chunks[0]
        np.testing.assert_array_equal(y.compute(), f(masked))
        np.testing.assert_array_equal(f.vjp(x, x).compute(), f.vjp(masked, masked))
        jac = f.derivative(x, axis=0)
        assert jac.shape == (9, 8, 8)
        np.testing.assert_array_equal(jac.compute(), f.derivative(masked, axis=0))


@pytest.mark.parametrize("f", FUNCTIONS, ids=IDS)
def test_empty_input_gives_empty_results(f: Any) -> None:
    for shape in ((0, 3), (3, 0), (0,)):
        x = np.zeros(shape, dtype=np.float32)
        assert f(x).shape == shape and f(x).dtype == np.float32
        assert f.vjp(x, x).shape == shape
    assert f.derivative(np.zeros((0, 3))).shape == (0, 3, 3)


def test_keras_layers_and_activation_argument_save_and_load(tmp_path: Any) -> None:
    keras = require("keras")
    import activations.keras as AK

    inp = keras.Input((5,))
    hidden = keras.layers.Dense(5, activation=A.softmax)(inp)
    out = AK.LogSoftmax()(AK.Softmax(axis=-1)(hidden))
    model = keras.Model(inp, A.softmax(out))
    x = X[:3, :5].astype(np.float32)
    before = np.asarray(model(x))
    path = tmp_path / "m.keras"
    model.save(path)
    again = keras.models.load_model(path)
    np.testing.assert_array_equal(np.asarray(again(x)), before)
    assert AK.get("softmax") is A.softmax
    assert type(AK.layer("log_softmax", axis=0)).__name__ == "LogSoftmax"
    with pytest.raises(TypeError, match=r"Softmax\(\): the axis is called axis"):
        AK.Softmax(dim=1)
    with pytest.raises(TypeError, match=r"LogSoftmax\(\): axis must be an int or a list"):
        AK.LogSoftmax(axis=None)


def test_first_call_of_a_process_inside_a_tracer(tmp_path: Any) -> None:
    require("jax")
    require("torch")
    import subprocess
    import sys

    code = (
        "import numpy as np, jax, jax.numpy as jnp, torch, activations as A\n"
        "x = np.array([[1.0, 2.0, 3.0]], dtype=np.float32)\n"
        "j = jax.jit(jax.grad(lambda v: A.log_softmax(v)[0, 0]))(jnp.asarray(x))\n"
        "t = torch.compile(lambda v: A.softmax(v), fullgraph=True)(torch.tensor(x))\n"
        "dout = np.eye(3, dtype=np.float32)[:1]\n"
        "np.testing.assert_array_equal(np.asarray(j), A.log_softmax.vjp(x, dout))\n"
        "np.testing.assert_array_equal(t.numpy(), A.softmax(x))\n"
        "print('ok')\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr[-2000:]


# --- at the seams ------------------------------------------------------------------------------


def test_pytensor_gradients_keep_float32_and_derivative_is_symbolic() -> None:
    require("pytensor")
    import pytensor
    import pytensor.tensor as pt

    x = X[:2, :3].astype(np.float32)
    w = RNG.normal(size=(2, 3)).astype(np.float32)
    for f in FUNCTIONS:
        weights = pytensor.shared(x.copy())
        y = f(weights)
        g = pytensor.grad((y * w).sum(), weights)
        assert y.dtype == g.dtype == "float32"
        assert pytensor.grad(g.sum(), weights).dtype == "float32"  # second derivatives too
        step = pytensor.function([], g, updates=[(weights, weights - np.float32(0.5) * g)])
        np.testing.assert_array_equal(step(), f.vjp(x, w))
        for v in (pt.matrix("v", dtype="float32"), pt.tensor("v", shape=(2, 3), dtype="float32")):
            jac = pytensor.function([v], f.derivative(v))(x)
            np.testing.assert_array_equal(jac, f.derivative(x))


def test_torch_derivative_compiles_and_empty_inputs_on_every_framework() -> None:
    torch = require("torch")
    tf = require("tensorflow")
    jnp = require("jax.numpy", "jax")
    x = torch.tensor(X[:2, :4], dtype=torch.float32)
    for f in FUNCTIONS:
        compiled = torch.compile(lambda v, f=f: f.derivative(v), fullgraph=True)
        assert torch.equal(compiled(x), f.derivative(x))
        assert tuple(f(torch.ones(2, 0)).shape) == (2, 0)
        assert tuple(f(jnp.ones((0, 3))).shape) == (0, 3)
        assert tuple(f(tf.ones((3, 0))).shape) == (3, 0)


def test_tensorflow_unknown_rank_and_keras_logits() -> None:
    tf = require("tensorflow")
    keras = require("keras")
    x = X[:2, :4].astype(np.float32)
    for f in FUNCTIONS:
        graph = tf.function(f, input_signature=[tf.TensorSpec(None, tf.float32)])
        np.testing.assert_array_equal(graph(x).numpy(), f(x))
        jac = tf.function(f.derivative, input_signature=[tf.TensorSpec([None, None], tf.float32)])
        np.testing.assert_array_equal(jac(x).numpy(), f.derivative(x))
        positive = tf.function(lambda v, f=f: f(v, 1), input_signature=[tf.TensorSpec(None)])
        with pytest.raises(ValueError, match=rf"{f.__name__}\(\): the rank of x is not known"):
            positive(x)
    # a softmax's logits travel with it to Keras' crossentropy, as Keras' own softmax does
    logits = tf.constant([[30.0, 0.0, -30.0]])
    loss = keras.losses.categorical_crossentropy([[0.0, 0.0, 1.0]], A.softmax(logits))
    assert float(loss[0]) == pytest.approx(60.0)
    # along another axis the loss's last-axis logits would be wrong: probabilities only
    assert not hasattr(A.softmax(logits, axis=0), "_keras_logits")


def test_dask_cotangent_with_other_chunks_and_matrix_and_method_names() -> None:
    da = require("dask.array", "dask")
    x = da.from_array(X, chunks=(3, 4))
    g = da.from_array(X[::-1].copy(), chunks=(2, 9))
    for f in FUNCTIONS:
        np.testing.assert_array_equal(f.vjp(x, g).compute(), f.vjp(X, X[::-1].copy()))
    m = np.asmatrix(X[:2, :3])
    assert isinstance(A.softmax(m), np.matrix)
    np.testing.assert_array_equal(A.softmax(m), A.softmax(X[:2, :3]))
    with pytest.raises(ValueError, match=r"softmax\.vjp\(\): axis 4 is out of range"):
        A.softmax.vjp(X, X, axis=4)
    with pytest.raises(ValueError, match=r"log_softmax\.derivative\(\): axis 4 is out"):
        A.log_softmax.derivative(X, 4)
    with pytest.raises(TypeError, match=r"softmax\(\) needs float16.*got dtype bool"):
        A.softmax([True, False])


def test_keras_symbolic_integers_are_refused_when_the_model_is_built() -> None:
    keras = require("keras")
    with pytest.raises(TypeError, match=r"log_softmax\(\) needs float16.*got dtype int32"):
        A.log_softmax(keras.Input((3,), dtype="int32"))


def test_models_with_every_softmax_load_in_a_fresh_process(tmp_path: Any) -> None:
    require("keras")
    import subprocess
    import sys

    save = (
        "import numpy as np, keras, activations as A, activations.keras as AK\n"
        "from activations.compat import keras2, lasagne, theano\n"
        "x = np.linspace(-2, 2, 6, dtype='float32').reshape(2, 3)\n"
        "for i, fn in enumerate([A.softmax, A.log_softmax, keras2.softmax, theano.softmax,\n"
        "                        lasagne.softmax, theano.logsoftmax]):\n"
        "    inp = keras.Input((3,))\n"
        "    out = AK.LogSoftmax()(keras.layers.Dense(4, activation=fn)(inp))\n"
        "    m = keras.Model(inp, out)\n"
        f"    m.save(r'{tmp_path}/m%d.keras' % i)\n"
        f"    np.save(r'{tmp_path}/y%d.npy' % i, np.asarray(m(x)))\n"
    )
    load = (  # the library imported, nothing else of it
        "import numpy as np, keras, activations\n"
        "x = np.linspace(-2, 2, 6, dtype='float32').reshape(2, 3)\n"
        "for i in range(6):\n"
        f"    m = keras.models.load_model(r'{tmp_path}/m%d.keras' % i)\n"
        f"    np.testing.assert_array_equal(np.asarray(m(x)), np.load(r'{tmp_path}/y%d.npy' % i))\n"
        "print('ok')\n"
    )
    for code in (save, load):
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip().endswith("ok")
