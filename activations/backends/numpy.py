"""The NumPy backend: NumPy arrays, NumPy scalars, and Python scalars and lists.

Smooth activations compute in float64 and round once; SciPy supplies erfc (gelu) and is
imported on the first call that needs it. ``out=`` is supported here and only here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .._spec import Spec
from ._base import Backend

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

    def sum_to_shape(self, a: Any, shape: tuple[int, ...]) -> Any:
        lead = a.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, n in enumerate(shape) if n == 1 and a.shape[lead + i] != 1
        )
        return np.sum(a, axis=axes).reshape(shape) if axes else a

    def finish(self, y: Any, like: Any) -> Any:
        return y[()] if y.ndim == 0 else y

    def value(self, spec: Spec, x: Any, params: Mapping[str, Any], out: Any = None) -> Any:
        x = np.asarray(x)
        if out is not None:
            self._check_out(spec, x, out)
        dtype, compute, p = self.plan(spec, x, params)
        with np.errstate(all="ignore"):
            y = spec.forward(NumpyOps, self._to(x, compute), p)
            if out is None:
                return self.finish(np.asarray(y).astype(dtype, copy=False), x)
            np.copyto(out, y, casting="unsafe")
        return out

    def derivative(self, spec: Spec, x: Any, params: Mapping[str, Any]) -> Any:
        with np.errstate(all="ignore"):
            return super().derivative(spec, np.asarray(x), params)

    def vjp(self, spec: Spec, x: Any, dout: Any, params: Mapping[str, Any]) -> Any:
        with np.errstate(all="ignore"):
            return super().vjp(spec, np.asarray(x), dout, params)

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


BACKEND = NumpyBackend()
