"""Dask: lazy, chunked arrays, each block computed by the backend of its own type (``ops``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._entry import Entry, Library, loader, subclass_of


def owns(cls: type) -> bool:
    return subclass_of(cls, "dask.array", "Array")


def from_numpy(a: np.ndarray) -> Any:
    """A Dask array of up to 4 chunks along the first axis."""
    import dask.array as da

    chunks = tuple(max(1, -(-n // 4)) if i == 0 else n for i, n in enumerate(a.shape))
    return da.from_array(a.copy(), chunks=chunks or ())  # pyright: ignore[reportArgumentType]


def to_numpy(y: Any) -> np.ndarray:
    return np.asarray(y.compute())


LIBRARY = Library(
    name="dask",
    module="dask",
    distributions=("dask", "distributed"),
    dtypes=("float16", "float32", "float64"),
    from_numpy=from_numpy,
    to_numpy=to_numpy,
    array_modules=("dask",),
    checks="activations.backends.dask.checks",
)
ENTRY = Entry("dask", owns, loader("activations.backends.dask.ops"), "dask", (LIBRARY,))
