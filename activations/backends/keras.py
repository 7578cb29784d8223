"""Keras 3 symbolic tensors (functional model building), on any Keras backend.

A ``keras.KerasTensor`` carries no data: calling an activation on one returns a KerasTensor
produced by a small ``keras.Operation`` whose ``call`` runs the activation again on the
concrete tensors of whichever Keras backend executes the model (TensorFlow, JAX or PyTorch),
where the ordinary dispatch takes over.

Saving: activations serialize by name. ``Activation`` is registered as a Keras serializable
object when this module loads, and at ``import activations`` whenever Keras is already
imported, so that models load back in a fresh process too; its ``from_config`` returns the
module-level object itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import keras

from .._spec import Spec
from ._base import Backend

__all__ = ["ActivationOp", "KerasBackend", "register_serializable"]


def register_serializable() -> None:
    """Make ``activations.<name>`` objects serializable by Keras (idempotent)."""
    from .._activation import Activation

    objects = keras.saving.get_custom_objects()
    for cls in (Activation, ActivationOp):
        if objects.get(f"activations>{cls.__name__}") is not cls:
            keras.saving.register_keras_serializable(package="activations")(cls)


class ActivationOp(keras.Operation):  # type: ignore[misc]
    """An activation applied to symbolic Keras tensors; serializable by name and parameters."""

    def __init__(self, activation: str, params: Mapping[str, Any] | None = None, name: Any = None):
        from .._activation import get

        self.activation = get(activation)
        self.params = dict(params or {})
        super().__init__(name=name)

    def call(self, x: Any, *weights: Any) -> Any:
        kwargs = dict(self.params)
        if weights:
            kwargs["weight"] = weights[0]
        return self.activation(x, **kwargs)

    def get_config(self) -> dict[str, Any]:
        return {"activation": self.activation.__name__, "params": self.params, "name": self.name}

    def compute_output_spec(self, x: Any, *weights: Any) -> Any:
        return keras.KerasTensor(x.shape, dtype=x.dtype)


class KerasBackend(Backend):
    """Symbolic only: every method builds a Keras operation, none computes."""

    name = "keras"

    def value(self, spec: Spec, x: Any, params: Mapping[str, Any], out: Any = None) -> Any:
        if out is not None:
            raise TypeError(f"{spec.name}(): out= is supported for NumPy arrays only")
        weights = [params["weight"]] if spec.array_params else []
        kwargs = {k: params[k] for k in spec.param_names if k not in spec.array_params}
        return ActivationOp(spec.name, kwargs)(x, *weights)

    def derivative(self, spec: Spec, x: Any, params: Mapping[str, Any]) -> Any:
        raise TypeError(
            f"{spec.name}.derivative() needs data; on a symbolic Keras tensor use Keras' own "
            f"gradients (the activation's gradient is defined on every backend)"
        )

    def vjp(self, spec: Spec, x: Any, dout: Any, params: Mapping[str, Any]) -> Any:
        return self.derivative(spec, x, params)


register_serializable()
BACKEND = KerasBackend()
