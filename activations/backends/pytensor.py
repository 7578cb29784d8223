"""The PyTensor backend (Theano's maintained successor): symbolic tensor variables.

Loaded only once a PyTensor variable arrives. Each call builds a small graph, wrapped in an
``OpFromGraph`` whose gradient is overridden with ``dout * f'(x)`` (PyTensor's own gradient of
``switch``/``maximum`` would give the wrong value at the kinks and for NaN). Compiled with
``pytensor.function`` the graph gives the NumPy backend's numbers.

Framework quirk kept here: PyTensor turns Python float literals into ``floatX`` constants
(float64 by default), which would silently widen float32 arithmetic; formulas are therefore
built under ``change_flags(floatX=<compute dtype>)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pytensor
import pytensor.tensor as pt
from pytensor.compile.builders import OpFromGraph
from pytensor.graph.basic import Variable

from .._dtypes import FORMATS
from .._spec import Spec
from ._base import Backend

__all__ = ["PytensorBackend", "PytensorOps", "is_pytensor_variable"]


def is_pytensor_variable(x: Any) -> bool:
    return isinstance(x, Variable)


class PytensorOps:
    where = staticmethod(pt.switch)

    @staticmethod
    def full_like(x: Any, v: Any) -> Any:
        return pt.full_like(x, v, dtype=x.dtype)

    isnan = staticmethod(pt.isnan)
    isinf = staticmethod(pt.isinf)
    abs = staticmethod(pt.abs)
    exp = staticmethod(pt.exp)
    expm1 = staticmethod(pt.expm1)
    log1p = staticmethod(pt.log1p)
    tanh = staticmethod(pt.tanh)
    erfc = staticmethod(pt.erfc)

    @staticmethod
    def hypot(x: Any, c: float) -> Any:
        # big * sqrt(1 + (small/big)^2), selected with switch (c > 0: no 0/0)
        a = pt.abs(x)
        c_t = pt.full_like(x, abs(c), dtype=x.dtype)
        above = a > c_t
        big = pt.switch(above, a, c_t)
        small = pt.switch(above, c_t, a)
        q = small / big  # pyright: ignore[reportOperatorIssue]
        return pt.switch(pt.isnan(x), x, big * pt.sqrt(q * q + 1))  # pyright: ignore[reportOperatorIssue]

    @staticmethod
    def precision(x: Any) -> int:
        return FORMATS[str(x.dtype)].mantissa_bits


class PytensorBackend(Backend):
    name = "pytensor"
    precise = "float64"
    ops = PytensorOps

    def __init__(self) -> None:
        self._graphs: dict[tuple[Any, ...], Callable[..., Any]] = {}

    def dtype_name(self, x: Any) -> str:
        return str(x.dtype)

    def astype(self, x: Any, dtype: str) -> Any:
        return pt.cast(x, dtype)

    def asarray(self, obj: Any, like: Any) -> Any:
        dtype = like.dtype if str(like.dtype).startswith("float") else None
        return pt.as_tensor_variable(np.asarray(obj, dtype=dtype))

    def shape(self, x: Any) -> tuple[int, ...]:
        return tuple(1 if b else -1 for b in x.type.broadcastable)  # static information only

    def sum_to_shape(self, a: Any, shape: tuple[int, ...]) -> Any:
        lead = a.ndim - len(shape)
        axes = list(range(lead)) + [lead + i for i, n in enumerate(shape) if n == 1]
        return pt.sum(a, axis=axes).reshape(shape) if axes else a  # pyright: ignore[reportAttributeAccessIssue]

    def _array_param(self, spec: Spec, name: str, value: Any, x: Any) -> Any:
        if not isinstance(value, Variable):
            value = self.asarray(value, x)
        if value.ndim > x.ndim:  # pyright: ignore[reportAttributeAccessIssue]
            raise ValueError(
                f"{spec.name}(): {name} has {value.ndim} dimensions, more than x's {x.ndim}"  # pyright: ignore[reportAttributeAccessIssue]
            )
        xs, ws = x.type.shape, value.type.shape  # static shapes, None where unknown
        if any(
            w is not None and s is not None and w not in (1, s)
            for w, s in zip(ws[::-1], xs[::-1], strict=False)
        ):
            raise ValueError(
                f"{spec.name}(): {name} of shape {ws} does not broadcast to x's shape {xs}; "
                f"for channels at axis 1 of x (N, C, ...), pass {name} reshaped to (C, 1, ...)"
            )
        return value

    def _cotangent(self, spec: Spec, dout: Any, x: Any) -> Any:
        dout = dout if isinstance(dout, Variable) else self.asarray(dout, x)
        ds, xs = dout.type.shape, x.type.shape  # static shapes, None where unknown
        if dout.ndim and (
            dout.ndim != x.ndim
            or any(d is not None and s is not None and d != s for d, s in zip(ds, xs, strict=True))
        ):
            raise ValueError(f"{spec.name}.vjp(): dout has shape {ds}, x has shape {xs}")
        return dout

    def _flags(self, spec: Spec, dtype: str) -> Any:
        compute = self.compute_dtype(dtype, spec.exact) if dtype in FORMATS else "float64"
        return pytensor.config.change_flags(floatX=compute)

    def derivative(self, spec: Spec, x: Any, params: Mapping[str, Any]) -> Any:
        with self._flags(spec, self.dtype_name(x)):
            return Backend.derivative(self, spec, x, params)

    def vjp(self, spec: Spec, x: Any, dout: Any, params: Mapping[str, Any]) -> Any:
        with self._flags(spec, self.dtype_name(x)):
            return Backend.vjp(self, spec, x, dout, params)

    def value(self, spec: Spec, x: Any, params: Mapping[str, Any], out: Any = None) -> Any:
        if out is not None:
            raise TypeError(f"{spec.name}(): out= is supported for NumPy arrays only")
        x = pt.as_tensor_variable(x)
        dtype = self.dtype_name(x)
        if dtype not in FORMATS:  # integers (or an error from plan)
            with self._flags(spec, dtype):
                return Backend.value(self, spec, x, params)
        if not spec.array_params:
            return self._op(spec, params, (x,))(x)
        w = params["weight"]
        w = w if isinstance(w, Variable) else self.asarray(w, x)
        return self._op(spec, params, (x, pt.as_tensor_variable(w)))(x, w)

    def _op(self, spec: Spec, params: Mapping[str, Any], args: tuple[Any, ...]) -> Any:
        """An OpFromGraph for this activation, parameters and input types (cached)."""
        fixed = {k: v for k, v in params.items() if k != "weight"}
        key = (spec.name, tuple(sorted(fixed.items())), tuple(a.type for a in args))
        op = self._graphs.get(key)
        if op is not None:
            return op
        inputs = [a.type() for a in args]
        p = {**fixed, "weight": inputs[1]} if spec.array_params else fixed
        with self._flags(spec, self.dtype_name(inputs[0])):
            y = Backend.value(self, spec, inputs[0], p)

        def lop(inner: list[Any], outputs: list[Any], grads: list[Any]) -> list[Any]:
            q = {**fixed, "weight": inner[1]} if spec.array_params else fixed
            result = self.vjp(spec, inner[0], grads[0], q)
            return list(result) if spec.array_params else [result]

        op = OpFromGraph(inputs, [y], pullback=lop, inline=True, name=spec.name)
        self._graphs[key] = op
        return op


BACKEND = PytensorBackend()
