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
import numpy as np
from jax.custom_derivatives import SymbolicZero

from ..._lru import Lru
from ..._spec import Spec
from .._base import Backend, _is_number, _rounded, is_param_array

__all__ = ["JaxBackend", "JaxOps"]

_PRECISION = {"float64": 53, "float32": 24, "float16": 11, "bfloat16": 8}
# the floating dtypes, for a set lookup (jnp.issubdtype costs ~2 us a call)
_FLOATING = frozenset(jnp.dtype(name) for name in _PRECISION)
KERNELS = 256  # compiled kernels kept (each activation has a few parameter-name sets)


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
    sqrt = staticmethod(jnp.sqrt)
    floor = staticmethod(jnp.floor)
    hypot = staticmethod(jnp.hypot)
    log = staticmethod(jnp.log)
    stop_gradient = staticmethod(jax.lax.stop_gradient)

    @staticmethod
    def round_to(x: Any, dtype: str) -> Any:
        return x.astype(jnp.bfloat16 if dtype == "bfloat16" else dtype).astype(x.dtype)

    @staticmethod
    def amax(x: Any, axis: Any) -> Any:
        return jnp.max(x, axis=axis, keepdims=True)

    @staticmethod
    def sum(x: Any, axis: Any) -> Any:
        return jnp.sum(x, axis=axis, keepdims=True)

    @staticmethod
    def permute(x: Any, axes: tuple[int, ...]) -> Any:
        return jnp.transpose(x, axes)

    @staticmethod
    def eye_like(x: Any, axis: int) -> Any:
        return jnp.eye(x.shape[axis], dtype=x.dtype)

    @staticmethod
    def precision(x: Any) -> int:
        return _PRECISION[x.dtype.name]


class JaxBackend(Backend):
    name = "jax"
    ops = JaxOps

    def __init__(self) -> None:
        # compiled kernels by (kind, activation, fixed parameters, names of the free ones)
        self._kernels: Lru[Callable[..., Any]] = Lru(KERNELS)

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
    #
    # A kernel is compiled once per activation and set of parameter *names*: numeric parameters
    # are arguments of the compiled function (rounded to x's dtype on the host, so that every
    # value gives the number the other backends give), not constants baked into it, so that a
    # loop over many parameter values reuses one executable. Only the defaults' kernel (the
    # public call's fast path) has its parameters baked in.

    def _split(
        self, spec: Spec, params: Mapping[str, Any]
    ) -> tuple[dict[str, Any], tuple[str, ...], tuple[str, ...]]:
        """(parameters fixed in the kernel, names of the numbers passed at run time, names of
        the parameters given as arrays or tracers, passed at run time and differentiated)."""
        free = tuple(k for k, v in params.items() if _is_number(v))
        arrays = tuple(k for k, v in params.items() if is_param_array(v))
        fixed = {k: v for k, v in params.items() if k not in free and k not in arrays}
        return fixed, free, arrays

    def _values(
        self, spec: Spec, params: Mapping[str, Any], free: tuple[str, ...], dtype: Any
    ) -> list[Any]:
        """The free numbers rounded to x's dtype, as exact host scalars."""
        carrier = np.float64 if dtype == jnp.float64 else np.float32
        return [np.asarray(_rounded(spec, k, params[k], dtype.name), carrier) for k in free]

    def _compiled(
        self,
        kind: str,
        spec: Spec,
        fixed: Mapping[str, Any],
        names: tuple[tuple[str, ...], tuple[str, ...]],
        wrt: tuple[str, ...] = (),
    ) -> Callable[..., Any]:
        key = (kind, spec.name, tuple(sorted(fixed.items())), names, wrt)
        return self._kernels.get(key, lambda: self._build(kind, spec, dict(fixed), names, wrt))

    def _build(
        self,
        kind: str,
        spec: Spec,
        fixed: dict[str, Any],
        names: tuple[tuple[str, ...], tuple[str, ...]],
        wrt: tuple[str, ...],
    ) -> Callable[..., Any]:
        """jit(kind's function of (x, [dout], *free numbers, *array parameters))."""
        x64 = self.precise == "float64"
        order = names[0] + names[1]

        def params_of(values: Any) -> dict[str, Any]:
            return {**fixed, **dict(zip(order, values, strict=True))}

        if kind == "derivative":

            def derivative(x: Any, *values: Any) -> Any:
                with jax.enable_x64(x64):
                    return Backend.derivative(self, spec, x, params_of(values))

            return jax.jit(derivative)
        if kind == "vjp":

            def vjp(x: Any, dout: Any, *values: Any) -> Any:
                with jax.enable_x64(x64):
                    return Backend.vjp(self, spec, x, dout, params_of(values), wrt)

            return jax.jit(vjp)

        @jax.custom_jvp
        def f(x: Any, *values: Any) -> Any:
            with jax.enable_x64(x64):
                return Backend.value(self, spec, x, params_of(values))

        def f_jvp(primals: Any, tangents: Any) -> Any:
            (x, *values), (tx, *tvalues) = primals, tangents
            given = {
                n: t for n, t in zip(order, tvalues, strict=True) if not isinstance(t, SymbolicZero)
            }
            tx = None if isinstance(tx, SymbolicZero) else tx
            with jax.enable_x64(x64):
                dy = Backend.jvp(self, spec, x, tx, params_of(values), given)
            return f(x, *values), dy

        f.defjvp(f_jvp, symbolic_zeros=True)
        return jax.jit(f)

    def axis_call(self, formula: Any, key: tuple[Any, ...], *arrays: Any) -> Any:
        kernel = self._kernels.get(("axis", *key), lambda: self._axis_kernel(formula, key[1]))
        return kernel(*arrays)

    def _axis_kernel(self, formula: Any, kind: str) -> Callable[..., Any]:
        """jit(formula) traced under x64, its value with a jvp of the same formulas."""
        x64 = self.precise == "float64"
        if kind != "value":

            def other(*arrays: Any) -> Any:
                with jax.enable_x64(x64):
                    return formula(kind, *arrays)

            return jax.jit(other)

        @jax.custom_jvp
        def f(x: Any) -> Any:
            with jax.enable_x64(x64):
                return formula("value", x)

        def f_jvp(primals: Any, tangents: Any) -> Any:
            with jax.enable_x64(x64):
                return f(*primals), formula("jvp", *primals, *tangents)

        f.defjvp(f_jvp)
        return jax.jit(f)

    def _run(
        self,
        kind: str,
        spec: Spec,
        x: Any,
        params: Mapping[str, Any],
        *dout: Any,
        wrt: tuple[str, ...] = (),
    ) -> Any:
        fixed, free, arrays = self._split(spec, params)
        kernel = self._compiled(kind, spec, fixed, (free, arrays), wrt)
        values = self._values(spec, params, free, x.dtype)
        given = [self._as_array(params[k], x) for k in arrays]
        result = kernel(x, *dout, *values, *given)
        if kind == "vjp" and wrt:  # a number's gradient has the result's dtype (not its carrier's)
            dx = result[0]
            return (
                dx,
                *(
                    g.astype(dx.dtype) if k in free else g
                    for k, g in zip(wrt, result[1:], strict=True)
                ),
            )
        return result

    def derivative(self, spec: Spec, x: Any, params: Mapping[str, Any]) -> Any:
        if x.dtype not in _FLOATING:
            return Backend.derivative(self, spec, x, params)
        return self._run("derivative", spec, x, params)

    def vjp(
        self,
        spec: Spec,
        x: Any,
        dout: Any,
        params: Mapping[str, Any],
        wrt: tuple[str, ...] = (),
    ) -> Any:
        if x.dtype not in _FLOATING:
            return Backend.vjp(self, spec, x, dout, params, wrt)
        return self._run("vjp", spec, x, params, self._cotangent(spec.name, dout, x), wrt=wrt)

    def fast(
        self, spec: Spec, kind: str, params: Mapping[str, Any], cls: type | None = None
    ) -> Any:
        """The public call's path at default parameters: their kernel (parameters baked in),
        looked up once."""
        if kind != "value" or spec.array_params:
            return None
        kernel = self._compiled("value", spec, params, ((), ()))
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
        return self._run("value", spec, x, params)


BACKEND = JaxBackend()
