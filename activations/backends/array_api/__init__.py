"""The Array API standard: any array with ``__array_namespace__`` that no other backend claims
(array-api-strict, CuPy, ...), through its own namespace (``ops``); erfc from standard
functions where the namespace has none (``erfc``). Tested on array-api-strict."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._entry import Entry, Library, loader, subclass_of


def owns(cls: type) -> bool:
    return hasattr(cls, "__array_namespace__") or subclass_of(cls, "cupy", "ndarray")


def from_numpy(a: np.ndarray) -> Any:
    import array_api_strict as xp

    return xp.asarray(a.copy())


def to_numpy(y: Any) -> np.ndarray:
    return np.from_dlpack(y)


LIBRARY = Library(
    name="array_api_strict",
    module="array_api_strict",
    distributions=("array-api-strict", "array-api-compat"),
    dtypes=("float32", "float64"),  # the standard has no float16
    from_numpy=from_numpy,
    to_numpy=to_numpy,
    array_modules=("array_api_strict",),
    checks="activations.backends.array_api.checks",
)
ENTRY = Entry(
    "array_api",
    owns,
    loader("activations.backends.array_api.ops"),
    "array-api-compat",
    (LIBRARY,),
    # after every other backend: NumPy and others have __array_namespace__ too
    fallback=True,
)
