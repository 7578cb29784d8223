"""Lasagne's nonlinearities (``lasagne.nonlinearities``), on every backend.

``rectify`` and the leaky ones are Theano's ``T.nnet.relu`` (so their slope at 0 is
(1+leakiness)/2: 0.5 for rectify); the classes are callable objects whose instances pickle and
compare like Lasagne's, and the module-level instances are stable.

Examples
--------
>>> import numpy as np
>>> from activations.compat.lasagne import LeakyRectify, very_leaky_rectify
>>> LeakyRectify(0.1)(np.array([-2.0, 3.0]))
array([-0.2,  3. ])

>>> very_leaky_rectify.leakiness
0.3333333333333333
"""

from __future__ import annotations

from typing import Any

from .. import elu, linear, sigmoid, softplus, tanh
from . import theano as _theano

__all__ = [
    "SELU",
    "LeakyRectify",
    "ScaledTanH",
    "ScaledTanh",
    "elu",
    "identity",
    "leaky_rectify",
    "linear",
    "rectify",
    "selu",
    "sigmoid",
    "softplus",
    "tanh",
    "very_leaky_rectify",
]

rectify = _theano.relu
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


class SELU(_Nonlinearity):
    """Scaled exponential linear unit: scale * (x > 0 ? x : scale_neg * expm1(x))."""

    def __init__(
        self, scale: float = 1.0507009873554805, scale_neg: float = 1.6732632423543772
    ) -> None:
        self.scale = scale
        self.scale_neg = scale_neg

    def _params(self) -> dict[str, float]:
        return {"scale": self.scale, "scale_neg": self.scale_neg}

    def __call__(self, x: Any) -> Any:
        return elu(x, self.scale_neg) * self.scale

    def derivative(self, x: Any) -> Any:
        return elu.derivative(x, self.scale_neg) * self.scale

    def vjp(self, x: Any, dout: Any) -> Any:
        return elu.vjp(x, dout, self.scale_neg) * self.scale


class ScaledTanH(_Nonlinearity):
    """Scaled tanh: scale_out * tanh(scale_in * x) (LeCun's 1.7159 * tanh(2x/3))."""

    def __init__(self, scale_in: float = 1.0, scale_out: float = 1.0) -> None:
        self.scale_in = scale_in
        self.scale_out = scale_out

    def _params(self) -> dict[str, float]:
        return {"scale_in": self.scale_in, "scale_out": self.scale_out}

    def __call__(self, x: Any) -> Any:
        return tanh(x * self.scale_in) * self.scale_out

    def derivative(self, x: Any) -> Any:
        return tanh.derivative(x * self.scale_in) * (self.scale_in * self.scale_out)

    def vjp(self, x: Any, dout: Any) -> Any:
        return dout * self.derivative(x)


ScaledTanh = ScaledTanH

leaky_rectify = LeakyRectify(0.01)
very_leaky_rectify = LeakyRectify(1 / 3)
selu = SELU()

leaky_rectify._global_name = "leaky_rectify"
very_leaky_rectify._global_name = "very_leaky_rectify"
selu._global_name = "selu"
