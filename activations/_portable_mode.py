"""``activations.portable()``: float32 graphs for runtimes with few functions (TFLite, ONNX).

Inside the context, torch and TensorFlow calls compute float32 (and narrower) inputs in
float32 with expm1, log1p, tanh, erfc and hypot written in elementary ops
(``backends/_portable.py``), so that a graph traced there holds only ops every runtime has:
what TFLite's built-in op set and onnxruntime need. Results are within about the contract's
float32 bounds (docs/deploying.md has the measured figures), no longer bitwise those of the
eager calls (which compute in float64 and round once). torch's ONNX exporters switch to it by
themselves. On torch, calls that autograd records take the usual path, whose gradients are
the catalog's. The setting is a context variable: it holds for this thread (and the tasks it
starts) until the block ends.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

__all__ = ["portable", "portable_active"]

_ACTIVE: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "activations_portable", default=False
)


@contextlib.contextmanager
def portable() -> Iterator[None]:
    """Trace graphs for runtimes that have only elementary float32 ops.

    Examples
    --------
    Convert a Keras model (TensorFlow backend) to TFLite with built-in ops only:

    ```python
    import tensorflow as tf, activations

    with activations.portable():
        converter = tf.lite.TFLiteConverter.from_keras_model(model)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
        flatbuffer = converter.convert()
    ```
    """
    token = _ACTIVE.set(True)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def portable_active() -> bool:
    """Whether a ``portable()`` block is open in this context."""
    return _ACTIVE.get()
