"""How the checks drive Keras: each cell is a functional model (``keras.Input`` -> the
activation -> ``keras.Model``) run on the executing Keras backend's tensors, its gradient
through that backend's autograd. Array parameters and higher derivatives are the executing
backend's own, checked there: no ``ad()``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import keras
import numpy as np

from ..._conformance import Harness, Unavailable
from . import LIBRARY


def _gradient() -> tuple[Callable[[Any, Any], Any], bool, tuple[str, ...]]:
    """The executing backend's d model / dx (with a cotangent of ones), whether it flushes
    subnormals, and the float dtypes it runs."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        def tf_grad(model: Any, x: Any) -> Any:
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = model(x)
            return tape.gradient(y, x, output_gradients=tf.ones_like(y))

        return tf_grad, True, LIBRARY.dtypes
    if backend == "jax":
        import jax
        import jax.numpy as jnp

        def jax_grad(model: Any, x: Any) -> Any:
            y, pullback = jax.vjp(model, x)
            return pullback(jnp.ones_like(y))[0]

        x64 = bool(jax.config.read("jax_enable_x64"))  # type: ignore[no-untyped-call]
        return jax_grad, True, ("float32", *(("float64",) if x64 else ()))
    if backend == "torch":
        import torch

        def torch_grad(model: Any, x: Any) -> Any:
            x = x.detach().requires_grad_(True)
            y = model(x)
            (g,) = torch.autograd.grad(y, x, torch.ones_like(y))
            return g

        return torch_grad, False, LIBRARY.dtypes
    raise Unavailable(f"the {backend!r} Keras backend has no autograd to check gradients with")


def harness() -> Harness:
    gradient, flushes, dtypes = _gradient()
    models: dict[tuple[str, str, str], Any] = {}

    def model(f: Any, kw: Mapping[str, Any], dtype: str) -> Any:
        key = (f.__name__, repr(sorted(kw.items())), dtype)
        if key not in models:
            x = keras.Input(shape=(), dtype=dtype)
            models[key] = keras.Model(x, f(x, **kw))
        return models[key]

    def dtype_of(x: Any) -> str:
        return keras.backend.standardize_dtype(x.dtype)  # type: ignore[no-any-return]

    def to_numpy(y: Any) -> np.ndarray:
        return np.asarray(keras.ops.convert_to_numpy(keras.ops.cast(y, "float64")))

    return Harness(
        name="keras",
        dtypes=dtypes,
        make=lambda v, dtype: keras.ops.cast(np.asarray(v, dtype=np.float64), dtype),
        value=lambda f, x, kw: model(f, kw, dtype_of(x))(x),
        grad=lambda f, x, kw: gradient(model(f, kw, dtype_of(x)), x),
        to_numpy=to_numpy,
        flushes_subnormals=flushes,
        version=f"{keras.__version__} on {keras.backend.backend()}",
    )
