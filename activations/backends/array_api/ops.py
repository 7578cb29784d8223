"""The Array API backend: any array that implements the Python Array API standard.

Arrays with ``__array_namespace__`` (array-api-strict, CuPy, ndonnx, ...) land here when no
dedicated backend claims them. Only functions of the standard are used, through the array's
own namespace (or array-api-compat's wrapper of it where a library needs one), so results stay
on the array's device and keep its dtype: nothing is copied to the host.

The one function the catalog needs beyond the standard is erfc (gelu): the library's own is
used where there is one (CuPy's ``cupyx.scipy.special.erfc``, ``torch.special.erfc``), else an
implementation from standard functions (``erfc``, within 2 ULP in float64).

Smooth activations compute in float64 where the array's device has it (the standard's
inspection API says so) and round once; elsewhere in float32.
"""

from __future__ import annotations

import contextlib
import math
import numbers
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..._dtypes import FORMATS, INT_NAMES
from ..._spec import Spec
from .._base import Backend
from . import erfc as _erfc

__all__ = ["ArrayApiBackend", "NamespaceBackend", "namespace_of"]

_DTYPES = (*FORMATS, *INT_NAMES, "bool", "complex64", "complex128")  # the names to look up


def namespace_of(x: Any) -> Any:
    """x's Array API namespace: array-api-compat's wrapper where installed, else its own."""
    try:
        import array_api_compat
    except ImportError:
        return x.__array_namespace__()
    return array_api_compat.array_namespace(x)


def _native_erfc(xp: Any) -> Callable[[Any], Any] | None:
    """The library's own erfc, where it has one."""
    name = getattr(xp, "__name__", "")
    if "cupy" in name:
        try:
            from cupyx.scipy.special import erfc
        except ImportError:
            return None
        return erfc  # type: ignore[no-any-return]
    native = getattr(xp, "erfc", None)
    return native if callable(native) else None


class NamespaceOps:
    """The catalog's op set over one Array API namespace."""

    def __init__(self, xp: Any) -> None:
        self.xp = xp
        self.isnan, self.isinf, self.abs = xp.isnan, xp.isinf, xp.abs
        self.exp, self.expm1, self.log1p, self.tanh = xp.exp, xp.expm1, xp.log1p, xp.tanh
        self.sqrt, self.log, self.floor = xp.sqrt, xp.log, xp.floor
        self.full_like = xp.full_like
        self.permute = xp.permute_dims
        native = _native_erfc(xp)
        self.erfc: Callable[[Any], Any] = (
            native if native is not None else (lambda x: _erfc.erfc(self, x))
        )

    def where(self, cond: Any, a: Any, b: Any) -> Any:
        # scalars in where() are standard since 2024.12 only: made arrays here for older ones
        xp = self.xp
        if isinstance(a, numbers.Number):
            a = xp.asarray(a, dtype=b.dtype, device=b.device)
        elif isinstance(b, numbers.Number):
            b = xp.asarray(b, dtype=a.dtype, device=a.device)
        return xp.where(cond, a, b)

    def round_to(self, x: Any, dtype: str) -> Any:
        return self.xp.astype(self.xp.astype(x, getattr(self.xp, dtype)), x.dtype)

    def amax(self, x: Any, axis: Any) -> Any:
        return self.xp.max(x, axis=axis, keepdims=True)

    def sum(self, x: Any, axis: Any) -> Any:
        return self.xp.sum(x, axis=axis, keepdims=True)

    @staticmethod
    def stop_gradient(x: Any) -> Any:
        return x  # the standard has no autograd

    def eye_like(self, x: Any, axis: int) -> Any:
        return self.xp.eye(x.shape[axis], dtype=x.dtype, device=x.device)

    def hypot(self, x: Any, c: float) -> Any:
        hypot = getattr(self.xp, "hypot", None)  # standard since 2023.12
        if hypot is not None:
            return hypot(x, self.xp.asarray(c, dtype=x.dtype, device=x.device))
        big = self.xp.maximum(self.xp.abs(x), abs(c))
        small = self.xp.minimum(self.xp.abs(x), abs(c))
        ratio = small / self.xp.where(big == 0, self.xp.ones_like(big), big)
        return big * self.xp.sqrt(1.0 + ratio * ratio)

    def precision(self, x: Any) -> int:
        """The significand bits of x's dtype (53 for float64)."""
        return round(1 - math.log2(float(self.xp.finfo(x.dtype).eps)))


class NamespaceBackend(Backend):
    """The generic implementation over one namespace (one per namespace, made on demand)."""

    def __init__(self, xp: Any, name: str = "array_api") -> None:
        self.xp = xp
        self.name = name
        self.ops = NamespaceOps(xp)
        self._names: dict[Any, str] = {}
        self._by_name = {n: getattr(xp, n) for n in _DTYPES if hasattr(xp, n)}
        self.precise = "float64" if self._has_float64() else "float32"

    def _has_float64(self) -> bool:
        info = getattr(self.xp, "__array_namespace_info__", None)
        if info is None:
            return "float64" in self._by_name
        try:
            return "float64" in info().dtypes(kind="real floating")
        except Exception:  # an incomplete inspection API: trust the namespace's names
            return "float64" in self._by_name

    def dtype_name(self, x: Any) -> str:
        dtype = x.dtype
        try:
            return self._names[dtype]
        except (KeyError, TypeError):
            pass
        for name, d in self._by_name.items():
            if d == dtype:
                with contextlib.suppress(TypeError):  # unhashable: looked up each time
                    self._names[dtype] = name
                return name
        return str(dtype)

    def astype(self, x: Any, dtype: str) -> Any:
        if dtype not in self._by_name:
            raise TypeError(f"the {self.name} namespace {self.xp.__name__} has no {dtype}")
        return self.xp.astype(x, self._by_name[dtype])

    def asarray(self, obj: Any, like: Any) -> Any:
        floating = self.dtype_name(like) in ("float16", "bfloat16", "float32", "float64")
        dtype = like.dtype if floating else None
        return self.xp.asarray(obj, dtype=dtype, device=like.device)

    def sum_axes(self, a: Any, axes: tuple[int, ...], shape: tuple[int, ...]) -> Any:
        return self.xp.reshape(self.xp.sum(a, axis=axes), shape)

    def axis_call(self, formula: Any, key: tuple[Any, ...], *arrays: Any) -> Any:
        # NumPy's error state, for namespaces computing with NumPy underneath: NaN from a
        # slice of only -inf is the result, not a warning
        with np.errstate(all="ignore"):
            return formula(key[1], *arrays)


class ArrayApiBackend(Backend):
    """Routes each array to the :class:`NamespaceBackend` of its namespace."""

    name = "array_api"

    def __init__(self) -> None:
        self._spaces: dict[type, NamespaceBackend] = {}

    def of(self, x: Any) -> NamespaceBackend:
        """The backend for x's namespace."""
        try:
            return self._spaces[type(x)]
        except KeyError:
            pass
        xp = namespace_of(x)
        for b in self._spaces.values():
            if b.xp is xp:
                break
        else:
            b = NamespaceBackend(xp)
        self._spaces[type(x)] = b
        return b

    def dtype_name(self, x: Any) -> str:
        return self.of(x).dtype_name(x)

    def concrete(self, x: Any) -> Backend:
        return self.of(x)

    # NumPy's error state, for namespaces computing with NumPy underneath (array-api-strict):
    # inf * 0 and 1/0 in the unused branches of where() are expected, not warnings

    def value(self, spec: Spec, x: Any, params: Mapping[str, Any], out: Any = None) -> Any:
        with np.errstate(all="ignore"):
            return self.of(x).value(spec, x, params, out)

    def derivative(self, spec: Spec, x: Any, params: Mapping[str, Any]) -> Any:
        with np.errstate(all="ignore"):
            return self.of(x).derivative(spec, x, params)

    def vjp(
        self,
        spec: Spec,
        x: Any,
        dout: Any,
        params: Mapping[str, Any],
        wrt: tuple[str, ...] = (),
    ) -> Any:
        with np.errstate(all="ignore"):
            return self.of(x).vjp(spec, x, dout, params, wrt)


BACKEND = ArrayApiBackend()
