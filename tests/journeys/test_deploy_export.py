"""Export routes that keep the framework: a torch.export archive (.pt2) and a serialized
jax.export, each made as the first call of a fresh process and loaded in another process
that never imports activations, give the exporting process's numbers: the same bits for the
same compiler, and within the contract's bounds through torch.compile."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from _deploy import same, ulps
from _journey import Journey, run
from _required import require

from activations._catalog import CATALOG
from activations._conformance import BOUNDS

NAMES = [n for n, s in CATALOG.items() if s.defaults is not None]
SMOOTH = {n for n in NAMES if not CATALOG[n].piecewise}

GRID = """
import numpy as np
f32 = np.float32
special = [-0.0, 0.0, np.nan, np.inf, -np.inf, 3.4e38, -3.4e38, 1e-45, -1e-45]
magnitudes = np.geomspace(1e-8, 1e6, 300, dtype=f32)
grid = np.concatenate([np.array(special, f32), np.linspace(-12, 12, 4001, dtype=f32),
                       magnitudes, -magnitudes])
"""

TORCH_SAVE = (
    GRID
    + """
import sys, json, torch, activations, activations.torch as AT
folder, names = sys.argv[1], json.loads(sys.argv[2])

class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.prelu = AT.PReLU(1)  # a parameter that requires grad
        self.gelu = AT.GELU(approximate="tanh")

    def forward(self, x):
        out = [getattr(activations, n)(x) for n in names]
        return tuple(out) + (self.prelu(x), self.gelu(x), activations.softmax(x.reshape(-1, 7)))

model = Model().eval()
x = torch.from_numpy(grid[: len(grid) // 7 * 7].copy())
ep = torch.export.export(model, (x,))  # the process's first call of the library
torch.export.save(ep, f"{folder}/model.pt2")
with torch.no_grad():
    eager = [t.numpy() for t in model(x)]
np.savez(f"{folder}/eager.npz", x=x.numpy(), *eager)
print("saved")
"""
)

TORCH_LOAD = """
import sys, numpy as np, torch
folder = sys.argv[1]
data = np.load(f"{folder}/eager.npz")
x = torch.from_numpy(data["x"])
program = torch.export.load(f"{folder}/model.pt2")
with torch.no_grad():
    loaded = [t.numpy() for t in program.module()(x)]
    compiled = [t.numpy() for t in torch.compile(program.module())(x)]
assert "activations" not in sys.modules, "loading imported activations"
np.savez(f"{folder}/loaded.npz", *loaded)
np.savez(f"{folder}/compiled.npz", *compiled)
print("loaded")
"""

JAX_SAVE = (
    GRID
    + """
import sys, json, jax, jax.numpy as jnp, activations
from jax import export
folder, names = sys.argv[1], json.loads(sys.argv[2])

def f(x):
    return tuple(getattr(activations, n)(x) for n in names) + (
        activations.gelu(x, approximate="tanh"), activations.softmax(x.reshape(-1, 7)))

def loss(x):  # every activation's gradient, NaN and inf included
    return sum(jnp.sum(jnp.where(jnp.isfinite(y), y, 0.0)) for y in f(x)[:-1])

x = jnp.asarray(grid[: len(grid) // 7 * 7])
spec = jax.ShapeDtypeStruct(x.shape, x.dtype)
value = export.export(jax.jit(f))(spec)  # the process's first call of the library
grad = export.export(jax.jit(jax.grad(loss)))(spec)
for name, e in (("value", value), ("grad", grad)):
    with open(f"{folder}/{name}.bin", "wb") as fh:
        fh.write(e.serialize())
ours = [np.asarray(y) for y in jax.jit(f)(x)]
np.savez(f"{folder}/eager.npz", np.asarray(x), np.asarray(jax.jit(jax.grad(loss))(x)), *ours)
print("saved")
"""
)

JAX_LOAD = """
import sys, numpy as np, jax
from jax import export
folder = sys.argv[1]
data = np.load(f"{folder}/eager.npz")
x = data["arr_0"]
out = {}
for name in ("value", "grad"):
    with open(f"{folder}/{name}.bin", "rb") as fh:
        e = export.deserialize(bytearray(fh.read()))
    y = e.call(x)
    out[name] = [np.asarray(t) for t in (y if isinstance(y, tuple) else (y,))]
assert "activations" not in sys.modules, "loading imported activations"
np.savez(f"{folder}/loaded.npz", out["grad"][0], *out["value"])
print("loaded")
"""


def _journeys(save: str, load: str, folder: Path) -> None:
    first = run([Journey("save", save, argv=(str(folder), json.dumps(NAMES)), timeout=600)])
    first[0].check()
    second = run([Journey("load", load, argv=(str(folder),), timeout=600)])
    second[0].check()


def test_torch_export_archive_loads_without_the_library_and_gives_the_same_numbers(
    tmp_path: Path,
) -> None:
    require("torch")
    _journeys(TORCH_SAVE, TORCH_LOAD, tmp_path)
    eager = np.load(tmp_path / "eager.npz")
    loaded = np.load(tmp_path / "loaded.npz")
    compiled = np.load(tmp_path / "compiled.npz")
    labels = [*NAMES, "PReLU", "GELU(tanh)", "softmax"]
    assert len(loaded.files) == len(labels)
    for i, label in enumerate(labels):
        want = eager[f"arr_{i}"]
        assert same(loaded[f"arr_{i}"], want), f"{label}: the loaded archive differs"
        got = compiled[f"arr_{i}"]
        smooth = label in SMOOTH or label in ("GELU(tanh)", "softmax")
        if smooth:  # inductor's own exp, erfc, ...: within the bound of the eager value
            assert np.array_equal(np.isnan(got), np.isnan(want)), label
            assert float(ulps(got, want).max()) <= BOUNDS["float32"][0], (
                f"{label} under torch.compile"
            )
        else:
            assert same(got, want), f"{label}: torch.compile of the loaded program differs"


def test_jax_export_of_values_and_gradients_loads_without_the_library(tmp_path: Path) -> None:
    require("jax")
    require("flatbuffers", "jax")  # jax.export's serialization imports it
    _journeys(JAX_SAVE, JAX_LOAD, tmp_path)
    eager = np.load(tmp_path / "eager.npz")
    loaded = np.load(tmp_path / "loaded.npz")
    assert same(loaded["arr_0"], eager["arr_1"]), "the exported gradient differs"
    labels = [*NAMES, "gelu(tanh)", "softmax"]
    for i, label in enumerate(labels):
        assert same(loaded[f"arr_{i + 1}"], eager[f"arr_{i + 2}"]), f"{label} differs"


KERAS_SAVE = (
    GRID
    + """
import os, sys, json
backend, folder, names = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
os.environ["KERAS_BACKEND"] = backend
import keras, activations.keras as AK

x = grid.reshape(-1, 1)
inputs = keras.Input((1,))
model = keras.Model(inputs, [AK.Activation(n)(inputs) for n in names])
model.export(f"{folder}/saved", format="tf_saved_model")  # the process's first call
served = [np.asarray(y) for y in model.predict(x, verbose=0)]
np.savez(f"{folder}/eager.npz", x, *served)
print("saved")
"""
)

KERAS_LOAD = """
import sys, numpy as np, tensorflow as tf
folder = sys.argv[1]
data = np.load(f"{folder}/eager.npz")
served = tf.saved_model.load(f"{folder}/saved").serve(data["arr_0"])
assert "activations" not in sys.modules, "loading imported activations"
np.savez(f"{folder}/loaded.npz", *[np.asarray(y) for y in served])
print("loaded")
"""

TFLITE = (
    GRID
    + """
import os, sys, json
os.environ["KERAS_BACKEND"] = "tensorflow"
folder, names = sys.argv[1], json.loads(sys.argv[2])
import tensorflow as tf, keras, activations, activations.keras as AK

x = np.concatenate([grid, np.linspace(-120, 120, 2001, dtype=f32)]).reshape(-1, 1)
inputs = keras.Input((1,), batch_size=len(x))
model = keras.Model(inputs, [AK.Activation(n)(inputs) for n in names])
with activations.portable():  # the first computation of the process: the converter traces
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    flatbuffer = converter.convert()
# the default runtime: XNNPACK's kernels where it has them
interpreter = tf.lite.Interpreter(model_content=flatbuffer)
runner = interpreter.get_signature_runner()
(name,) = interpreter.get_signature_list()["serving_default"]["inputs"]
out = runner(**{name: x})
results = [out[f"output_{i}"] for i in range(len(names))]
eager = [np.asarray(getattr(activations, n)(tf.constant(x))) for n in names]
exact = [np.asarray(getattr(activations, n)(x.astype(np.float64))) for n in names]
numpy = [np.asarray(getattr(activations, n)(x)) for n in names]
np.savez(f"{folder}/tflite.npz", x, *results)
np.savez(f"{folder}/numpy.npz", *numpy)
np.savez(f"{folder}/eager.npz", *eager)
np.savez(f"{folder}/exact.npz", *exact)
print("converted")
"""
)


@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_keras_saved_model_serves_the_same_numbers_without_the_library(
    tmp_path: Path, backend: str
) -> None:
    require("tensorflow")
    require("keras", "keras")
    if backend == "jax":
        require("jax")
    first = run(
        [Journey("save", KERAS_SAVE, argv=(backend, str(tmp_path), json.dumps(NAMES)), timeout=600)]
    )
    first[0].check()
    run([Journey("load", KERAS_LOAD, argv=(str(tmp_path),), timeout=600)])[0].check()
    eager = np.load(tmp_path / "eager.npz")
    loaded = np.load(tmp_path / "loaded.npz")
    assert len(loaded.files) == len(NAMES)
    for i, name in enumerate(NAMES):
        assert same(loaded[f"arr_{i}"], eager[f"arr_{i + 1}"]), f"{name} served differently"


def test_tflite_conversion_with_builtin_ops_only(tmp_path: Path) -> None:
    """Every activation converts with TFLite's built-in ops and runs in its default runtime
    within the contract's float32 bound, keeping the special values (NaN, +-inf, the sign of
    zero) bit for bit."""
    require("tensorflow")
    require("keras", "keras")
    run([Journey("tflite", TFLITE, argv=(str(tmp_path), json.dumps(NAMES)), timeout=600)])[
        0
    ].check()
    results = np.load(tmp_path / "tflite.npz")
    eager = np.load(tmp_path / "eager.npz")
    exact = np.load(tmp_path / "exact.npz")
    numpy = np.load(tmp_path / "numpy.npz")
    x = results["arr_0"]
    for i, name in enumerate(NAMES):
        got, want = results[f"arr_{i + 1}"], exact[f"arr_{i}"]
        assert got.dtype == np.float32 and got.shape == want.shape, name
        finite = np.isfinite(x)
        if name in SMOOTH:
            err = float(ulps(got[finite], want[finite]).max())
            assert err <= BOUNDS["float32"][0], f"{name}: {err:.2f} ULP in TFLite"
        else:  # the bits of NumPy's float32 results, but for XNNPACK's subnormals
            ref = numpy[f"arr_{i}"]
            normal = (np.abs(ref) >= np.finfo(np.float32).tiny) | (ref == 0) | np.isnan(ref)
            assert same(got[normal], ref[normal]), f"{name}: not NumPy's bits in TFLite"
        # NaN, +-inf and +-0 inputs as TensorFlow serves them (which flushes subnormal inputs
        # and results to zero; TFLite keeps them); results that round to +-0 or +-inf exactly
        special = ~finite | (x == 0)
        assert same(got[special], eager[f"arr_{i}"][special]), f"{name}: special inputs"
        with np.errstate(over="ignore"):
            rounded = want.astype(np.float32)
        limit = finite & ((rounded == 0) | np.isinf(rounded))
        assert same(got[limit], rounded[limit]), f"{name}: zeros and infinities"
