"""Registering the library's objects with Keras' serialization, on Keras 3 and Keras 2.

Keras finds a saved model's custom objects only in its registry, so models saved with
``activation=activations.gelu`` (any Keras), an ``activations.keras`` layer or an activation
applied to a symbolic tensor (Keras 3) load back only once these are registered. ``_on_import``
calls :func:`register` right after ``keras`` is imported, or at ``import activations`` when
Keras was imported first. Importing this module imports nothing heavy.
"""

from __future__ import annotations

import importlib
import sys

__all__ = ["register"]


def _register(keras: object, cls: type) -> None:
    saving = getattr(keras, "saving", None)
    if saving is None or not hasattr(saving, "register_keras_serializable"):
        saving = keras.utils  # type: ignore[attr-defined]  # Keras 2 before 2.13
    objects = saving.get_custom_objects()
    if objects.get(f"activations>{cls.__name__}") is not cls:
        saving.register_keras_serializable(package="activations")(cls)


def register() -> None:
    """Register the activations (and on Keras 3 the symbolic op and the layers); idempotent."""
    from ._activation import Activation
    from ._axis import AxisActivation
    from ._on_import import keras_major

    keras = sys.modules["keras"]
    _register(keras, Activation)
    _register(keras, AxisActivation)
    # the compatibility softmax objects (a few ms to import; models that use them load back)
    from .compat.keras2 import Softmax as Keras2Softmax
    from .compat.theano import RowSoftmax

    _register(keras, Keras2Softmax)
    _register(keras, RowSoftmax)
    if keras_major(keras) < 3:
        return  # the symbolic op and activations.keras are Keras 3 only
    from .backends.keras.ops import ActivationOp, AxisOp

    _register(keras, ActivationOp)
    _register(keras, AxisOp)
    importlib.import_module("activations.keras")  # its layers register themselves
