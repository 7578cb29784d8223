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

from collections.abc import Mapping
from typing import Any

import numpy as np
import pytensor
import pytensor.tensor as pt
from pytensor.compile.builders import OpFromGraph
from pytensor.compile.sharedvalue import SharedVariable
from pytensor.gradient import DisconnectedType, disconnected_type, zero_grad
from pytensor.graph.basic import Variable
from pytensor.graph.replace import graph_replace

from ..._dtypes import FORMATS
from ..._lru import Lru
from ..._spec import Spec
from .._base import Backend, _is_number, _rounded, is_param_array

__all__ = ["PytensorBackend", "PytensorOps", "is_pytensor_variable"]

GRAPHS = 256  # ops kept (each activation has a few parameter-name sets and input types)


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
    sqrt = staticmethod(pt.sqrt)
    floor = staticmethod(pt.floor)
    log = staticmethod(pt.log)
    stop_gradient = staticmethod(zero_grad)

    @staticmethod
    def round_to(x: Any, dtype: str) -> Any:
        return pt.cast(pt.cast(x, dtype), x.dtype)

    @staticmethod
    def amax(x: Any, axis: Any) -> Any:
        return pt.max(x, axis=axis, keepdims=True)

    @staticmethod
    def sum(x: Any, axis: Any) -> Any:
        return pt.sum(x, axis=axis, keepdims=True)

    @staticmethod
    def permute(x: Any, axes: tuple[int, ...]) -> Any:
        return x.transpose(axes)

    @staticmethod
    def eye_like(x: Any, axis: int) -> Any:
        return pt.eye(x.shape[axis], dtype=x.dtype)  # symbolic: any size

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
        # ops by (activation, fixed parameters, names of the free ones, input types)
        self._graphs: Lru[Any] = Lru(GRAPHS)

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
        value = _static(value if isinstance(value, Variable) else self.asarray(value, x))
        if not str(value.dtype).startswith(("float", "int", "uint")):
            raise TypeError(f"{spec.name}(): {name} must be a real array, got dtype {value.dtype}")
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

    def _cotangent(self, name: str, dout: Any, x: Any) -> Any:
        dout = dout if isinstance(dout, Variable) else self.asarray(dout, x)
        if str(dout.dtype) not in FORMATS and not str(dout.dtype).startswith(("int", "uint")):
            raise TypeError(
                f"{name}.vjp(): dout must be real (a floating or integer dtype), got "
                f"dtype {dout.dtype}"
            )
        ds, xs = dout.type.shape, x.type.shape  # static shapes, None where unknown
        if dout.ndim and (
            dout.ndim != x.ndim
            or any(d is not None and s is not None and d != s for d, s in zip(ds, xs, strict=True))
        ):
            raise ValueError(f"{name}.vjp(): dout has shape {ds}, x has shape {xs}")
        return dout

    def _flags(self, spec: Spec, dtype: str) -> Any:
        compute = self.compute_dtype(dtype, spec.piecewise) if dtype in FORMATS else "float64"
        return pytensor.config.change_flags(floatX=compute)

    def derivative(self, spec: Spec, x: Any, params: Mapping[str, Any]) -> Any:
        with self._flags(spec, self.dtype_name(x)):
            return Backend.derivative(self, spec, x, params)

    def vjp(
        self,
        spec: Spec,
        x: Any,
        dout: Any,
        params: Mapping[str, Any],
        wrt: tuple[str, ...] = (),
    ) -> Any:
        with self._flags(spec, self.dtype_name(x)):
            return Backend.vjp(self, spec, x, dout, params, wrt)

    def value(self, spec: Spec, x: Any, params: Mapping[str, Any], out: Any = None) -> Any:
        if out is not None:
            raise TypeError(f"{spec.name}(): out= is supported for NumPy arrays only")
        x = pt.as_tensor_variable(x)
        dtype = self.dtype_name(x)
        if dtype not in FORMATS:  # integers (or an error from plan)
            with self._flags(spec, dtype):
                return Backend.value(self, spec, x, params)
        # numbers are inputs of the op too (one op for every value of them), rounded to x's
        # dtype here, as constants of a type that holds them exactly; array parameters are
        # inputs that gradients flow to
        free = tuple(k for k, v in params.items() if _is_number(v))
        arrays = tuple(k for k, v in params.items() if is_param_array(v))
        carrier = "float64" if dtype == "float64" else "float32"
        args = [x] + [
            pt.constant(np.asarray(_rounded(spec, k, params[k], dtype), carrier)) for k in free
        ]
        for k in arrays:
            v = params[k]
            args.append(_static(v if isinstance(v, Variable) else self.asarray(v, x)))
        return self._op(spec, params, (free, arrays), tuple(args))(*args)

    def _op(
        self,
        spec: Spec,
        params: Mapping[str, Any],
        names: tuple[tuple[str, ...], tuple[str, ...]],
        args: tuple[Any, ...],
    ) -> Any:
        """An OpFromGraph of (x, *numbers, *array parameters) for this activation (cached)."""
        fixed = {k: v for k, v in params.items() if k not in names[0] + names[1]}
        key = (spec.name, tuple(sorted(fixed.items())), names, tuple(a.type for a in args))
        return self._graphs.get(key, lambda: self._make_op(spec, fixed, names, args))

    def _make_op(
        self,
        spec: Spec,
        fixed: dict[str, Any],
        names: tuple[tuple[str, ...], tuple[str, ...]],
        args: tuple[Any, ...],
    ) -> Any:
        inputs = [a.type() for a in args]
        free, arrays = names
        order = free + arrays

        def params_of(variables: list[Any]) -> dict[str, Any]:
            return {**fixed, **dict(zip(order, variables[1:], strict=True))}

        with self._flags(spec, self.dtype_name(inputs[0])):
            y = Backend.value(self, spec, inputs[0], params_of(inputs))

        def lop(inner: list[Any], outputs: list[Any], grads: list[Any]) -> list[Any]:
            result = self.vjp(spec, inner[0], grads[0], params_of(inner), arrays)
            dx, dparams = (result[0], list(result[1:])) if arrays else (result, [])
            # computed in a wider type: its own gradients must come back in x's
            # (the numbers are constants of the op: no gradient flows to them)
            constant = [False, *(True for _ in free), *(False for _ in arrays), False]
            dx, *dparams = _dtype_kept([dx, *dparams], [*inner, grads[0]], constant)
            return [dx, *(disconnected_type() for _ in free), *dparams]

        def rop(inner: list[Any], tangents: list[Any]) -> list[Any]:
            given = dict(zip(order, tangents[1:], strict=True))
            given = {k: t for k, t in given.items() if k in arrays and _connected(t)}
            tx = tangents[0] if _connected(tangents[0]) else None
            with self._flags(spec, self.dtype_name(inner[0])):
                return [Backend.jvp(self, spec, inner[0], tx, params_of(inner), given)]

        # the numbers are constants: no gradient flows to them
        pattern = [[True], *([False] for _ in free), *([True] for _ in arrays)]
        return OpFromGraph(
            inputs,
            [y],
            pullback=lop,
            pushforward=rop,
            connection_pattern=pattern,
            inline=True,
            name=spec.name,
        )

    def axis_call(self, formula: Any, key: tuple[Any, ...], *arrays: Any) -> Any:
        """softmax and log_softmax as an op whose gradient is the closed-form vjp in x's dtype
        (PyTensor's gradient of the float64 graph would come back in float64)."""
        kind = key[1]
        if kind != "value":
            return formula(kind, *arrays)
        x = pt.as_tensor_variable(arrays[0])
        op = self._graphs.get(("axis", *key, x.type), lambda: _axis_op(formula, x.type))
        return op(x)


def _axis_op(formula: Any, xtype: Any) -> Any:
    inp = xtype()

    def lop(inner: list[Any], outputs: list[Any], grads: list[Any]) -> list[Any]:
        if not _connected(grads[0]):
            return [disconnected_type()]
        dx = formula("vjp", inner[0], grads[0])
        return _dtype_kept([dx], [inner[0], grads[0]], [False, False])

    def rop(inner: list[Any], tangents: list[Any]) -> list[Any]:
        return [formula("jvp", inner[0], tangents[0])]

    return OpFromGraph([inp], [formula("value", inp)], pullback=lop, pushforward=rop, inline=True)


def _static(v: Any) -> Any:
    """A parameter with its size-1 axes known to be size 1: a shared variable's type leaves
    them open (it may be resized), and an open axis does not broadcast against x's."""
    v = pt.as_tensor_variable(v)
    if isinstance(v, SharedVariable):
        sizes = v.get_value(borrow=True).shape
        axes = [i for i, n in enumerate(sizes) if n == 1 and v.type.shape[i] != 1]
        if axes:
            return pt.specify_broadcastable(v, *axes)
    return v


def _dtype_kept(outputs: list[Any], sources: list[Any], constant: list[bool]) -> list[Any]:
    """``outputs`` (a graph of the root variables ``sources``) as an op whose gradients have
    their inputs' dtypes.

    A graph computed in a wider type than its inputs casts them up, and PyTensor's gradient of
    a cast keeps the wider type: a float32 input would get float64 second derivatives. (Third
    derivatives, gradients of these gradients, still come back in the wider type: wrapping them
    too trips PyTensor's gradient bookkeeping on piecewise graphs.)
    """
    placeholders = [v.type() for v in sources]
    inner = graph_replace(outputs, dict(zip(sources, placeholders, strict=True)), strict=False)

    def pullback(ins: list[Any], outs: list[Any], grads: list[Any]) -> list[Any]:
        known = {o: g for o, g in zip(outs, grads, strict=True) if _connected(g)}
        wrt = [v for v, c in zip(ins, constant, strict=True) if not c]
        if not known:
            return [disconnected_type() for _ in ins]
        computed: Any = pytensor.grad(
            None,
            wrt=wrt,
            known_grads=known,
            disconnected_inputs="ignore",
            return_disconnected="zero",
        )
        gs = iter(computed)
        return [
            disconnected_type() if c else next(gs).astype(v.dtype)
            for v, c in zip(ins, constant, strict=True)
        ]

    pattern = [[not c] * len(inner) for c in constant]
    op = OpFromGraph(
        placeholders,
        list(inner),
        inline=True,
        pullback=pullback,
        connection_pattern=pattern,
    )
    result = op(*sources)
    return list(result) if isinstance(result, (list, tuple)) else [result]


def _connected(t: Any) -> bool:
    return t is not None and not isinstance(t.type, DisconnectedType)


BACKEND = PytensorBackend()
