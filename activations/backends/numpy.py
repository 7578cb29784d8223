"""The NumPy backend: NumPy arrays, NumPy scalars, and Python scalars and lists.

Smooth activations compute in float64 and round once; SciPy supplies erfc (gelu) and is
imported on the first call that needs it. ``out=`` is supported here and only here.

Speed: relu (default parameters) runs native kernels that a probe has proven identical to the
formula on this NumPy (``_numpy_kernels``); smooth activations on large arrays run chunk by
chunk on every core (``_threads``); :meth:`NumpyBackend.fast` serves the public call's
no-parameter fast path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .._catalog import CATALOG
from .._spec import Spec
from . import _numpy_kernels as kernels
from ._base import Backend
from ._numpy_errstate import quiet
from ._threads import PARALLEL_MIN, run_chunked

__all__ = ["NumpyBackend", "NumpyOps", "is_numpy_array"]


def is_numpy_array(x: Any) -> bool:
    return isinstance(x, (np.ndarray, np.generic))


def _erfc(x: Any) -> Any:
    try:
        from scipy.special import erfc
    except ImportError as exc:  # pragma: no cover - scipy is a core dependency
        raise ImportError("gelu on NumPy arrays needs SciPy's erfc: pip install scipy") from exc
    NumpyOps.erfc = staticmethod(erfc)
    return erfc(x)


class NumpyOps:
    where = staticmethod(np.where)
    full_like = staticmethod(np.full_like)
    isnan = staticmethod(np.isnan)
    isinf = staticmethod(np.isinf)
    abs = staticmethod(np.abs)
    exp = staticmethod(np.exp)
    expm1 = staticmethod(np.expm1)
    log1p = staticmethod(np.log1p)
    tanh = staticmethod(np.tanh)
    hypot = staticmethod(np.hypot)
    erfc = staticmethod(_erfc)

    @staticmethod
    def precision(x: Any) -> int:
        """The significand bits of x's dtype (53 for float64)."""
        return int(np.finfo(x.dtype).nmant) + 1


class NumpyBackend(Backend):
    name = "numpy"
    precise = "float64"
    ops = NumpyOps

    def dtype_name(self, x: Any) -> str:
        return str(np.asarray(x).dtype.name if not hasattr(x, "dtype") else x.dtype.name)

    def astype(self, x: Any, dtype: str) -> Any:
        return np.asarray(x).astype(dtype, copy=False)

    def scalar(self, value: float | int, dtype: str) -> Any:
        return np.dtype(dtype).type(value)

    def asarray(self, obj: Any, like: Any = None) -> Any:
        return np.asarray(obj)

    def sum_axes(self, a: Any, axes: tuple[int, ...], shape: tuple[int, ...]) -> Any:
        return np.sum(a, axis=axes).reshape(shape)

    def finish(self, y: Any, like: Any) -> Any:
        return y[()] if y.ndim == 0 else y

    # --- fast paths ---------------------------------------------------------------------

    def fast(self, spec: Spec, kind: str, params: Mapping[str, Any]) -> Any:
        """A callable for ``kind`` ("value", "derivative", "vjp") at default parameters.

        It takes (x, out) for values and (x,) / (x, dout) otherwise, and falls back to the
        generic path for anything its kernel does not cover. None: no fast path.
        """
        if spec.name != "relu" or not _probed():
            return None
        table = getattr(kernels.RELU, kind)
        generic = getattr(self, kind)
        if kind == "value":
            small, maximum = kernels.RELU.small, np.maximum

            def value(x: Any, out: Any = None) -> Any:
                # the small-array kernel inline (~250 ns of a 1 us call); in place needs no
                # check: x is an array of its own dtype
                dtype = getattr(x, "dtype", None)
                by_shape = small.get(dtype)
                if by_shape is not None and (out is None or out is x):
                    zeros = by_shape.get(x.shape)
                    if zeros is not None:
                        return maximum(x, zeros) if out is None else maximum(x, zeros, out=x)
                k = table.get(dtype)
                if k is None:
                    return generic(spec, x, params, out)
                if out is None:
                    return k(x)
                if out is not x:  # in place needs no check: x is an array of its own dtype
                    self._check_out(spec, x, out)
                return k(x, out)

            return value
        if kind == "derivative":

            def derivative(x: Any) -> Any:
                k = table.get(getattr(x, "dtype", None))
                return generic(spec, x, params) if k is None else k(x)

            return derivative

        def vjp(x: Any, dout: Any) -> Any:
            k = table.get(getattr(x, "dtype", None))
            if k is None or not kernels.fits(x, dout):
                return generic(spec, x, dout, params)
            return k(x, dout)

        return vjp

    def _relu_kernel(self, kind: str, spec: Spec, x: Any, params: Mapping[str, Any]) -> Any:
        """The probed relu kernel for this call, or None."""
        if spec.name != "relu" or not spec.at_defaults(params) or not _probed():
            return None
        return getattr(kernels.RELU, kind).get(getattr(x, "dtype", None))

    # --- the generic paths, chunked over threads for large arrays -------------------------

    def value(self, spec: Spec, x: Any, params: Mapping[str, Any], out: Any = None) -> Any:
        x = np.asarray(x)
        if out is not None:
            self._check_out(spec, x, out)
        k = self._relu_kernel("value", spec, x, params)
        if k is not None:
            return k(x) if out is None else k(x, out)
        with quiet():
            result = self._chunked(spec, x, params, lambda c, p: spec.forward(NumpyOps, c, p), out)
            if result is not None:
                return result
            dtype, compute, p = self.plan(spec, x, params)
            y = spec.forward(NumpyOps, self._to(x, compute), p)
            if out is None:
                return self.finish(np.asarray(y).astype(dtype, copy=False), x)
            np.copyto(out, y, casting="unsafe")
        return out

    def derivative(self, spec: Spec, x: Any, params: Mapping[str, Any]) -> Any:
        x = np.asarray(x)
        k = self._relu_kernel("derivative", spec, x, params)
        if k is not None:
            return k(x)
        with quiet():
            term = lambda c, p: spec.derivative(NumpyOps, c, p)
            result = self._chunked(spec, x, params, term)
            return result if result is not None else super().derivative(spec, x, params)

    def vjp(self, spec: Spec, x: Any, dout: Any, params: Mapping[str, Any]) -> Any:
        x = np.asarray(x)
        k = self._relu_kernel("vjp", spec, x, params)
        if k is not None and kernels.fits(x, dout):
            return k(x, dout)
        with quiet():
            result = None
            if type(dout) is np.ndarray and dout.shape == x.shape and dout.dtype.kind == "f":
                term = lambda c, p, g: g * spec.derivative(NumpyOps, c, p)
                result = self._chunked(spec, x, params, term, None, dout)
            return result if result is not None else super().vjp(spec, x, dout, params)

    def _chunked(
        self,
        spec: Spec,
        x: np.ndarray,
        params: Mapping[str, Any],
        term: Any,
        out: np.ndarray | None = None,
        *more: np.ndarray,
    ) -> np.ndarray | None:
        """``term(x, p, *more)`` in the compute dtype, chunk by chunk on every core, into
        ``out`` (or a new array); None where that does not apply (small or exact cases)."""
        if not (
            not spec.exact
            and not spec.array_params
            and x.size >= PARALLEL_MIN
            and x.dtype.kind == "f"
        ):
            return None
        dtype, compute, p = self.plan(spec, x, params)
        result = np.empty(x.shape, dtype) if out is None else out

        def fn(c: np.ndarray, *m: np.ndarray) -> Any:
            return term(self._to(c, compute), p, *(self._to(g, compute) for g in m))

        return result if run_chunked(fn, x, *more, out=result) else None

    def _check_out(self, spec: Spec, x: np.ndarray, out: Any) -> None:
        if not isinstance(out, np.ndarray):
            raise TypeError(f"{spec.name}(): out must be a NumPy array, got {type(out).__name__}")
        if out.shape != x.shape:
            raise ValueError(f"{spec.name}(): out has shape {out.shape}, x has shape {x.shape}")
        if out.dtype != x.dtype:
            raise TypeError(
                f"{spec.name}(): out has dtype {out.dtype}, x has dtype {x.dtype}; "
                f"the result keeps x's dtype"
            )
        if not out.flags.writeable:
            raise ValueError(f"{spec.name}(): out is read-only")
        if out.size > 1 and any(
            stride == 0 and n > 1 for stride, n in zip(out.strides, out.shape, strict=True)
        ):
            raise ValueError(
                f"{spec.name}(): out is a broadcast view (a stride of 0): several results would "
                "be written to one element. Pass a real array, e.g. np.empty_like(x)"
            )
        if out is not x and _partly_overlaps(x, out):
            raise ValueError(
                f"{spec.name}(): out overlaps x without being x: elements would be read after "
                "they were overwritten. Pass out=x (in place) or a separate array"
            )


def _partly_overlaps(x: np.ndarray, out: np.ndarray) -> bool:
    """out shares memory with x but is not the same view of it (in place is out=x)."""
    if not np.may_share_memory(x, out):
        return False
    same_view = (
        x.__array_interface__["data"][0] == out.__array_interface__["data"][0]
        and x.strides == out.strides
        and x.shape == out.shape
    )
    return not same_view and bool(np.shares_memory(x, out))


BACKEND = NumpyBackend()

_probe_state: list[bool] = []


def _probed() -> bool:
    """Probe the relu kernels once (first relu call on NumPy), against the generic path."""
    if not _probe_state:
        spec = CATALOG["relu"]
        defaults = spec.defaults
        assert defaults is not None

        def reference(kind: str, x: Any, dout: Any) -> Any:
            if kind == "value":
                return Backend.value(BACKEND, spec, x, defaults)
            if kind == "derivative":
                return Backend.derivative(BACKEND, spec, x, defaults)
            return Backend.vjp(BACKEND, spec, x, dout, defaults)

        kernels.probe(reference)
        _probe_state.append(True)
    return True
