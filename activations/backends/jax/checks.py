"""How the checks drive JAX: gradients through ``jax.vjp`` and ``jax.grad``, forward mode
through ``jax.jvp``; float64 inside ``jax.enable_x64``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..._conformance import Harness
from ..._conformance_ad import Ad
from . import LIBRARY, x64


def harness() -> Harness:
    def make(v: np.ndarray, dtype: str) -> Any:
        with x64(dtype):
            return jnp.asarray(np.asarray(v, dtype=np.float64)).astype(dtype)

    def value(f: Any, x: Any, kw: Mapping[str, Any]) -> Any:
        with x64(x.dtype):
            return f(x, **kw)

    def grad(f: Any, x: Any, kw: Mapping[str, Any]) -> Any:
        with x64(x.dtype):
            y, pullback = jax.vjp(lambda x: f(x, **kw), x)
            return pullback(jnp.ones_like(y))[0]

    def to_numpy(y: Any) -> np.ndarray:
        with x64(y.dtype):
            return np.asarray(y.astype(jnp.float32) if y.dtype == jnp.bfloat16 else y).astype(
                np.float64
            )

    return Harness(
        name="jax",
        dtypes=LIBRARY.dtypes,
        make=make,
        value=value,
        grad=grad,
        to_numpy=to_numpy,
        flushes_subnormals=LIBRARY.flushes_subnormals,
        version=jax.__version__,
    )


def ad() -> Ad:
    def param(v: float, x: Any, full: bool) -> Any:
        with x64(x.dtype):
            return jnp.full(x.shape if full else (), v, x.dtype)

    def param_grad(f: Any, x: Any, kw: dict[str, Any], name: str) -> Any:
        with x64(x.dtype):
            return jax.grad(lambda p: f(x, **{**kw, name: p}).sum())(kw[name])

    def jvp(f: Any, x: Any, kw: dict[str, Any]) -> Any:
        with x64(x.dtype):
            return jax.jvp(lambda t: f(t, **kw), (x,), (jnp.ones_like(x),))[1]

    def second(f: Any, x: Any, kw: dict[str, Any]) -> Any:
        with x64(x.dtype):
            d = jax.grad(lambda t: f(t, **kw).sum())
            return jax.grad(lambda t: d(t).sum())(x)

    return Ad(param=param, param_grad=param_grad, jvp=jvp, second=second)
