"""PyTensor: symbolic variables and shared variables, with ``pytensor.grad`` and the
pushforward (``ops``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._entry import Entry, Library, loader, subclass_of


def owns(cls: type) -> bool:
    return subclass_of(cls, "pytensor", "graph", "basic", "Variable")


def from_numpy(a: np.ndarray) -> Any:
    import pytensor.tensor as pt

    return pt.as_tensor_variable(a)


def variable(a: np.ndarray) -> Any:
    import pytensor

    return pytensor.shared(a)


def to_numpy(y: Any) -> np.ndarray:
    return np.asarray(y.eval())


LIBRARY = Library(
    name="pytensor",
    module="pytensor",
    distributions=("pytensor",),
    # its default (numba) linker has no float16
    dtypes=("float32", "float64"),
    from_numpy=from_numpy,
    to_numpy=to_numpy,
    array_modules=("pytensor",),
    checks="activations.backends.pytensor.checks",
    variable=variable,
)
ENTRY = Entry("pytensor", owns, loader("activations.backends.pytensor.ops"), "pytensor", (LIBRARY,))
