"""JAX: arrays and tracers, under ``jit``, ``grad``, ``vmap`` and ``jvp`` (``ops``)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from .._entry import Entry, Library, loader, subclass_of


def owns(cls: type) -> bool:
    return subclass_of(cls, "jax", "Array") or subclass_of(cls, "jax", "core", "Tracer")


@contextlib.contextmanager
def x64(dtype: Any) -> Iterator[None]:
    """float64 on JAX needs x64: switched on around the calls that see float64 arrays."""
    if str(dtype) == "float64":
        import jax

        with jax.enable_x64(True):
            yield
    else:
        yield


def from_numpy(a: np.ndarray) -> Any:
    import jax.numpy as jnp

    with x64(a.dtype):
        return jnp.asarray(a)


def variable(a: np.ndarray) -> Any:
    import jax

    if a.dtype == np.float64 and not jax.config.read("jax_enable_x64"):  # type: ignore[no-untyped-call]
        raise ValueError(
            "float64 weights on JAX need x64 (jax.config.update('jax_enable_x64', True) or "
            "the jax.enable_x64() context); or pass dtype='float32'"
        )
    return from_numpy(a)


LIBRARY = Library(
    name="jax",
    module="jax",
    distributions=("jax", "jaxlib"),
    dtypes=("float16", "bfloat16", "float32", "float64"),
    from_numpy=from_numpy,
    to_numpy=np.asarray,
    array_modules=("jax", "jaxlib"),
    checks="activations.backends.jax.checks",
    variable=variable,
    flushes_subnormals=True,
    dtype_scope=x64,
)
ENTRY = Entry("jax", owns, loader("activations.backends.jax.ops"), "jax", (LIBRARY,))
