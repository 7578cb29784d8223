"""The JAX backend: jax.Array and tracers (inside jit, grad, vmap).

Loaded only once a JAX array arrives. Each (activation, parameters) pair becomes one
``jax.custom_jvp`` function whose tangent is ``t * f'(x)`` (written in jnp ops, so that
``jax.hessian`` differentiates it again), wrapped in ``jax.jit`` and cached: eager calls run a
compiled kernel, and calls on tracers inline into the caller's trace.

Smooth activations compute in float64 and round once, also when x64 is disabled: the kernel
is traced under ``jax.enable_x64(True)``, so float64 exists inside it while its inputs and
outputs keep their dtypes (JAX's float32 erfc alone is off by up to 9 ULP). TPUs have no
float64; there the float32 formulas are used (gelu then exceeds the float32 bound by ~2 ULP).
A jit tracer is not a ``jax.Array`` subclass since jax 0.8.2, so dispatch lists
``jax.core.Tracer`` too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp

from .._spec import Spec
from ._base import Backend

__all__ = ["JaxBackend", "JaxOps", "is_jax_array"]

_PRECISION = {"float64": 53, "float32": 24, "float16": 11, "bfloat16": 8}
# the floating dtypes, for a set lookup (jnp.issubdtype costs ~2 us a call)
_FLOATING = frozenset(jnp.dtype(name) for name in _PRECISION)


def is_jax_array(x: Any) -> bool:
    return isinstance(x, (jax.Array, jax.core.Tracer))  # pyright: ignore[reportAttributeAccessIssue]


class JaxOps:
    where = staticmethod(jnp.where)
    full_like = staticmethod(jnp.full_like)
    isnan = staticmethod(jnp.isnan)
    isinf = staticmethod(jnp.isinf)
    abs = staticmethod(jnp.abs)
    exp = staticmethod(jnp.exp)
    expm1 = staticmethod(jnp.expm1)
    log1p = staticmethod(jnp.log1p)
    tanh = staticmethod(jnp.tanh)
    erfc = staticmethod(jsp.erfc)
    hypot = staticmethod(jnp.hypot)

    @staticmethod
    def precision(x: Any) -> int:
        return _PRECISION[x.dtype.name]


def _key(params: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((k, v) for k, v in params.items() if k != "weight"))


class JaxBackend(Backend):
    name = "jax"
    ops = JaxOps

    def __init__(self) -> None:
        self._kernels: dict[tuple[Any, ...], Callable[..., Any]] = {}

    @property  # JAX decides per platform
    def precise(self) -> str:  # type: ignore[override]
        return "float32" if jax.default_backend() == "tpu" else "float64"

    def dtype_name(self, x: Any) -> str:
        return str(x.dtype.name)

    def astype(self, x: Any, dtype: str) -> Any:
        return x.astype(dtype)

    def asarray(self, obj: Any, like: Any) -> Any:
        dtype = like.dtype if jnp.issubdtype(like.dtype, jnp.floating) else None
        return jnp.asarray(obj, dtype=dtype)

    def sum_axes(self, a: Any, axes: tuple[int, ...], shape: tuple[int, ...]) -> Any:
        return jnp.sum(a, axis=axes).reshape(shape)

    # --- kernels ----------------------------------------------------------------------------

    def _kernel(self, spec: Spec, params: Mapping[str, Any]) -> Callable[..., Any]:
        key = (spec.name, _key(params))
        kernel = self._kernels.get(key)
        if kernel is None:
            kernel = self._build(spec, dict(params))
            self._kernels[key] = kernel
        return kernel

    def _build(self, spec: Spec, params: dict[str, Any]) -> Callable[..., Any]:
        me = self
        x64 = self.precise == "float64"

        def plain_value(me: Backend, spec: Spec, x: Any, p: Mapping[str, Any]) -> Any:
            with jax.enable_x64(x64):
                return Backend.value(me, spec, x, p)

        def plain_vjp(me: Backend, spec: Spec, x: Any, t: Any, p: Mapping[str, Any]) -> Any:
            with jax.enable_x64(x64):
                return Backend.vjp(me, spec, x, t, p)

        if not spec.array_params:

            @jax.custom_jvp
            def f(x: Any) -> Any:
                return plain_value(me, spec, x, params)

            @f.defjvp
            def f_jvp(primals: Any, tangents: Any) -> Any:
                (x,), (t,) = primals, tangents
                return f(x), plain_vjp(me, spec, x, t, params)

            return jax.jit(f)

        @jax.custom_jvp
        def g(x: Any, w: Any) -> Any:
            return plain_value(me, spec, x, {**params, "weight": w})

        @g.defjvp
        def g_jvp(primals: Any, tangents: Any) -> Any:
            (x, w), (tx, tw) = primals, tangents
            p = {**params, "weight": w}
            dx = plain_vjp(me, spec, x, tx, p)[0]
            dw = me._to(tw, me.dtype_name(x)) * me._prelu_dweight(spec, x, p)
            return g(x, w), dx + dw

        return jax.jit(g)

    def _plain(self, kind: str, spec: Spec, params: Mapping[str, Any]) -> Callable[..., Any]:
        """A compiled derivative or vjp (they need no custom rule: autodiff goes through)."""
        key = (kind, spec.name, _key(params))
        kernel = self._kernels.get(key)
        if kernel is None:
            x64 = self.precise == "float64"
            fixed = {k: v for k, v in params.items() if k != "weight"}

            def run(x: Any, *rest: Any) -> Any:
                p = {**fixed, "weight": rest[-1]} if spec.array_params else fixed
                args = rest[:-1] if spec.array_params else rest
                with jax.enable_x64(x64):
                    if kind == "derivative":
                        return Backend.derivative(self, spec, x, p)
                    return Backend.vjp(self, spec, x, args[0], p)

            kernel = self._kernels[key] = jax.jit(run)
        return kernel

    def _weight_of(self, x: Any, params: Mapping[str, Any]) -> Any:
        w = params["weight"]
        return w if isinstance(w, (jax.Array, jax.core.Tracer)) else self.asarray(w, x)  # pyright: ignore[reportAttributeAccessIssue]

    def derivative(self, spec: Spec, x: Any, params: Mapping[str, Any]) -> Any:
        if x.dtype not in _FLOATING:
            return Backend.derivative(self, spec, x, params)
        weights = (self._weight_of(x, params),) if spec.array_params else ()
        return self._plain("derivative", spec, params)(x, *weights)

    def vjp(self, spec: Spec, x: Any, dout: Any, params: Mapping[str, Any]) -> Any:
        if x.dtype not in _FLOATING:
            return Backend.vjp(self, spec, x, dout, params)
        dout = self._cotangent(spec, dout, x)
        weights = (self._weight_of(x, params),) if spec.array_params else ()
        return self._plain("vjp", spec, params)(x, dout, *weights)

    def _prelu_dweight(self, spec: Spec, x: Any, p: Mapping[str, Any]) -> Any:
        from .._catalog import prelu_dweight

        return prelu_dweight(JaxOps, x)

    def fast(self, spec: Spec, kind: str, params: Mapping[str, Any]) -> Any:
        """The public call's path at default parameters: the compiled kernel, looked up once."""
        if kind != "value" or spec.array_params:
            return None
        kernel = self._kernel(spec, params)
        generic = self.value

        def value(x: Any, out: Any = None) -> Any:
            if out is None and x.dtype in _FLOATING:
                return kernel(x)
            return generic(spec, x, params, out)

        return value

    def value(self, spec: Spec, x: Any, params: Mapping[str, Any], out: Any = None) -> Any:
        if out is not None:
            raise TypeError(f"{spec.name}(): out= is supported for NumPy arrays only")
        if x.dtype not in _FLOATING:
            return Backend.value(self, spec, x, params)
        kernel = self._kernel(spec, params)
        if spec.array_params:
            return kernel(x, self._weight_of(x, params))
        return kernel(x)


BACKEND = JaxBackend()
