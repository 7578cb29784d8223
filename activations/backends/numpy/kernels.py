"""Native NumPy kernels for relu, chosen by probing NumPy, proven identical to the catalog.

The catalog's relu is ``where(x <= 0, +0, x)`` with relu'(x) = 1 for x > 0, +0 for x <= 0 and
NaN for NaN. The fastest NumPy idioms break that contract in version-dependent ways (see
docs/performance.md): ``np.maximum(x, 0)`` gives +0.0 for -0.0 in float32/float64 but -0.0 in
float16 with NumPy 2.4, ``np.clip`` gives -0.0, ``(x > 0).astype(...)`` loses NaN. So each kernel
here is used only after :func:`probe` has checked it on this NumPy, on every input class the
contract names (signed zeros, NaN of both signs, +-inf, subnormals) at every position of the
SIMD loops and their tails. A kernel that fails the probe is not used and the generic formula
runs instead; the conformance tests check the kernels that are used.

Compiled kernels come first: the ufuncs of the C extension ``_ufuncs`` (relu, its derivative and
its vjp for float16, float32 and float64, each one pass over memory), built by ``pip install``
where a C compiler is present. They pass the same probe; where the extension is absent (no
compiler at install time), fails the probe, or ``ACTIVATIONS_NUMPY_KERNELS=0`` is set when
this module is imported, the NumPy kernels below run instead (the same bits, slower). relu6,
hardtanh and leaky_relu at their default parameters have compiled kernels only (``FAMILY``),
and so have leaky_relu, prelu, hardtanh and threshold at any other parameters
(``PARAMETRIC``: the parameters are inputs of the ufuncs); without the extension they take the
generic formula.

Large arrays are split between threads (NumPy's ufuncs release the GIL): see ``threads``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

from .errstate import ignore, restore
from .threads import PARALLEL_MIN, parallel

__all__ = [
    "COMPILED",
    "COMPILED_PARALLEL_BYTES",
    "COMPILED_VJP_PARALLEL_BYTES",
    "FAMILY",
    "PARAMETRIC",
    "RELU",
    "TURNED_OFF",
    "Parametric",
    "fits",
]

Kernel = Callable[..., Any]


# ACTIVATIONS_NUMPY_KERNELS=0 when this module is imported: the compiled kernels stay unused
TURNED_OFF: bool = os.environ.get("ACTIVATIONS_NUMPY_KERNELS", "").strip() == "0"


def _load_compiled() -> Any:
    """The C extension's module, or None (not built, or turned off by the environment)."""
    if TURNED_OFF:
        return None
    try:
        from . import _ufuncs
    except ImportError:
        return None
    return _ufuncs


# The compiled kernels run at memory speed in one thread; a second thread pays once a call
# moves ~10 MiB (its inputs and its output): measured on 2 cores, a value or derivative gains
# 1.1-1.3x from 5-8 MB of x, a vjp (x and dout in, one out) 1.1-1.5x from 3-8 MB, 1.5-1.9x at
# 2.5e7 elements; below, waking the pool (50-90 us) costs more than the second core gives.
COMPILED_PARALLEL_BYTES = 5 << 20
"""Bytes of x from which a compiled value or derivative is split between threads."""
COMPILED_VJP_PARALLEL_BYTES = (10 << 20) // 3
"""Bytes of x from which a compiled vjp is split between threads."""

_compiled = _load_compiled()
COMPILED: bool = _compiled is not None
"""Whether the compiled ufuncs are loaded (they are used for each dtype that passes the probe)."""

# Below this size one ufunc call dominates: zeros of x's shape are cached so that maximum takes
# its vectorised array-array loop (the array-scalar loop is not vectorised in NumPy 2.x).
_SMALL = 4096
# Up to this many bytes (2**18 float32, 2**17 float64 elements) the array-array loop against a
# view of one cached zero buffer is 1.1-2x faster than the array-scalar loop; beyond, the
# extra input stream costs more than the loop saves.
_MID_BYTES = 1 << 20


def _relu_value(zero_first: bool) -> tuple[Kernel, dict[tuple[int, ...], np.ndarray]]:
    """relu(x) as np.maximum(x, 0) (or np.maximum(0, x): which one keeps +0 is probed), and
    the kernel's cache of small zero arrays by shape (see ``_Relu.small``)."""
    zeros: dict[tuple[int, ...], np.ndarray] = {}  # by shape; one dtype per kernel

    def small_zeros(x: np.ndarray) -> np.ndarray:
        z = zeros.get(x.shape)
        if z is None:
            if len(zeros) > 64:  # a cache, not a leak: many shapes reset it
                zeros.clear()
            z = zeros[x.shape] = np.zeros(x.shape, x.dtype)
            z.flags.writeable = False
        return z

    flat: list[np.ndarray] = []  # one read-only zero buffer of _MID_BYTES, made on first use

    def mid_zeros(x: np.ndarray) -> np.ndarray:
        if not flat:
            z = np.zeros(_MID_BYTES // x.itemsize, x.dtype)  # calloc: untouched pages cost no RAM
            z.flags.writeable = False
            flat.append(z)
        return flat[0][: x.size].reshape(x.shape)

    def span(x: np.ndarray, out: np.ndarray) -> None:
        if zero_first:
            np.maximum(0, x, out=out)
        else:
            np.maximum(x, 0, out=out)

    def kernel(x: np.ndarray, out: np.ndarray | None = None) -> Any:
        if x.size <= _SMALL:
            a, b = (small_zeros(x), x) if zero_first else (x, small_zeros(x))
            return np.maximum(a, b) if out is None else np.maximum(a, b, out=out)
        if x.size * x.itemsize <= _MID_BYTES and x.flags.c_contiguous:
            z = mid_zeros(x)  # a view: the array-array loop still wins while x fits in cache
            a, b = (z, x) if zero_first else (x, z)
            return np.maximum(a, b) if out is None else np.maximum(a, b, out=out)
        if x.size >= PARALLEL_MIN:
            result = np.empty_like(x) if out is None else out
            if parallel(span, x, result):
                return result
        if out is None:
            return np.maximum(0, x) if zero_first else np.maximum(x, 0)
        span(x, out)
        return out

    kernel.__name__ = "relu_max_0x" if zero_first else "relu_max_x0"
    return kernel, zeros


def _has_nan(x: np.ndarray) -> bool:
    """Whether x holds a NaN.

    Large arrays: one minimum reduction (NaN propagates through it), a single SIMD read of x
    that cannot overflow, so it needs no error-state guard (np.errstate costs ~2.5 us; the
    BLAS dot used before needed one). Small ones: isnan and count_nonzero, cheaper than a
    reduction's set-up.
    """
    if x.size <= 4096:
        return bool(np.count_nonzero(np.isnan(x)))
    return bool(np.isnan(np.minimum.reduce(x.reshape(-1))))


def _zero_of(dtype: np.dtype[Any]) -> np.ndarray:
    zero = np.zeros((), dtype)
    zero.flags.writeable = False
    return zero


# A 0-d zero of x's type for heaviside: NumPy 1's value-based casting would make a 0-d float32
# result float64 with a Python 0, and a 0-d array is the cheapest second operand (~290 ns a
# call at 16 elements against ~590 ns for x.dtype.type(0)). The kernels serve these two dtypes.
_ZEROS = {np.dtype(n): _zero_of(np.dtype(n)) for n in ("float32", "float64")}


def _relu_d(x: np.ndarray) -> Any:
    if x.size <= 128:
        # one ufunc call: +0 for x <= 0, 1 for x > 0, NaN kept (a signalling NaN raises
        # "invalid" in heaviside: silenced, as the formula is)
        token = ignore()
        try:
            return np.heaviside(x, _ZEROS[x.dtype])
        finally:
            restore(token)
    if x.size >= PARALLEL_MIN:
        out = np.empty_like(x)
        if parallel(_relu_d_span, x, out):
            return out
    out = (x > 0).astype(x.dtype)
    if _has_nan(x):
        np.copyto(out, x, where=np.isnan(x))
    return out


def _relu_d_span(x: np.ndarray, out: np.ndarray) -> None:
    np.copyto(out, x > 0)
    if _has_nan(x):
        np.copyto(out, x, where=np.isnan(x))


def fits(x: np.ndarray, dout: Any) -> bool:
    """Whether the vjp kernel takes this cotangent: an array of x's dtype and shape."""
    return type(dout) is np.ndarray and dout.dtype == x.dtype and dout.shape == x.shape


def _relu_vjp(x: np.ndarray, dout: np.ndarray) -> Any:
    token = ignore()  # dout * 0 is NaN for an infinite dout, silently
    try:
        if x.size <= 128:
            # two ufunc calls beat the NaN check
            return np.multiply(dout, np.heaviside(x, _ZEROS[x.dtype]))
        if x.size >= PARALLEL_MIN:
            out = np.empty_like(x)
            if parallel(_relu_vjp_span, x, dout, out):
                return out
        out = np.multiply(dout, x > 0)
        _vjp_nan(x, dout, out)
        return out
    finally:
        restore(token)


def _relu_vjp_span(x: np.ndarray, dout: np.ndarray, out: np.ndarray) -> None:
    # dout * 1 = dout and dout * 0 = +-0 (NaN for an infinite dout): dout * relu'(x) exactly,
    # except at NaN x, which is put back
    np.multiply(dout, x > 0, out=out)
    _vjp_nan(x, dout, out)


def _vjp_nan(x: np.ndarray, dout: np.ndarray, out: np.ndarray) -> None:
    if _has_nan(x):
        nan = np.isnan(x)
        np.copyto(out, dout * x, where=nan)


def _threaded_unary(ufunc: Any) -> Kernel:
    """``ufunc(x[, out])``, split between threads from COMPILED_PARALLEL_BYTES."""

    def kernel(x: np.ndarray, out: np.ndarray | None = None) -> Any:
        if x.nbytes >= COMPILED_PARALLEL_BYTES:
            result = np.empty_like(x) if out is None else out
            if not parallel(ufunc, x, result):
                ufunc(x, result)
            return result
        return ufunc(x) if out is None else ufunc(x, out)

    kernel.__name__ = f"compiled_{ufunc.__name__}"
    return kernel


def _threaded_binary(ufunc: Any) -> Kernel:
    """``ufunc(x, dout)``, split between threads from COMPILED_VJP_PARALLEL_BYTES."""

    def kernel(x: np.ndarray, dout: np.ndarray) -> Any:
        if x.nbytes >= COMPILED_VJP_PARALLEL_BYTES:
            result = np.empty_like(x)
            if not parallel(ufunc, x, dout, result):
                ufunc(x, dout, result)
            return result
        return ufunc(x, dout)

    kernel.__name__ = f"compiled_{ufunc.__name__}"
    return kernel


class _Kernels:
    """An activation's kernels that passed the probe, by kind and dtype (none: the formula)."""

    def __init__(self) -> None:
        self.value: dict[np.dtype[Any], Kernel] = {}
        self.derivative: dict[np.dtype[Any], Kernel] = {}
        self.vjp: dict[np.dtype[Any], Kernel] = {}
        # for dtypes whose value kernel is maximum(x, zeros): the kernel's cached zeros by
        # shape (arrays up to _SMALL elements), so that a caller can skip the kernel's frame
        self.small: dict[Any, dict[tuple[int, ...], np.ndarray]] = {}
        # for dtypes whose kernel is a compiled ufunc: the ufunc itself, by kind, which a
        # caller may call directly on arrays under the threads' cut (COMPILED_PARALLEL_BYTES,
        # COMPILED_VJP_PARALLEL_BYTES)
        self.ufuncs: dict[str, dict[np.dtype[Any], Any]] = {
            "value": {},
            "derivative": {},
            "vjp": {},
        }

    def _probe_compiled(
        self,
        name: str,
        dtype: np.dtype[Any],
        reference: Callable[[str, np.ndarray, np.ndarray | None], Any],
    ) -> None:
        """Keep the extension's ufuncs ``name``, ``name_derivative`` and ``name_vjp`` for
        ``dtype`` where they agree with ``reference`` (the value also into an ``out``)."""
        assert _compiled is not None
        value = getattr(_compiled, name)
        derivative = getattr(_compiled, f"{name}_derivative")
        vjp = getattr(_compiled, f"{name}_vjp")
        samples = _samples(dtype)
        douts = _douts(samples)
        if all(
            _same(value(x), y) and _same(value(x, np.empty_like(x)), y)
            for x, y in ((x, reference("value", x, None)) for x in samples)
        ):
            self.value[dtype] = _threaded_unary(value)
            self.ufuncs["value"][dtype] = value
        if all(_nan_same(derivative(x), reference("derivative", x, None)) for x in samples):
            self.derivative[dtype] = _threaded_unary(derivative)
            self.ufuncs["derivative"][dtype] = derivative
        if all(
            _nan_same(vjp(x, g), reference("vjp", x, g))
            for x, g in zip(samples, douts, strict=True)
        ):
            self.vjp[dtype] = _threaded_binary(vjp)
            self.ufuncs["vjp"][dtype] = vjp


class _Relu(_Kernels):
    """relu's kernels: the compiled ufuncs where they pass the probe, else NumPy's own."""

    def probe(self, reference: Callable[[str, np.ndarray, np.ndarray | None], Any]) -> None:
        """Keep the kernels that agree bit for bit with ``reference(kind, x, dout)`` on this NumPy.

        ``reference`` is the generic implementation of the catalog's relu (value, derivative, vjp).
        """
        with np.errstate(all="ignore"):
            for name in ("float16", "float32", "float64"):
                dtype = np.dtype(name)
                if _compiled is not None:
                    self._probe_compiled("relu", dtype, reference)
                if name == "float16":
                    continue  # NumPy's own kernels serve float32 and float64 only
                samples = _samples(dtype)
                douts = _douts(samples)
                if dtype not in self.value:
                    refs = [(x, reference("value", x, None)) for x in samples]
                    for zero_first in (False, True):
                        kernel, zeros = _relu_value(zero_first)
                        if all(_same(kernel(x), y) for x, y in refs):
                            self.value[dtype] = kernel
                            if not zero_first:
                                self.small[dtype] = zeros
                            break
                if dtype not in self.derivative and all(
                    _nan_same(_relu_d(x), reference("derivative", x, None)) for x in samples
                ):
                    self.derivative[dtype] = _relu_d
                if dtype not in self.vjp and all(
                    _nan_same(_relu_vjp(x, g), reference("vjp", x, g))
                    for x, g in zip(samples, douts, strict=True)
                ):
                    self.vjp[dtype] = _relu_vjp


RELU = _Relu()


class _Family(_Kernels):
    """The compiled kernels of a piecewise-linear activation at its default parameters
    (relu6, hardtanh, leaky_relu: float16, float32, float64), kept where they pass the probe."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def probe(self, reference: Callable[[str, np.ndarray, np.ndarray | None], Any]) -> None:
        """Keep the ufuncs that agree bit for bit with ``reference(kind, x, dout)``."""
        with np.errstate(all="ignore"):
            for name in ("float16", "float32", "float64"):
                self._probe_compiled(self.name, np.dtype(name), reference)


# relu6, hardtanh and leaky_relu at their default parameters: compiled kernels only
FAMILY: dict[str, _Family] = (
    {name: _Family(name) for name in ("relu6", "hardtanh", "leaky_relu")}
    if _compiled is not None
    else {}
)


Reference = Callable[[str, np.ndarray, "np.ndarray | None", dict[str, Any]], Any]


class Parametric:
    """An activation's compiled kernels at any parameters: the ufuncs ``<ufunc>``,
    ``<ufunc>_derivative`` and ``<ufunc>_vjp``, which take the parameters, rounded to x's
    dtype, as trailing inputs (0-d arrays, or arrays broadcast against x: prelu's weight).

    ``params`` names the parameters that the value takes, in order; the derivative and the
    vjp take the first ``derivative_params`` of them (threshold's value moves no slope).
    """

    def __init__(
        self, ufunc: str, params: tuple[str, ...], derivative_params: int | None = None
    ) -> None:
        assert _compiled is not None
        n = len(params) if derivative_params is None else derivative_params
        self.params = {"value": params, "derivative": params[:n], "vjp": params[:n]}
        self.ufuncs = {
            "value": getattr(_compiled, ufunc),
            "derivative": getattr(_compiled, f"{ufunc}_derivative"),
            "vjp": getattr(_compiled, f"{ufunc}_vjp"),
        }
        # the dtypes whose kernels passed the probe (only added to: readers test membership)
        self.dtypes: set[np.dtype[Any]] = set()

    def probe(
        self,
        reference: Reference,
        examples: list[dict[str, Any]],
        dtype: np.dtype[Any],
        weights: bool = False,
    ) -> None:
        """Keep ``dtype`` if the three ufuncs agree bit for bit with
        ``reference(kind, x, dout, params)`` at each of ``examples`` (parameter sets), and
        with ``weights``, at weights given as arrays: one per element of x (the contiguous
        loop), and a strided one (the strided loop)."""
        with np.errstate(all="ignore"):
            samples = _samples(dtype)[::5]  # every special value, fewer tail positions
            pairs = list(zip(samples, _douts(samples), strict=True))
            cases = [(params, x, g) for params in examples for x, g in pairs]
            if weights:
                name = self.params["value"][0]
                for x, g in pairs:
                    w = np.linspace(-0.5, 1.5, 2 * x.size).astype(dtype)
                    cases += [({name: w[: x.size]}, x, g), ({name: w[::2]}, x, g)]
            if all(self._agrees(reference, params, x, g) for params, x, g in cases):
                self.dtypes.add(dtype)

    def _agrees(
        self, reference: Reference, params: dict[str, Any], x: np.ndarray, g: np.ndarray
    ) -> bool:
        def args(kind: str) -> list[np.ndarray]:
            # the parameters rounded to x's dtype, as the generic path rounds them
            return [np.asarray(params[k]).astype(x.dtype) for k in self.params[kind]]

        value, derivative, vjp = self.ufuncs.values()
        return (
            _same(value(x, *args("value")), reference("value", x, None, params))
            and _nan_same(
                derivative(x, *args("derivative")), reference("derivative", x, None, params)
            )
            and _nan_same(vjp(x, g, *args("vjp")), reference("vjp", x, g, params))
        )

    def call(self, kind: str, x: np.ndarray, params: list[np.ndarray], *more: np.ndarray) -> Any:
        """The ufunc of ``kind`` on x (and dout, or out), split between threads from the cut;
        ``params`` as the ufunc takes them (of x's dtype, broadcast against x)."""
        ufunc = self.ufuncs[kind]
        cut = COMPILED_VJP_PARALLEL_BYTES if kind == "vjp" else COMPILED_PARALLEL_BYTES
        if x.nbytes >= cut and all(p.ndim == 0 for p in params):
            arrays = (x, more[0]) if kind == "vjp" else (x,)
            out = more[-1] if kind == "value" and more else np.empty_like(x)

            def part(*parts: np.ndarray) -> None:
                ufunc(*parts[:-1], *params, parts[-1])

            if parallel(part, *arrays, out):
                return out
        if kind == "value" and more:
            return ufunc(x, *params, more[0])
        return ufunc(*(x, *more), *params) if kind == "vjp" else ufunc(x, *params)


# leaky_relu (and prelu: its weight is the slope), hardtanh and threshold at any parameters
PARAMETRIC: dict[str, Parametric] = (
    {
        "leaky_relu": Parametric("leaky_relu_at", ("negative_slope",)),
        "prelu": Parametric("leaky_relu_at", ("weight",)),
        "hardtanh": Parametric("hardtanh_at", ("min_val", "max_val")),
        "threshold": Parametric("threshold_at", ("threshold", "value"), 1),
    }
    if _compiled is not None
    else {}
)


def _samples(dtype: np.dtype[Any]) -> list[np.ndarray]:
    info = np.finfo(dtype)
    special = np.array(
        [-0.0, 0.0, np.nan, -np.nan, np.inf, -np.inf, -1.0, 1.0, info.tiny, -info.tiny,
         info.smallest_subnormal, -info.smallest_subnormal, info.max, -info.max, 0.5, -2.5,
         6.0, 7.0, 5.5, -1.5],
        dtype=dtype,
    )  # fmt: skip
    # every special value at every offset of loops unrolled up to 64 lanes, with tails
    out = [np.roll(np.resize(special, n), k) for n in (1, 7, 33, 100, 257) for k in range(16)]
    out.append(np.resize(special, _SMALL + 37))  # the large-array path
    return out


def _douts(samples: list[np.ndarray]) -> list[np.ndarray]:
    """Cotangents for the vjp probe: the samples moved, so that every pair of classes meets."""
    return [np.roll(x, 3)[::-1].copy() for x in samples]


def _same(a: Any, b: Any) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return bool(a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes())


def _nan_same(a: Any, b: Any) -> bool:
    """Equal bit patterns, any NaN matching any NaN."""
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    nan = np.isnan(a)
    return bool(np.array_equal(nan, np.isnan(b)) and _same(a[~nan], b[~nan]))
