"""Lasagne's random source (``lasagne.random``): ``get_rng()`` and ``set_rng(rng)``.

Lasagne's initialisers draw from ``get_rng()``, which is NumPy's global legacy generator
(the ``np.random`` module) until ``set_rng`` replaces it, so that ``np.random.seed(s)`` makes
them reproducible. ``activations.compat.lasagne.init`` draws from here in the same way.

Examples
--------
>>> import numpy as np
>>> from activations.compat import lasagne_random
>>> lasagne_random.get_rng() is np.random
True
>>> previous = lasagne_random.set_rng(np.random.RandomState(42))
>>> lasagne_random.get_rng().uniform()
0.3745401188473625
>>> _ = lasagne_random.set_rng(previous)
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["get_rng", "set_rng"]

_rng: Any = np.random


def get_rng() -> Any:
    """The generator the initialisers draw from (``np.random`` unless ``set_rng`` was called).

    Examples
    --------
    >>> import numpy as np
    >>> from activations.compat.lasagne_random import get_rng
    >>> get_rng() is np.random
    True
    """
    return _rng


def set_rng(new_rng: Any) -> Any:
    """Draw from ``new_rng`` from now on (a ``np.random.RandomState``, or the ``np.random``
    module); returns the previous one, so that it can be put back (Lasagne returned None).

    Examples
    --------
    >>> import numpy as np
    >>> from activations.compat.lasagne_random import get_rng, set_rng
    >>> previous = set_rng(np.random.RandomState(0))
    >>> _ = set_rng(previous)
    >>> get_rng() is previous
    True
    """
    global _rng
    for method in ("uniform", "normal", "shuffle"):
        if not callable(getattr(new_rng, method, None)):
            raise TypeError(
                f"set_rng(): new_rng must be a np.random.RandomState or the np.random module "
                f"(it needs uniform, normal and shuffle), got {type(new_rng).__name__}"
            )
    previous, _rng = _rng, new_rng
    return previous
