"""Theano's activations, with Theano's numbers (``import activations.compat.theano as T``).

``relu(x, alpha=0)`` is Theano's ``T.nnet.relu``: mathematically x > 0 ? x : alpha*x, but
computed by Theano through abs, ``((1+alpha)/2)*x + ((1-alpha)/2)*abs(x)``, whose gradient at
0 is (1+alpha)/2 (0.5 for plain relu), for any alpha (alpha > 1 and alpha < 0 included).
The value here is the correctly rounded x > 0 ? x : alpha*x (Theano's two-product form is the
same number up to its own rounding, and overflows above half the largest float).

``hard_sigmoid`` is Theano's ``clip(0.2*x + 0.5, 0, 1)``, rounded as Theano computed it (a
product, then a sum, never fused), with slope 0.2 up to and including the bounds x = +-2.5
(Theano's clip passes the gradient at its bounds). ``sigmoid`` and ``softplus`` are cut off
where Theano 1.0's C code cut them (``theano/tensor/nnet/sigm.py``): the sigmoid is 0 below
-88 and 1 above 15 for float16 and float32 input (-709 and 19 for float64), with gradient 0
there; softplus is 0 below -103 and x above 14 (-745 and 16 for float64), and its gradient is
that sigmoid. Between the cut-offs both are the exact functions rounded once (Theano's float32
gradient ``y*(1 - y)``, from y already rounded to float32, could be a few parts in 10^4 off
near the cut-off; this is not reproduced). ``elu``, ``selu``, ``softsign`` and ``tanh`` are
the modern objects: Theano's formulas give the same values and gradients (softsign at +-inf:
+-1, where Theano's division gave NaN).

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

``softmax(c)`` and ``logsoftmax(c)`` are Theano's ``T.nnet.softmax`` and ``T.nnet.logsoftmax``
(``theano/tensor/nnet/nnet.py``, Theano 1.0): c must be 1-d or 2-d and floating (else
ValueError ``x must be 1-d or 2-d tensor of floats. Got TensorType(...)``); each row of a
matrix is normalised (the last axis); a vector is padded to a 1 x n matrix, with Theano's
``DEPRECATION`` warning, and gives that 1 x n matrix. The numbers are ``activations.softmax``
and ``log_softmax`` along the last axis (see ``RowSoftmax``).

``nnet`` is ``T.nnet``: ``T.nnet.relu``, ``sigmoid``, ``softplus``, ``hard_sigmoid``,
``ultra_fast_sigmoid``, ``elu``, ``selu``, ``softsign``, ``softmax``, ``logsoftmax``.

Examples
--------
>>> import numpy as np
>>> import activations.compat.theano as T
>>> T.nnet.relu(np.array([[-2.0, 3.0], [-2.0, 3.0]]), np.array([[0.1], [0.5]]))
array([[-0.2,  3. ],
       [-1. ,  3. ]])
>>> T.nnet.ultra_fast_sigmoid(np.array([0.0, 1.0]))
array([0.5 , 0.75])
>>> T.nnet.softmax(np.array([[0.0, 1.0], [2.0, 2.0]]))
array([[0.26894142, 0.73105858],
       [0.5       , 0.5       ]])
"""

from __future__ import annotations

import sys
import types
import warnings
from collections.abc import Mapping
from typing import Any

from .. import elu, selu, softsign, tanh
from .._activation import register_compat
from .._axis import AxisActivation
from .._axis import log_softmax as _log_softmax
from .._axis import softmax as _softmax
from .._catalog import _if_zero, _keep_nan, _pick, _sigmoids, _slope_partial, _softplus_core
from .._dtypes import FORMATS
from .._spec import RESULT_BITS, Param, Spec, real

__all__ = [
    "RowSoftmax",
    "elu",
    "hard_sigmoid",
    "logsoftmax",
    "nnet",
    "relu",
    "selu",
    "sigmoid",
    "softmax",
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


# --- sigmoid and softplus: Theano's C code cuts them off -----------------------------------

# (below: 0; above: 1 for the sigmoid, x for softplus), by the input's type; float16 used
# float32's (theano/tensor/nnet/sigm.py, ScalarSigmoid and ScalarSoftplus.c_code)
_SIGMOID_CUTS = {32: (-88.0, 15.0), 64: (-709.0, 19.0)}
_SOFTPLUS_CUTS = {32: (-103.0, 14.0), 64: (-745.0, 16.0)}


_TYPES = {53: "float64", 24: "float32", 11: "float16", 8: "bfloat16"}


def _cuts(table: dict[int, tuple[float, float]], p: P) -> tuple[float, float]:
    return table[64 if p.get(RESULT_BITS, 53) > 24 else 32]


def _sigmoid(o: Any, x: Any, p: P) -> Any:
    low, high = _cuts(_SIGMOID_CUTS, p)
    return o.where(x < low, 0, o.where(x > high, 1, _sigmoids(o, x)[0]))


def _sigmoid_d(o: Any, x: Any, p: P) -> Any:
    # Theano's gradient y*(1 - y), each factor rounded to x's type as Theano computed it
    # there: their product is exact in the (wider) compute type, and the one rounding at the
    # end gives Theano's. 0 where y is cut off to 0 or 1.
    y = _sigmoid(o, x, p)
    bits = p.get(RESULT_BITS, 53)
    if bits >= 53:
        return y * (1 - y)
    y = o.round_to(y, _TYPES[bits])
    return y * o.round_to(1 - y, _TYPES[bits])


def _softplus(o: Any, x: Any, p: P) -> Any:
    low, high = _cuts(_SOFTPLUS_CUTS, p)
    return o.where(x < low, 0, o.where(x > high, x, _softplus_core(o, x, 1.0)))


sigmoid = register_compat(
    Spec(
        "theano.sigmoid",
        "Theano's T.nnet.sigmoid: 1/(1 + exp(-x)), cut off to 0 and 1 as Theano's C code did.",
        "x < -88 ? 0 : x > 15 ? 1 : 1/(1 + exp(-x)) (float16, float32); -709 and 19 (float64)",
        _sigmoid,
        _sigmoid_d,
    )
)
softplus = register_compat(
    Spec(
        "theano.softplus",
        "Theano's T.nnet.softplus: log(1 + exp(x)), cut off to 0 and x as Theano's C code did; "
        "its gradient is Theano's sigmoid.",
        "x < -103 ? 0 : x > 14 ? x : log1p(exp(x)) (float16, float32); -745 and 16 (float64)",
        _softplus,
        _sigmoid,
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


# --- softmax and logsoftmax: Theano's Softmax and LogSoftmax ops, row by row --------------

_NAMED_PATTERNS = {
    (): "scalar",
    (False,): "vector",
    (False, True): "col",
    (True, False): "row",
    (False, False): "matrix",
}


def _theano_type(dtype: str, shape: tuple[Any, ...]) -> str:
    """``str(as_tensor_variable(x).type)``: Theano marks an axis of size 1 broadcastable."""
    pattern = tuple(n == 1 for n in shape)
    named = _NAMED_PATTERNS.get(pattern)
    if named is None:
        named = str(pattern) if any(pattern) else f"{len(pattern)}D"
    return f"TensorType({dtype}, {named})"


class RowSoftmax:
    """Theano's ``T.nnet.softmax(c)`` or ``T.nnet.logsoftmax(c)``: along each row of a matrix.

    ``c`` must be 1-d or 2-d and floating, else ValueError ``x must be 1-d or 2-d tensor of
    floats. Got TensorType(...)``, as Theano's op raised. A vector is padded to a 1 x n matrix,
    with Theano's ``DEPRECATION`` UserWarning, and the result is that 1 x n matrix; softmax
    warns when the last axis has size 1 (every value is 1). The numbers are those of
    ``activations.softmax``/``log_softmax`` along the last axis, computed in float64 and
    rounded once to c's dtype; Theano's C code took exp in c's dtype, summed in double and
    multiplied by 1/sum, so its results can differ from these in the last bit or two. The
    gradient is Theano's ``dy*sm - sum(dy*sm)*sm`` (``dy - sum(dy)*sm`` for logsoftmax), on
    every backend. A 0-d input raises the ValueError (Theano's ``softmax`` failed earlier,
    with an IndexError).

    ``vjp(c, dout)`` is the backward pass (dout shaped like the result; for a vector, 1 x n or
    n) and ``derivative(c)`` the Jacobian of each row, shaped (rows, n, n).
    """

    def __init__(self, name: str, op: str, base: AxisActivation) -> None:
        self.__name__ = self.__qualname__ = name
        self.__module__ = __name__  # pickled by name, as this module's attribute
        self.op = op
        self.base = base

    def _rows(self, c: Any, method: str = "") -> tuple[Any, bool]:
        """c as a matrix, and whether it was a vector padded to 1 x n."""
        x, backend = self.base._input(c)
        b = backend.concrete(x)
        shape = b.shape(x)
        if shape is None:
            raise ValueError(
                f"{self.__name__}{method}(): the rank of x is not known; give the tensor a known "
                "rank (Theano's tensors always had one)"
            )
        if self.__name__ == "softmax" and shape and shape[-1] == 1:
            warnings.warn(
                "The softmax is applied on a dimension of shape 1, which does not have a "
                "semantic meaning.",
                stacklevel=3,
            )
        dtype = str(x.dtype) if b.name == "keras" else b.dtype_name(x)
        if len(shape) not in (1, 2) or dtype not in FORMATS:
            raise ValueError(
                f"x must be 1-d or 2-d tensor of floats. Got {_theano_type(dtype, shape)}"
            )
        if len(shape) == 2:
            return x, False
        warnings.warn(
            f"DEPRECATION: If x is a vector, {self.op} will not automatically pad x anymore in "
            "next releases. If you need it, please do it manually. The vector case is gonna be "
            "supported soon and the output will be a vector.",
            stacklevel=3,
        )
        return x[None, ...], True

    def __call__(self, c: Any) -> Any:
        x, _ = self._rows(c)
        return self.base(x, -1)

    def vjp(self, c: Any, dout: Any) -> Any:
        """The gradient of sum(dout * f(c)) with respect to c (c's shape)."""
        x, padded = self._rows(c, ".vjp")
        if padded and getattr(dout, "ndim", None) == 1:
            dout = dout[None, ...]  # Theano's SoftmaxGrad padded a vector dy too
        dx = self.base.vjp(x, dout, -1)
        return dx[0, ...] if padded else dx

    def derivative(self, c: Any) -> Any:
        """The Jacobian of each row: J[r, i, j] = d f(c)[r, i] / d c[r, j]."""
        x, _ = self._rows(c, ".derivative")
        return self.base.derivative(x, -1)

    def __repr__(self) -> str:
        return f"<theano {self.__name__} (rows of a matrix)>"

    def __reduce__(self) -> str:
        return self.__name__

    def get_config(self) -> dict[str, str]:  # Keras serialization (activation=softmax)
        return {"name": self.__name__}

    @classmethod
    def from_config(cls, config: dict[str, str]) -> RowSoftmax:
        found: RowSoftmax = {"softmax": softmax, "logsoftmax": logsoftmax}[config["name"]]
        return found


softmax = RowSoftmax("softmax", "Softmax", _softmax)
logsoftmax = RowSoftmax("logsoftmax", "LogSoftmax", _log_softmax)

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
    softmax=softmax,
    logsoftmax=logsoftmax,
    __all__=[
        "elu",
        "hard_sigmoid",
        "logsoftmax",
        "relu",
        "selu",
        "sigmoid",
        "softmax",
        "softplus",
        "softsign",
        "ultra_fast_sigmoid",
    ],
)
# ``import activations.compat.theano.nnet`` and ``from ...theano.nnet import relu`` work
sys.modules[nnet.__name__] = nnet
