"""Theano's activations, with Theano's numbers (``import activations.compat.theano as T``).

``relu(x, alpha=0)`` is Theano's ``T.nnet.relu``: mathematically x > 0 ? x : alpha*x, but
computed by Theano through abs, ``((1+alpha)/2)*x + ((1-alpha)/2)*abs(x)``, whose gradient at
0 is (1+alpha)/2 (0.5 for plain relu), for any alpha (alpha > 1 and alpha < 0 included).
The value here is the correctly rounded x > 0 ? x : alpha*x (Theano's two-product form is the
same number up to its own rounding, and overflows above half the largest float).

``hard_sigmoid`` is Theano's ``clip(0.2*x + 0.5, 0, 1)``, rounded as Theano computed it (a
product, then a sum, never fused), with slope 0.2 up to and including the bounds x = +-2.5
(Theano's clip passes the gradient at its bounds). ``elu``, ``selu``, ``softplus``,
``sigmoid``, ``softsign`` and ``tanh`` are the modern objects: Theano's formulas give the same
values and gradients (softsign at +-inf: +-1, where Theano's division gave NaN).

``relu``'s alpha may be an array of x's framework that broadcasts against x with NumPy's rules
(a learnable per-channel slope shaped ``(C, 1, 1)`` for channels at axis 1, a torch tensor with
``requires_grad``, a ``tf.Variable``, a PyTensor shared variable); its gradient is
``min(x, 0)`` summed to alpha's shape, as Theano's ``grad`` gave.

``ultra_fast_sigmoid`` is Theano's piecewise approximation of the sigmoid
(``UltraFastScalarSigmoid`` in ``theano/tensor/nnet/sigm.py``): with h = |x|/2, z is
1.5*h/(1 + h) for h < 1.7, 0.935409070603099 + 0.0458812946797165*(h - 1.7) for h < 3, else
0.99505475368673, and the result is 0.5*(1 + z) for x >= 0, 0.5*(1 - z) below. Theano gave it
no gradient; here the derivative is that of the pieces (the value jumps by about 0.0045 at
|x| = 3.4, where the derivative takes the middle piece's 0.0458812946797165/4, and it is 0 from
|x| = 6 on). NaN gives NaN (Theano's comparisons sent it to 0.00247). float64 gives Theano's
numbers bit for bit; float32 is computed in float64 and rounded once (Theano's C code rounded z
to float32 first: the two differ by at most 2**-24).

``nnet`` is ``T.nnet``: ``T.nnet.relu``, ``sigmoid``, ``softplus``, ``hard_sigmoid``,
``ultra_fast_sigmoid``, ``elu``, ``selu``, ``softsign``. ``softmax`` is not elementwise and is
not provided: asking for it raises an AttributeError (an ImportError from an import
statement) naming what to use instead.

Examples
--------
>>> import numpy as np
>>> import activations.compat.theano as T
>>> T.nnet.relu(np.array([[-2.0, 3.0], [-2.0, 3.0]]), np.array([[0.1], [0.5]]))
array([[-0.2,  3. ],
       [-1. ,  3. ]])
>>> T.nnet.ultra_fast_sigmoid(np.array([0.0, 1.0]))
array([0.5 , 0.75])
"""

from __future__ import annotations

import sys
import types
from collections.abc import Mapping
from typing import Any

from .. import elu, selu, sigmoid, softplus, softsign, tanh
from .._activation import register_compat
from .._catalog import _if_zero, _keep_nan, _pick, _slope_partial
from .._spec import Param, Spec, real
from ._missing import SOFTMAX, refuse

__all__ = [
    "elu",
    "hard_sigmoid",
    "nnet",
    "relu",
    "selu",
    "sigmoid",
    "softplus",
    "softsign",
    "tanh",
    "ultra_fast_sigmoid",
]

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
        params=(
            Param(
                "alpha", 0.0, real(), "slope for x < 0: a number, or an array broadcast against x"
            ),
        ),
        piecewise=True,
        kinks=lambda p: ((0.0, (1 + p["alpha"]) / 2),),
        examples=({"alpha": 0.1}, {"alpha": 3.0}, {"alpha": -0.5}),
        partials={"alpha": _slope_partial},
    )
)


def hard_sigmoid_line(o: Any, x: Any) -> Any:
    """x*0.2 + 0.5 with two roundings, as Theano and Keras 2 computed it: the product sits
    behind a where so that no backend fuses it into a multiply-add (XLA would)."""
    return o.where(o.isnan(x), x, x * 0.2) + 0.5


def _hard_sigmoid(o: Any, x: Any, p: P) -> Any:
    v = hard_sigmoid_line(o, x)
    return o.where(v > 1, 1, o.where(v <= 0, 0, v))


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


# Theano's constants, and its order of operations, so that float64 gives its very bits
_UFS_KNEE, _UFS_END = 1.7, 3.0
_UFS_MID, _UFS_SLOPE, _UFS_TOP = 0.935409070603099, 0.0458812946797165, 0.99505475368673


def _ultra_fast_sigmoid(o: Any, x: Any, p: P) -> Any:
    h = o.abs(x) * 0.5
    low = h < _UFS_KNEE
    near = o.where(low, h, 0)  # the rational piece only where it is used (no inf/inf)
    rational = (near * 1.5) / (near + 1)
    # the product behind a where, so that no backend fuses it with the addition (XLA does)
    linear = o.where(h < _UFS_END, h - _UFS_KNEE, 0) * _UFS_SLOPE
    mid = o.where(low, 0, linear) + _UFS_MID
    z = o.where(low, rational, o.where(h < _UFS_END, mid, _UFS_TOP))
    return _keep_nan(o, x, o.where(x >= 0, (z + 1) * 0.5, (1 - z) * 0.5))


def _ultra_fast_sigmoid_d(o: Any, x: Any, p: P) -> Any:
    h = o.abs(x) * 0.5
    low = h < _UFS_KNEE
    near = o.where(low, h, 0) + 1
    # an array over an array: torch computes a number over a tensor as a reciprocal times
    # the number, two roundings
    rational = o.full_like(x, 0.375) / (near * near)
    d = o.where(low, rational, _pick(o, x, h < _UFS_END, _UFS_SLOPE * 0.25, 0))
    return _keep_nan(o, x, d)


ultra_fast_sigmoid = register_compat(
    Spec(
        "theano.ultra_fast_sigmoid",
        "Theano's ultra_fast_sigmoid: a piecewise rational approximation of the sigmoid.",
        "h = |x|/2; z = h < 1.7 ? 1.5h/(1+h) : (h < 3 ? 0.935409070603099 + "
        "0.0458812946797165(h - 1.7) : 0.99505475368673); x >= 0 ? (1+z)/2 : (1-z)/2",
        _ultra_fast_sigmoid,
        _ultra_fast_sigmoid_d,
        kinks=lambda p: (
            (-2 * _UFS_END, 0.0),
            (-2 * _UFS_KNEE, _UFS_SLOPE * 0.25),
            (2 * _UFS_KNEE, _UFS_SLOPE * 0.25),
            (2 * _UFS_END, 0.0),
        ),
    )
)


def _nnet_getattr(name: str) -> Any:
    if name == "softmax":
        refuse(f"{__name__}.nnet", name, SOFTMAX)
    raise AttributeError(f"module {__name__ + '.nnet'!r} has no attribute {name!r}")


nnet = types.ModuleType(
    f"{__name__}.nnet", "Theano's ``T.nnet`` activations (``activations.compat.theano.nnet``)."
)
nnet.__dict__.update(
    relu=relu,
    sigmoid=sigmoid,
    softplus=softplus,
    hard_sigmoid=hard_sigmoid,
    ultra_fast_sigmoid=ultra_fast_sigmoid,
    elu=elu,
    selu=selu,
    softsign=softsign,
    __all__=[
        "elu",
        "hard_sigmoid",
        "relu",
        "selu",
        "sigmoid",
        "softplus",
        "softsign",
        "ultra_fast_sigmoid",
    ],
    __getattr__=_nnet_getattr,
)
# ``import activations.compat.theano.nnet`` and ``from ...theano.nnet import relu`` work
sys.modules[nnet.__name__] = nnet


def __getattr__(name: str) -> Any:
    if name == "softmax":
        refuse(__name__, name, SOFTMAX)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
