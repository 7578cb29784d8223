"""Lasagne's nonlinearities (``lasagne.nonlinearities``), on every backend.

``rectify`` and the leaky ones are Theano's ``T.nnet.relu`` (so their slope at 0 is
(1+leakiness)/2: 0.5 for rectify); the classes are callable objects whose instances pickle and
compare like Lasagne's, and the module-level instances are stable. ``SELU()`` has Lasagne's
defaults ``scale=1, scale_neg=1`` (an ELU); ``selu`` has the paper's constants.

``init`` is ``lasagne.init`` (``activations.compat.lasagne_init``: GlorotUniform, HeNormal,
Orthogonal, ... drawing Lasagne's numbers from ``random.get_rng()``, NumPy's global generator
by default) and ``random`` is ``lasagne.random`` (``get_rng``, ``set_rng``).

``sigmoid`` and ``softplus`` are Theano's ``T.nnet`` ones, cut off where Theano's C code cut
them (``activations.compat.theano``). ``softmax`` is ``theano.tensor.nnet.softmax``, as
Lasagne's was (the same object as
``activations.compat.theano.nnet.softmax``): each row of a matrix (the last axis) is
normalised, a vector becomes a 1 x n matrix with Theano's deprecation warning, and other
ranks or non-float input raise Theano's ValueError.

Examples
--------
>>> import numpy as np
>>> from activations.compat.lasagne import LeakyRectify, very_leaky_rectify
>>> LeakyRectify(0.1)(np.array([-2.0, 3.0]))
array([-0.2,  3. ])

>>> very_leaky_rectify.leakiness
0.3333333333333333

>>> from activations.compat.lasagne import softmax
>>> softmax(np.array([[0.0, 1.0], [2.0, 2.0]]))
array([[0.26894142, 0.73105858],
       [0.5       , 0.5       ]])
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from .. import elu, linear, tanh
from .._activation import register_compat
from .._catalog import SELU_ALPHA, SELU_LAMBDA
from .._spec import Param, Spec, real
from . import lasagne_init as init
from . import lasagne_random as random
from . import theano as _theano

__all__ = [
    "SELU",
    "LeakyRectify",
    "ScaledTanH",
    "ScaledTanh",
    "elu",
    "identity",
    "init",
    "leaky_rectify",
    "linear",
    "random",
    "rectify",
    "selu",
    "sigmoid",
    "softmax",
    "softplus",
    "tanh",
    "very_leaky_rectify",
]

P = Mapping[str, Any]

rectify = _theano.relu
sigmoid = _theano.sigmoid  # Lasagne's were Theano's T.nnet.sigmoid and softplus, cut-offs too
softplus = _theano.softplus
softmax = _theano.nnet.softmax  # Lasagne's softmax(x) returned theano.tensor.nnet.softmax(x)
identity = linear


def _instance(name: str) -> Any:
    return globals()[name]


class _Nonlinearity:
    """A parametrised nonlinearity: call it, or ask for its derivative or vjp."""

    _global_name: str | None = None  # set on the module-level instances: pickled by name

    def _params(self) -> dict[str, float]:
        raise NotImplementedError

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        if self._global_name is not None:
            return (_instance, (self._global_name,))
        return (type(self), tuple(self._params().values()))

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._params() == self._params()

    def __hash__(self) -> int:
        return hash((type(self), tuple(sorted(self._params().items()))))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._params().items())
        return f"{type(self).__name__}({args})"


class LeakyRectify(_Nonlinearity):
    """Leaky rectifier, ``T.nnet.relu(x, leakiness)`` (slope (1+leakiness)/2 at 0)."""

    def __init__(self, leakiness: float = 0.01) -> None:
        self.leakiness = leakiness

    def _params(self) -> dict[str, float]:
        return {"leakiness": self.leakiness}

    def __call__(self, x: Any) -> Any:
        return _theano.relu(x, self.leakiness)

    def derivative(self, x: Any) -> Any:
        return _theano.relu.derivative(x, self.leakiness)

    def vjp(self, x: Any, dout: Any) -> Any:
        return _theano.relu.vjp(x, dout, self.leakiness)


def _selu(o: Any, x: Any, p: P) -> Any:
    # Lasagne's scale * switch(x > 0, x, scale_neg * expm1(x)), in that order
    neg = o.expm1(o.where(x > 0, 0, x)) * p["scale_neg"]
    return o.where(x <= 0, neg, x) * p["scale"]


def _selu_d(o: Any, x: Any, p: P) -> Any:
    neg = o.exp(o.where(x > 0, 0, x)) * p["scale_neg"]
    return o.where(x > 0, 1, neg) * p["scale"]


def _selu_dscale(o: Any, x: Any, p: P) -> Any:
    return o.where(x <= 0, o.expm1(o.where(x > 0, 0, x)) * p["scale_neg"], x)


def _selu_dscale_neg(o: Any, x: Any, p: P) -> Any:
    return o.where(x > 0, 0, o.expm1(o.where(x > 0, 0, x))) * p["scale"]


_selu_fn = register_compat(
    Spec(
        "lasagne.selu",
        "Lasagne's SELU(scale, scale_neg): scale * (x > 0 ? x : scale_neg*expm1(x)).",
        "scale * (x > 0 ? x : scale_neg*expm1(x))",
        _selu,
        _selu_d,
        params=(
            Param("scale", SELU_LAMBDA, real(), "the scale of both sides"),
            Param("scale_neg", SELU_ALPHA, real(), "the scale of expm1(x) for x <= 0"),
        ),
        kinks=lambda p: ((0.0, p["scale"] * p["scale_neg"]),),
        examples=({"scale": 1.0, "scale_neg": 1.0}, {"scale": 2.0, "scale_neg": 0.5}),
        partials={"scale": _selu_dscale, "scale_neg": _selu_dscale_neg},
    )
)


def _sech2(o: Any, u: Any) -> Any:
    e = o.exp(o.abs(u) * -2)  # 4e/(1 + e)^2, e = exp(-2|u|): no cancellation for large |u|
    d = e + 1
    return (e * 4) / (d * d)


def _scaled_tanh(o: Any, x: Any, p: P) -> Any:
    return o.tanh(x * p["scale_in"]) * p["scale_out"]


def _scaled_tanh_d(o: Any, x: Any, p: P) -> Any:
    return (_sech2(o, x * p["scale_in"]) * p["scale_in"]) * p["scale_out"]


def _scaled_tanh_dscale_in(o: Any, x: Any, p: P) -> Any:
    # x * sech^2(scale_in * x) tends to 0 at +-inf (inf * 0 would be NaN)
    finite = o.where(o.isinf(x), 0, x)
    return o.where(o.isinf(x), 0, finite * _sech2(o, finite * p["scale_in"])) * p["scale_out"]


def _scaled_tanh_dscale_out(o: Any, x: Any, p: P) -> Any:
    return o.tanh(x * p["scale_in"])


_scaled_tanh_fn = register_compat(
    Spec(
        "lasagne.scaled_tanh",
        "Lasagne's ScaledTanH(scale_in, scale_out): scale_out * tanh(scale_in * x).",
        "scale_out * tanh(scale_in * x)",
        _scaled_tanh,
        _scaled_tanh_d,
        params=(
            Param("scale_in", 1.0, real(), "the scale of the input"),
            Param("scale_out", 1.0, real(), "the scale of the output"),
        ),
        examples=({"scale_in": 2 / 3, "scale_out": 1.7159},),
        partials={"scale_in": _scaled_tanh_dscale_in, "scale_out": _scaled_tanh_dscale_out},
    )
)


class SELU(_Nonlinearity):
    """Scaled exponential linear unit: scale * (x > 0 ? x : scale_neg * expm1(x)).

    Lasagne's defaults are ``scale=1, scale_neg=1``, which make it a plain ELU; the module's
    ``selu`` instance has the paper's constants (``SELU_LAMBDA``, ``SELU_ALPHA``). The scales
    may be arrays of x's framework (learnable); ``vjp(x, dout, wrt="scale")`` also returns
    their gradients.

    Examples
    --------
    >>> import numpy as np
    >>> from activations.compat.lasagne import SELU, selu
    >>> SELU()(np.array([-1.0, 2.0]))
    array([-0.63212056,  2.        ])
    >>> selu.scale, selu.scale_neg
    (1.0507009873554805, 1.6732632423543772)
    """

    def __init__(self, scale: float = 1, scale_neg: float = 1) -> None:
        self.scale = scale
        self.scale_neg = scale_neg

    def _params(self) -> dict[str, float]:
        return {"scale": self.scale, "scale_neg": self.scale_neg}

    def __call__(self, x: Any) -> Any:
        return _selu_fn(x, self.scale, self.scale_neg)

    def derivative(self, x: Any) -> Any:
        return _selu_fn.derivative(x, self.scale, self.scale_neg)

    def vjp(self, x: Any, dout: Any, wrt: Any = None) -> Any:
        return _selu_fn.vjp(x, dout, self.scale, self.scale_neg, wrt=wrt)


class ScaledTanH(_Nonlinearity):
    """Scaled tanh: scale_out * tanh(scale_in * x) (LeCun's 1.7159 * tanh(2x/3)).

    Examples
    --------
    >>> import numpy as np
    >>> from activations.compat.lasagne import ScaledTanH
    >>> ScaledTanH(2 / 3, 1.7159)(np.array([0.0, 1.5]))
    array([0.        , 1.30681941])
    """

    def __init__(self, scale_in: float = 1.0, scale_out: float = 1.0) -> None:
        self.scale_in = scale_in
        self.scale_out = scale_out

    def _params(self) -> dict[str, float]:
        return {"scale_in": self.scale_in, "scale_out": self.scale_out}

    def __call__(self, x: Any) -> Any:
        return _scaled_tanh_fn(x, self.scale_in, self.scale_out)

    def derivative(self, x: Any) -> Any:
        return _scaled_tanh_fn.derivative(x, self.scale_in, self.scale_out)

    def vjp(self, x: Any, dout: Any, wrt: Any = None) -> Any:
        return _scaled_tanh_fn.vjp(x, dout, self.scale_in, self.scale_out, wrt=wrt)


ScaledTanh = ScaledTanH

leaky_rectify = LeakyRectify(0.01)
very_leaky_rectify = LeakyRectify(1 / 3)
selu = SELU(scale=SELU_LAMBDA, scale_neg=SELU_ALPHA)

leaky_rectify._global_name = "leaky_rectify"
very_leaky_rectify._global_name = "very_leaky_rectify"
selu._global_name = "selu"

# ``import activations.compat.lasagne.init`` and ``from activations.compat.lasagne.random
# import set_rng`` work as ``lasagne.init`` and ``lasagne.random`` did
sys.modules[f"{__name__}.init"] = init
sys.modules[f"{__name__}.random"] = random
