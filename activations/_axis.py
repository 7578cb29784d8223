"""softmax and log_softmax: the activations that normalise along an axis.

They are not elementwise, so they are not catalog entries; each is defined once here, by a
formula on the backends' op set (``exp``, ``expm1``, ``log1p``, ``where`` and the axis ops
``amax``, ``sum``, ``stop_gradient``; see ``backends._base.Ops``), and follows the contract
of the smooth activations:

- the input picks the backend; the result has x's type, device, shape and dtype;
- computed in the backend's precise dtype (float64 where the framework has it) and rounded
  once to x's dtype; integer, bool and complex input is refused;
- the maximum along the axis is subtracted first (no overflow) and is a constant to autograd
  (softmax does not depend on it), so every framework's autograd, double backward, forward
  mode, jit, compile and export differentiate the formula itself;
- a slice containing NaN or +inf, or only -inf, gives NaN; -inf entries beside finite ones
  give 0 (softmax) and -inf (log_softmax), which is how masks are written;
- Dask computes each block with its own backend, rechunked to hold whole slices.

``derivative(x, axis)`` is the Jacobian along one axis and ``vjp(x, dout, axis)`` the
backward pass, in closed form, for code without autograd.
"""

from __future__ import annotations

import math
import operator
from typing import TYPE_CHECKING, Any, TypeVar, overload

import numpy as np

from ._dispatch import UnsupportedArrayType, backend_for, backend_of
from ._dtypes import FORMATS

if TYPE_CHECKING:
    import numpy.typing as npt

    from .backends._base import Backend

    Seq = list[Any] | tuple[Any, ...]

__all__ = ["AXIS_ACTIVATIONS", "AxisActivation", "log_softmax", "softmax"]

T = TypeVar("T")
Axis = int | tuple[int, ...]


class AxisActivation:
    """An activation that normalises along ``axis`` (an int or a tuple of ints, default -1).

    Module-level singletons that pickle by name, like the elementwise activations.
    """

    def __init__(self, name: str, summary: str, definition: str, example: str) -> None:
        self.__name__ = self.__qualname__ = name
        self.definition = definition
        self.__doc__ = "\n".join(
            [
                summary,
                "",
                f"Definition: {definition}, along ``axis`` (an int or a tuple of ints; "
                "default -1, the last).",
                "",
                "The result has x's type, device, shape and dtype (computed in float64 where "
                "the framework has it, rounded once). ``.derivative(x, axis)`` gives the "
                "Jacobian along one axis and ``.vjp(x, dout, axis)`` the backward pass, for "
                "code without autograd.",
                "",
                "Examples",
                "--------",
                ">>> import numpy as np, activations",
                f">>> activations.{name}(np.array([[0.0, 1.0], [2.0, 2.0]]))",
                example,
            ]
        )

    # --- the public calls ---------------------------------------------------------------

    @overload
    def __call__(self, x: Seq, axis: Axis = -1) -> npt.NDArray[np.floating[Any]]: ...
    @overload
    def __call__(self, x: T, axis: Axis = -1) -> T: ...

    def __call__(self, x: Any, axis: Any = -1, *extra: Any, **kwargs: Any) -> Any:
        self._no_extra("", extra, 2)
        self._no_keywords("", kwargs)
        x, backend = self._input(x)
        if backend.symbolic:  # a symbolic Keras tensor: an operation in the model
            self._axes(x, axis, backend, "")
            self._floating(str(x.dtype), "")
            return backend.along_axis(self.__name__, x, axis)
        b, dtype, compute, axes = self._plan(x, axis, backend, "")
        return self._run(b, "value", axes, compute, dtype, x)

    @overload
    def derivative(self, x: Seq, axis: int = -1) -> npt.NDArray[np.floating[Any]]: ...
    @overload
    def derivative(self, x: T, axis: int = -1) -> T: ...

    def derivative(self, x: Any, axis: Any = -1, *extra: Any, **kwargs: Any) -> Any:
        """The Jacobian along ``axis`` (one int): J[..., i, j] = d y_i / d x_j, with ``axis``
        moved last and a new last axis j, so that the result has shape
        ``x.shape without axis + (n, n)``, n the size along ``axis``."""
        self._no_extra(".derivative", extra, 2)
        self._no_keywords(".derivative", kwargs)
        x, backend = self._input(x)
        if not isinstance(axis, int) or isinstance(axis, bool):
            raise TypeError(
                f"{self.__name__}.derivative(): axis must be one int (the Jacobian is along "
                f"one axis), got {axis!r}; for several axes use vjp"
            )
        b, dtype, compute, axes = self._plan(x, axis, backend, ".derivative")
        if any(a < 0 for a in axes):  # the Jacobian's layout needs the rank
            raise ValueError(
                f"{self.__name__}.derivative(): the rank of x is not known; give the tensor a "
                "known rank"
            )
        return self._run(b, "derivative", axes, compute, dtype, x)

    @overload
    def vjp(self, x: Seq, dout: Any, axis: Axis = -1) -> npt.NDArray[np.floating[Any]]: ...
    @overload
    def vjp(self, x: T, dout: Any, axis: Axis = -1) -> T: ...

    def vjp(self, x: Any, dout: Any, axis: Any = -1, *extra: Any, **kwargs: Any) -> Any:
        """The backward pass: the gradient of sum(dout * f(x)) with respect to x.

        softmax: ``y * (dout - sum(dout * y, axis))``; log_softmax:
        ``dout - softmax(x) * sum(dout, axis)``. The result's dtype is the promotion of x's
        and dout's.
        """
        where = f"{self.__name__}.vjp()"
        self._no_extra(".vjp", extra, 3)
        self._no_keywords(".vjp", kwargs)
        if isinstance(dout, bool):
            raise TypeError(f"{where}: dout must be an array or a real number, got bool")
        x, backend = self._input(x, dout)
        b, dtype, _, axes = self._plan(x, axis, backend, ".vjp")
        g = b._cotangent(self.__name__, dout, x)
        result = b.result_dtype(dtype, dout, g)
        if not hasattr(dout, "shape"):  # a number: the sums along the axis need it spread
            g = b.ops.full_like(x, dout)
        compute = b.smooth_dtype(x, result)
        return self._run(b, "vjp", axes, compute, result, x, g)

    # --- the formulas ---------------------------------------------------------------------

    def _run(
        self, b: Backend, kind: str, axes: tuple[int, ...], compute: str, out: str, *arrays: Any
    ) -> Any:
        """One computation through the backend's hook (JAX compiles it, with its jvp)."""

        def formula(kind: str, *arrays: Any) -> Any:
            return self._formula(b, kind, axes, compute, out, *arrays)

        key = (self.__name__, kind, axes, compute, out)
        return b.finish(b.axis_call(formula, key, *arrays), arrays[0])

    def _formula(
        self, b: Backend, kind: str, axes: tuple[int, ...], compute: str, out: str, *arrays: Any
    ) -> Any:
        """``kind`` of the activation: "value" of x, "jvp" of (x, tangent), "vjp" of
        (x, cotangent), "derivative" of x (the Jacobian along ``axes[0]``), in ``out``."""
        ops = b.ops
        x, *more = (b._to(a, compute) for a in arrays)
        # float32 computed in float32 (exported graphs): exp(x - max) would turn the rounding
        # of x - max into a relative error of up to |x - max| ULPs; it is carried exactly
        carry = compute == "float32" and out == "float32"
        f = self._forward(ops, x, axes, carry)
        soft = self.__name__ == "softmax"
        if kind == "value":
            r = f
        elif kind in ("jvp", "vjp") and soft:  # the Jacobian is symmetric
            (t,) = more
            r = f * (t - ops.sum(t * f, axes))
        elif kind == "jvp":
            (t,) = more
            r = t - ops.sum(ops.exp(f) * t, axes)
        elif kind == "vjp":
            (g,) = more
            r = g - ops.exp(f) * ops.sum(g, axes)
        else:
            ndim = len(b.shape(x) or ())  # known: derivative() checked it
            order = (*(i for i in range(ndim) if i != axes[0]), axes[0])
            moved = ops.permute(f, order)
            eye = ops.eye_like(x, axes[0])
            if soft:
                r = moved[..., :, None] * (eye - moved[..., None, :])
            else:
                r = eye - ops.exp(moved)[..., None, :]
        return b._to(r, out)

    def _forward(self, ops: Any, x: Any, axes: tuple[int, ...], carry: bool = False) -> Any:
        # (an empty x has no maximum to subtract, and needs none)
        if not _size(x):
            return x
        m = ops.amax(ops.stop_gradient(x), axes)
        z = x - m
        err = None
        if carry:  # Knuth's two-sum: z + err = x - m exactly (0 where z is not finite)
            bv = z - x
            err = (x - (z - bv)) + (-m - bv)
            err = ops.where(ops.abs(z) < 3.0e38, err, 0.0)
        if self.__name__ == "softmax":
            if err is None:
                e = ops.exp(z)
                return e / ops.sum(e, axes)
            e = ops.exp(z) * (err + 1)
            return e / _sum_of_terms(ops, e, axes, _count(x, axes))
        # log(sum(exp(z))) = log(k + rest) = log(k) + log1p(rest / k), the k maxima's terms
        # (1 each) taken exactly: at a maximum log_softmax is -log(1 + tiny), which log(sum)
        # would round to 0. expm1 there keeps the terms' derivative, exp(0) = 1.
        at_max = z >= 0  # z <= 0: the maxima (PyTensor has no == on variables)
        e = ops.exp(z) if err is None else ops.exp(z) * (err + 1)
        rest = ops.sum(ops.where(at_max, ops.expm1(z), e), axes)
        k = ops.sum(ops.where(at_max, ops.full_like(z, 1.0), 0.0), axes)
        lse = ops.log(k) + ops.log1p(rest / k)
        if err is None:
            return z - lse
        return ops.where(err == 0, z - lse, (z - lse) + err)  # + 0.0 would turn -0.0 into 0.0

    # --- checks -----------------------------------------------------------------------

    def _no_extra(self, method: str, extra: tuple[Any, ...], most: int) -> None:
        if extra:
            raise TypeError(
                f"{self.__name__}{method}() takes at most {most} arguments ("
                f"{'x, dout, axis' if most == 3 else 'x, axis'}), got {most + len(extra)}; "
                f"{self.__name__} has no parameters"
            )

    def _no_keywords(self, method: str, kwargs: dict[str, Any]) -> None:
        if not kwargs:
            return
        name = next(iter(kwargs))
        hint = " (the axis is called axis here, as in NumPy and Keras)" if name == "dim" else ""
        raise TypeError(f"{self.__name__}{method}() got an unexpected keyword {name!r}{hint}")

    def _input(self, x: Any, *more: Any) -> tuple[Any, Backend]:
        if isinstance(x, (list, tuple, int, float)):  # Python numbers: NumPy, as elsewhere
            x = np.asarray(x)
        try:
            return x, (backend_for(x, *more) if more else backend_of(x))
        except UnsupportedArrayType as exc:
            shown = repr(x)
            shown = shown if len(shown) <= 40 else shown[:37] + "..."
            raise UnsupportedArrayType(
                f"{self.__name__}(): x must be an array, got {type(x).__name__} {shown}. "
                f"{str(exc)[:1].upper()}{str(exc)[1:]}",
                exc.cls,
            ) from None

    def _axes(self, x: Any, axis: Any, backend: Backend, method: str) -> tuple[int, ...]:
        """``axis`` as a tuple of non-negative ints; where x's rank is not known, negative
        ones (counted from the end) are kept as they are and others refused."""
        where = f"{self.__name__}{method}()"
        items = axis if isinstance(axis, tuple) else (axis,)
        try:
            ints = tuple(operator.index(a) for a in items if not isinstance(a, bool))
        except TypeError:
            ints = ()
        if len(ints) != len(items) or not ints:
            empty = " (an empty tuple names no axis)" if axis == () else ""
            raise TypeError(f"{where}: axis must be an int or a tuple of ints, got {axis!r}{empty}")
        shape = backend.shape(x)
        if shape is None:
            if any(a >= 0 for a in ints):
                raise ValueError(
                    f"{where}: the rank of x is not known, so axis {axis!r} cannot be placed; "
                    "count it from the end (axis=-1) or give the tensor a known rank"
                )
            if len(set(ints)) != len(ints):
                raise ValueError(f"{where}: axis {axis!r} names an axis twice")
            return ints
        ndim = len(shape)
        if ndim == 0:
            raise ValueError(f"{where}: x is 0-d; {self.__name__} normalises along an axis")
        if any(not -ndim <= a < ndim for a in ints):
            raise ValueError(f"{where}: axis {axis!r} is out of range for x with {ndim} axes")
        axes = tuple(a % ndim for a in ints)
        if len(set(axes)) != len(axes):
            raise ValueError(f"{where}: axis {axis!r} names an axis twice")
        return axes

    def _plan(
        self, x: Any, axis: Any, backend: Backend, method: str
    ) -> tuple[Backend, str, str, tuple[int, ...]]:
        """(the computing backend, x's dtype, the compute dtype, the axes)."""
        b = backend.concrete(x)
        if not (b.along_axes or hasattr(b.ops, "amax")):
            raise TypeError(f"{self.__name__}{method}() is not available for {b.name} arrays")
        axes = self._axes(x, axis, b, method)
        dtype = b.dtype_name(x)
        self._floating(dtype, method)
        return b, dtype, b.smooth_dtype(x, dtype), axes

    def _floating(self, dtype: str, method: str) -> None:
        if dtype not in FORMATS:
            raise TypeError(
                f"{self.__name__}{method}() needs float16, bfloat16, float32 or float64 input, "
                f"got dtype {dtype}; cast x to one of them first, e.g. x.astype('float32')"
            )

    # --- identity -----------------------------------------------------------------------

    def __repr__(self) -> str:
        return f"<activation {self.__name__} (along an axis)>"

    def __reduce__(self) -> str:
        return self.__name__  # the module-level object of activations._axis

    def get_config(self) -> dict[str, str]:  # Keras serialization of activation=softmax
        return {"name": self.__name__}

    @classmethod
    def from_config(cls, config: dict[str, str]) -> AxisActivation:
        return AXIS_ACTIVATIONS[config["name"]]


def _sum_of_terms(ops: Any, e: Any, axes: tuple[int, ...], count: int) -> Any:
    """The sum of float32 terms 0 <= e <= 1 (along ``axes``, ``count`` of them) to about one
    rounding, whatever order the reduction takes: their leading bits, on a grid of
    2**-(24 - ceil(log2(count))), add up exactly; the rest is below one grid step each."""
    scale = 2.0 ** (24 - max(1, math.ceil(math.log2(max(count, 2)))))
    lead = ops.floor(e * scale) * (1 / scale)
    return ops.sum(lead, axes) + ops.sum(e - lead, axes)


def _count(x: Any, axes: tuple[int, ...]) -> int:
    """The number of elements along ``axes``; 4096 where the shape is not static (a
    symbolic size is not converted: torch.export would specialize it)."""
    shape = getattr(x, "shape", None)
    try:
        sizes = [shape[a] for a in axes]  # type: ignore[index]
    except (TypeError, ValueError, IndexError):  # no shape, or one of unknown rank
        return 4096
    return math.prod(sizes) if all(type(n) is int for n in sizes) else 4096


def _size(x: Any) -> Any:
    """0 for an array known to be empty, else 1 (also where the shape is not known)."""
    shape = getattr(x, "shape", None)
    try:
        return 0 if shape is not None and any(n == 0 for n in shape) else 1
    except (TypeError, ValueError):  # a symbolic shape, or one of unknown rank
        return 1


# AutoGraph (tf.function) would rewrite these Python functions for nothing: they have no
# control flow on tensors
for _marked in (AxisActivation, AxisActivation.__call__, AxisActivation.derivative):
    setattr(_marked, "autograph_info__", {})  # noqa: B010
setattr(AxisActivation.vjp, "autograph_info__", {})  # noqa: B010
del _marked

softmax = AxisActivation(
    "softmax",
    "Softmax: exp(x) normalised to sum to 1 along an axis.",
    "exp(x - max(x)) / sum(exp(x - max(x)))",
    "array([[0.26894142, 0.73105858],\n       [0.5       , 0.5       ]])",
)
log_softmax = AxisActivation(
    "log_softmax",
    "Log-softmax: log(softmax(x)) without its underflow, along an axis.",
    "(x - max(x)) - log(sum(exp(x - max(x))))",
    "array([[-1.31326169, -0.31326169],\n       [-0.69314718, -0.69314718]])",
)
AXIS_ACTIVATIONS: dict[str, AxisActivation] = {"softmax": softmax, "log_softmax": log_softmax}
