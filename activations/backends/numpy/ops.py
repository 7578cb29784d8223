"""The NumPy backend: NumPy arrays, NumPy scalars, and Python scalars and lists.

Smooth activations compute in float64 and round once; SciPy supplies erfc (gelu) and is
imported on the first call that needs it. ``out=`` is supported here and only here.

Speed: relu (default parameters) runs native kernels that a probe has proven identical to the
formula on this NumPy (``kernels``); smooth activations on large arrays run chunk by
chunk on every core (``threads``); :meth:`NumpyBackend.fast` serves the public call's
no-parameter fast path.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from ..._spec import Spec
from .._base import Backend, is_param_array
from . import kernels
from .errstate import quiet
from .threads import PARALLEL_MIN, run_chunked

__all__ = ["NumpyBackend", "NumpyOps"]

_NP_DTYPES = {"float16": np.float16, "float32": np.float32, "float64": np.float64}


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
    sqrt = staticmethod(np.sqrt)
    floor = staticmethod(np.floor)
    hypot = staticmethod(np.hypot)
    erfc = staticmethod(_erfc)
    log = staticmethod(np.log)

    @staticmethod
    def round_to(x: Any, dtype: str) -> Any:
        return np.asarray(x).astype(_NP_DTYPES[dtype]).astype(x.dtype)

    @staticmethod
    def amax(x: Any, axis: Any) -> Any:
        return np.max(x, axis=axis, keepdims=True)

    @staticmethod
    def sum(x: Any, axis: Any) -> Any:
        return np.sum(x, axis=axis, keepdims=True)

    @staticmethod
    def permute(x: Any, axes: tuple[int, ...]) -> Any:
        return np.transpose(x, axes)

    @staticmethod
    def stop_gradient(x: Any) -> Any:
        return x

    @staticmethod
    def eye_like(x: Any, axis: int) -> Any:
        return np.eye(x.shape[axis], dtype=x.dtype)

    @staticmethod
    def precision(x: Any) -> int:
        """The significand bits of x's dtype (53 for float64)."""
        return int(np.finfo(x.dtype).nmant) + 1


class NumpyBackend(Backend):
    name = "numpy"
    precise = "float64"
    ops = NumpyOps
    natives: ClassVar[Mapping[str, Any]] = {"relu": kernels.RELU, **kernels.FAMILY}

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

    def axis_call(self, formula: Any, key: tuple[Any, ...], *arrays: Any) -> Any:
        # np.matrix has no keepdims reductions: computed as an ndarray, returned as a matrix
        matrix = isinstance(arrays[0], np.matrix)
        arrays = tuple(np.asarray(a) if isinstance(a, np.matrix) else a for a in arrays)
        with quiet():  # NaN from a slice of only -inf is the result, not a warning
            y = formula(key[1], *arrays)
        return np.asmatrix(y) if matrix and y.ndim == 2 else y

    def finish(self, y: Any, like: Any) -> Any:
        return y[()] if y.ndim == 0 else y

    # --- fast paths ---------------------------------------------------------------------

    def fast(
        self, spec: Spec, kind: str, params: Mapping[str, Any], cls: type | None = None
    ) -> Any:
        """A callable for ``kind`` ("value", "derivative", "vjp") at default parameters.

        It takes (x, out) for values and (x,) / (x, dout) otherwise, and falls back to the
        generic path for anything its kernel does not cover. None: no fast path.
        """
        native = self.natives.get(spec.name)
        if native is None or (
            cls is not None and issubclass(cls, np.ndarray) and cls is not np.ndarray
        ):
            return None  # ndarray subclasses (masked arrays, np.matrix) take the generic path
        _probe(spec)
        table = getattr(native, kind)
        generic = getattr(self, kind)
        # compiled ufuncs by dtype, called directly on arrays that one thread serves best
        direct = native.ufuncs[kind]
        big = kernels.COMPILED_PARALLEL_BYTES
        big_vjp = kernels.COMPILED_VJP_PARALLEL_BYTES
        if kind == "value":
            small, maximum = native.small, np.maximum

            def value(x: Any, out: Any = None) -> Any:
                # the small-array kernel inline (~250 ns of a 1 us call)
                dtype = getattr(x, "dtype", None)
                uf = direct.get(dtype)
                if out is None:
                    if uf is not None and x.nbytes < big:
                        return uf(x)
                    by_shape = small.get(dtype)
                    if by_shape is not None:
                        zeros = by_shape.get(x.shape)
                        if zeros is not None:
                            return maximum(x, zeros)
                    k = table.get(dtype)
                    return generic(spec, x, params, out) if k is None else k(x)
                if out is not x or _broadcast_view(x):
                    self._check_out(spec, np.asarray(x), out)
                try:  # in place: NumPy itself refuses a read-only x or one that is no array
                    if uf is not None and x.nbytes < big:
                        return uf(x, out)
                    by_shape = small.get(dtype)
                    if by_shape is not None:
                        zeros = by_shape.get(x.shape)
                        if zeros is not None:
                            return maximum(x, zeros, out=out)
                    k = table.get(dtype)
                    return generic(spec, x, params, out) if k is None else k(x, out)
                except (TypeError, ValueError):
                    self._check_out(spec, np.asarray(x), out)  # raises the library's error
                    raise

            return value
        if kind == "derivative":

            def derivative(x: Any) -> Any:
                dtype = getattr(x, "dtype", None)
                uf = direct.get(dtype)
                if uf is not None and x.nbytes < big:
                    return uf(x)
                k = table.get(dtype)
                return generic(spec, x, params) if k is None else k(x)

            return derivative

        fits = kernels.fits

        def vjp(x: Any, dout: Any) -> Any:
            dtype = getattr(x, "dtype", None)
            uf = direct.get(dtype)
            if uf is not None and x.nbytes < big_vjp and fits(x, dout):
                return uf(x, dout)
            k = table.get(dtype)
            if k is None or not fits(x, dout):
                return generic(spec, x, dout, params)
            return k(x, dout)

        return vjp

    def fast_params(self, spec: Spec, kind: str, cls: type) -> Any:
        """A callable for ``kind`` at parameters given as numbers (or prelu's weight as an
        array of x's dtype that broadcasts to x): ``(x, args, kwargs[, out])`` for values,
        ``(x, args, kwargs)`` and ``(x, dout, args, kwargs)`` otherwise. It returns
        NotImplemented for any call it does not serve (the generic path then binds, checks
        and raises as always). None: no such kernel.
        """
        kernel = kernels.PARAMETRIC.get(spec.name)
        if kernel is None or cls is not np.ndarray or (kind == "vjp" and spec.array_params):
            return None  # prelu's vjp also returns the weight's gradient: the generic path
        ufunc = kernel.ufuncs[kind]
        names = spec.param_names
        index = {n: i for i, n in enumerate(names)}
        defaults = [p.default for p in spec.params]
        # the ufunc takes the first `used` parameters, in the catalog's order
        used = len(kernel.params[kind])
        assert kernel.params[kind] == names[:used]
        weights = bool(spec.array_params)  # prelu: its weight may be an array
        prepare = spec.prepare  # the catalog's checks between parameters (hardtanh's bounds)
        dtypes = kernel.dtypes
        cut = (
            kernels.COMPILED_VJP_PARALLEL_BYTES
            if kind == "vjp"
            else kernels.COMPILED_PARALLEL_BYTES
        )

        def bound(x: np.ndarray, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
            """The ufunc's parameters for this call (numbers as scalars of x's dtype, rounded
            to nearest even as the generic path rounds them; a weight as an array of x's
            dtype), or None: the generic path decides."""
            dtype = x.dtype
            limit = _LIMITS.get(dtype)
            if limit is None or (dtype not in dtypes and not _parametric_ready(spec, dtype)):
                return None
            values: Any = args
            if kwargs or len(args) != len(names):
                if len(args) > len(names):
                    return None
                values = [*args, *defaults[len(args) :]]
                for k, v in kwargs.items():
                    i = index.get(k)
                    if i is None or i < len(args):
                        return None
                    values[i] = v
            for v in values:
                kind_of = type(v)
                if kind_of is float or kind_of is int:
                    if not -limit <= v <= limit:  # NaN, inf, or an overflow of x's dtype
                        return None
                elif kind_of in _NUMPY_NUMBERS:
                    if not -limit <= float(v) <= limit:  # compared as a Python float, silently
                        return None
                elif not (
                    weights and kind_of is np.ndarray and v.dtype == dtype and _widens_not(v, x)
                ):
                    return None  # a required one missing, an array, any other type
            if prepare is not None:
                try:
                    prepare(dict(zip(names, values, strict=True)))
                except (TypeError, ValueError):
                    return None  # the generic path raises the error
            t = dtype.type
            return [v if type(v) is np.ndarray else t(v) for v in values[:used]]

        if kind == "value":

            def value(x: Any, args: Any, kwargs: Any, out: Any = None) -> Any:
                ps = bound(x, args, kwargs)
                if ps is None:
                    return NotImplemented
                if out is None:
                    if x.nbytes < cut:
                        return ufunc(x, *ps)
                    return kernel.call(kind, x, _arrays(ps, x))
                if out is not x:
                    self._check_out(spec, x, out)
                elif not x.flags.writeable or _broadcast_view(x):
                    return NotImplemented  # the generic path raises the library's error
                if x.nbytes < cut:
                    return ufunc(x, *ps, out)
                return kernel.call(kind, x, _arrays(ps, x), out)

            return value
        if kind == "derivative":

            def derivative(x: Any, args: Any, kwargs: Any) -> Any:
                ps = bound(x, args, kwargs)
                if ps is None:
                    return NotImplemented
                if x.nbytes < cut:
                    return ufunc(x, *ps)
                return kernel.call(kind, x, _arrays(ps, x))

            return derivative

        fits = kernels.fits

        def vjp(x: Any, dout: Any, args: Any, kwargs: Any) -> Any:
            if not fits(x, dout):
                return NotImplemented
            ps = bound(x, args, kwargs)
            if ps is None:
                return NotImplemented
            if x.nbytes < cut:
                return ufunc(x, dout, *ps)
            return kernel.call(kind, x, _arrays(ps, x), dout)

        return vjp

    def _native_kernel(self, kind: str, spec: Spec, x: Any, params: Mapping[str, Any]) -> Any:
        """The probed native kernel for this call, or None."""
        native = self.native(spec, params)
        if native is None:
            return None
        _probe(spec)
        return getattr(native, kind).get(getattr(x, "dtype", None))

    def _parametric(
        self, kind: str, spec: Spec, x: np.ndarray, params: Mapping[str, Any]
    ) -> list[np.ndarray] | None:
        """The parameters for the compiled kernel at these parameters (of x's dtype, as its
        ufunc takes them), or None where it does not serve this call."""
        kernel = kernels.PARAMETRIC.get(spec.name)
        if (
            kernel is None
            or type(x) is not np.ndarray
            or x.dtype not in _LIMITS
            or not _parametric_ready(spec, x.dtype)
        ):
            return None
        names = kernel.params[kind]
        if any(is_param_array(params[k]) for k in names if k not in spec.array_params):
            return None  # arrays of parameters (with gradients of their own): the formula
        # rounded to x's dtype (a number that overflows it is refused) and checked against x
        _, _, p = self.plan(spec, x, params)
        ps = [np.asarray(p[k]).astype(x.dtype, copy=False) for k in names]
        if not all(_widens_not(q, x) for q in ps):
            return None  # a weight that widens the result: the formula's broadcasting
        return ps

    # --- the generic paths, chunked over threads for large arrays -------------------------

    # --- ndarray subclasses: computed on their data, returned as their class ----------------

    def value(self, spec: Spec, x: Any, params: Mapping[str, Any], out: Any = None) -> Any:
        if out is None and _subclass(x):
            return _as_class(self._value(spec, np.asarray(x), params), x)
        return self._value(spec, x, params, out)

    def derivative(self, spec: Spec, x: Any, params: Mapping[str, Any]) -> Any:
        if _subclass(x):
            return _as_class(self._derivative(spec, np.asarray(x), params), x)
        return self._derivative(spec, x, params)

    def vjp(
        self,
        spec: Spec,
        x: Any,
        dout: Any,
        params: Mapping[str, Any],
        wrt: tuple[str, ...] = (),
    ) -> Any:
        if not (_subclass(x) or _subclass(dout)):
            return self._vjp(spec, x, dout, params, wrt)
        like = x if _subclass(x) else dout
        mask = _mask(x, dout)
        if mask is not None:  # masked elements add nothing to a parameter's gradient
            x = np.where(mask, 1, np.ma.getdata(x)).astype(np.asarray(x).dtype)
            dout = np.where(mask, 0, np.ma.getdata(dout))
        result = self._vjp(spec, np.asarray(x), np.asarray(dout), params, wrt)
        if wrt:
            return (_as_class(result[0], like, mask), *result[1:])
        return _as_class(result, like, mask)

    # --- plain arrays ----------------------------------------------------------------------

    def _value(self, spec: Spec, x: Any, params: Mapping[str, Any], out: Any = None) -> Any:
        x = np.asarray(x)
        if out is not None:
            self._check_out(spec, x, out)
        k = self._native_kernel("value", spec, x, params)
        if k is not None:
            return k(x) if out is None else k(x, out)
        ps = self._parametric("value", spec, x, params)
        if ps is not None:
            return kernels.PARAMETRIC[spec.name].call(
                "value", x, ps, *(() if out is None else (out,))
            )
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

    def _derivative(self, spec: Spec, x: Any, params: Mapping[str, Any]) -> Any:
        x = np.asarray(x)
        k = self._native_kernel("derivative", spec, x, params)
        if k is not None:
            return k(x)
        ps = self._parametric("derivative", spec, x, params)
        if ps is not None:
            return kernels.PARAMETRIC[spec.name].call("derivative", x, ps)
        with quiet():
            term = lambda c, p: spec.derivative(NumpyOps, c, p)
            result = self._chunked(spec, x, params, term)
            return result if result is not None else super().derivative(spec, x, params)

    def _vjp(
        self,
        spec: Spec,
        x: Any,
        dout: Any,
        params: Mapping[str, Any],
        wrt: tuple[str, ...] = (),
    ) -> Any:
        x = np.asarray(x)
        k = None if wrt else self._native_kernel("vjp", spec, x, params)
        if k is not None and kernels.fits(x, dout):
            return k(x, dout)
        if (not wrt or wrt == spec.array_params) and kernels.fits(x, dout):
            ps = self._parametric("vjp", spec, x, params)
            if ps is not None:
                dx = kernels.PARAMETRIC[spec.name].call("vjp", x, ps, dout)
                if not wrt:
                    return dx
                # prelu: dx from the kernel, the weight's gradient from the formula
                _, compute, p = self.plan(spec, x, params)
                xc, g = self._to(x, compute), self._to(dout, compute)
                with quiet():
                    name = wrt[0]
                    return dx, self._param_grad(spec, name, params[name], g, xc, p, x.dtype.name)
        with quiet():
            result = None
            same = type(dout) is np.ndarray and dout.shape == x.shape and dout.dtype == x.dtype
            if same and not wrt:
                term = lambda c, p, g: g * spec.derivative(NumpyOps, c, p)
                result = self._chunked(spec, x, params, term, None, dout)
            return result if result is not None else super().vjp(spec, x, dout, params, wrt)

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
            not spec.piecewise
            and x.size >= PARALLEL_MIN
            and x.dtype.kind == "f"
            and not any(is_param_array(v) for v in params.values())
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
        if _broadcast_view(out):
            raise ValueError(
                f"{spec.name}(): out is a broadcast view (a stride of 0): several results would "
                "be written to one element. Pass a real array, e.g. np.empty_like(x)"
            )
        if out is not x and _partly_overlaps(x, out):
            raise ValueError(
                f"{spec.name}(): out overlaps x without being x: elements would be read after "
                "they were overwritten. Pass out=x (in place) or a separate array"
            )


def _arrays(params: Any, x: np.ndarray) -> list[np.ndarray]:
    """Parameters as arrays of x's dtype (numbers rounded to it)."""
    return [np.asarray(p, dtype=x.dtype) for p in params]


def _broadcast_view(x: np.ndarray) -> bool:
    """x repeats elements (a stride of 0 along a dimension of 2 or more): no place to write."""
    return (
        0 in x.strides
        and x.size > 1
        and any(s == 0 and n > 1 for s, n in zip(x.strides, x.shape, strict=True))
    )


def _widens_not(w: np.ndarray, x: np.ndarray) -> bool:
    """Whether w broadcasts to x's shape without widening it."""
    return w.ndim <= x.ndim and all(
        a == 1 or a == b for a, b in zip(w.shape[::-1], x.shape[::-1], strict=False)
    )


def _subclass(a: Any) -> bool:
    return isinstance(a, np.ndarray) and type(a) is not np.ndarray


def _mask(*arrays: Any) -> Any:
    """The union of the masks of the masked arrays among ``arrays`` (None: none is masked)."""
    masks = [np.ma.getmaskarray(a) for a in arrays if isinstance(a, np.ma.MaskedArray)]
    return np.logical_or.reduce(masks) if masks else None


def _as_class(y: Any, like: Any, mask: Any = None) -> Any:
    """A result as ``like``'s class: a view for ndarray subclasses (np.matrix, ...); a masked
    array gets ``like``'s mask (or ``mask``), as NumPy's ufuncs give."""
    y = np.asarray(y)
    if isinstance(like, np.ma.MaskedArray):
        m = np.ma.getmaskarray(like) if mask is None else mask
        return np.ma.MaskedArray(y, mask=np.array(m, copy=True))
    return y.view(type(like))


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

# the largest finite value of each floating dtype: a number beyond it may round to inf, which
# the generic path refuses
_LIMITS = {np.dtype(n): float(np.finfo(n).max) for n in ("float16", "float32", "float64")}
# NumPy's scalar types that are numbers (np.bool_ is not)
_NUMPY_NUMBERS = frozenset(
    t for t in np.sctypeDict.values() if issubclass(t, (np.floating, np.integer))
)

_probed: set[str] = set()


def _probe(spec: Spec) -> None:
    """Probe an activation's native kernels once (its first call on NumPy) against the
    generic path; the kernels that disagree stay unused."""
    if spec.name in _probed:
        return
    defaults = spec.defaults
    assert defaults is not None

    def reference(kind: str, x: Any, dout: Any) -> Any:
        if kind == "value":
            return Backend.value(BACKEND, spec, x, defaults)
        if kind == "derivative":
            return Backend.derivative(BACKEND, spec, x, defaults)
        return Backend.vjp(BACKEND, spec, x, dout, defaults)

    BACKEND.natives[spec.name].probe(reference)
    _probed.add(spec.name)


_probed_parametric: set[tuple[str, np.dtype[Any]]] = set()
_probe_lock = threading.Lock()


def _parametric_ready(spec: Spec, dtype: np.dtype[Any]) -> bool:
    """Whether the compiled kernels of ``spec`` at any parameters serve ``dtype``: probed once
    per dtype (on its first such call) against the generic path, at the activation's
    defaults, its examples, a zero slope and, for prelu, weights as arrays."""
    kernel = kernels.PARAMETRIC[spec.name]
    key = (spec.name, dtype)
    if key not in _probed_parametric:
        with _probe_lock:  # one probe, whichever thread calls first
            if key not in _probed_parametric:
                _probe_parametric(spec, kernel, dtype)
                _probed_parametric.add(key)
    return dtype in kernel.dtypes


def _probe_parametric(spec: Spec, kernel: kernels.Parametric, dtype: np.dtype[Any]) -> None:
    examples = [dict(spec.defaults)] if spec.defaults is not None else []
    examples += [spec.bind((), e) for e in spec.examples]
    with contextlib.suppress(ValueError):  # the first parameter at zero, where valid
        examples.append(spec.bind((), {**examples[0], kernel.params["value"][0]: 0.0}))

    def reference(kind: str, x: Any, dout: Any, params: dict[str, Any]) -> Any:
        if kind == "value":
            return Backend.value(BACKEND, spec, x, params)
        if kind == "derivative":
            return Backend.derivative(BACKEND, spec, x, params)
        return Backend.vjp(BACKEND, spec, x, dout, params)

    kernel.probe(reference, examples, dtype, weights=bool(spec.array_params))
