"""Names an old library had that a compat module deliberately does not provide.

Asking for one says what to use instead: ``from module import name`` raises an ImportError
with that message (an AttributeError from a module's ``__getattr__`` would become an
ImportError without it), and attribute access raises an AttributeError (so that ``hasattr``
is False, as for any missing name).
"""

from __future__ import annotations

import dis
import sys
from typing import NoReturn

__all__ = ["SOFTMAX", "refuse"]

_IMPORT_FROM = dis.opmap.get("IMPORT_FROM")

SOFTMAX = (
    "softmax is not provided: it normalises along an axis, it is not an elementwise "
    "activation, and activations has none yet. Use the framework's own on the last axis: "
    "scipy.special.softmax(x, axis=-1), torch.softmax(x, dim=-1), tf.nn.softmax(x), "
    "jax.nn.softmax(x), keras.ops.softmax(x) or pytensor.tensor.special.softmax(x, axis=-1)"
)


def refuse(module: str, name: str, message: str) -> NoReturn:
    """Raise for ``module.name``, from the module's ``__getattr__``.

    Examples
    --------
    >>> from activations.compat import keras2
    >>> hasattr(keras2, "softmax")
    False
    """
    caller = sys._getframe(2)  # the code asking: refuse <- __getattr__ <- it
    text = f"{module}.{name}: {message}"
    if caller.f_lasti >= 0 and caller.f_code.co_code[caller.f_lasti] == _IMPORT_FROM:
        raise ImportError(text, name=module)
    raise AttributeError(text)
