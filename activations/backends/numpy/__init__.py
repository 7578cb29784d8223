"""NumPy: NumPy arrays, NumPy scalars, and Python scalars and lists (``ops``); relu's native
kernels (``kernels``), the thread pool for large arrays (``threads``) and the floating-point
error state (``errstate``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._entry import Entry, Library, loader, subclass_of


def owns(cls: type) -> bool:
    return subclass_of(cls, "numpy", "ndarray") or subclass_of(cls, "numpy", "generic")


def to_numpy(y: Any) -> np.ndarray:
    return np.asarray(y)


LIBRARY = Library(
    name="numpy",
    module="numpy",
    distributions=("numpy", "scipy"),
    dtypes=("float16", "float32", "float64"),
    from_numpy=np.asarray,
    to_numpy=to_numpy,
    array_modules=("numpy",),
    checks="activations.backends.numpy.checks",
    variable=np.asarray,
)
ENTRY = Entry("numpy", owns, loader("activations.backends.numpy.ops"), "numpy", (LIBRARY,))
