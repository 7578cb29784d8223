"""What every backend provides, and the one generic implementation they share.

A backend is a short class: how to read and change an array's dtype, how to make a scalar
constant, and an op set (``ops``) with the handful of functions the catalog's formulas use.
``Backend.value``/``derivative``/``vjp`` then apply any catalog entry under the contract's dtype
rules; a backend overrides them only to add its framework's gradient hook or a native fast path
that the conformance tests prove identical. An optional ``fast(spec, kind, params)`` returns a
callable for the public call without parameters (``params`` are the defaults), or None.

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
from typing import Any

import numpy as np

from .._dtypes import FORMATS, INT_NAMES, round_to
from .._spec import RESULT_BITS, Spec

__all__ = ["Backend", "Ops", "unsupported_dtype"]

_LOW_PRECISION = ("float16", "bfloat16")


class Ops:
    """The op set the catalog's formulas are written against (documentation of the names).

    where(cond, a, b)    one of a, b may be a scalar; the result has the array's dtype
    full_like(x, v)      an array like x filled with v
    isnan, isinf, abs, exp, expm1, log1p, tanh, erfc   elementwise
    hypot(x, c)          sqrt(x*x + c*c) without overflow, c a Python float
    precision(x)         the significand bits of x's dtype (53 for float64), a Python int
    """


def unsupported_dtype(spec: Spec, dtype: str, backend: str) -> TypeError:
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


class Backend:
    """Base class of the backends; see the module docstring."""

    name: str = ""
    precise: str = "float64"  # the float type smooth activations are computed in
    ops: Any = None
    absorbs: tuple[str, ...] = ()  # backends whose arrays this one takes as its own (Dask: NumPy)

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

    def shape(self, x: Any) -> tuple[int, ...]:
        return tuple(x.shape)

    def sum_to_shape(self, a: Any, shape: tuple[int, ...]) -> Any:
        """Sum the broadcast dimensions of ``a`` away so that it has ``shape``."""
        have = self.shape(a)
        lead = len(have) - len(shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, n in enumerate(shape) if n == 1 and have[lead + i] != 1
        )
        return self.sum_axes(a, axes, shape) if axes else a

    def sum_axes(self, a: Any, axes: tuple[int, ...], shape: tuple[int, ...]) -> Any:
        """``a`` summed over ``axes`` and reshaped to ``shape`` (for :meth:`sum_to_shape`)."""
        raise NotImplementedError

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
        self, spec: Spec, x: Any, params: Mapping[str, Any]
    ) -> tuple[str, str, dict[str, Any]]:
        """(input dtype, compute dtype, parameters as constants of the compute dtype)."""
        dtype = self.dtype_name(x)
        if dtype in FORMATS:
            compute = self.compute_dtype(dtype, spec.exact)
            p = {
                k: self.scalar(round_to(v, dtype), compute) if _is_number(v) else v
                for k, v in params.items()
            }
            p[RESULT_BITS] = FORMATS[dtype].mantissa_bits
        elif dtype in INT_NAMES and spec.allows_integers(params):
            compute, ints = _int_params(spec, params, dtype)
            p = {k: self.scalar(ints[k], compute) if k in ints else v for k, v in params.items()}
        else:
            raise unsupported_dtype(spec, dtype, self.name)
        for k in spec.array_params:
            p[k] = self.astype(self._array_param(spec, k, params[k], x), compute)
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
        if len(ws) > len(xs) or any(
            w not in (1, s) for w, s in zip(ws[::-1], xs[::-1], strict=False)
        ):
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
        dtype, compute, p = self.plan(spec, x, params)
        d = spec.derivative(self.ops, self._to(x, compute), p)
        return self.finish(self._to(d, dtype), x)

    def vjp(self, spec: Spec, x: Any, dout: Any, params: Mapping[str, Any]) -> Any:
        from .._catalog import prelu_dweight

        dtype, compute, p = self.plan(spec, x, params)
        xc = self._to(x, compute)
        g = self._to(self._cotangent(spec, dout, x), compute)
        dx = self.finish(self._to(g * spec.derivative(self.ops, xc, p), dtype), x)
        if spec.name != "prelu":
            return dx
        weight = self._as_array(params["weight"], x)
        dw = self.sum_to_shape(g * prelu_dweight(self.ops, xc), self.shape(weight))
        return dx, self.finish(self._to(dw, self.dtype_name(weight)), weight)

    def _cotangent(self, spec: Spec, dout: Any, x: Any) -> Any:
        if _is_number(dout):
            return self.asarray(dout, x)  # a scalar cotangent broadcasts
        dout = self._as_array(dout, x)
        ds, xs = self.shape(dout), self.shape(x)
        if ds != xs:
            raise ValueError(f"{spec.name}.vjp(): dout has shape {ds}, x has shape {xs}")
        return dout

    def _to(self, x: Any, dtype: str) -> Any:
        return x if self.dtype_name(x) == dtype else self.astype(x, dtype)
