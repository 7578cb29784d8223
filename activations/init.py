"""Gains and He/Glorot initialisers, for layers ported from Theano-era code.

The weights are drawn with NumPy's random generators (a ``np.random.RandomState`` gives the
very numbers of the Theano tutorials) and then handed to the requested backend, so that one
seed gives the same initial weights on NumPy, PyTorch, TensorFlow, JAX and PyTensor.

Examples
--------
>>> import numpy as np
>>> from activations import init
>>> init.gain("relu")
1.4142135623730951

>>> W = init.glorot_uniform((3, 2), rng=np.random.RandomState(1234), gain=init.gain("sigmoid"))
>>> W.shape, W.dtype
((3, 2), dtype('float64'))
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from . import backends
from ._activation import get
from ._catalog import CATALOG

__all__ = ["gain", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "to_backend"]


def gain(name: str, **params: float) -> float:
    """The recommended gain of an activation for He/Glorot initialisation.

    sqrt(2) for relu (and its aliases, rectify), sqrt(2/(1+a^2)) for a leaky relu of slope a,
    1 for linear and tanh, and 4 for sigmoid (the Theano tutorials' rule: Glorot's uniform
    bound times 4). Each activation's catalog entry gives its gain.

    Examples
    --------
    >>> from activations.init import gain
    >>> round(gain("leaky_relu", negative_slope=0.2), 6)
    1.386750
    """
    key = name.strip().lower()
    # Lasagne's and Theano's names, whose slope is spelled their own way
    slope = params.get("alpha", params.get("leakiness"))
    if key in ("rectify", "theano.relu"):
        _only(name, params, ("alpha", "leakiness"))
        key, params = ("relu", {}) if not slope else ("leaky_rectify", params)
    if key in ("leaky_rectify", "leakyrectify"):
        _only(name, params, ("alpha", "leakiness"))
        return gain("leaky_relu", negative_slope=0.01 if slope is None else slope)
    if key == "very_leaky_rectify":
        _only(name, params, ())
        return gain("leaky_relu", negative_slope=1 / 3)
    spec = CATALOG[get(key).__name__]
    # a leaky slope may be named as either of the leaky ones names it
    slopes = ("negative_slope", "weight") if spec.name in ("leaky_relu", "prelu") else ()
    _only(name, params, tuple(dict.fromkeys(spec.param_names + slopes)))
    if spec.gain is None:
        known = ", ".join(n for n, s in CATALOG.items() if s.gain is not None)
        raise ValueError(
            f"no standard gain for {name!r}; known: {known} "
            f"(and Lasagne's rectify, leaky_rectify, very_leaky_rectify)"
        )
    return spec.gain(params)


def _only(name: str, params: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise TypeError(
            f"gain({name!r}): unexpected parameter(s) {', '.join(unknown)}; it takes "
            f"{', '.join(allowed) or 'none'}"
        )


def to_backend(array: np.ndarray, backend: Any) -> Any:
    """A NumPy array as a trainable array of ``backend`` (a name, or the testing kit's
    ``backend`` fixture): a ``tf.Variable``, a PyTensor shared variable, and otherwise the
    backend's array (``activations.testing.to_backend``)."""
    name = getattr(backend, "name", backend) if not isinstance(backend, str) else backend
    trainable = {lib.name: lib.variable for lib in backends.libraries() if lib.variable}
    if name not in trainable:
        raise ValueError(f"unknown backend {name!r}; known: {', '.join(trainable)}")
    return trainable[name](np.asarray(array))


def _rng(rng: Any) -> Any:
    if rng is None or isinstance(rng, (int, np.integer)):
        return np.random.default_rng(rng)
    return rng


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) for a (n_in, n_out) matrix, or (out, in, *kernel) convolution."""
    if len(shape) < 2:
        raise ValueError(f"initialisers need at least 2 dimensions, got shape {shape}")
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _finish(w: np.ndarray, dtype: str, backend: Any) -> Any:
    return to_backend(np.asarray(w, dtype=dtype), backend)


def glorot_uniform(
    shape: tuple[int, ...],
    *,
    gain: float = 1.0,
    rng: Any = None,
    dtype: str = "float64",
    backend: Any = "numpy",
) -> Any:
    """U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out)) (the Theano MLP tutorial's W)."""
    fan_in, fan_out = _fans(tuple(shape))
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return _finish(_rng(rng).uniform(low=-bound, high=bound, size=shape), dtype, backend)


def glorot_normal(
    shape: tuple[int, ...],
    *,
    gain: float = 1.0,
    rng: Any = None,
    dtype: str = "float64",
    backend: Any = "numpy",
) -> Any:
    """N(0, s^2) with s = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(tuple(shape))
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return _finish(_rng(rng).normal(0.0, std, size=shape), dtype, backend)


def he_uniform(
    shape: tuple[int, ...],
    *,
    gain: float = math.sqrt(2.0),
    rng: Any = None,
    dtype: str = "float64",
    backend: Any = "numpy",
) -> Any:
    """U(-b, b) with b = gain * sqrt(3 / fan_in)."""
    fan_in, _ = _fans(tuple(shape))
    bound = gain * math.sqrt(3.0 / fan_in)
    return _finish(_rng(rng).uniform(low=-bound, high=bound, size=shape), dtype, backend)


def he_normal(
    shape: tuple[int, ...],
    *,
    gain: float = math.sqrt(2.0),
    rng: Any = None,
    dtype: str = "float64",
    backend: Any = "numpy",
) -> Any:
    """N(0, s^2) with s = gain / sqrt(fan_in)."""
    fan_in, _ = _fans(tuple(shape))
    return _finish(_rng(rng).normal(0.0, gain / math.sqrt(fan_in), size=shape), dtype, backend)
