"""Theano's activations, with Theano's numbers (``import activations.compat.theano as T``).

``relu(x, alpha=0)`` is Theano's ``T.nnet.relu``: mathematically x > 0 ? x : alpha*x, but
computed by Theano through abs, ``((1+alpha)/2)*x + ((1-alpha)/2)*abs(x)``, whose gradient at
0 is (1+alpha)/2 (0.5 for plain relu), for any alpha (alpha > 1 and alpha < 0 included).
The value here is the correctly rounded x > 0 ? x : alpha*x (Theano's two-product form is the
same number up to its own rounding, and overflows above half the largest float).

``hard_sigmoid`` is Theano's ``clip(0.2*x + 0.5, 0, 1)`` (computed as ``(x + 2.5) * 0.2``,
which no backend fuses into a multiply-add), with slope 0.2 up to and including the bounds
x = +-2.5 (Theano's clip passes the gradient at its bounds). ``elu``, ``selu``,
``softplus``, ``sigmoid`` and ``tanh`` are the modern objects: Theano's formulas give the same
values and gradients.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import elu, selu, sigmoid, softplus, tanh
from .._activation import register_compat
from .._catalog import _if_zero, _keep_nan, _pick, _slope_partial
from .._spec import Param, Spec, real

__all__ = ["elu", "hard_sigmoid", "relu", "selu", "sigmoid", "softplus", "tanh"]

P = Mapping[str, Any]


def _relu(o: Any, x: Any, p: P) -> Any:
    a = p["alpha"]
    return _if_zero(o, a, lambda: o.where(x <= 0, 0, x), lambda: o.where(x > 0, x, x * a))


def _relu_d(o: Any, x: Any, p: P) -> Any:
    a = p["alpha"]
    half = (a + 1) * 0.5  # computed like Theano's graph: in the compute dtype
    d = o.where(x > 0, 1, _pick(o, x, x < 0, a, half))
    return _keep_nan(o, x, d)


relu = register_compat(
    Spec(
        "theano.relu",
        "Theano's T.nnet.relu: x > 0 ? x : alpha*x, with slope (1+alpha)/2 at 0.",
        "((1+alpha)/2)*x + ((1-alpha)/2)*abs(x)",
        _relu,
        _relu_d,
        params=(Param("alpha", 0.0, real(), "slope for x < 0"),),
        piecewise=True,
        kinks=lambda p: ((0.0, (1 + p["alpha"]) / 2),),
        examples=({"alpha": 0.1}, {"alpha": 3.0}, {"alpha": -0.5}),
        partials={"alpha": _slope_partial},
    )
)


def _hard_sigmoid(o: Any, x: Any, p: P) -> Any:
    # 0.2*x + 0.5 as (x + 2.5) * 0.2: the multiplication comes last, so no backend can fuse
    # it into a multiply-add (XLA does, for 0.2*x + 0.5), and its operand sits behind a where
    # so that no optimizer distributes it. The same number up to Theano's own rounding.
    shifted = o.where(x <= -2.5, 1, x + 2.5)
    return o.where(x <= -2.5, 0, _pick(o, x, x >= 2.5, 1, shifted * 0.2))


def _hard_sigmoid_d(o: Any, x: Any, p: P) -> Any:
    inside = (x >= -2.5) & (x <= 2.5)
    return _keep_nan(o, x, _pick(o, x, inside, 0.2, 0))


hard_sigmoid = register_compat(
    Spec(
        "theano.hard_sigmoid",
        "Theano's hard_sigmoid: clip(0.2*x + 0.5, 0, 1), slope 0.2 at the bounds.",
        "clip(0.2*x + 0.5, 0, 1)",
        _hard_sigmoid,
        _hard_sigmoid_d,
        piecewise=True,
        kinks=lambda p: ((-2.5, 0.2), (2.5, 0.2)),
    )
)
