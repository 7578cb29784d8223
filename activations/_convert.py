"""NumPy arrays to and from every backend's arrays (tests, the testing kit, initial weights),
by the conversions each backend declares (:class:`activations.backends.Library`).

Each framework is imported by the first conversion to it, never before.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from . import backends

__all__ = ["MODULES", "backend_name", "to_backend", "to_numpy"]


class _Convertible(Mapping[str, str]):
    """Every backend there is a conversion for: name -> the module that must be importable.

    Read from the registry at each use, so that a backend registered later is in it.
    """

    def _table(self) -> dict[str, str]:
        return {lib.name: lib.module for lib in backends.libraries() if lib.from_numpy is not None}

    def __getitem__(self, name: str) -> str:
        return self._table()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._table())

    def __len__(self) -> int:
        return len(self._table())

    def __repr__(self) -> str:
        return repr(self._table())


MODULES: Mapping[str, str] = _Convertible()


def backend_name(backend: Any) -> str:
    """A backend's name, from the name or from an object with ``.name`` (the testing kit's
    ``backend`` fixture), checked."""
    name = backend if isinstance(backend, str) else getattr(backend, "name", backend)
    if name not in MODULES:
        raise ValueError(f"unknown backend {name!r}; known: {', '.join(MODULES)}")
    return str(name)


def to_backend(array: Any, name: Any) -> Any:
    """``array`` (NumPy or anything ``np.asarray`` takes) as an array of backend ``name``.

    dtype is kept (bfloat16 is not a NumPy dtype: convert on the backend). PyTensor gets a
    symbolic constant, Dask an array of up to 4 chunks along the first axis.

    Examples
    --------
    >>> to_backend([1.0, -2.0], "numpy")
    array([ 1., -2.])
    """
    convert = backends.library(backend_name(name)).from_numpy
    assert convert is not None  # MODULES lists only libraries with a conversion
    return convert(np.asarray(array))


def to_numpy(y: Any) -> Any:
    """A result of any backend as a NumPy array (a tuple for a tuple), on the host.

    Lazy and symbolic results are evaluated (Dask ``compute``, PyTensor ``eval``); bfloat16
    becomes float32.
    """
    if isinstance(y, (tuple, list)):
        return tuple(to_numpy(v) for v in y)
    module = type(y).__module__.split(".")[0]
    for lib in backends.libraries():
        if module in lib.array_modules and lib.to_numpy is not None:
            y = lib.to_numpy(y)
            break
    a = np.asarray(y)
    if a.dtype.name == "bfloat16":
        a = a.astype(np.float32)
    return a
