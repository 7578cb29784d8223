"""Keras 3 symbolic tensors (functional model building), on any Keras backend.

A ``keras.KerasTensor`` carries no data: calling an activation on one returns a KerasTensor
produced by a small ``keras.Operation`` whose ``call`` runs the activation again on the
concrete tensors of whichever Keras backend executes the model (TensorFlow, JAX or PyTorch),
where the ordinary dispatch takes over.

Saving: activations serialize by name; ``ActivationOp`` and ``Activation`` are registered with
Keras' serialization as soon as Keras is imported (``activations._keras_saving``), so that
models load back in a fresh process too; ``Activation.from_config`` returns the module-level
object itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import keras

from ..._spec import Spec
from .._base import Backend, is_param_array

__all__ = ["ActivationOp", "AxisOp", "KerasBackend"]


class ActivationOp(keras.Operation):  # type: ignore[misc]
    """An activation applied to symbolic Keras tensors; serializable by name and parameters.

    ``params`` are the parameters given as numbers (saved in the config); the parameters given
    as tensors or variables (``names``, in order) are the operation's inputs after x.
    """

    def __init__(
        self,
        activation: str,
        params: Mapping[str, Any] | None = None,
        name: Any = None,
        names: Sequence[str] | None = None,
    ):
        from ..._activation import get

        self.activation = get(activation)
        self.params = dict(params or {})
        spec = self.activation.spec
        self.names = tuple(names) if names is not None else spec.array_params
        super().__init__(name=name)

    def call(self, x: Any, *tensors: Any) -> Any:
        kwargs = {**self.params, **dict(zip(self.names, tensors, strict=True))}
        return self.activation(x, **kwargs)

    def get_config(self) -> dict[str, Any]:
        return {
            "activation": self.activation.__name__,
            "params": self.params,
            "name": self.name,
            "names": list(self.names),
        }

    def compute_output_spec(self, x: Any, *tensors: Any) -> Any:
        return keras.KerasTensor(x.shape, dtype=x.dtype)


class AxisOp(keras.Operation):  # type: ignore[misc]
    """softmax or log_softmax along ``axis`` applied to a symbolic Keras tensor."""

    def __init__(self, activation: str, axis: Any = -1, name: Any = None):
        self.activation = activation
        self.axis = tuple(axis) if isinstance(axis, (list, tuple)) else axis
        super().__init__(name=name)

    def call(self, x: Any) -> Any:
        from ..._axis import AXIS_ACTIVATIONS

        return AXIS_ACTIVATIONS[self.activation](x, self.axis)

    def get_config(self) -> dict[str, Any]:
        axis = list(self.axis) if isinstance(self.axis, tuple) else self.axis
        return {"activation": self.activation, "axis": axis, "name": self.name}

    def compute_output_spec(self, x: Any) -> Any:
        return keras.KerasTensor(x.shape, dtype=x.dtype)


class KerasBackend(Backend):
    """Symbolic only: every method builds a Keras operation, none computes."""

    name = "keras"
    symbolic = True

    def value(self, spec: Spec, x: Any, params: Mapping[str, Any], out: Any = None) -> Any:
        if out is not None:
            raise TypeError(f"{spec.name}(): out= is supported for NumPy arrays only")
        names = tuple(k for k in spec.param_names if is_param_array(params[k]))
        kwargs = {k: params[k] for k in spec.param_names if k not in names}
        return ActivationOp(spec.name, kwargs, names=names)(x, *(params[k] for k in names))

    def along_axis(self, activation: str, x: Any, axis: Any) -> Any:
        return AxisOp(activation, axis)(x)

    def derivative(self, spec: Spec, x: Any, params: Mapping[str, Any]) -> Any:
        raise TypeError(
            f"{spec.name}.derivative() needs data; on a symbolic Keras tensor use Keras' own "
            f"gradients (the activation's gradient is defined on every backend)"
        )

    def vjp(
        self,
        spec: Spec,
        x: Any,
        dout: Any,
        params: Mapping[str, Any],
        wrt: tuple[str, ...] = (),
    ) -> Any:
        return self.derivative(spec, x, params)


BACKEND = KerasBackend()
