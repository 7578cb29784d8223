"""The TensorFlow backend: eager, tf.Variable, tf.function (also XLA), gradients, Keras 3."""

import os
import subprocess
import sys

import numpy as np
import pytest
from _required import require

tf = require("tensorflow")

import activations as A  # noqa: E402
from activations._catalog import CATALOG  # noqa: E402
from activations._conformance import param_sets  # noqa: E402

CASES = [(n, kw) for n, s in CATALOG.items() for kw in param_sets(s)]
SMOOTH = [(n, kw) for n, kw in CASES if not CATALOG[n].piecewise]
EXACT = [(n, kw) for n, kw in CASES if CATALOG[n].piecewise]
DTYPES = [tf.float16, tf.bfloat16, tf.float32, tf.float64]
EDGE = [-np.inf, -5.0, -3.0, -1.0, -0.0, 0.0, 0.5, 1.0, 3.0, 6.0, 7.0, np.inf, np.nan]


def edge(dtype: object = tf.float32) -> object:
    return tf.cast(tf.constant(EDGE, dtype=tf.float64), dtype)


def grad(f: object, x: object, kw: dict) -> object:
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x, **kw)
    return y, tape.gradient(y, x)


@pytest.mark.parametrize(("name", "kw"), CASES)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.name)
def test_dtype_kept_and_gradient_is_the_derivative(name: str, kw: dict, dtype: object) -> None:
    f = A.get(name)
    x = edge(dtype)
    y, g = grad(f, x, kw)
    assert isinstance(y, tf.Tensor) and y.dtype == dtype and g.dtype == dtype
    d = f.derivative(x, **kw)
    np.testing.assert_array_equal(g.numpy().astype(np.float32), d.numpy().astype(np.float32))


def test_variables_are_read_and_differentiated() -> None:
    v = tf.Variable([-1.0, 0.5, 2.0])
    with tf.GradientTape() as tape:
        y = A.elu(v)
    g = tape.gradient(y, v)
    assert isinstance(y, tf.Tensor)
    np.testing.assert_allclose(g.numpy(), [np.exp(-1.0), 1.0, 1.0], rtol=1e-7)


@pytest.mark.parametrize(("name", "kw"), CASES)
@pytest.mark.parametrize("jit", [False, True], ids=["graph", "xla"])
def test_tf_function_matches_eager(name: str, kw: dict, jit: bool) -> None:
    f = A.get(name)
    x = tf.constant(np.linspace(-7, 7, 141), dtype=tf.float32)

    @tf.function(jit_compile=jit)
    def run(x: object) -> object:
        return grad(f, x, kw)

    y, g = run(x)
    ye, ge = grad(f, x, kw)
    if CATALOG[name].piecewise:
        np.testing.assert_array_equal(y.numpy(), ye.numpy())
        np.testing.assert_array_equal(g.numpy(), ge.numpy())
    else:  # XLA may fuse a*b+c; both stay within the float32 bounds (conformance tests)
        np.testing.assert_allclose(y.numpy(), ye.numpy(), rtol=8 * 2.0**-24, atol=2.0**-30)
        np.testing.assert_allclose(g.numpy(), ge.numpy(), rtol=16 * 2.0**-24, atol=2.0**-27)


@pytest.mark.parametrize(("name", "kw"), SMOOTH)
def test_nested_tapes_give_the_second_derivative(name: str, kw: dict) -> None:
    f = A.get(name)
    x = tf.constant(np.linspace(-6.1, 6.1, 245), dtype=tf.float64)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x, **kw)
        g = inner.gradient(y, x)
    h = outer.gradient(g, x).numpy()
    xn = x.numpy()
    eps = 1e-6
    fd = (f.derivative(xn + eps, **kw) - f.derivative(xn - eps, **kw)) / (2 * eps)
    keep = np.abs(xn) > 1e-3
    np.testing.assert_allclose(h[keep], fd[keep], rtol=1e-5, atol=1e-7)


def test_prelu_weight_gradient_with_a_variable() -> None:
    x = tf.constant([[-1.0, 2.0], [-3.0, 0.0]], dtype=tf.float64)
    w = tf.Variable([0.1, 0.2], dtype=tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = A.prelu(x, w)
    gx, gw = tape.gradient(y, [x, w])
    np.testing.assert_allclose(gw.numpy(), [-4.0, 0.0])
    np.testing.assert_allclose(gx.numpy(), [[0.1, 1.0], [0.1, 0.2]])


def test_integer_tensors() -> None:
    x = tf.range(-3, 9, dtype=tf.int32)
    y = A.relu6(x)
    assert y.dtype == tf.int32
    assert y.numpy().tolist() == [0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 6, 6]
    with pytest.raises(TypeError, match="int32"):
        A.gelu(x)


# --- Keras 3 ---------------------------------------------------------------------------------

KERAS_SCRIPT = """
import os, sys
os.environ["KERAS_BACKEND"] = sys.argv[1]
import activations as A
import keras
import numpy as np
path = sys.argv[2]
x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
if sys.argv[3] == "save":
    inp = keras.Input((4,))
    h = keras.layers.Dense(8, activation=A.gelu)(inp)
    h = keras.layers.Activation(A.leaky_relu)(h)
    h = A.silu(h)                                   # a symbolic KerasTensor
    h = A.relu(h, max_value=2.0, threshold=0.1)     # with parameters
    out = keras.layers.Dense(1)(h)
    model = keras.Model(inp, out)
    model.save(path)
    np.save(path + ".npy", model.predict(x, verbose=0))
else:
    model = keras.models.load_model(path)
    assert model.layers[1].activation is A.gelu
    np.testing.assert_allclose(model.predict(x, verbose=0), np.load(path + ".npy"), rtol=1e-6)
    print("loaded ok")
"""


def _keras_run(backend: str, path: str, mode: str) -> str:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = subprocess.run(
        [sys.executable, "-c", KERAS_SCRIPT, backend, path, mode],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


def test_keras_functional_model_saves_and_loads(tmp_path: object) -> None:
    path = str(tmp_path / "model.keras")  # type: ignore[operator]
    _keras_run("tensorflow", path, "save")
    assert "loaded ok" in _keras_run("tensorflow", path, "load")


def test_keras_symbolic_tensor_in_process() -> None:
    keras = require("keras")
    inp = keras.Input((3,))
    out = A.gelu(inp)
    assert isinstance(out, keras.KerasTensor) and tuple(out.shape) == (None, 3)
    model = keras.Model(inp, out)
    x = np.array([[-1.0, 0.0, 2.0]], dtype="float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), A.gelu(x), rtol=1e-6)
    with pytest.raises(TypeError, match="symbolic Keras tensor"):
        A.gelu.derivative(inp)


# --- the seams: unknown shapes in graphs, AutoGraph --------------------------------------


@pytest.mark.parametrize("shape", [None, [None, None], [None, 3]], ids=["rank", "dims", "batch"])
def test_unknown_shapes_in_tf_function(shape: object) -> None:
    w = tf.Variable([0.1, 0.2, 0.3])
    x = tf.constant(np.linspace(-2, 2, 6, dtype=np.float32).reshape(2, 3))

    @tf.function(input_signature=[tf.TensorSpec(shape, tf.float32)])
    def f(x: object) -> object:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = A.prelu(x, w) + A.gelu(x)
        dx, dw = tape.gradient(y, [x, w])
        return y, dx, dw, A.relu.vjp(x, x), A.prelu.vjp(x, x, w)[1]

    y, dx, dw, vjp, dw2 = f(x)
    xn = x.numpy()
    wn = w.numpy()
    np.testing.assert_array_equal(y.numpy(), A.prelu(xn, wn) + A.gelu(xn))
    np.testing.assert_array_equal(dx.numpy(), A.prelu.derivative(xn, wn) + A.gelu.derivative(xn))
    np.testing.assert_array_equal(dw.numpy(), A.prelu.vjp(xn, np.ones_like(xn), wn)[1])
    np.testing.assert_array_equal(vjp.numpy(), A.relu.vjp(xn, xn))
    np.testing.assert_array_equal(dw2.numpy(), A.prelu.vjp(xn, xn, wn)[1])


def test_autograph_leaves_the_library_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """AutoGraph converts what a tf.function calls; the library's code needs no conversion
    (converting it cost tracing time and printed "could not transform" warnings)."""
    from tensorflow.python.autograph.impl import api

    converted: list[object] = []
    convert = api._convert_actual

    def spy(entity: object, program_ctx: object) -> object:
        converted.append(entity)
        return convert(entity, program_ctx)

    monkeypatch.setattr(api, "_convert_actual", spy)

    @tf.function
    def f(x: object) -> object:
        return A.relu(x) + A.gelu.derivative(x) + A.prelu.vjp(x, x, 0.2)[0] + A.leaky_relu(x, 0.3)

    f(tf.constant([1.0, -2.0]))
    assert converted, "AutoGraph converted nothing: the spy is not where conversion happens"
    ours = [e for e in converted if getattr(e, "__module__", "").startswith("activations")]
    assert not ours, ours
