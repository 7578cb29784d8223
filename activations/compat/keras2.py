"""The Keras 2 backend's ``relu(x, alpha=0., max_value=None, threshold=0.)``.

Keras 2 computed ``x * (x > threshold)``, clipped that to ``[0, max_value]``, then subtracted
``alpha * relu(threshold - x)``; so, unlike Keras 3's ``relu(x, negative_slope, max_value,
threshold)``:

- for ``threshold < x < 0`` (a negative threshold) the result is 0, not x;
- the derivative at the threshold is 0 (TensorFlow's relu gradient at 0), not ``alpha``.

Examples
--------
>>> import numpy as np
>>> from activations.compat import keras2
>>> keras2.relu(np.array([-2.0, -0.5, 1.0, 9.0]), alpha=0.1, max_value=6.0, threshold=-1.0)
array([-0.1,  0. ,  1. ,  6. ])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._activation import register_compat
from .._catalog import _if_zero, _keep_nan, _pick
from .._spec import Param, Spec, real

__all__ = ["relu"]

P = Mapping[str, Any]


def _relu(o: Any, x: Any, p: P) -> Any:
    a, m, t = p["alpha"], p["max_value"], p["threshold"]
    pos = o.where(x <= 0, 0, x)  # clip(x * (x > t), 0, max_value) for x > t
    if m is not None:
        pos = o.where(x >= m, m, pos)
    return _if_zero(
        o,
        a,
        lambda: o.where(x <= t, 0, pos),
        lambda: o.where(x > t, pos, o.where(x > t, 1, x - t) * a),
    )


def _relu_d(o: Any, x: Any, p: P) -> Any:
    a, m, t = p["alpha"], p["max_value"], p["threshold"]
    d = _pick(o, x, x > 0, 1, 0)
    if m is not None:
        d = o.where(x >= m, 0, d)
    d = o.where(x > t, d, _pick(o, x, x < t, a, 0))
    return _keep_nan(o, x, d)


def _relu_dalpha(o: Any, x: Any, p: P) -> Any:
    return o.where(x > p["threshold"], 0, x - p["threshold"])


def _relu_dmax(o: Any, x: Any, p: P) -> Any:
    d = o.where(x > p["threshold"], _pick(o, x, x >= p["max_value"], 1, 0), 0)
    return _keep_nan(o, x, d)


def _relu_dthreshold(o: Any, x: Any, p: P) -> Any:
    t = p["threshold"]
    return _keep_nan(o, x, _pick(o, x, x < t, -p["alpha"], 0))


relu = register_compat(
    Spec(
        "keras2.relu",
        "Keras 2's backend relu(x, alpha, max_value, threshold).",
        "x > threshold ? clip(x, 0, max_value) : alpha*(x - threshold)",
        _relu,
        _relu_d,
        params=(
            Param("alpha", 0.0, real(), "slope below threshold"),
            Param("max_value", None, real(optional=True, nonnegative=True), "saturation"),
            Param("threshold", 0.0, real(), "the kink"),
        ),
        piecewise=True,
        kinks=lambda p: ((p["threshold"], 0.0),),
        examples=({"alpha": 0.1, "max_value": 6.0, "threshold": -1.0}, {"threshold": 0.5}),
        partials={"alpha": _relu_dalpha, "max_value": _relu_dmax, "threshold": _relu_dthreshold},
    )
)
