"""Keras 2 installed as ``keras`` (TensorFlow <= 2.15, or tf-keras standing in): the library
imports in either order, works with Keras 2's layers (a model saved in one process loads in
another), and the Keras-3-only features say so."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from _journey import Journey, run
from _required import REQUIRED

STAND_IN = """\
# Keras 2 as `keras`: the tf-keras package under that name
import sys
import tf_keras

sys.modules[__name__] = tf_keras
"""

SAVE = """
import importlib, sys
for name in sys.argv[2].split(","):
    importlib.import_module(name)
import numpy as np, keras, activations as A
assert keras.__version__.startswith("2."), keras.__version__

try:
    import activations.keras
except ImportError as exc:
    assert "activations.keras needs Keras 3" in str(exc), exc
else:
    raise AssertionError("activations.keras imported on Keras 2")
try:
    A.relu(keras.Input((4,)))
except TypeError as exc:
    assert "Keras 2 symbolic tensors" in str(exc), exc
else:
    raise AssertionError("a Keras 2 symbolic tensor was accepted")

model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation=A.gelu),
                          keras.layers.Dense(2, activation=A.leaky_relu)])
x = np.linspace(-2, 2, 8, dtype=np.float32).reshape(2, 4)
folder = sys.argv[1]
np.save(folder + "/x.npy", x)
np.save(folder + "/y.npy", np.asarray(model(x)))
model.save(folder + "/model.keras")
print("saved")
"""

LOAD = """
import importlib, sys
for name in sys.argv[2].split(","):
    importlib.import_module(name)
import numpy as np, keras
folder = sys.argv[1]
model = keras.models.load_model(folder + "/model.keras")
got = np.asarray(model(np.load(folder + "/x.npy")))
assert got.tobytes() == np.load(folder + "/y.npy").tobytes()
print("loaded, same bits")
"""


def test_keras2_as_keras(tmp_path: Path) -> None:
    if importlib.util.find_spec("tf_keras") is None:
        if "tensorflow" in REQUIRED:  # installed beside TensorFlow wherever that is required
            pytest.fail("tf-keras is required with tensorflow (pip install --no-deps tf-keras)")
        pytest.skip("tf-keras is not installed (pip install --no-deps tf-keras)")
    stand_in = tmp_path / "path"
    (stand_in / "keras").mkdir(parents=True)
    (stand_in / "keras" / "__init__.py").write_text(STAND_IN)
    env = {"PYTHONPATH": str(stand_in)}
    folders = {
        order: tmp_path / order.replace(",", "_")
        for order in ("keras,activations", "activations,keras")
    }
    saves = []
    for order, folder in folders.items():
        folder.mkdir()
        saves.append(Journey(f"save {order}", SAVE, (str(folder), order), env))
    for outcome in run(saves):
        assert "saved" in outcome.check()
    loads = [
        Journey(f"load {order} from {saved}", LOAD, (str(folder), order), env)
        for saved, folder in folders.items()
        for order in ("activations,keras", "keras,activations", "activations,tensorflow,keras")
    ]
    for outcome in run(loads):
        assert "loaded, same bits" in outcome.check()
