"""A Keras 3 model with the library's layers: train, save to .keras, load back, same numbers.

Runs on whichever Keras backend ``KERAS_BACKEND`` selects (tensorflow, jax or torch):

    KERAS_BACKEND=jax python examples/keras_layers.py

The model uses ``activations.keras`` layers (GELU, a learnable PReLU, an Activation by name
and a clipped ReLU) and an ``activation=`` string resolved through the library. The script
trains it for two epochs, checks that PReLU's weight has learned, saves it to a temporary
``.keras`` file, loads it back without ``custom_objects`` and exits non-zero unless the
loaded model predicts the same numbers, bit for bit.
"""

from __future__ import annotations

import os
import sys
import tempfile

import keras
import numpy as np

import activations.keras as AK


def build() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(16),
            AK.GELU(approximate=True),
            keras.layers.Dense(16),
            AK.PReLU(),
            keras.layers.Dense(8, activation=AK.get("leaky_relu")),
            AK.Activation("swish"),
            keras.layers.Dense(4),
            AK.ReLU(max_value=6.0, negative_slope=0.1),
        ]
    )


def main() -> int:
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 6)).astype("float32")
    t = rng.normal(size=(64, 4)).astype("float32")
    model = build()
    model.compile(optimizer="sgd", loss="mse")
    alpha = np.array(model.layers[3].get_weights()[0])
    history = model.fit(x, t, epochs=2, batch_size=16, verbose=0)
    learned = not np.array_equal(alpha, model.layers[3].get_weights()[0])
    y = np.asarray(model.predict(x, verbose=0))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        model.save(path)
        loaded = keras.models.load_model(path)
    same = bool(np.array_equal(y, np.asarray(loaded.predict(x, verbose=0))))
    losses = ", ".join(f"{v:.4f}" for v in history.history["loss"])
    print(f"keras {keras.__version__} on {keras.backend.backend()}: loss {losses}")
    print(f"layers after loading: {', '.join(type(layer).__name__ for layer in loaded.layers)}")
    print(f"PReLU weight learned: {learned}; loaded model predicts the same bits: {same}")
    return 0 if learned and same else 1


if __name__ == "__main__":
    sys.exit(main())
