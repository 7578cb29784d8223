"""Keras 2's activations (tf-keras, ``tf_keras.activations``), with Keras 2's numbers.

``from activations.compat import keras2``, then the Keras 2 names: ``relu``, ``elu``, ``selu``,
``softplus``, ``softsign``, ``swish`` (and ``silu``), ``gelu``, ``mish``, ``sigmoid``,
``hard_sigmoid``, ``tanh``, ``exponential``, ``linear``, ``relu6`` and ``softmax``, on every
backend.

``relu(x, alpha=0., max_value=None, threshold=0.)`` is ``tf_keras.backend.relu``, branch by
branch, values and TensorFlow gradients bit for bit:

- ``alpha != 0`` alone is ``tf.nn.leaky_relu``: ``x > 0 ? x : alpha*x``, slope ``alpha`` at 0
  and at NaN, with ``alpha`` rounded to float32 first (the op takes it as a float32 attribute,
  also for float64 input).
- Otherwise ``x * (x > threshold)`` (``relu(x)`` when ``threshold == 0``, ``relu6(x)`` when also
  ``max_value == 6``), clipped to ``[0, max_value]`` when ``max_value`` is given, minus
  ``alpha * relu(threshold - x)``. A negative threshold without ``max_value`` keeps x on
  ``(threshold, 0)``; with ``max_value`` the clip gives 0 there. The slope is 0 at the
  threshold and at NaN, 1 at ``x == max_value`` (the clip passes it; 0 at 6 for ``relu6``) and
  1 at ``x == 0`` above a negative threshold with ``max_value``. ``x * 0`` below a nonzero
  threshold is -0.0 for negative x and NaN at -inf.

``hard_sigmoid`` is ``clip(0.2*x + 0.5, 0, 1)`` (0.2 in x's dtype, a product then a sum), with
slope 0.2 up to and including the points where the clip is reached, bit for bit; so are
``relu6`` and ``linear`` (slope 0 and 1 at NaN). The smooth ones keep the main library's
accurate formulas and take TensorFlow's numbers where they differ in kind: ``selu``'s slope is
``scale`` at 0, at NaN and wherever ``exp(x)`` rounds to 1 (x in ``[-2**-25, 0]`` for float32);
``elu``'s slope at NaN is ``alpha``; ``swish``/``silu``, ``gelu`` and ``mish`` compute
``x * g(x)``, so their value is NaN at -inf and their slope NaN at +-inf. ``sigmoid``,
``tanh``, ``softplus`` and ``exponential`` are the main library's objects; ``softsign`` is
``x/(1 + |x|)`` as TensorFlow computes it, NaN at +-inf (the main library's gives +-1).
``softmax(x, axis=-1)`` is ``tf_keras.backend.softmax``: rank 0 or 1 raises Keras 2's
ValueError, ``axis`` is an int or a tuple of ints, and the numbers are ``activations.softmax``'s
(float64, rounded once; see ``Softmax`` for how far TensorFlow's float32 ones are).

Examples
--------
>>> import numpy as np
>>> from activations.compat import keras2
>>> keras2.relu(np.array([-2.0, -0.5, 1.0, 9.0]), threshold=-1.0)
array([-0. , -0.5,  1. ,  9. ])
>>> keras2.relu(np.array([-2.0, -0.5, 1.0, 9.0]), alpha=0.1, max_value=6.0, threshold=-1.0)
array([-0.1,  0. ,  1. ,  6. ])
>>> keras2.hard_sigmoid(np.array([-3.0, 1.0, 2.5]))
array([0. , 0.7, 1. ])
>>> keras2.softmax(np.array([[0.0, 1.0], [2.0, 2.0]]), axis=0)
array([[0.11920292, 0.26894142],
       [0.88079708, 0.73105858]])
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .. import elu as _elu
from .. import exponential, sigmoid, softplus, tanh
from .. import gelu as _gelu
from .. import linear as _linear
from .. import mish as _mish
from .. import relu6 as _relu6
from .. import selu as _selu
from .. import silu as _silu
from .._activation import Activation, register_compat
from .._axis import softmax as _softmax
from .._catalog import _if_zero, _keep_nan, _pick
from .._spec import RESULT_BITS, Param, Spec, are_numbers, real
from .theano import hard_sigmoid_line

__all__ = [
    "Softmax",
    "deserialize",
    "elu",
    "exponential",
    "gelu",
    "get",
    "hard_sigmoid",
    "linear",
    "mish",
    "relu",
    "relu6",
    "selu",
    "serialize",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "softsign",
    "swish",
    "tanh",
]

P = Mapping[str, Any]
Formula = Callable[[Any, Any, P], Any]

# --- relu ----------------------------------------------------------------------------------


def _leaky(m: Any, t: Any) -> bool:
    """Whether Keras 2 calls tf.nn.leaky_relu (alpha != 0, no max_value, threshold == 0)."""
    return m is None and isinstance(t, numbers.Real) and t == 0


def _is_six(o: Any, m: Any, six: Callable[[], Any], other: Callable[[], Any]) -> Any:
    """``six()`` where max_value == 6 (Keras 2 then uses tf.nn.relu6), else ``other()``."""
    if isinstance(m, numbers.Real):
        return six() if m == 6 else other()
    return o.where(o.abs(m - 6) <= 0, six(), other())


def _times_zero(o: Any, x: Any) -> Any:
    """x * 0: -0.0 for negative x, NaN for +-inf and NaN. Written x / inf, the same number for
    every x, with the inf behind a where: PyTensor folds a product by a constant 0 (and x / inf
    into one) into 0, and a -0.0 constant would poison TensorFlow's eager scalar cache (a later
    constant 0.0 would come back as -0.0)."""
    return x / _pick(o, x, o.isnan(x), 1, math.inf)


def _positive_part(o: Any, x: Any, p: P) -> Any:
    """Keras 2's relu before the alpha term: relu, relu6 or x * (x > threshold), clipped."""
    m, t = p["max_value"], p["threshold"]

    def relu() -> Any:
        return o.where(x <= 0, 0, x)  # NaN falls to x

    def thresholded() -> Any:
        return o.where(x > t, x, _times_zero(o, x))  # x * cast(x > t, x.dtype)

    if m is None:
        return _if_zero(o, t, relu, thresholded)

    def clip(v: Any) -> Any:  # minimum(v, m), then maximum(., 0): +0.0 for either zero
        return o.where(v > m, m, o.where(v <= 0, 0, v))

    def relu6() -> Any:
        return o.where(x <= 0, 0, o.where(x >= 6, 6, x))

    return _if_zero(
        o, t, lambda: _is_six(o, m, relu6, lambda: clip(relu())), lambda: clip(thresholded())
    )


def _relu(o: Any, x: Any, p: P) -> Any:
    a, m, t = p["alpha"], p["max_value"], p["threshold"]

    def leaky() -> Any:
        return _if_zero(o, a, lambda: o.where(x <= 0, 0, x), lambda: o.where(x > 0, x, x * a))

    def general() -> Any:
        y = _positive_part(o, x, p)

        def minus_alpha_part() -> Any:
            # y - alpha*relu(threshold - x); above the threshold that is y - alpha*(+0.0),
            # which turns -0.0 into +0.0 for a negative alpha
            below = y - o.where(x < t, t - x, 1) * a
            if isinstance(a, numbers.Real):
                above = o.where(o.abs(y) <= 0, 0, y) if a < 0 else y
            else:
                above = o.where(a < 0, o.where(o.abs(y) <= 0, 0, y), y)
            return o.where(x < t, below, above)

        return _if_zero(o, a, lambda: y, minus_alpha_part)

    if m is None:
        return _if_zero(o, t, leaky, general)
    return general()


def _relu_slope(o: Any, x: Any, p: P) -> Any:
    """The slope of the general form (TensorFlow's relu, relu6, Minimum, Maximum gradients)."""
    a, m, t = p["alpha"], p["max_value"], p["threshold"]
    below = _pick(o, x, x < t, a, 0)
    if m is None:
        return o.where(x > t, 1, below)

    def clipped() -> Any:
        return (x > t) & (x >= 0) & (x <= m)

    passes = _if_zero(o, t, lambda: _is_six(o, m, lambda: (x > 0) & (x < 6), clipped), clipped)
    return o.where(passes, 1, below)


def _relu_d(o: Any, x: Any, p: P) -> Any:
    a, m, t = p["alpha"], p["max_value"], p["threshold"]
    if m is None:
        return _if_zero(
            o,
            t,
            lambda: _if_zero(
                o, a, lambda: _pick(o, x, x > 0, 1, 0), lambda: _pick(o, x, x > 0, 1, a)
            ),
            lambda: _relu_slope(o, x, p),
        )
    return _relu_slope(o, x, p)


def _relu_dalpha(o: Any, x: Any, p: P) -> Any:
    m, t = p["max_value"], p["threshold"]

    def general() -> Any:
        return _keep_nan(o, x, o.where(x < t, x - t, 0))  # -relu(threshold - x)

    if m is None:
        return _if_zero(o, t, lambda: o.where(x > 0, 0, x), general)
    return general()


def _relu_dmax(o: Any, x: Any, p: P) -> Any:
    m, t = p["max_value"], p["threshold"]
    if m is None:
        return o.full_like(x, 0)
    clipped = _pick(o, x, (x > t) & (x > m), 1, 0)  # Minimum's gradient to its bound
    return _if_zero(
        o,
        t,
        lambda: _is_six(o, m, lambda: _pick(o, x, x >= 6, 1, 0), lambda: clipped),
        lambda: clipped,
    )


def _relu_dthreshold(o: Any, x: Any, p: P) -> Any:
    return _pick(o, x, x < p["threshold"], -p["alpha"], 0)


def _relu_prepare(p: dict[str, Any]) -> dict[str, Any]:
    a, m, t = p["alpha"], p["max_value"], p["threshold"]
    if are_numbers(a, t) and _leaky(m, t) and a != 0:
        with np.errstate(over="ignore"):
            a32 = float(np.float32(a))
        if not math.isfinite(a32):
            raise ValueError(
                f"keras2.relu(): alpha={a!r} overflows float32, the type in which Keras 2's "
                "tf.nn.leaky_relu takes it"
            )
        return {**p, "alpha": a32}
    return p


def _relu_kinks(p: P) -> tuple[tuple[float, float], ...]:
    a, m, t = p["alpha"], p["max_value"], p["threshold"]
    if not are_numbers(a, t, *(() if m is None else (m,))):
        return ()
    if _leaky(m, t):
        return ((0.0, float(a)),)
    kinks = [(float(t), 0.0)]
    if m is not None:
        six = t == 0 and m == 6
        kinks.append((float(m), 0.0 if six or m <= t else 1.0))
        if t < 0 < m:
            kinks.append((0.0, 1.0))
    return tuple(kinks)


relu = register_compat(
    Spec(
        "keras2.relu",
        "Keras 2's relu(x, alpha, max_value, threshold), as tf_keras.backend.relu computes it.",
        "alpha, alone: x > 0 ? x : alpha*x; else clip(x*(x > threshold), 0, max_value) "
        "- alpha*relu(threshold - x)",
        _relu,
        _relu_d,
        params=(
            Param("alpha", 0.0, real(), "slope below threshold"),
            Param("max_value", None, real(optional=True, nonnegative=True), "saturation"),
            Param("threshold", 0.0, real(), "the kink"),
        ),
        piecewise=True,
        prepare=_relu_prepare,
        kinks=_relu_kinks,
        examples=(
            {"alpha": 0.1},
            {"threshold": -1.0},
            {"alpha": 0.1, "max_value": 6.0, "threshold": -1.0},
            {"threshold": 0.5, "max_value": 2.0},
        ),
        partials={"alpha": _relu_dalpha, "max_value": _relu_dmax, "threshold": _relu_dthreshold},
    )
)

# --- hard_sigmoid ----------------------------------------------------------------------------


def _hard_sigmoid(o: Any, x: Any, p: P) -> Any:
    v = hard_sigmoid_line(o, x)
    return o.where(v > 1, 1, o.where(v <= 0, 0, v))


def _hard_sigmoid_d(o: Any, x: Any, p: P) -> Any:
    v = hard_sigmoid_line(o, x)  # clip_by_value passes the gradient where v is on a bound
    return _pick(o, x, (v >= 0) & (v <= 1), 0.2, 0)


hard_sigmoid = register_compat(
    Spec(
        "keras2.hard_sigmoid",
        "Keras 2's hard_sigmoid: clip(0.2*x + 0.5, 0, 1), slope 0.2 at the bounds.",
        "clip(0.2*x + 0.5, 0, 1)",
        _hard_sigmoid,
        _hard_sigmoid_d,
        piecewise=True,
        kinks=lambda p: ((-2.5, 0.2), (2.5, 0.2)),
    )
)

# --- the main library's formulas, with TensorFlow's numbers at 0, +-inf and NaN -------------


def _retouched(
    base: Activation,
    name: str,
    summary: str,
    *,
    slope: Callable[[Any, Any, P, Any], Any] | None = None,
    x_times: bool = False,
) -> Activation:
    """A compat object with ``base``'s formulas and TensorFlow's numbers where they differ:
    ``slope(o, x, p, d)`` retouches the derivative d; ``x_times``: TensorFlow computes
    x * g(x), NaN at -inf (-inf * 0) and with a NaN slope at +-inf."""
    spec = base.spec

    def forward(o: Any, x: Any, p: P) -> Any:
        y = spec.forward(o, x, p)
        return _pick(o, x, o.isinf(x) & (x < 0), math.nan, y) if x_times else y

    def derivative(o: Any, x: Any, p: P) -> Any:
        d = spec.derivative(o, x, p)
        if slope is not None:
            d = slope(o, x, p, d)
        return _pick(o, x, o.isinf(x), math.nan, d) if x_times else d

    return register_compat(
        Spec(
            f"keras2.{name}",
            summary,
            spec.definition,
            forward,
            derivative,
            params=spec.params,
            piecewise=spec.piecewise,
            kinks=spec.kinks,
            examples=spec.examples,
            partials=spec.partials,
        )
    )


def _at_nan(value: Callable[[P], Any]) -> Callable[[Any, Any, P, Any], Any]:
    return lambda o, x, p, d: o.where(o.isnan(x), value(p), d)


_SCALE = 1.0507009873554805


def _selu_slope(o: Any, x: Any, p: P, d: Any) -> Any:
    # TensorFlow's SeluGrad picks the negative branch where its output scale*alpha*(exp(x) - 1)
    # is < 0: below the x at which exp(x) rounds to 1 in x's dtype (-2**-25 for float32); at 0,
    # just below it and at NaN the slope is scale
    return o.where(x < -(2.0 ** -(p[RESULT_BITS] + 1)), d, _SCALE)


elu = _retouched(
    _elu, "elu", "Keras 2's elu(x, alpha): slope alpha at NaN.", slope=_at_nan(lambda p: p["alpha"])
)
selu = _retouched(
    _selu, "selu", "Keras 2's selu: slope scale (1.0507) at 0 and at NaN.", slope=_selu_slope
)
linear = _retouched(
    _linear, "linear", "Keras 2's linear: slope 1 at NaN.", slope=_at_nan(lambda p: 1)
)
relu6 = _retouched(
    _relu6, "relu6", "Keras 2's relu6 (tf.nn.relu6): slope 0 at NaN.", slope=_at_nan(lambda p: 0)
)
swish = _retouched(_silu, "swish", "Keras 2's swish (tf.nn.silu): NaN at -inf.", x_times=True)
silu = swish
gelu = _retouched(_gelu, "gelu", "Keras 2's gelu(x, approximate): NaN at -inf.", x_times=True)
mish = _retouched(_mish, "mish", "Keras 2's mish: NaN at -inf.", x_times=True)

# --- softsign ---------------------------------------------------------------------------------


def _softsign(o: Any, x: Any, p: P) -> Any:
    return x / (o.abs(x) + 1)  # inf/inf: NaN at +-inf, as tf.math.softsign (the main one: +-1)


def _softsign_d(o: Any, x: Any, p: P) -> Any:
    d = o.abs(x) + 1
    return 1 / (d * d)


softsign = register_compat(
    Spec(
        "keras2.softsign",
        "Keras 2's softsign: x/(1 + |x|), NaN at +-inf.",
        "x/(1 + |x|)",
        _softsign,
        _softsign_d,
    )
)

# --- softmax: along an axis ---------------------------------------------------------------


class Softmax:
    """Keras 2's ``softmax(x, axis=-1)`` (``tf_keras.backend.softmax``).

    x of rank 0 or 1 raises Keras 2's ValueError ``Cannot apply softmax to a tensor that is
    1D. Received input: ...``; ``axis`` is an int (``tf.nn.softmax``) or a tuple or list of
    ints (Keras 2's ``exp(x - max) / sum`` over all of them). The numbers are
    ``activations.softmax``'s, on every backend and differentiable by each framework's
    autograd: computed in float64 and rounded once to x's dtype. TensorFlow computes float32
    in float32, where rounding ``x - max`` costs ``exp`` a relative error up to
    ``|x - max| * 2**-24``: its results are a few ULPs from these (about 15 for inputs spread
    over +-10); float64 agrees to a few ULPs. ``vjp(x, dout, axis)`` and
    ``derivative(x, axis)`` (the Jacobian along one int axis) serve code without autograd.
    """

    def __init__(self) -> None:
        self.__name__ = self.__qualname__ = "softmax"

    def _check(self, x: Any, axis: Any) -> tuple[Any, Any]:
        x, backend = _softmax._input(x)
        shape = backend.concrete(x).shape(x)
        if shape is not None and len(shape) <= 1:
            raise ValueError(f"Cannot apply softmax to a tensor that is 1D. Received input: {x}")
        return x, tuple(axis) if isinstance(axis, list) else axis

    def __call__(self, x: Any, axis: Any = -1) -> Any:
        x, axis = self._check(x, axis)
        return _softmax(x, axis)

    def vjp(self, x: Any, dout: Any, axis: Any = -1) -> Any:
        """The gradient of sum(dout * softmax(x, axis)) with respect to x."""
        x, axis = self._check(x, axis)
        return _softmax.vjp(x, dout, axis)

    def derivative(self, x: Any, axis: int = -1) -> Any:
        """The Jacobian along ``axis``, shaped ``x.shape without axis + (n, n)``."""
        x, axis = self._check(x, axis)
        return _softmax.derivative(x, axis)

    def __repr__(self) -> str:
        return "<keras2 softmax (along an axis)>"

    def __reduce__(self) -> str:
        return "softmax"  # this module's instance

    def get_config(self) -> dict[str, str]:  # Keras serialization (activation=softmax)
        return {"name": "softmax"}

    @classmethod
    def from_config(cls, config: dict[str, str]) -> Softmax:
        return softmax


softmax = Softmax()


# --- looking functions up by name ---------------------------------------------------------


def _functions() -> dict[str, Any]:
    here = globals()
    return {name: here[name] for name in __all__ if name[0].islower()}


def deserialize(name: str, custom_objects: Mapping[str, Any] | None = None) -> Any:
    """The function called ``name`` (``custom_objects`` first), as Keras 2's ``deserialize``.

    Examples
    --------
    >>> from activations.compat import keras2
    >>> keras2.deserialize("relu") is keras2.relu
    True
    """
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    found = _functions().get(name) if isinstance(name, str) else None
    if found is None:
        raise ValueError(f"Unknown activation function '{name}' cannot be deserialized.")
    return found


def serialize(activation: Any) -> str:
    """The name of one of this module's functions, as Keras 2's ``serialize``."""
    if activation is swish:
        return "swish"  # also silu's name in Keras 2
    for name, function in _functions().items():
        if function is activation:
            return name
    raise ValueError(f"Unknown activation function '{activation}' cannot be serialized.")


def get(identifier: Any) -> Any:
    """Keras 2's ``activations.get``: None is ``linear``, a name is looked up, a callable is
    returned as it is."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret activation function identifier: {identifier}")
