"""activations.keras: layers on every Keras backend, saved to .keras and loaded back."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from _required import missing, require

keras = require("keras")

import activations as A  # noqa: E402
import activations.keras as AK  # noqa: E402
from activations._catalog import CATALOG  # noqa: E402
from activations._conformance import param_sets  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CASES = [(n, kw) for n, s in CATALOG.items() for kw in param_sets(s) if n != "prelu"]
# the Keras backend -> the framework it needs
KERAS_BACKENDS = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}


@pytest.mark.parametrize("keras_backend", list(KERAS_BACKENDS))
def test_train_save_load_on_every_keras_backend(keras_backend: str) -> None:
    import importlib.util

    framework = KERAS_BACKENDS[keras_backend]
    if importlib.util.find_spec(framework) is None:
        missing(framework)
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "keras_layers.py")],
        capture_output=True,
        text=True,
        env={**os.environ, "KERAS_BACKEND": keras_backend, "TF_CPP_MIN_LOG_LEVEL": "3"},
        timeout=600,
    )
    assert out.returncode == 0, out.stdout + out.stderr[-3000:]
    assert f"on {keras_backend}:" in out.stdout
    assert "PReLU weight learned: True; loaded model predicts the same bits: True" in out.stdout
    assert "GELU, Dense, PReLU, Dense, Activation, Dense, ReLU" in out.stdout


@pytest.mark.parametrize(("name", "kw"), CASES)
def test_layer_equals_the_function(name: str, kw: dict) -> None:
    x = np.linspace(-8, 8, 161, dtype="float32").reshape(7, 23)
    want = A.get(name)(x, **kw)
    for layer in (AK.LAYERS[name](**kw), AK.Activation(name, **kw), AK.layer(name, **kw)):
        got = keras.ops.convert_to_numpy(layer(keras.ops.convert_to_tensor(x)))
        np.testing.assert_array_equal(got, want)


def test_config_round_trip_and_errors() -> None:
    layer = AK.LeakyReLU(negative_slope=0.2, name="act")
    again = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert type(again) is AK.LeakyReLU and again.params == {"negative_slope": 0.2}
    assert again.name == "act"
    assert AK.get("swish") is A.silu
    with pytest.raises(TypeError, match=r"leaky_relu\(\): negative_slope must be a real number"):
        AK.LeakyReLU(negative_slope="a")
    with pytest.raises(ValueError, match=r"use activations\.keras\.PReLU"):
        AK.Activation("prelu", weight=0.25)
    with pytest.raises(ValueError, match="unknown activation 'gleu'"):
        AK.Activation("gleu")


def test_prelu_weights_are_keras_prelus() -> None:
    x = np.random.default_rng(0).normal(size=(4, 5, 3)).astype("float32")
    theirs = keras.layers.PReLU(shared_axes=[1])
    ours = AK.PReLU(shared_axes=[1])
    theirs.build(x.shape)
    ours.build(x.shape)
    theirs.set_weights([np.array([[0.1, -0.3, 0.5]], dtype="float32")])
    ours.set_weights(theirs.get_weights())
    got = keras.ops.convert_to_numpy(ours(x))
    np.testing.assert_allclose(got, keras.ops.convert_to_numpy(theirs(x)), rtol=1e-7, atol=0)
    assert ours.get_weights()[0].shape == (1, 3)
