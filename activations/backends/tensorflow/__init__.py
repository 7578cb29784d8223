"""TensorFlow: tensors and variables, eager and inside ``tf.function``, with ``GradientTape``
and the forward accumulator (``ops``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._entry import Entry, Library, loader, subclass_of


def owns(cls: type) -> bool:
    return subclass_of(cls, "tensorflow", "Tensor") or subclass_of(cls, "tensorflow", "Variable")


def from_numpy(a: np.ndarray) -> Any:
    import tensorflow as tf

    return tf.constant(a)


def variable(a: np.ndarray) -> Any:
    import tensorflow as tf

    return tf.Variable(a)  # pyright: ignore[reportArgumentType]


def to_numpy(y: Any) -> np.ndarray:
    return np.asarray(y.numpy())


LIBRARY = Library(
    name="tensorflow",
    module="tensorflow",
    distributions=("tensorflow", "tensorflow-cpu"),
    dtypes=("float16", "bfloat16", "float32", "float64"),
    from_numpy=from_numpy,
    to_numpy=to_numpy,
    array_modules=("tensorflow",),
    checks="activations.backends.tensorflow.checks",
    variable=variable,
    flushes_subnormals=True,
)
ENTRY = Entry(
    "tensorflow", owns, loader("activations.backends.tensorflow.ops"), "tensorflow", (LIBRARY,)
)
