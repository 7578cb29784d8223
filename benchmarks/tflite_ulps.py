"""The ULP table of docs/deploying.md (TFLite): each activation converted with TFLite's
built-in ops, ours inside ``activations.portable()`` next to the Keras activation of the same
name, run by ``tf.lite.Interpreter`` (its default XNNPACK kernels) and compared with the exact
value (float64, rounded errors measured in float32 ULPs at max(|exact|, 2**-10)).

    python benchmarks/tflite_ulps.py
"""

from __future__ import annotations

import contextlib
import os
import warnings
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
from _ulps import ulps  # benchmarks/, the script's folder

NAMES = ["gelu", "mish", "selu", "celu", "softplus", "log_sigmoid", "exponential", "silu",
         "tanh", "sigmoid", "elu", "softsign"]  # fmt: skip


def main() -> None:
    import keras
    import tensorflow as tf

    import activations
    import activations.keras as AK

    magnitudes = np.geomspace(1e-8, 1e6, 300, dtype=np.float32)
    grid = np.concatenate([np.linspace(-12, 12, 4001, dtype=np.float32),
                           np.linspace(-120, 120, 2001, dtype=np.float32),
                           magnitudes, -magnitudes])  # fmt: skip
    x = grid.reshape(-1, 1)

    def served(layers: list[Any], portable: bool) -> list[np.ndarray]:
        inputs = keras.Input((1,), batch_size=len(x))
        model = keras.Model(inputs, [layer(inputs) for layer in layers])
        with activations.portable() if portable else contextlib.nullcontext():
            converter = tf.lite.TFLiteConverter.from_keras_model(model)
            converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
            flatbuffer = converter.convert()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # its move to ai_edge_litert
            interpreter = tf.lite.Interpreter(model_content=flatbuffer)
        runner = interpreter.get_signature_runner()
        (name,) = interpreter.get_signature_list()["serving_default"]["inputs"]
        out = runner(**{name: x})
        return [out[f"output_{i}"].ravel() for i in range(len(layers))]

    ours = served([AK.Activation(n) for n in NAMES], portable=True)
    print("| activation | ours (ULP) | Keras' own (ULP) | Keras' own: wrong infinities |")
    print("| --- | --- | --- | --- |")
    for n, mine in zip(NAMES, ours, strict=True):
        native = served([keras.layers.Activation(n)], portable=False)[0]
        exact = np.asarray(getattr(activations, n)(grid.astype(np.float64)))
        with np.errstate(over="ignore"):
            finite = np.isfinite(exact.astype(np.float32))
        wrong = int((np.isinf(native) == finite).sum())
        a = float(ulps(mine[finite], exact[finite]).max())
        b = float(ulps(native[finite], exact[finite]).max())
        print(f"| `{n}` | {a:.2f} | {b:,.0f} | {wrong} |")


if __name__ == "__main__":
    main()
