"""Import orders: any order of importing the library and the frameworks, then a Keras model
with the library's activations and layers is saved in one process and loaded in another, on
every Keras backend, with the same numbers."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from _journey import Journey, run
from _required import missing

KERAS_BACKENDS = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}

IMPORT = """
import importlib, sys
for name in sys.argv[2].split(","):
    importlib.import_module(name)
"""

SAVE = (
    IMPORT
    + """
import numpy as np, keras
import activations as A
import activations.keras as AK

inp = keras.Input((6,))
h = keras.layers.Dense(5, activation=A.gelu)(inp)    # a function as a layer's activation
h = AK.PReLU()(h)                                     # the library's layers
h = AK.LeakyReLU(negative_slope=0.2)(h)
h = A.elu(h, 0.5)                                     # an activation on a symbolic tensor
out = keras.layers.Dense(3)(A.relu(h, max_value=1.0))
model = keras.Model(inp, out)
x = np.linspace(-3, 3, 24, dtype=np.float32).reshape(4, 6)
folder = sys.argv[1]
np.save(folder + "/x.npy", x)
np.save(folder + "/y.npy", keras.ops.convert_to_numpy(model(x)))
model.save(folder + "/model.keras")
print("saved")
"""
)

LOAD = (
    IMPORT
    + """
import numpy as np
import keras

folder = sys.argv[1]
model = keras.models.load_model(folder + "/model.keras")
got = keras.ops.convert_to_numpy(model(np.load(folder + "/x.npy")))
want = np.load(folder + "/y.npy")
assert got.tobytes() == want.tobytes(), (got, want)
print("loaded, same bits")
"""
)


def _orders(framework: str) -> list[str]:
    """Orders of imports in the loading process (activations.keras with some of them)."""
    return [
        f"activations,{framework},keras",  # the framework looks keras up before keras runs
        "activations,keras",
        "keras,activations",
        f"{framework},activations,keras",
        f"keras,{framework},activations,activations.keras",
        f"activations,activations.keras,{framework}",
        f"numpy,{framework},activations",
    ]


@pytest.mark.parametrize("keras_backend", list(KERAS_BACKENDS))
def test_save_and_load_in_every_import_order(keras_backend: str, tmp_path: Path) -> None:
    framework = KERAS_BACKENDS[keras_backend]
    for module in ("keras", framework):
        if importlib.util.find_spec(module) is None:
            missing(module)
    env = {"KERAS_BACKEND": keras_backend}
    # saved where activations comes first and keras last: the order that used to lose the
    # registration
    save = Journey("save", SAVE, (str(tmp_path), f"activations,{framework},keras"), env)
    run([save])[0].check()
    loads = [Journey(o, LOAD, (str(tmp_path), o), env) for o in _orders(framework)]
    for outcome in run(loads):
        assert "loaded, same bits" in outcome.check()
