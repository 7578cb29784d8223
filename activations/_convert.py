"""NumPy arrays to and from every backend's arrays (tests, the testing kit, initial weights).

Each framework is imported by the first conversion to it, never before.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = ["MODULES", "check_name", "jax_x64", "to_backend", "to_numpy"]

# every backend there is a conversion for: name -> the module that must be importable
MODULES: dict[str, str] = {
    "numpy": "numpy",
    "torch": "torch",
    "tensorflow": "tensorflow",
    "jax": "jax",
    "pytensor": "pytensor",
    "array_api_strict": "array_api_strict",
    "dask": "dask",
}


def check_name(name: str) -> None:
    if name not in MODULES:
        raise ValueError(f"unknown backend {name!r}; known: {', '.join(MODULES)}")


@contextlib.contextmanager
def jax_x64(dtype: Any) -> Iterator[None]:
    """float64 on JAX needs x64: switched on around the calls that see float64 arrays."""
    if str(dtype) == "float64":
        import jax

        with jax.enable_x64(True):
            yield
    else:
        yield


def to_backend(array: Any, name: str) -> Any:
    """``array`` (NumPy or anything ``np.asarray`` takes) as an array of backend ``name``.

    dtype is kept (bfloat16 is not a NumPy dtype: convert on the backend). PyTensor gets a
    symbolic constant, Dask an array of up to 4 chunks along the first axis.

    >>> to_backend([1.0, -2.0], "numpy")
    array([ 1., -2.])
    """
    check_name(name)
    a = np.asarray(array)
    if name == "numpy":
        return a
    if name == "torch":
        import torch

        return torch.from_numpy(a.copy())
    if name == "tensorflow":
        import tensorflow as tf

        return tf.constant(a)
    if name == "jax":
        import jax.numpy as jnp

        with jax_x64(a.dtype):
            return jnp.asarray(a)
    if name == "pytensor":
        import pytensor.tensor as pt

        return pt.as_tensor_variable(a)
    if name == "array_api_strict":
        import array_api_strict as xp

        return xp.asarray(a.copy())
    import dask.array as da

    chunks = tuple(max(1, -(-n // 4)) if i == 0 else n for i, n in enumerate(a.shape))
    return da.from_array(a.copy(), chunks=chunks or ())  # pyright: ignore[reportArgumentType]


def to_numpy(y: Any) -> Any:
    """A result of any backend as a NumPy array (a tuple for a tuple), on the host.

    Lazy and symbolic results are evaluated (Dask ``compute``, PyTensor ``eval``); bfloat16
    becomes float32.
    """
    if isinstance(y, (tuple, list)):
        return tuple(to_numpy(v) for v in y)
    module = type(y).__module__.split(".")[0]
    if module == "torch":
        y = y.detach().cpu()
        return (y.float() if str(y.dtype) == "torch.bfloat16" else y).numpy()
    if module == "tensorflow":
        y = y.numpy()
    elif module == "dask":
        y = y.compute()
    elif module == "pytensor":
        y = y.eval()
    elif module == "array_api_strict":
        y = np.from_dlpack(y)
    a = np.asarray(y)
    if a.dtype.name == "bfloat16":
        a = a.astype(np.float32)
    return a
