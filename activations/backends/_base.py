"""What every backend provides, and the one generic implementation they share.

A backend is a short class: how to read and change an array's dtype, how to make a scalar
constant, and an op set (``ops``) with the handful of functions the catalog's formulas use.
``Backend.value``/``derivative``/``vjp`` then apply any catalog entry under the contract's dtype
rules; a backend overrides them only to add its framework's gradient hook or a native fast path
that the conformance tests prove identical. An optional ``fast(spec, kind, params, cls=...)``
returns a callable for the public call without parameters on arrays of type ``cls``
(``params`` are the defaults), or None.

Rules (kept by every backend module):

- never import a framework that the caller has not already imported (dispatch sees the
  framework in ``sys.modules`` before a backend module is loaded);
- never move data to another framework, device or the host;
- keep the input's dtype: float16/bfloat16 compute in float32 and round once; smooth
  activations compute in ``precise`` (float64 where the framework has it) and round once.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from .._dtypes import FORMATS, INT_NAMES, round_to
from .._spec import RESULT_BITS, Spec, is_array

__all__ = ["Backend", "Ops", "is_param_array", "promote", "unsupported_dtype"]

_LOW_PRECISION = ("float16", "bfloat16")
# integer dtypes a framework computes with, where that is not all of them
_BACKEND_INTS = {"torch": ("int8", "int16", "int32", "int64", "uint8")}


class Ops:
    """The op set the catalog's formulas are written against (documentation of the names).

    where(cond, a, b)    one of a, b may be a scalar; the result has the array's dtype
    full_like(x, v)      an array like x filled with v
    isnan, isinf, abs, exp, expm1, log1p, tanh, erfc, sqrt, floor   elementwise
    hypot(x, c)          sqrt(x*x + c*c) without overflow; c a number or an array that
                         broadcasts against x
    precision(x)         the significand bits of x's dtype (53 for float64), a Python int
    round_to(x, dtype)   x rounded to the float dtype (a name), kept in x's dtype: the
                         rounding of an old library that computed in the narrower type

    For the activations along an axis (softmax, log_softmax; axis an int or a tuple of ints):

    log                  elementwise
    amax(x, axis)        the maximum along axis, keeping the reduced axes (size 1)
    sum(x, axis)         the sum along axis, keeping the reduced axes
    permute(x, axes)     the axes of x reordered (NumPy's transpose)
    stop_gradient(x)     x, a constant to autograd (x itself where there is no autograd)
    eye_like(x, axis)    the identity matrix of x's size along axis, x's dtype and device
    """


def unsupported_dtype(spec: Spec, dtype: str, backend: str) -> TypeError:
    if dtype in INT_NAMES and dtype not in _BACKEND_INTS.get(backend, INT_NAMES):
        return TypeError(
            f"{spec.name}() does not accept {dtype} input on the {backend} backend: the "
            f"framework has no comparison kernels for it. Cast x to int32, int64 or a floating "
            f"dtype first"
        )
    if dtype in INT_NAMES:
        return TypeError(
            f"{spec.name}() does not accept integer input (dtype {dtype}) with these parameters: "
            f"its result is not an integer. Cast x to a floating dtype first, e.g. "
            f"x.astype('float32')"
        )
    kind = "bool" if dtype == "bool" else "complex" if "complex" in dtype else "unsupported"
    return TypeError(
        f"{spec.name}() got {kind} input (dtype {dtype}) on the {backend} backend; "
        "supported dtypes are float16, bfloat16, float32 and float64 (and integers for relu, "
        "relu6, hardtanh, threshold and squared_relu). Cast x to a floating dtype first"
    )


def _is_number(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _int_params(spec: Spec, params: Mapping[str, Any], dtype: str) -> tuple[str, dict[str, int]]:
    """Parameters for integer input, and the integer dtype to compute in.

    Bounds are floored (``x <= 0.5`` is ``x <= 0`` for integers). A bound outside the dtype's
    range is kept exactly by computing in int64; a parameter that becomes an output
    (threshold's value) must fit the dtype.
    """
    info = np.iinfo(dtype)
    ints = {k: math.floor(v) for k, v in params.items() if _is_number(v)}
    outside = [k for k, n in ints.items() if not info.min <= n <= info.max]
    for k in outside:
        if any(p.name == k and p.output for p in spec.params):
            raise ValueError(
                f"{spec.name}(): {k}={params[k]!r} does not fit the input's dtype {dtype}"
            )
    return ("int64" if outside else dtype), ints


def _rounded(spec: Spec, name: str, value: float | int, dtype: str) -> float | int:
    """A number rounded to x's dtype; one that overflows it is refused (it would give inf or
    NaN from finite input)."""
    r = round_to(value, dtype)
    if not math.isfinite(r):
        raise ValueError(
            f"{spec.name}(): {name}={value!r} overflows x's dtype {dtype} (largest finite value "
            f"{FORMATS[dtype].max_value:.4g}); pass a smaller value or cast x to a wider dtype"
        )
    return r


def is_param_array(value: Any) -> bool:
    """A parameter given as an array (of any framework) or a list, not as a number."""
    return is_array(value) or isinstance(value, (list, tuple))


def promote(a: str, b: str) -> str:
    """The dtype of a result from dtypes a and b: the wider floating one (float16 with
    bfloat16: float32); an integer with a float: the float; two integers: NumPy's promotion
    (the wider integer; uint64 with a signed one: float64)."""
    fa, fb = a in FORMATS, b in FORMATS
    if a == b:
        return a
    if not fa and not fb:
        return str(np.promote_types(a, b)) if a in INT_NAMES and b in INT_NAMES else a
    if not fb:
        return a
    if not fa:
        return b
    if {a, b} == {"float16", "bfloat16"}:
        return "float32"
    return a if FORMATS[a].mantissa_bits >= FORMATS[b].mantissa_bits else b


def _known(n: Any) -> bool:
    return n is not None and n == n  # None: TensorFlow's unknown size, NaN: Dask's


def _same_shape(a: tuple[Any, ...] | None, b: tuple[Any, ...] | None) -> bool:
    """Whether two static shapes may be equal (unknown ranks and sizes match anything)."""
    if a is None or b is None:
        return True
    return len(a) == len(b) and all(
        p == q for p, q in zip(a, b, strict=True) if _known(p) and _known(q)
    )


def _broadcasts(w: tuple[Any, ...] | None, x: tuple[Any, ...] | None) -> bool:
    """Whether shape w may broadcast to shape x without changing x (unknowns match)."""
    if w is None or x is None:
        return True
    return len(w) <= len(x) and all(
        p in (1, q) for p, q in zip(w[::-1], x[::-1], strict=False) if _known(p) and _known(q)
    )


class Backend:
    """Base class of the backends; see the module docstring."""

    name: str = ""
    precise: str = "float64"  # the float type smooth activations are computed in
    ops: Any = None
    symbolic: bool = False  # arrays without data (Keras' symbolic tensors): calls build ops
    # softmax and log_softmax through its own axis_call, without the ops along an axis (Dask:
    # its blocks' backend on whole slices)
    along_axes: bool = False
    absorbs: tuple[str, ...] = ()  # backends whose arrays this one takes as its own (Dask: NumPy)
    # The catalog's activations this backend serves with its framework's own kernels, at their
    # default parameters: name -> the kernels (an object of the backend's). Each is probed
    # against the formula before its first use; the tests enumerate this table.
    natives: ClassVar[Mapping[str, Any]] = {}  # read only: torch.compile traces lookups in it

    def native(self, spec: Spec, params: Mapping[str, Any]) -> Any:
        """The native kernels declared for this call (``natives``, default parameters), or None."""
        kernels = self.natives.get(spec.name)
        return kernels if kernels is not None and spec.at_defaults(params) else None

    # --- per-framework hooks ------------------------------------------------------------

    def dtype_name(self, x: Any) -> str:
        raise NotImplementedError

    def astype(self, x: Any, dtype: str) -> Any:
        raise NotImplementedError

    def scalar(self, value: float | int, dtype: str) -> Any:
        """A parameter constant for formulas computing in ``dtype`` (already rounded)."""
        return value

    def asarray(self, obj: Any, like: Any) -> Any:
        """Turn a Python scalar or list into an array of ``like``'s framework and device."""
        raise NotImplementedError

    def shape(self, x: Any) -> tuple[Any, ...] | None:
        """The static shape: an entry is None (or NaN, for Dask) where a size is not known
        until the graph runs; None where not even the rank is known."""
        return tuple(x.shape)

    def sum_to_shape(self, a: Any, shape: tuple[int, ...]) -> Any:
        """Sum the broadcast dimensions of ``a`` away so that it has ``shape``."""
        have = self.shape(a)
        if have is None:
            raise ValueError("the rank of the gradient is not known: pass arrays of known rank")
        lead = len(have) - len(shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, n in enumerate(shape) if n == 1 and have[lead + i] != 1
        )
        return self.sum_axes(a, axes, shape) if axes else a

    def sum_axes(self, a: Any, axes: tuple[int, ...], shape: tuple[int, ...]) -> Any:
        """``a`` summed over ``axes`` and reshaped to ``shape`` (for :meth:`sum_to_shape`)."""
        raise NotImplementedError

    def exported(self) -> Backend | None:
        """The backend computing for a graph that leaves the framework, while one is traced
        (an ONNX export, ``activations.portable()``): float32 in float32 with elementary ops
        (backends/_portable.py). None otherwise, and for backends without one."""
        return None

    def concrete(self, x: Any) -> Backend:
        """The backend that computes on x (the Array API backend: the one of x's namespace)."""
        return self.exported() or self

    def smooth_dtype(self, x: Any, dtype: str) -> str:
        """The dtype a smooth function of x (of ``dtype``, floating) is computed in."""
        return self.compute_dtype(dtype, exact=False)

    def along_axis(self, activation: str, x: Any, axis: Any) -> Any:
        """A symbolic backend's operation applying an activation along an axis (Keras 3)."""
        raise NotImplementedError

    def axis_call(self, formula: Any, key: tuple[Any, ...], *arrays: Any) -> Any:
        """``formula(kind, *arrays)`` for an activation along an axis; ``key`` (name, kind,
        axes, dtypes) identifies it, for a backend that compiles it."""
        return formula(key[1], *arrays)

    def finish(self, y: Any, like: Any) -> Any:
        """Last touch on a result (NumPy returns 0-d results as scalars, like its ufuncs)."""
        return y

    # --- the generic implementation ------------------------------------------------------

    def compute_dtype(self, dtype: str, exact: bool) -> str:
        if exact:
            return "float32" if dtype in _LOW_PRECISION else dtype
        if FORMATS[dtype].mantissa_bits < FORMATS[self.precise].mantissa_bits:
            return self.precise
        return dtype

    def plan(
        self, spec: Spec, x: Any, params: Mapping[str, Any], result: str | None = None
    ) -> tuple[str, str, dict[str, Any]]:
        """(input dtype, compute dtype, parameters in the compute dtype).

        A number is rounded to x's dtype (rule 2; refused where that overflows) and becomes a
        constant of the compute dtype. An array parameter is checked against x, rounded to
        x's dtype and cast to the compute dtype, with casts the frameworks differentiate.
        ``result``: a wider floating dtype of the result (a vjp with a wider ``dout``), whose
        compute dtype is then used.
        """
        dtype = self.dtype_name(x)
        if dtype in FORMATS:
            compute = self.compute_dtype(result or dtype, spec.piecewise)
            p: dict[str, Any] = {}
            for k, v in params.items():
                if _is_number(v):
                    p[k] = self.scalar(_rounded(spec, k, v, dtype), compute)
                elif is_param_array(v):
                    p[k] = self._to(self._to(self._array_param(spec, k, v, x), dtype), compute)
                else:
                    p[k] = v
            p[RESULT_BITS] = FORMATS[result or dtype].mantissa_bits
        elif (
            dtype in INT_NAMES
            and dtype in _BACKEND_INTS.get(self.name, INT_NAMES)
            and spec.allows_integers(params)
        ):
            compute, ints = _int_params(spec, params, dtype)
            p = {k: self.scalar(ints[k], compute) if k in ints else v for k, v in params.items()}
        else:
            raise unsupported_dtype(spec, dtype, self.name)
        return dtype, compute, p

    def _as_array(self, value: Any, x: Any) -> Any:
        """A Python number, list or tuple as an array like x's; anything else as it is."""
        if _is_number(value) or isinstance(value, (list, tuple)):
            return self.asarray(value, x)
        return value

    def _array_param(self, spec: Spec, name: str, value: Any, x: Any) -> Any:
        value = self._as_array(value, x)
        wdtype = self.dtype_name(value)
        if wdtype not in FORMATS and wdtype not in INT_NAMES:
            raise TypeError(f"{spec.name}(): {name} must be a real array, got dtype {wdtype}")
        xs, ws = self.shape(x), self.shape(value)
        if not _broadcasts(ws, xs):
            raise ValueError(
                f"{spec.name}(): {name} of shape {ws} does not broadcast to x's shape {xs}; "
                f"for channels at axis 1 of x (N, C, ...), pass {name} reshaped to (C, 1, ...)"
            )
        return value

    def value(self, spec: Spec, x: Any, params: Mapping[str, Any], out: Any = None) -> Any:
        if out is not None:
            raise TypeError(f"{spec.name}(): out= is supported for NumPy arrays only")
        dtype, compute, p = self.plan(spec, x, params)
        y = spec.forward(self.ops, self._to(x, compute), p)
        return self.finish(self._to(y, dtype), x)

    def derivative(self, spec: Spec, x: Any, params: Mapping[str, Any]) -> Any:
        twin = self.exported()
        if twin is not None:
            return twin.derivative(spec, x, params)
        dtype, compute, p = self.plan(spec, x, params)
        d = spec.derivative(self.ops, self._to(x, compute), p)
        return self.finish(self._to(d, dtype), x)

    def vjp(
        self,
        spec: Spec,
        x: Any,
        dout: Any,
        params: Mapping[str, Any],
        wrt: tuple[str, ...] = (),
    ) -> Any:
        """dout * f'(x); with ``wrt`` (parameter names), ``(dx, *their gradients)``.

        The result's dtype is the promotion of x's and dout's (docs/conventions.md); a
        parameter's gradient has the parameter's shape and floating dtype (a number's: the
        result's dtype, 0-d).
        """
        twin = self.exported()
        if twin is not None:
            return twin.vjp(spec, x, dout, params, wrt)
        dtype = self.dtype_name(x)
        if dtype not in FORMATS and dtype not in INT_NAMES:
            raise unsupported_dtype(spec, dtype, self.name)  # x's error before dout's
        g = self._cotangent(spec.name, dout, x)
        result = self.result_dtype(dtype, dout, g)
        if result != dtype and dtype not in FORMATS:  # integer x: in dout's wider dtype
            x, dtype = self._to(x, result), result
        _, compute, p = self.plan(spec, x, params, result if result != dtype else None)
        xc = self._to(x, compute)
        g = self._to(g, compute)
        dx = self.finish(self._to(g * spec.derivative(self.ops, xc, p), result), x)
        if not wrt:
            return dx
        grads = [self._param_grad(spec, k, params[k], g, xc, p, result) for k in wrt]
        return (dx, *grads)

    def result_dtype(self, dtype: str, dout: Any, g: Any = None) -> str:
        """The dtype of a vjp of x (of ``dtype``) with ``dout`` (``g``: dout as an array): the
        promotion of the two; a number has no dtype of its own and takes x's (a floating
        one; else the framework's default type for it)."""
        if _is_number(dout) and dtype in FORMATS:
            return dtype
        return promote(dtype, self.dtype_name(dout if g is None else g))

    def _param_grad(
        self, spec: Spec, name: str, value: Any, g: Any, xc: Any, p: Any, result: str
    ) -> Any:
        """The gradient of one parameter: dout * df/dparam, summed to the parameter's shape."""
        term = g * spec.partials[name](self.ops, xc, p)
        if not is_param_array(value):
            return self.finish(self._to(self.sum_to_shape(term, ()), result), term)
        value = self._as_array(value, xc)
        shape = self.shape(value)
        if shape is None:
            raise ValueError(f"{spec.name}.vjp(): the rank of {name} must be known")
        own = self.dtype_name(value)
        grad = self._to(self.sum_to_shape(term, shape), own if own in FORMATS else result)
        return self.finish(grad, value)

    def jvp(
        self, spec: Spec, x: Any, tx: Any, params: Mapping[str, Any], tangents: Mapping[str, Any]
    ) -> Any:
        """The forward-mode tangent f'(x) tx + sum of df/dparam t_param, in x's dtype.

        ``tx`` may be None (x has no tangent); ``tangents`` holds the array parameters that
        have one. Autograd backends use it for forward-mode differentiation.
        """
        dtype, compute, p = self.plan(spec, x, params)
        xc = self._to(x, compute)
        out = None if tx is None else self._to(tx, compute) * spec.derivative(self.ops, xc, p)
        for name, t in tangents.items():
            term = self._to(t, compute) * spec.partials[name](self.ops, xc, p)
            out = term if out is None else out + term
        if out is None:
            out = spec.derivative(self.ops, xc, p) * 0
        return self.finish(self._to(out, dtype), x)

    def _cotangent(self, name: str, dout: Any, x: Any) -> Any:
        """dout checked against x (``name``: the function, for the messages)."""
        if _is_number(dout):
            return self.asarray(dout, x)  # a scalar cotangent broadcasts
        dout = self._as_array(dout, x)
        ddtype = self.dtype_name(dout)
        if ddtype not in FORMATS and ddtype not in INT_NAMES:
            raise TypeError(
                f"{name}.vjp(): dout must be real (a floating or integer dtype), got dtype {ddtype}"
            )
        ds, xs = self.shape(dout), self.shape(x)
        if not _same_shape(ds, xs):
            raise ValueError(f"{name}.vjp(): dout has shape {ds}, x has shape {xs}")
        return dout

    def _to(self, x: Any, dtype: str) -> Any:
        return x if self.dtype_name(x) == dtype else self.astype(x, dtype)
