"""The TensorFlow backend: eager tensors, tf.Variable, and graph tensors inside tf.function.

Loaded only once a TensorFlow tensor arrives. Smooth activations compute in float64 and round
once (TensorFlow rounds gelu's constants to float32 first; this backend does not).

Gradients: ``tf.custom_gradient`` with ``dout * f'(x)`` written in differentiable tf ops, so
that nested GradientTapes give second derivatives. Framework quirks kept here: ``tf.where``
needs both branches as tensors of one dtype, ``tf.math.is_nan`` refuses integers, and there is
no ``hypot``.

Eager calls that no GradientTape records skip ``tf.custom_gradient`` (its Python closures cost
~0.3 ms a call); relu at default parameters then runs ``tf.nn.relu(x) + 0`` (tf.nn.relu alone
gives -0.0 for -0.0 in some positions of a tensor; adding +0 turns it into +0.0), called through
the generated op functions (``gen_nn_ops.relu``), which skip the public wrappers' dispatch.
No single TensorFlow op is this relu (tf.nn.relu, tf.maximum in either order, tf.clip_by_value
and tf.nn.leaky_relu(alpha=0) each give -0.0 somewhere), so it costs two ops: ~2x tf.nn.relu.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any, ClassVar

import tensorflow as tf

try:  # the op functions under tf.nn.relu and tf.add, without their dispatch wrappers
    from tensorflow.python.ops.gen_math_ops import add_v2 as _add
    from tensorflow.python.ops.gen_nn_ops import relu as _relu
except ImportError:  # pragma: no cover - a TensorFlow that moved them: the public functions
    _add, _relu = tf.math.add, tf.nn.relu

try:
    from tensorflow.python.eager.context import executing_eagerly as _eager
except ImportError:  # pragma: no cover
    _eager = tf.executing_eagerly

try:  # recording paused for tapes and forward accumulators alike
    from tensorflow.python.eager.record import stop_recording as _stop_recording
except ImportError:  # pragma: no cover - a TensorFlow that moved it: record as usual
    _stop_recording = contextlib.nullcontext

try:  # whether any GradientTape may record this op (the test tf.custom_gradient makes itself)
    from tensorflow.python.eager.record import could_possibly_record as _taping
except ImportError:  # pragma: no cover - a TensorFlow that moved it: always take the tape path

    def _taping() -> bool:
        return True


from ..._portable_mode import portable_active
from ..._spec import Spec
from .._base import Backend, is_param_array
from .._portable import portable_ops

__all__ = ["TensorflowBackend", "TensorflowOps"]

_PRECISION = {"float64": 53, "float32": 24, "float16": 11, "bfloat16": 8}


def _tensor(v: Any, like: Any) -> Any:
    return v if isinstance(v, (tf.Tensor, tf.Variable)) else tf.constant(v, dtype=like.dtype)


class TensorflowOps:
    @staticmethod
    def where(cond: Any, a: Any, b: Any) -> Any:
        like = a if isinstance(a, (tf.Tensor, tf.Variable)) else b
        return tf.where(cond, _tensor(a, like), _tensor(b, like))

    @staticmethod
    def full_like(x: Any, v: Any) -> Any:
        return tf.fill(tf.shape(x), tf.constant(v, dtype=x.dtype))

    @staticmethod
    def isnan(x: Any) -> Any:
        return tf.math.is_nan(x) if x.dtype.is_floating else tf.zeros_like(x, dtype=tf.bool)

    @staticmethod
    def isinf(x: Any) -> Any:
        return tf.math.is_inf(x) if x.dtype.is_floating else tf.zeros_like(x, dtype=tf.bool)

    abs = staticmethod(tf.abs)
    exp = staticmethod(tf.exp)
    expm1 = staticmethod(tf.math.expm1)
    log1p = staticmethod(tf.math.log1p)
    tanh = staticmethod(tf.tanh)
    erfc = staticmethod(tf.math.erfc)
    sqrt = staticmethod(tf.sqrt)
    floor = staticmethod(tf.math.floor)
    log = staticmethod(tf.math.log)
    stop_gradient = staticmethod(tf.stop_gradient)

    @staticmethod
    def round_to(x: Any, dtype: str) -> Any:
        return tf.cast(tf.cast(x, dtype), x.dtype)

    @staticmethod
    def amax(x: Any, axis: Any) -> Any:
        return tf.reduce_max(x, axis=axis, keepdims=True)

    @staticmethod
    def sum(x: Any, axis: Any) -> Any:
        return tf.reduce_sum(x, axis=axis, keepdims=True)

    @staticmethod
    def permute(x: Any, axes: tuple[int, ...]) -> Any:
        return tf.transpose(x, axes)

    @staticmethod
    def eye_like(x: Any, axis: int) -> Any:
        return tf.eye(tf.shape(x)[axis], dtype=x.dtype)  # a size known only when it runs too

    @staticmethod
    def hypot(x: Any, c: float) -> Any:
        # big * sqrt(1 + (small/big)^2); c > 0, so big > 0 and there is no 0/0. Selected with
        # where, not maximum/minimum, whose gradient at a tie goes to both sides.
        a = tf.abs(x)
        if isinstance(c, (tf.Tensor, tf.Variable)):  # a parameter given as a tensor
            c_t = tf.broadcast_to(tf.abs(tf.cast(c, x.dtype)), tf.shape(x))
        else:
            c_t = tf.fill(tf.shape(x), tf.constant(abs(c), dtype=x.dtype))
        above = a > c_t
        big = tf.where(above, a, c_t)
        small = tf.where(above, c_t, a)
        q = small / big
        return tf.where(tf.math.is_nan(x), x, big * tf.sqrt(q * q + 1))

    @staticmethod
    def precision(x: Any) -> int:
        return _PRECISION[x.dtype.name]


_zeros: dict[Any, Any] = {}


def _zero(dtype: Any) -> Any:
    """An eager +0 of dtype (made once: tf.zeros costs ~0.1 ms a call)."""
    z = _zeros.get(dtype)
    if z is None:
        z = _zeros[dtype] = tf.zeros((), dtype)
    return z


def _eager_relu(x: Any) -> Any:
    """relu at default parameters on an eager floating tensor: relu(x) + 0 in two native ops."""
    return _add(_relu(x), _zero(x.dtype))


class TensorflowBackend(Backend):
    name = "tensorflow"
    precise = "float64"
    ops = TensorflowOps
    natives: ClassVar[Mapping[str, Any]] = {"relu": _eager_relu}

    def dtype_name(self, x: Any) -> str:
        return str(x.dtype.name)

    def astype(self, x: Any, dtype: str) -> Any:
        return tf.cast(x, dtype)

    def asarray(self, obj: Any, like: Any) -> Any:
        dtype = like.dtype if like.dtype.is_floating else None
        return tf.convert_to_tensor(obj, dtype=dtype)

    def shape(self, x: Any) -> tuple[Any, ...] | None:
        return None if x.shape.rank is None else tuple(x.shape)

    def sum_to_shape(self, a: Any, shape: tuple[int, ...]) -> Any:
        if a.shape.rank is not None:
            return super().sum_to_shape(a, shape)
        # rank unknown until the graph runs (tf.function with TensorSpec(None)): the axes
        # that broadcasting added, computed in the graph
        _, axes = tf.raw_ops.BroadcastGradientArgs(s0=tf.shape(a), s1=tf.constant(shape, tf.int32))
        return tf.reshape(tf.reduce_sum(a, axis=axes), shape)

    def sum_axes(self, a: Any, axes: tuple[int, ...], shape: tuple[int, ...]) -> Any:
        return tf.reshape(tf.reduce_sum(a, axis=axes), shape)

    def _param_grad(
        self, spec: Spec, name: str, value: Any, g: Any, xc: Any, p: Any, result: str
    ) -> Any:
        array = is_param_array(value)
        value = self._as_array(value, xc) if array else value
        if not array or self.shape(value) is not None:
            return super()._param_grad(spec, name, value, g, xc, p, result)
        # the parameter's rank is known only when the graph runs: reduce and reshape there
        term = g * spec.partials[name](self.ops, xc, p)
        _, axes = tf.raw_ops.BroadcastGradientArgs(s0=tf.shape(term), s1=tf.shape(value))
        grad = tf.reshape(tf.reduce_sum(term, axis=axes), tf.shape(value))
        own = self.dtype_name(value)
        return self._to(grad, own if own in _PRECISION else result)

    def fast(
        self, spec: Spec, kind: str, params: Mapping[str, Any], cls: type | None = None
    ) -> Any:
        """The public call's fast path: a native kernel at default parameters, eager, no tape
        recording."""
        kernel = self.natives.get(spec.name)
        if kernel is None or kind != "value":
            return None
        generic = self.value

        def value(x: Any, out: Any = None) -> Any:
            if (
                out is None
                and type(x) is _EagerTensor
                and x.dtype.is_floating
                and not _taping()
                and _eager()
            ):
                return kernel(x)
            return generic(spec, x, params, out)

        return value

    def value(self, spec: Spec, x: Any, params: Mapping[str, Any], out: Any = None) -> Any:
        if out is not None:
            raise TypeError(f"{spec.name}(): out= is supported for NumPy arrays only")
        twin = self.exported()
        if twin is not None:
            return twin.value(spec, x, params)
        x = tf.convert_to_tensor(x)  # a tf.Variable is read; the tape still sees it
        if not x.dtype.is_floating:
            return Backend.value(self, spec, x, params)
        if not _taping() and _eager():
            kernel = self.native(spec, params)
            if kernel is not None:
                return kernel(x)
            return Backend.value(self, spec, x, params)
        # parameters given as tensors or variables are inputs of the custom gradient (a
        # variable is read here, where the tape records it), the others are constants
        tensors = {
            k: tf.convert_to_tensor(v)
            for k, v in params.items()
            if isinstance(v, (tf.Tensor, tf.Variable))
        }
        static = {k: v for k, v in params.items() if k not in tensors}
        names = tuple(tensors)
        plain, vjp = Backend.value, self.vjp

        @tf.custom_gradient  # type: ignore[untyped-decorator]
        def f(x: Any, *values: Any) -> Any:
            p = {**static, **dict(zip(names, values, strict=True))}

            def grad(dout: Any) -> Any:
                return vjp(spec, x, dout, p, names)

            # unrecorded: a forward accumulator would otherwise differentiate the formula's own
            # ops (inf * 0 at the limits, relu'(NaN) = 1) instead of transposing grad
            with _stop_recording() if _eager() else contextlib.nullcontext():
                y = plain(self, spec, x, p)
            return y, grad

        return f(x, *tensors.values())

    def exported(self) -> Backend | None:
        return _PORTABLE if self is BACKEND and portable_active() else None

    def axis_call(self, formula: Any, key: tuple[Any, ...], *arrays: Any) -> Any:
        y = formula(key[1], *arrays)
        axes, ndim = key[2], arrays[0].shape.rank
        if key[:2] == ("softmax", "value") and axes in (
            (-1,),
            (None if ndim is None else ndim - 1,),
        ):
            # Keras' crossentropy losses (Keras 3 on TensorFlow, and Keras 2) take a softmax's
            # input from here and compute from the logits along the last axis, as for their
            # own softmax (which attaches them along any axis)
            with contextlib.suppress(AttributeError):
                y._keras_logits = arrays[0]
        return y


BACKEND = TensorflowBackend()


def _pow2(k: Any) -> Any:
    """2**k for integral float32 k in [-126, 127], exactly: the bits of the float."""
    return tf.bitcast(tf.cast(k + 127, tf.int32) * (1 << 23), tf.float32)


class _PortableBackend(TensorflowBackend):
    """Inside ``activations.portable()``: float32 computed in float32 with elementary ops
    (backends/_portable.py), graphs that TFLite's built-in ops can hold; exp among them, as
    the XNNPACK kernels that run TFLite's EXP are 23 ULP off and map NaN to 0."""

    precise = "float32"
    ops: Any = portable_ops(TensorflowOps, pow2=_pow2)
    natives: ClassVar[Mapping[str, Any]] = {}


_PORTABLE = _PortableBackend()

with tf.init_scope():  # eager even when this module is first imported inside a tf.function
    _EagerTensor = type(tf.constant(0.0))
